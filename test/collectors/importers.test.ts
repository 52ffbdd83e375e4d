import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCommandRunner } from '../../harness/command-runner.js';
import { isPurpleError, makeEntityId, type ImportStats, type Importer, type TelemetryEvent } from '../../src/model/index.js';
import { IMPORTERS, getImporter, sniffImporter } from '../../collectors/importers/index.js';
import { expandDottedKeys } from '../../collectors/importers/ecs.js';
import { joinCommandLine, splitCommandLine, toIsoMicros } from '../../collectors/importers/fields.js';
import { createEsloggerParser } from '../../collectors/eslogger/parse.js';

const text = (dir: string, name: string): string => readFileSync(new URL(`../fixtures/${dir}/${name}`, import.meta.url), 'utf8');

function importText(imp: Importer, input: string, opts: { hostName?: string; hostId?: string } = {}): { events: TelemetryEvent[]; stats: ImportStats } {
  const s = imp.create(opts);
  const events: TelemetryEvent[] = [];
  input.split('\n').forEach((l, i) => events.push(...s.push(l, i + 1)));
  events.push(...s.end());
  return { events, stats: s.stats() };
}
const summary = (e: TelemetryEvent): string => `${e.event.category}/${e.event.type}/${e.event.action} pid=${e.process?.pid ?? '-'}`;

describe('importer registry', () => {
  test('ids', () => assert.deepEqual(Object.keys(IMPORTERS).sort(), ['ecs', 'eslogger', 'linux-audit', 'ocsf', 'osquery']));
  test('unknown id lists the valid ones', () => {
    assert.throws(
      () => getImporter('splunk'),
      (e: unknown) => isPurpleError(e) && e.code === 'UNKNOWN_ID' && /ecs, eslogger, linux-audit, ocsf, osquery/.test(e.hint ?? ''),
    );
  });
  const sniffCases: Array<[string, string, string | undefined]> = [
    ['eslogger', 'object-tokens-v9.ndjson', 'eslogger'],
    ['eslogger', 'array-tokens-v10.ndjson', 'eslogger'],
    ['importers', 'ecs-elastic-defend.ndjson', 'ecs'],
    ['importers', 'ecs-flat-filebeat.ndjson', 'ecs'],
    ['importers', 'ecs-es-export.ndjson', 'ecs'],
    ['importers', 'ocsf.ndjson', 'ocsf'],
    ['importers', 'osquery-differential.ndjson', 'osquery'],
    ['importers', 'osquery-snapshot.ndjson', 'osquery'],
    ['importers', 'osqueryi.json', 'osquery'],
    ['pktap', 'nettop.csv', undefined],
    ['linux-audit', 'run.audit.log', 'linux-audit'],
    ['linux-audit', 'run.ausearch-raw.log', 'linux-audit'],
    ['linux-audit', 'malformed.audit.log', 'linux-audit'],
    ['strace', 'emulation.strace', undefined],
  ];
  for (const [dir, name, want] of sniffCases) {
    test(`sniff ${name} → ${want ?? 'nothing'}`, () => assert.equal(sniffImporter(text(dir, name).split('\n').slice(0, 5))?.id, want));
  }
  test('sniff of nothing', () => assert.equal(sniffImporter(['', '  ']), undefined));
});

describe('fields helpers', () => {
  const times: Array<[unknown, string | undefined]> = [
    ['2025-08-07T13:21:35.880814738Z', '2025-08-07T13:21:35.880814Z'],
    ['2025-08-07T13:21:35Z', '2025-08-07T13:21:35.000000Z'],
    ['2025-08-07T15:21:35.5+02:00', '2025-08-07T13:21:35.500000Z'],
    [1754572895450, '2025-08-07T13:21:35.450000Z'],
    [1754572895, '2025-08-07T13:21:35.000000Z'],
    ['1754572895.123456', '2025-08-07T13:21:35.123456Z'],
    ['yesterday', undefined],
    [null, undefined],
  ];
  for (const [input, want] of times) test(`toIsoMicros(${JSON.stringify(input)})`, () => assert.equal(toIsoMicros(input), want));
  test('command lines round-trip', () => {
    const args = ['openssl', 'enc', '-pass', 'pass:two words', 'a"b', ''];
    assert.deepEqual(splitCommandLine(joinCommandLine(args)), args);
  });
  test('dotted keys expand and merge with nested ones', () => {
    assert.deepEqual(expandDottedKeys({ 'process.pid': 1, process: { name: 'x' }, '@timestamp': 't', 'process.parent.pid': 2 }), {
      process: { pid: 1, name: 'x', parent: { pid: 2 } },
      '@timestamp': 't',
    });
  });
});

describe('ecs importer', () => {
  test('Elastic Defend export: arrays, string numbers, actions and directions normalised', () => {
    const { events, stats } = importText(IMPORTERS.ecs as Importer, text('importers', 'ecs-elastic-defend.ndjson'));
    assert.deepEqual(events.map(summary), ['process/start/exec pid=4242', 'network/connection/connect pid=4242', 'library/start/load pid=4242', 'process/end/exit pid=4242']);
    const exec = events[0] as TelemetryEvent;
    assert.equal(exec.event.id, 'NxPs9WKz4yK0b2Nc+++0aaaa');
    assert.equal(exec.event.sequence, 1001);
    assert.equal(exec['@timestamp'], '2025-08-07T13:21:35.200000Z');
    assert.equal(exec.process?.args_count, 3);
    assert.equal(exec.process?.command_line, 'python3 -c "from cryptography.hazmat.primitives.ciphers import Cipher"');
    assert.deepEqual(exec.process?.Ext?.ancestry, ['ZGVmZW5kLTUwMA==', 'ZGVmZW5kLTQwMA==']);
    assert.equal(exec.user?.id, '501');
    assert.equal(events[1]?.network?.direction, 'egress');
    assert.equal(events[1]?.source?.port, 53211);
    assert.deepEqual(stats, {
      lines: 8,
      events: 4,
      skipped: 1,
      malformed: 3,
      problems: [
        { line: 6, message: 'missing or unparseable "@timestamp"' },
        { line: 7, message: 'no "event" object: not ECS' },
        { line: 8, message: stats.problems[2]?.message ?? '' },
      ],
    });
    assert.match(stats.problems[2]?.message ?? '', /not JSON/);
  });
  test('Filebeat flat dotted keys and epoch-millisecond timestamps', () => {
    const { events, stats } = importText(IMPORTERS.ecs as Importer, text('importers', 'ecs-flat-filebeat.ndjson'));
    assert.equal(stats.malformed, 0);
    assert.equal(events[0]?.process?.name, 'openssl');
    assert.equal(events[0]?.process?.parent?.pid, 4000);
    assert.equal(events[0]?.labels?.purple_run_id, 'run-1');
    assert.equal(events[0]?.['@timestamp'], '2025-08-07T13:21:35.200123Z');
    assert.equal(events[1]?.['@timestamp'], '2025-08-07T13:21:35.450000Z');
    assert.equal(events[1]?.destination?.port, 8443);
    assert.equal(events[1]?.process?.pid, 4243);
    // No event.id in the source: one is derived from the line, the same on every import.
    assert.equal(events[1]?.event.id, importText(IMPORTERS.ecs as Importer, text('importers', 'ecs-flat-filebeat.ndjson')).events[1]?.event.id);
    assert.notEqual(events[0]?.event.id, events[1]?.event.id);
  });
  test('Elasticsearch hits: _source and fields, _id as event.id', () => {
    const { events } = importText(IMPORTERS.ecs as Importer, text('importers', 'ecs-es-export.ndjson'));
    assert.deepEqual(events.map((e) => e.event.id), ['hit-0001', 'hit-0002']);
    assert.deepEqual(events[0]?.process?.args, ['openssl']);
    assert.deepEqual(events[1]?.process?.args, ['curl', '-T', 'x']);
    assert.equal(events[1]?.destination?.ip, '127.0.0.1');
  });
  test('our own NDJSON round-trips unchanged (live run and `purple detect` see the same events)', () => {
    const p = createEsloggerParser({ hostId: 'h1', hostName: 'mac-1' });
    const live = text('eslogger', 'object-tokens-v9.ndjson')
      .split('\n')
      .filter(Boolean)
      .flatMap((l) => {
        const r = p.parse(l);
        return r.kind === 'events' ? r.events : [];
      });
    const ndjson = live.map((e) => JSON.stringify(e)).join('\n');
    const { events, stats } = importText(IMPORTERS.ecs as Importer, ndjson);
    assert.equal(stats.malformed, 0);
    assert.deepEqual(events, live);
  });
});

describe('eslogger importer', () => {
  test('same events as the live parser; malformed lines counted with line numbers', () => {
    const { events, stats } = importText(IMPORTERS.eslogger as Importer, text('eslogger', 'malformed.ndjson'), { hostId: 'h1' });
    assert.equal(events.length, 2);
    assert.equal(stats.malformed, 7);
    assert.deepEqual(stats.problems.map((p) => p.line), [2, 3, 4, 5, 6, 7, 8]);
    assert.equal(events[0]?.process?.entity_id, makeEntityId('h1', 4242, 200));
  });
});

describe('ocsf importer', () => {
  const { events, stats } = importText(IMPORTERS.ocsf as Importer, text('importers', 'ocsf.ndjson'));
  test('1007 launch/terminate, 4001 open, 1005 load; other classes and activities skipped', () => {
    assert.deepEqual(events.map(summary), ['process/start/exec pid=4242', 'process/end/exit pid=4242', 'network/connection/connect pid=4243', 'library/start/load pid=4242']);
    assert.equal(stats.skipped, 2);
    assert.deepEqual(stats.problems.map((p) => p.line), [7, 8, 9]);
  });
  test('launch maps process, parent, user, host and splits cmd_line', () => {
    const e = events[0] as TelemetryEvent;
    assert.equal(e.event.id, 'ocsf-0001');
    assert.equal(e['@timestamp'], '2025-08-07T13:21:35.200000Z');
    assert.deepEqual(e.process?.args, ['python3', '-c', 'import os; print(1)', '--out', '/tmp/x.enc']);
    assert.equal(e.process?.entity_id, 'proc-4242-1');
    assert.equal(e.process?.start, '2025-08-07T13:21:35.190000Z');
    assert.deepEqual(e.process?.parent, { pid: 500, entity_id: 'proc-500-1', name: 'zsh', executable: '/bin/zsh' });
    assert.deepEqual(e.user, { name: 'lab', id: '501' });
    assert.deepEqual(e.host, { name: 'mac-1', id: 'dev-1', os: { type: 'macos' } });
  });
  test('network: IPv6, direction, transport, domain', () => {
    const e = events[2] as TelemetryEvent;
    assert.deepEqual(e.network, { transport: 'tcp', direction: 'egress', type: 'ipv6' });
    assert.deepEqual(e.destination, { ip: '2606:2800:220:1:248:1893:25c8:1946', port: 443, domain: 'example.com' });
    assert.equal(e.process?.executable, '/usr/bin/curl');
    assert.equal(e.host?.os?.type, 'linux');
  });
});

describe('osquery importer', () => {
  test('differential log: exec, fork (child is the process), exit, connect; removed and other tables not events', () => {
    const { events, stats } = importText(IMPORTERS.osquery as Importer, text('importers', 'osquery-differential.ndjson'));
    assert.deepEqual(events.map(summary), ['process/start/exec pid=4242', 'process/start/fork pid=4243', 'process/end/exit pid=4243', 'network/connection/connect pid=4243']);
    const exec = events[0] as TelemetryEvent;
    assert.deepEqual(exec.process?.args, ['python3', '-c', 'import os; print(1)', '/tmp/payload']);
    assert.equal(exec.process?.entity_id, makeEntityId('mac-1', 4242, 1754572895000));
    assert.deepEqual(exec.process?.code_signature, { signing_id: 'org.python.python', team_id: 'DJ3H93M7VJ', platform_binary: false });
    assert.equal(exec.host?.name, 'mac-1');
    assert.equal(events[1]?.process?.parent?.pid, 4242);
    const net = events[3] as TelemetryEvent;
    assert.deepEqual(net.network, { transport: 'tcp', direction: 'egress', type: 'ipv6' });
    assert.deepEqual(net.destination, { ip: '::1', port: 8443 });
    assert.equal(net.event.outcome, 'success');
    assert.equal(stats.skipped, 2); // removed row, bind
    assert.deepEqual(stats.problems.map((p) => p.line), [7, 8]); // uptime table, truncated line
  });
  test('snapshot and batched diff logs: every row, quoted arguments', () => {
    const { events } = importText(IMPORTERS.osquery as Importer, text('importers', 'osquery-snapshot.ndjson'));
    assert.deepEqual(events.map(summary), ['process/start/exec pid=4242', 'network/connection/connect pid=4243', 'process/start/exec pid=4300']);
    assert.deepEqual(events[0]?.process?.args, ['openssl', 'enc', '-aes-256-cbc', '-pass', 'pass:two words']);
  });
  test('osqueryi --json array, one row per line', () => {
    const { events, stats } = importText(IMPORTERS.osquery as Importer, text('importers', 'osqueryi.json'), { hostId: 'h9', hostName: 'mac-9' });
    assert.deepEqual(events.map(summary), ['process/start/exec pid=4243', 'process/end/exit pid=4242']);
    assert.equal(events[0]?.host?.name, 'mac-9');
    assert.equal(stats.malformed, 0);
    assert.equal(stats.skipped, 2);
  });
});

describe('linux-audit importer (registered)', () => {
  test('raw audit.log through the registry: the collector parser, grouped by serial', () => {
    const { events, stats } = importText(getImporter('linux-audit'), text('linux-audit', 'run.audit.log'), { hostId: 'host-1', hostName: 'lab' });
    assert.equal(stats.malformed, 0);
    assert.ok(events.length > 0);
    assert.ok(events.every((e) => e.event.dataset === 'linux-audit' && e.host?.name === 'lab'));
    const execs = events.filter((e) => e.event.action === 'exec').map((e) => e.process?.name);
    assert.ok(execs.includes('openssl') && execs.includes('curl'), execs.join(','));
    assert.ok(events.some((e) => e.event.action === 'connect' && e.destination?.ip === '127.0.0.1'));
  });
  test('`ausearch --raw` separators are not malformed lines', () => {
    const { stats } = importText(getImporter('linux-audit'), ['----', ...text('linux-audit', 'run.ausearch-raw.log').split('\n'), '----'].join('\n'));
    assert.equal(stats.malformed, 0);
  });
  test('purple detect reads an audit.log (guessed and with --from linux-audit) and fires the DET0503 pack', async () => {
    const root = join(import.meta.dirname, '..', '..');
    const file = join(root, 'test', 'fixtures', 'linux-audit', 'run.audit.log');
    const runner = createCommandRunner();
    for (const from of [[], ['--from', 'linux-audit']]) {
      const r = await runner.run([process.execPath, '--import', 'tsx', join(root, 'src', 'cli', 'main.ts'), 'detect', '--events', file, ...from], { timeoutMs: 60_000 });
      assert.equal(r.exitCode, 0, r.stderr);
      assert.match(r.stderr, /lines read as linux-audit: \d+ events, \d+ skipped, 0 malformed/);
      const strengths = new Set(r.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { join_strength?: string }).join_strength));
      assert.ok(strengths.has('siblings') && strengths.has('parent-child'), [...strengths].join(','));
    }
  });
});
