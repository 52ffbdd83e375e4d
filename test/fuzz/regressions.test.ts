// Inputs the fuzz suites found that crashed a parser (an exception that was not a located
// PurpleError, or a stack overflow), each kept as a plain regression test beside the fix.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeExecveArgs } from '../../collectors/linux-audit/decode.js';
import { parseAuditRecord } from '../../collectors/linux-audit/record.js';
import { IMPORTERS } from '../../collectors/importers/index.js';
import { tryEpochToIso } from '../../collectors/importers/fields.js';
import { parseJsonObject } from '../../collectors/importers/import-stats.js';
import { parseTcpdumpLine } from '../../collectors/pktap/parse-tcpdump.js';
import { decodeStraceString, decodeStraceStringArray } from '../../collectors/strace/parse.js';
import { normalizeStraceText } from '../../collectors/strace/normalize.js';
import { compileEql, loadRulesWithDiagnostics } from '../../src/detector/index.js';
import { parseCondition, ConditionError } from '../../src/detector/sigma/condition.js';
import { isPurpleError, type ImportStats, type TelemetryEvent } from '../../src/model/index.js';

function importLines(id: string, lines: string[]): { events: TelemetryEvent[]; stats: ImportStats } {
  const s = IMPORTERS[id]!.create({ hostName: 'h' });
  const events = lines.flatMap((l, i) => s.push(l, i + 1));
  events.push(...s.end());
  return { events, stats: s.stats() };
}

describe('importers', () => {
  test('ECS: process.args that is a number is a one-valued argv, an object is no argv (was: TypeError args.map)', () => {
    const base = { '@timestamp': '2025-08-07T13:21:35.200123Z', event: { category: 'process', type: 'start', action: 'exec' }, process: { pid: 1, executable: '/usr/bin/openssl' } };
    const num = importLines('ecs', [JSON.stringify({ ...base, process: { ...base.process, args: 5e-324 } })]);
    assert.deepEqual(num.events[0]?.process?.args, ['5e-324']);
    const obj = importLines('ecs', [JSON.stringify({ ...base, process: { ...base.process, args: { a: 1 } } })]);
    assert.equal(obj.events[0]?.process?.args, undefined);
    assert.equal(obj.events[0]?.process?.command_line, undefined);
  });

  test('epoch times a Date cannot hold are unparseable, not a RangeError (eslogger, OCSF, osquery, ECS)', () => {
    assert.equal(tryEpochToIso(-8640000000001), undefined);
    assert.equal(tryEpochToIso(8640000000000001000), undefined);
    assert.equal(tryEpochToIso(Number.NaN), undefined);
    assert.equal(tryEpochToIso(1754572895.2), '2025-08-07T13:21:35.200000Z');
    const ocsf = importLines('ocsf', [JSON.stringify({ class_uid: 1005, activity_id: 1, time: -8640000000001, module: { file: { path: '/usr/lib/libcrypto.so.3' } }, actor: { process: { pid: 4242 } } })]);
    assert.equal(ocsf.stats.malformed, 1);
    assert.match(ocsf.stats.problems[0]?.message ?? '', /time/);
    const osq = importLines('osquery', [JSON.stringify({ diffResults: { added: [{ pid: '4300', path: '/bin/sh', cmdline: 'sh -c true', time: -8640000000001, event_type: 'exec' }] }, name: 'pack_purple_es_process_events', hostIdentifier: 'mac-1', unixTime: 1 })]);
    assert.equal(osq.stats.malformed, 1);
    const ecs = importLines('ecs', [JSON.stringify({ '@timestamp': 8640000000000001000, event: { category: 'process' } })]);
    assert.equal(ecs.stats.malformed, 1);
    const es = importLines('eslogger', [JSON.stringify({ version: 10, time: '2025-08-07T13:22:35.450222000Z', event_type: 9, global_seq_num: 1, process: { audit_token: [501, 501, 20, 501, 20, 4243, 100019, 300], ppid: 1, executable: { path: '/x' }, start_time: 8640000000000001000 }, event: { exec: { target: { audit_token: [501, 501, 20, 501, 20, 4243, 100019, 301], ppid: 1, executable: { path: '/usr/bin/curl' } }, args: ['curl'] } } })]);
    assert.equal(es.stats.malformed + es.stats.events + es.stats.skipped, 1);
  });

  test('JSON nested 50,000 deep is a malformed line, not a stack overflow (was: RangeError in the ECS mapper)', () => {
    const deep = '{"a":'.repeat(50_000) + '1' + '}'.repeat(50_000);
    assert.deepEqual(parseJsonObject(deep), { ok: false, message: 'JSON nested more than 64 levels deep' });
    // Brackets inside strings do not count.
    assert.equal(parseJsonObject(JSON.stringify({ s: '['.repeat(1000) })).ok, true);
    for (const id of ['ecs', 'ocsf', 'osquery']) {
      const r = importLines(id, [`{"@timestamp":"2024-01-01T00:00:00Z","event":{"category":"process"},"process":${deep}}`]);
      assert.equal(r.stats.malformed, 1, id);
      assert.equal(r.stats.problems[0]?.line, 1, id);
    }
  });

  test('tcpdump: an epoch out of range is a malformed line (was: RangeError)', () => {
    assert.deepEqual(parseTcpdumpLine('99999999999999999999.1 IP 127.0.0.1.1 > 127.0.0.1.2: Flags [S], length 0'), { malformed: 'timestamp 99999999999999999999.1 is out of range' });
  });
});

describe('audit', () => {
  test('a record time a Date cannot hold is a malformed line (was: RangeError when the event was stamped)', () => {
    const line = 'type=SYSCALL msg=audit(17951795919922.947:925): arch=c000003e syscall=56 success=yes exit=20437 items=0 ppid=1 pid=2 uid=0 comm="bash" exe="/usr/bin/bash" key="k"';
    const r = importLines('linux-audit', [line, 'type=EOE msg=audit(17951795919922.947:925):']);
    assert.equal(r.events.length, 0);
    assert.equal(r.stats.malformed, 2);
    assert.match(r.stats.problems[0]?.message ?? '', /out of range/);
    assert.equal(r.stats.problems[0]?.line, 1);
  });

  test('an EXECVE that claims billions of arguments is not materialised (was: V8 fatal "invalid size" in CI)', () => {
    const rec = (line: string) => {
      const r = parseAuditRecord(line);
      assert.ok('record' in r);
      return r.record;
    };
    const huge = decodeExecveArgs([rec('type=EXECVE msg=audit(1.0:1): argc=169220804 a0="curl" a1="-s"')]);
    assert.deepEqual(huge, { args: ['curl', '-s'], argc: undefined, missing: 0 });
    const farIndex = decodeExecveArgs([rec('type=EXECVE msg=audit(1.0:1): argc=2 a0="curl" a99999999999="x"')]);
    assert.deepEqual(farIndex, { args: ['curl'], argc: 2, missing: 1 });
    const gap = decodeExecveArgs([rec('type=EXECVE msg=audit(1.0:1): argc=4 a0="a" a2="c"')]);
    assert.deepEqual(gap, { args: ['a', '', 'c'], argc: 4, missing: 2 });
  });
});

describe('strace', () => {
  test('an epoch time a Date cannot hold is an unusable timestamp (was: RangeError)', () => {
    const r = normalizeStraceText('4242 99999999999999.5 execve("/bin/true", ["true"], 0x7ffd /* 3 vars */) = 0\n', { hostId: 'h' });
    assert.equal(r.events.length, 0);
    assert.match(r.malformed[0]?.message ?? '', /unusable timestamp/);
    assert.equal(r.malformed[0]?.line, 1);
  });

  test('a bare \\x in a quoted string is the letter x (was: TypeError reading null[0])', () => {
    assert.deepEqual(decodeStraceString('"a\\x(41"'), { text: 'ax(41', truncated: false });
    assert.deepEqual(decodeStraceString('"\\x"'), { text: 'x', truncated: false });
    assert.deepEqual(decodeStraceString('"\\x41\\x4"'), { text: 'A\x04', truncated: false });
    assert.deepEqual(decodeStraceStringArray('["/usr/b\\xin/sh", "-c"]'), ['/usr/bxin/sh', '-c']);
  });
});

describe('EQL parser', () => {
  const locatedParseError = (q: string, msg: RegExp): void => {
    assert.throws(
      () => compileEql(q),
      (e: unknown) => isPurpleError(e) && e.code === 'PARSE' && msg.test(e.message) && (e.location.line ?? 0) >= 1 && (e.location.column ?? 0) >= 1 && !!e.hint,
    );
  };
  test('939 nested parentheses are a located error (was: RangeError, call stack exceeded)', () => {
    locatedParseError(`process where ${'('.repeat(939)}true${')'.repeat(939)}`, /nested more than 128 levels/);
    locatedParseError(`process where ${'not '.repeat(20_000)}true`, /nested more than 128 levels/);
    locatedParseError(`process where a == ${'-'.repeat(20_000)}1`, /nested more than 128 levels/);
    assert.doesNotThrow(() => compileEql(`process where ${'('.repeat(100)}true${')'.repeat(100)}`));
  });
  test('a 20,000-term or chain is a located error with a hint to use in (…) (was: RangeError)', () => {
    locatedParseError(`process where ${Array(20_000).fill('a == 1').join(' or ')}`, /more than 2000 operators deep/);
    assert.doesNotThrow(() => compileEql(`process where ${Array(1500).fill('a == 1').join(' or ')}`));
    assert.doesNotThrow(() => compileEql(`process where a in (${Array(20_000).fill('"x"').join(', ')})`));
  });
});

describe('Sigma', () => {
  test('5,000 nested parentheses in a condition: a ConditionError, and a PARSE error at the line on load (was: INTERNAL stack overflow)', () => {
    assert.throws(() => parseCondition('('.repeat(5000) + 'sel' + ')'.repeat(5000)), (e: unknown) => e instanceof ConditionError && /128 levels/.test(e.message));
    assert.throws(() => parseCondition('not '.repeat(50_000) + 'sel'), (e: unknown) => e instanceof ConditionError);
    const text = `title: t\nlogsource: {product: linux}\ndetection:\n  sel:\n    CommandLine: x\n  condition: '${'('.repeat(5000)}sel${')'.repeat(5000)}'\n`;
    const { errors } = loadRulesWithDiagnostics([{ path: 'deep.yml', text }], { config: { lists: {} }, maxOpenSequences: 10 });
    assert.equal(errors[0]?.code, 'PARSE');
    assert.equal(errors[0]?.location.file, 'deep.yml');
    assert.equal(errors[0]?.location.line, 6);
  });
  test('a YAML alias bomb is a PARSE error naming the file (was: INTERNAL)', () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 0; i < 9; i++) bomb.push(`${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9).fill(`*${String.fromCharCode(97 + i)}`).join(',')}]`);
    const text = `title: t\nlogsource: {product: linux}\n${bomb.join('\n')}\ndetection:\n  sel:\n    CommandLine: x\n  condition: sel\n`;
    const { errors } = loadRulesWithDiagnostics([{ path: 'bomb.yml', text }], { config: { lists: {} }, maxOpenSequences: 10 });
    assert.equal(errors[0]?.code, 'PARSE');
    assert.match(errors[0]?.message ?? '', /alias/);
    assert.equal(errors[0]?.location.file, 'bomb.yml');
  });
});
