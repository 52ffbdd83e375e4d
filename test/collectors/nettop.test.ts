import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseNettopCsv, placeLocalTime } from '../../collectors/pktap/parse-nettop.js';
import { nettopCollector } from '../../collectors/pktap/nettop-collector.js';
import { createFakeRunner } from '../fixtures/eslogger/fake-runner.js';

const csv = readFileSync(new URL('../fixtures/pktap/nettop.csv', import.meta.url), 'utf8');
const usage = readFileSync(new URL('../fixtures/pktap/nettop-usage.txt', import.meta.url), 'utf8');
const tmp = mkdtempSync(join(tmpdir(), 'purple-nettop-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

// A local noon, so the time-of-day placement cannot cross midnight in any time zone.
const snapshot = new Date(2025, 7, 7, 13, 21, 36).getTime();

describe('nettop CSV', () => {
  const r = parseNettopCsv(csv, snapshot);
  test('connections with their process rows, IPv4 as ip:port and IPv6 as addr.port', () => {
    assert.deepEqual(
      r.connections.map((c) => `${c.name}.${c.pid} ${c.transport}/${c.family} ${c.local.ip}:${c.local.port}>${c.remote.ip}:${c.remote.port} ${c.state ?? '-'}`),
      [
        'apsd.590 tcp/ipv4 198.18.0.1:65333>17.57.146.137:5223 Established',
        'curl.4243 tcp/ipv4 192.168.1.42:53211>93.184.216.34:443 Established',
        'Python.4242 tcp/ipv4 127.0.0.1:60001>127.0.0.1:8443 Established',
        'Python.4242 tcp/ipv6 2001:db8::42:61000>2606:2800:220:1:248:1893:25c8:1946:443 SynSent',
        'node.3999 tcp/ipv4 127.0.0.1:8443>127.0.0.1:60001 Established',
        'Google Chrome H.74297 quic/ipv4 192.168.1.42:64243>8.47.69.0:443 -',
        'Google Chrome H.74297 quic/ipv6 fe80::7ca2:20ff:fe4d:277:52214>fe80::13:faff:fe55:a839:50386 -',
      ],
    );
  });
  test('bytes and interface kept as evidence', () => {
    assert.deepEqual(r.connections[1]?.extra, { interface: 'en0', bytes_in: 120, bytes_out: 9000 });
  });
  test('name-resolved endpoints and rows without pid are problems with line numbers', () => {
    assert.deepEqual(r.problems.map((p) => p.line), [16, 17]);
  });
  test('usage text instead of CSV is reported, not thrown', () => {
    const u = parseNettopCsv(usage, snapshot);
    assert.equal(u.connections.length, 0);
    assert.match(u.problems[0]?.message ?? '', /header/);
  });
  test('time of day lands on the snapshot date with microseconds', () => {
    const iso = placeLocalTime('13:21:35.231002', snapshot) ?? '';
    assert.equal(Date.parse(iso), new Date(2025, 7, 7, 13, 21, 35, 231).getTime());
    assert.match(iso, /\.231002Z$/);
    // Just after midnight, a row stamped 23:59:59 belongs to the previous day.
    const justAfter = new Date(2025, 7, 8, 0, 0, 1).getTime();
    assert.equal(Date.parse(placeLocalTime('23:59:59.000000', justAfter) ?? ''), new Date(2025, 7, 7, 23, 59, 59).getTime());
    assert.equal(placeLocalTime('25:00', snapshot), undefined);
  });
});

describe('nettop collector', () => {
  test('baseline snapshot is not reported; new connections are, once', async () => {
    let call = 0;
    const first = csv.split('\n').slice(0, 3).join('\n'); // only apsd's connection exists before the run
    const runner = createFakeRunner({ run: () => ({ stdout: call++ === 0 ? first : csv }) });
    const session = await nettopCollector.start({ runId: 'r', rawDir: join(tmp, 'n1'), runner, hostName: 'mac', hostId: 'h', isRoot: false, options: { pollIntervalMs: 3_600_000 } });
    await session.variantDone({ variantId: 'v', rootPids: [4242], startMs: 0, endMs: 1 });
    const out = await session.stop();
    assert.deepEqual(runner.ran[0], ['/usr/bin/nettop', '-L', '1', '-n', '-x', '-J', 'time,interface,state,bytes_in,bytes_out']);
    assert.equal(runner.ran.length, 3);
    assert.equal(out.events.length, 6);
    assert.ok(!out.events.some((e) => e.process?.name === 'apsd'));
    const curl = out.events.find((e) => e.process?.pid === 4243);
    assert.equal(curl?.network?.direction, 'egress');
    assert.equal(out.events.find((e) => e.process?.pid === 3999)?.network?.direction, 'ingress');
    assert.equal(out.info.details.baseline_connections, 1);
    assert.equal(out.rawFiles.length, 3);
    assert.ok(out.info.blind_spots.some((b) => /between two polls/.test(b)));
    assert.equal(out.info.errors.length, 4, out.info.errors.join('\n')); // 2 problem rows x 2 full snapshots
  });
  test('probe: not found', async () => {
    const runner = createFakeRunner({ which: { nettop: undefined } });
    const a = await nettopCollector.probe({ runner, hostName: 'm', hostId: 'h', isRoot: false, options: {} });
    assert.equal(a.available, false);
    assert.equal(a.fidelity.network_attribution, true);
  });
});
