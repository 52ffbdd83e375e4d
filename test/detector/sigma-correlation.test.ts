import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { at, ev, run } from '../fixtures/sigma/harness.js';
import { loadSigmaRules } from '../../src/detector/sigma/index.js';
import { isPurpleError, type TelemetryEvent } from '../../src/model/index.js';

// Two base rules: "enc" (process start whose command line has "enc") and "net" (a network event).
const BASE = `title: enc
name: enc
id: 11111111-1111-4111-8111-111111111111
logsource: {product: linux, category: process_creation}
detection:
  sel:
    CommandLine|contains: enc
  condition: sel
---
title: net
name: net
logsource: {product: linux, category: network_connection}
detection:
  sel:
    Initiated: 'true'
  condition: sel
`;

const enc = (sec: number, pid: string, extra: Record<string, unknown> = {}, id?: string): TelemetryEvent =>
  ev({ process: { entity_id: pid, command_line: 'openssl enc', parent: { entity_id: `parent-of-${pid}` } }, user: { name: 'u1' }, ...extra }, { ts: at(sec), ...(id ? { id } : {}) });
const net = (sec: number, pid: string, extra: Record<string, unknown> = {}, id?: string): TelemetryEvent =>
  ev({ process: { entity_id: pid, parent: { entity_id: `parent-of-${pid}` } }, network: { direction: 'egress' }, user: { name: 'u1' }, ...extra }, { ts: at(sec), category: 'network', type: 'connection', action: 'connect', ...(id ? { id } : {}) });

const corr = (body: string): string => `${BASE}---\ntitle: corr\nid: 22222222-2222-4222-8222-222222222222\ncorrelation:\n${body.trim().split('\n').map((l) => '  ' + l).join('\n')}\n`;

describe('temporal_ordered', () => {
  const rule = corr('type: temporal_ordered\nrules: [enc, net]\ngroup-by: [ProcessGuid]\ntimespan: 10s');
  test('fires on enc then net in the same group; alert fields', () => {
    const a = run(rule, [enc(0, 'P', {}, 'x1'), net(4, 'P', {}, 'x2')]);
    assert.equal(a.length, 1);
    assert.deepEqual(a[0]!.event_ids, ['x1', 'x2']);
    assert.deepEqual(a[0]!.join_key, ['P']);
    assert.equal(a[0]!.span_ms, 4000);
    assert.equal(a[0]!.first_event_time, at(0));
    assert.equal(a[0]!.last_event_time, at(4));
    assert.equal(a[0]!.timestamp, at(4));
    assert.equal(a[0]!.rule.id, '22222222-2222-4222-8222-222222222222');
    assert.equal(a[0]!.rule.language, 'sigma');
  });
  test('order matters', () => assert.equal(run(rule, [net(0, 'P'), enc(4, 'P')]).length, 0));
  test('group-by separates processes', () => assert.equal(run(rule, [enc(0, 'P'), net(4, 'Q')]).length, 0));
  test('timespan edge: exactly 10s still matches (inclusive)', () => assert.equal(run(rule, [enc(0, 'P'), net(10, 'P')]).length, 1));
  test('timespan edge: 10.001s does not', () => {
    const late = net(10, 'P');
    late['@timestamp'] = new Date(Date.parse(at(10)) + 1).toISOString();
    assert.equal(run(rule, [enc(0, 'P'), late]).length, 0);
  });
  test('window anchored at the first event: a newer enc restarts the window', () => {
    // enc@0, enc@8 (overwrites), net@15: 15-8 = 7s ≤ 10s → match, with the newer enc.
    const a = run(rule, [enc(0, 'P', {}, 'old'), enc(8, 'P', {}, 'new'), net(15, 'P', {}, 'n')]);
    assert.equal(a.length, 1);
    assert.deepEqual(a[0]!.event_ids, ['new', 'n']);
  });
  test('equal timestamps: stream order decides', () => {
    assert.equal(run(rule, [enc(5, 'P'), net(5, 'P')]).length, 1);
    assert.equal(run(rule, [net(5, 'P'), enc(5, 'P')]).length, 0);
  });
  test('one alert per completed sequence; the state is consumed', () => {
    assert.equal(run(rule, [enc(0, 'P'), net(1, 'P'), net(2, 'P')]).length, 1);
    assert.equal(run(rule, [enc(0, 'P'), net(1, 'P'), enc(2, 'P'), net(3, 'P')]).length, 2);
  });
  test('an event missing the group-by field is not grouped', () => {
    const n = net(1, 'P');
    delete (n.process as { entity_id?: string }).entity_id;
    assert.equal(run(rule, [enc(0, 'P'), n]).length, 0);
  });
  test('base rules used by a correlation do not alert on their own', () => {
    const a = run(rule, [enc(0, 'P')]);
    assert.equal(a.length, 0);
  });
  test('generate: true makes them alert too', () => {
    const a = run(corr('type: temporal_ordered\nrules: [enc, net]\ngroup-by: [ProcessGuid]\ntimespan: 10s') + 'generate: true\n', [enc(0, 'P'), net(1, 'P')]);
    assert.deepEqual(a.map((x) => x.rule.name).sort(), ['corr', 'enc', 'net']);
  });
  test('one event cannot fill two steps of one match', () => {
    const both = corr('type: temporal_ordered\nrules: [enc, enc2]\ngroup-by: [ProcessGuid]\ntimespan: 10s').replace(
      '---\ntitle: corr',
      '---\ntitle: enc2\nname: enc2\nlogsource: {product: linux, category: process_creation}\ndetection:\n  sel:\n    CommandLine|contains: openssl\n  condition: sel\n---\ntitle: corr',
    );
    assert.equal(run(both, [enc(0, 'P')]).length, 0); // matches both rules, but it is one event
    assert.equal(run(both, [enc(0, 'P'), enc(1, 'P')]).length, 1);
  });
  test('aliases join "parent of B" with "A itself"', () => {
    const r = corr(
      'type: temporal_ordered\nrules: [enc, net]\ngroup-by: [lineage]\ntimespan: 10s\naliases:\n  lineage:\n    enc: ProcessGuid\n    net: ParentProcessGuid',
    );
    const child = net(3, 'C', { process: { parent: { entity_id: 'P' } } });
    const a = run(r, [enc(0, 'P'), child]);
    assert.equal(a.length, 1);
    assert.deepEqual(a[0]!.join_key, ['P']);
    assert.equal(run(r, [enc(0, 'P'), net(3, 'C')]).length, 0);
  });
  test('join_strength comes from custom.purple.join_strength', () => {
    const r = corr('type: temporal_ordered\nrules: [enc, net]\ngroup-by: [ProcessGuid]\ntimespan: 10s') + 'custom:\n  purple:\n    join_strength: same-process\n';
    const a = run(r, [enc(0, 'P'), net(1, 'P')]);
    assert.equal(a[0]!.join_strength, 'same-process');
    assert.equal(a[0]!.rule.join_strength, 'same-process');
  });
});

describe('temporal (unordered)', () => {
  const rule = corr('type: temporal\nrules: [enc, net]\ngroup-by: [User]\ntimespan: 1m');
  test('either order', () => {
    assert.equal(run(rule, [enc(0, 'P'), net(30, 'Q')]).length, 1);
    assert.equal(run(rule, [net(0, 'Q'), enc(30, 'P')]).length, 1);
  });
  test('group-by user separates', () => assert.equal(run(rule, [enc(0, 'P'), net(30, 'Q', { user: { name: 'u2' } })]).length, 0));
  test('sliding window: exactly 60s matches, 61s does not', () => {
    assert.equal(run(rule, [enc(0, 'P'), net(60, 'Q')]).length, 1);
    assert.equal(run(rule, [enc(0, 'P'), net(61, 'Q')]).length, 0);
  });
  test('a newer event of the same rule keeps the window alive', () => {
    assert.equal(run(rule, [enc(0, 'P'), enc(50, 'P'), net(100, 'Q')]).length, 1);
  });
  test('string boolean condition', () => {
    const r = corr("type: temporal\nrules: [enc, net]\ngroup-by: [User]\ntimespan: 1m\ncondition: 'enc and not net'");
    assert.equal(run(r, [enc(0, 'P')]).length, 1);
    const r2 = corr("type: temporal\nrules: [enc, net]\ngroup-by: [User]\ntimespan: 1m\ncondition: 'net or enc'");
    assert.equal(run(r2, [net(0, 'P')]).length, 1);
  });
  test('numeric condition counts distinct rules', () => {
    const r = corr('type: temporal\nrules: [enc, net]\ngroup-by: [User]\ntimespan: 1m\ncondition:\n  gte: 1');
    assert.equal(run(r, [enc(0, 'P')]).length, 1);
  });
});

describe('event_count', () => {
  const rule = (cond: string, span = '10s') => corr(`type: event_count\nrules: [net]\ngroup-by: [ProcessGuid]\ntimespan: ${span}\ncondition:\n  ${cond}`);
  test('gte fires at the event that reaches the count', () => {
    const a = run(rule('gte: 3'), [net(0, 'P', {}, 'a'), net(1, 'P', {}, 'b'), net(2, 'P', {}, 'c'), net(3, 'P', {}, 'd')]);
    assert.equal(a.length, 1);
    assert.deepEqual(a[0]!.event_ids, ['a', 'b', 'c']);
  });
  test('group-by: counts are per group', () => assert.equal(run(rule('gte: 3'), [net(0, 'P'), net(1, 'Q'), net(2, 'P')]).length, 0));
  test('sliding window: events older than the timespan drop out', () => {
    assert.equal(run(rule('gte: 3'), [net(0, 'P'), net(5, 'P'), net(11, 'P')]).length, 0);
    assert.equal(run(rule('gte: 3'), [net(0, 'P'), net(5, 'P'), net(10, 'P')]).length, 1);
  });
  test('gt is strict', () => assert.equal(run(rule('gt: 2'), [net(0, 'P'), net(1, 'P')]).length, 0));
  test('upper bounds are judged when the window closes', () => {
    // lt: 3 in 10s: a window with 2 events closes at 12s → alert; a window with 3 does not.
    assert.equal(run(rule('lt: 3'), [net(0, 'P'), net(1, 'P'), net(12, 'Q')]).length, 2); // P's window, then Q's at end of stream
    assert.equal(run(rule('lt: 3'), [net(0, 'P'), net(1, 'P'), net(2, 'P'), net(30, 'Q', { user: { name: 'x' } })]).length, 1); // only Q
    const range = run(rule('gt: 1\n  lte: 2'), [net(0, 'P'), net(1, 'P')]);
    assert.equal(range.length, 1);
  });
});

describe('value_count, value_sum, value_avg', () => {
  test('value_count counts distinct values of the field', () => {
    const r = corr('type: value_count\nrules: [net]\ngroup-by: [ProcessGuid]\ntimespan: 1m\ncondition:\n  field: DestinationPort\n  gte: 3');
    const port = (s: number, p: number) => net(s, 'P', { destination: { port: p } });
    assert.equal(run(r, [port(0, 1), port(1, 1), port(2, 2)]).length, 0);
    assert.equal(run(r, [port(0, 1), port(1, 2), port(2, 3)]).length, 1);
  });
  test('value_sum', () => {
    const r = corr('type: value_sum\nrules: [net]\ngroup-by: [ProcessGuid]\ntimespan: 1m\ncondition:\n  field: DestinationPort\n  gt: 100');
    const port = (s: number, p: number) => net(s, 'P', { destination: { port: p } });
    assert.equal(run(r, [port(0, 50), port(1, 50)]).length, 0);
    assert.equal(run(r, [port(0, 50), port(1, 51)]).length, 1);
  });
  test('value_avg is judged on the closed window', () => {
    const r = corr('type: value_avg\nrules: [net]\ngroup-by: [ProcessGuid]\ntimespan: 1m\ncondition:\n  field: DestinationPort\n  gte: 100');
    const port = (s: number, p: number) => net(s, 'P', { destination: { port: p } });
    assert.equal(run(r, [port(0, 150), port(1, 50)]).length, 1);
    assert.equal(run(r, [port(0, 150), port(1, 10)]).length, 0);
  });
});

describe('chains, references and bounded state', () => {
  test('a correlation of a correlation', () => {
    const text = `${BASE}---
title: inner
name: inner
correlation:
  type: temporal_ordered
  rules: [enc, net]
  group-by: [ProcessGuid]
  timespan: 10s
---
title: outer
correlation:
  type: event_count
  rules: [inner]
  group-by: [ProcessGuid]
  timespan: 1m
  condition:
    gte: 2
`;
    const a = run(text, [enc(0, 'P', {}, 'a'), net(1, 'P', {}, 'b'), enc(2, 'P', {}, 'c'), net(3, 'P', {}, 'd')]);
    assert.equal(a.length, 1);
    assert.equal(a[0]!.rule.name, 'outer');
    assert.deepEqual(a[0]!.event_ids, ['a', 'b', 'c', 'd']);
  });
  test('rules by id work like names', () => {
    const r = corr('type: temporal_ordered\nrules: [11111111-1111-4111-8111-111111111111, net]\ngroup-by: [ProcessGuid]\ntimespan: 10s');
    assert.equal(run(r, [enc(0, 'P'), net(1, 'P')]).length, 1);
  });
  test('unknown rule reference is an error at its line', () => {
    assert.throws(
      () => run(corr('type: temporal\nrules: [enc, nope]\ngroup-by: [User]\ntimespan: 1m'), []),
      (e: unknown) => isPurpleError(e) && e.code === 'NOT_FOUND' && /'nope'/.test(e.message) && typeof e.location.line === 'number',
    );
  });
  const bad: Array<[string, string, RegExp]> = [
    ['bad timespan', 'type: temporal\nrules: [enc, net]\ngroup-by: [User]\ntimespan: 5 minutes', /timespan/],
    ['value_percentile', 'type: value_percentile\nrules: [net]\ngroup-by: [User]\ntimespan: 1m\ncondition:\n  field: x\n  lte: 1', /not supported/],
    ['value_count without field', 'type: value_count\nrules: [net]\ngroup-by: [User]\ntimespan: 1m\ncondition:\n  gte: 1', /condition.field/],
    ['event_count without condition', 'type: event_count\nrules: [net]\ngroup-by: [User]\ntimespan: 1m', /needs a condition/],
    ['ordered with partial count', 'type: temporal_ordered\nrules: [enc, net]\ngroup-by: [User]\ntimespan: 1m\ncondition:\n  gte: 1', /only the default condition/],
    ['alias for an unlisted rule', 'type: temporal\nrules: [enc, net]\ngroup-by: [x]\ntimespan: 1m\naliases:\n  x:\n    other: User', /not in correlation.rules/],
  ];
  for (const [name, body, re] of bad) {
    test(`rejects: ${name}`, () => assert.throws(() => run(corr(body), []), (e: unknown) => isPurpleError(e) && re.test(e.message) && typeof e.location.line === 'number'));
  }
  test('a reference cycle is rejected', () => {
    const text = `${BASE}---\ntitle: c1\nname: c1\ncorrelation:\n  type: event_count\n  rules: [c2]\n  group-by: [User]\n  timespan: 1m\n  condition: {gte: 1}\n---\ntitle: c2\nname: c2\ncorrelation:\n  type: event_count\n  rules: [c1]\n  group-by: [User]\n  timespan: 1m\n  condition: {gte: 1}\n`;
    assert.throws(() => run(text, []), (e: unknown) => isPurpleError(e) && /itself/.test(e.message));
  });
  test('open state is capped; evictions are counted; expired state is dropped', () => {
    const rules = loadSigmaRules([{ path: 't.yml', text: corr('type: temporal_ordered\nrules: [enc, net]\ngroup-by: [ProcessGuid]\ntimespan: 10s') }], {
      config: { lists: {} },
      maxOpenSequences: 3,
    });
    const r = rules[0]!;
    const noop = (): void => {};
    for (let i = 0; i < 5; i++) r.onEvent(enc(i, `P${i}`), Date.parse(at(i)), noop);
    assert.deepEqual(r.state(), { open: 3, evicted: 2 });
    // The oldest (P0, P1) were evicted: their net no longer completes a match.
    const got: unknown[] = [];
    r.onEvent(net(6, 'P0'), Date.parse(at(6)), (a) => got.push(a));
    r.onEvent(net(7, 'P4'), Date.parse(at(7)), (a) => got.push(a));
    assert.equal(got.length, 1);
    // Far later, everything has expired.
    r.onEvent(net(100, 'Z'), Date.parse(at(100)), noop);
    assert.equal(r.state().open, 0);
  });
});
