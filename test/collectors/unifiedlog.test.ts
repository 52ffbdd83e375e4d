// The unified-log collector on hand-written `log stream --style ndjson` records
// (test/fixtures/unifiedlog/README.md says which fields are documented and which inferred).
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseUnifiedLogLine, unifiedLogTimeToIso } from '../../collectors/unifiedlog/parse.js';
import { newNormalizeState, normalizeUnifiedLogRecord } from '../../collectors/unifiedlog/normalize.js';
import { UNIFIEDLOG_PREDICATE, unifiedlogCollector } from '../../collectors/unifiedlog/collector.js';
import { getCollector } from '../../collectors/registry.js';
import { createFakeRunner } from '../fixtures/eslogger/fake-runner.js';

const lines = readFileSync(new URL('../fixtures/unifiedlog/log-stream.ndjson', import.meta.url), 'utf8').split('\n').filter(Boolean);
const tmp = mkdtempSync(join(tmpdir(), 'purple-unifiedlog-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('unified log: parse', () => {
  const times: Array<[string, string | undefined]> = [
    ['2026-12-02 19:41:07.123456+0100', '2026-12-02T18:41:07.123456Z'],
    ['2026-12-02 00:10:00.000001-0530', '2026-12-02T05:40:00.000001Z'],
    ['2026-12-31 23:59:59.5+0000', '2026-12-31T23:59:59.500000Z'],
    ['2026-12-02 18:41:09.5Z', undefined],
    ['2026-13-02 10:00:00.000000+0000', undefined],
    ['yesterday', undefined],
  ];
  for (const [given, want] of times) test(`timestamp ${given}`, () => assert.equal(unifiedLogTimeToIso(given), want));

  test('header, records and malformed lines are told apart', () => {
    const kinds = lines.map((l) => parseUnifiedLogLine(l).kind);
    assert.deepEqual(kinds, ['header', 'record', 'record', 'record', 'record', 'malformed', 'record', 'record', 'malformed']);
    const r = parseUnifiedLogLine(lines[2] as string);
    assert.equal(r.kind, 'record');
    if (r.kind !== 'record') return;
    assert.equal(r.record.pid, 4242);
    assert.equal(r.record.processImagePath, '/usr/bin/curl');
    assert.equal(r.record.subsystem, 'com.apple.network');
    assert.equal(r.record.timestamp, '2026-12-02T18:41:07.124001Z');
    const bad = parseUnifiedLogLine(lines[5] as string);
    assert.equal(bad.kind, 'malformed');
    if (bad.kind === 'malformed') assert.match(bad.message, /not log\(1\)'s/);
  });
});

describe('unified log: normalize (standard ECS values)', () => {
  const host = { hostId: 'h1', hostName: 'mac' };
  const state = newNormalizeState();
  const events = lines.flatMap((l) => {
    const p = parseUnifiedLogLine(l);
    return p.kind === 'record' ? normalizeUnifiedLogRecord(p.record, host, state) : [];
  });
  test('one connection_attempted event per pid and libnetwork connection with a numeric endpoint', () => {
    assert.equal(events.length, 2);
    const [a, b] = events as [Record<string, any>, Record<string, any>];
    assert.deepEqual(a.event.category, ['network']);
    assert.deepEqual(a.event.type, ['start']);
    assert.equal(a.event.action, 'connection_attempted');
    assert.equal(a.event.dataset, 'unifiedlog');
    assert.ok(a.ecs.version);
    assert.deepEqual(a.process, { pid: 4242, executable: '/usr/bin/curl', name: 'curl' });
    assert.deepEqual(a.destination, { ip: '127.0.0.1', port: 8443 });
    assert.deepEqual(a.network, { transport: 'tcp', direction: 'egress', type: 'ipv4' });
    assert.equal(a['@timestamp'], '2026-12-02T18:41:07.124001Z');
    assert.equal(a.host.os.type, 'macos');
    assert.deepEqual(b.destination, { ip: '::1', port: 8443 });
    assert.equal(b.network.type, 'ipv6');
    assert.equal(b.process.name, 'nscurl');
    assert.notEqual(a.event.id, b.event.id);
  });
  test('a <private> endpoint is counted as unresolved, never guessed', () => {
    assert.equal(state.unresolved, 1);
    assert.ok(!events.some((e) => e.process?.pid === 4300));
  });
  test('the same pid and connection logged again adds nothing', () => {
    const p = parseUnifiedLogLine(lines[2] as string);
    assert.equal(p.kind, 'record');
    if (p.kind === 'record') assert.deepEqual(normalizeUnifiedLogRecord(p.record, host, state), []);
  });
});

describe('unified log: collector', () => {
  test('registered as --collector unifiedlog', () => assert.equal(getCollector('unifiedlog'), unifiedlogCollector));
  test('streams ndjson with the network/process predicate, keeps raw lines, counts malformed ones', async () => {
    const runner = createFakeRunner({ spawn: () => ({ stdoutLines: lines }) });
    const session = await unifiedlogCollector.start({ runId: 'r', rawDir: join(tmp, 'raw'), runner, hostName: 'mac', hostId: 'h1', isRoot: false, options: {} });
    await new Promise((r) => setImmediate(r)); // the fake child replays its lines on the next turn
    const out = await session.stop();
    const argv = runner.spawned[0] as string[];
    assert.deepEqual(argv.slice(1, 7), ['stream', '--style', 'ndjson', '--level', 'info', '--predicate']);
    assert.equal(argv[7], UNIFIEDLOG_PREDICATE);
    assert.match(UNIFIEDLOG_PREDICATE, /subsystem == "com\.apple\.network"/);
    assert.equal(out.events.length, 2);
    assert.equal(out.info.details.malformed, 2);
    assert.equal(out.info.details.unresolved_endpoints, 1);
    assert.equal(out.info.details.log_source, 'macos:unifiedlog');
    assert.equal(out.info.fidelity.process_exec, false);
    assert.ok(out.info.blind_spots.some((b) => /no process exec/.test(b)));
    assert.equal(readFileSync(out.rawFiles[0] as string, 'utf8').split('\n').filter(Boolean).length, lines.length);
  });
  test('probe: not available off macOS, with the reason', async () => {
    const runner = createFakeRunner({ run: () => ({ failed: 'ENOENT' }) });
    const a = await unifiedlogCollector.probe({ runner, hostName: 'x', hostId: 'h', isRoot: false, options: {} });
    assert.equal(a.available, false);
    assert.match(a.reason ?? '', /macOS only/);
  });
});
