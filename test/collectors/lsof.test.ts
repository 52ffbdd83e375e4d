import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseLsofFields } from '../../collectors/pktap/parse-lsof.js';
import { lsofCollector } from '../../collectors/pktap/lsof-collector.js';
import { createFakeRunner } from '../fixtures/eslogger/fake-runner.js';

const fixture = (n: string): string => readFileSync(new URL(`../fixtures/pktap/${n}`, import.meta.url), 'utf8');
const tmp = mkdtempSync(join(tmpdir(), 'purple-lsof-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const show = (r: ReturnType<typeof parseLsofFields>): string[] =>
  r.connections.map((c) => `${c.name}:${c.pid}<${c.ppid ?? '-'} ${c.transport}/${c.family} ${c.local.ip}:${c.local.port}>${c.remote.ip}:${c.remote.port} ${c.state ?? '-'}`);

describe('lsof -F field output', () => {
  test('real capture (lsof 4.95): IPv4 and IPv6 connected sockets, listeners skipped', () => {
    const r = parseLsofFields(fixture('lsof-linux-real.txt'));
    assert.equal(r.problems.length, 0, JSON.stringify(r.problems));
    assert.equal(r.skipped, 2);
    const s = show(r);
    assert.equal(s.length, 3);
    assert.ok(s.some((x) => /^python3:\d+<\d+ tcp\/ipv6 ::1:\d+>::1:18766 ESTABLISHED$/.test(x)), s.join('\n'));
    assert.ok(s.some((x) => /tcp\/ipv4 127\.0\.0\.1:\d+>127\.0\.0\.1:18765 ESTABLISHED$/.test(x)));
  });
  test('macOS-shaped capture', () => {
    const r = parseLsofFields(fixture('lsof-macos.txt'));
    assert.deepEqual(show(r), [
      'curl:4243<4242 tcp/ipv4 192.168.1.42:53211>93.184.216.34:443 SYN_SENT',
      'Python:4242<500 tcp/ipv4 127.0.0.1:60001>127.0.0.1:8443 ESTABLISHED',
      'Python:4242<500 tcp/ipv6 2001:db8::42:61000>2606:2800:220:1:248:1893:25c8:1946:443 ESTABLISHED',
      'node:3999<1 tcp/ipv4 127.0.0.1:8443>127.0.0.1:60001 ESTABLISHED',
    ]);
    assert.equal(r.connections[0]?.userName, 'lab');
    assert.equal(r.connections[0]?.userId, '501');
    assert.deepEqual(
      r.problems.map((p) => p.line),
      [78, 79, 80],
    );
  });
});

describe('lsof collector', () => {
  test('reports new connections with user, parent pid and SYN_SENT as egress', async () => {
    let call = 0;
    const runner = createFakeRunner({ run: () => ({ stdout: call++ === 0 ? '' : fixture('lsof-macos.txt') }) });
    const session = await lsofCollector.start({ runId: 'r', rawDir: join(tmp, 'l1'), runner, hostName: 'mac', hostId: 'h', isRoot: true, options: { pollIntervalMs: 3_600_000 } });
    const out = await session.stop();
    assert.deepEqual(runner.ran[0], ['/usr/bin/lsof', '-i', '-n', '-P', '+c', '0', '-F']);
    assert.equal(out.events.length, 4);
    const curl = out.events.find((e) => e.process?.pid === 4243);
    assert.equal(curl?.network?.direction, 'egress');
    assert.deepEqual(curl?.process?.parent, { pid: 4242 });
    assert.deepEqual(curl?.user, { id: '501', name: 'lab' });
    assert.equal(curl?.event.dataset, 'lsof');
  });
  test('a failing snapshot is an error in the report', async () => {
    const runner = createFakeRunner({ run: () => ({ exitCode: 1, stdout: '', stderr: 'lsof: boom' }) });
    const session = await lsofCollector.start({ runId: 'r', rawDir: join(tmp, 'l2'), runner, hostName: 'mac', hostId: 'h', isRoot: false, options: { pollIntervalMs: 3_600_000 } });
    const out = await session.stop();
    assert.equal(out.events.length, 0);
    assert.match(out.info.errors[0] ?? '', /lsof: boom/);
    assert.ok(out.info.blind_spots.some((b) => /not root/.test(b)));
  });
});
