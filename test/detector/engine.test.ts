import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compileEqlRule, createDetector, makeAlertId, type StreamRule } from '../../src/detector/index.js';
import type { Alert, RuleMeta, TelemetryEvent } from '../../src/model/index.js';

const meta = (id: string, extra: Partial<RuleMeta> = {}): RuleMeta => ({ id, name: id, language: 'eql', file: `${id}.eql`, severity: 'high', attack: { techniques: [] }, ...extra });

function ev(id: string, ms: number, category: string, extra: Record<string, unknown> = {}): TelemetryEvent {
  return {
    '@timestamp': new Date(Date.UTC(2024, 5, 1, 12) + ms).toISOString(),
    event: { id, kind: 'event', category: category as TelemetryEvent['event']['category'], type: 'info', action: 'x', dataset: 'test' },
    host: { id: 'h1' },
    ...extra,
  } as TelemetryEvent;
}

const seqRule = (max = 1000): StreamRule =>
  compileEqlRule('sequence by host.id with maxspan=10s [process where true] [network where true]', meta('seq', { join_strength: 'same-process' }), { maxOpenSequences: max });

function run(rules: StreamRule[], events: TelemetryEvent[], opts: Parameters<typeof createDetector>[1] = {}): { alerts: Alert[]; stats: ReturnType<ReturnType<typeof createDetector>['stats']> } {
  const d = createDetector(rules, opts);
  const alerts: Alert[] = [];
  for (const e of events) alerts.push(...d.push(e));
  alerts.push(...d.finish());
  return { alerts, stats: d.stats() };
}

describe('streaming engine', () => {
  test('alerts carry rule, event ids, join key and strength, times and span; ids are deterministic', () => {
    const { alerts, stats } = run([seqRule()], [ev('p', 0, 'process'), ev('n', 1500, 'network')]);
    assert.equal(alerts.length, 1);
    const a = alerts[0]!;
    assert.deepEqual(a.event_ids, ['p', 'n']);
    assert.deepEqual(a.join_key, ['h1']);
    assert.equal(a.join_strength, 'same-process');
    assert.equal(a.span_ms, 1500);
    assert.equal(a.first_event_time, '2024-06-01T12:00:00.000Z');
    assert.equal(a.last_event_time, '2024-06-01T12:00:01.500Z');
    assert.equal(a.timestamp, a.last_event_time);
    assert.equal(a.rule.file, 'seq.eql');
    assert.equal(a.id, makeAlertId('seq', ['p', 'n']));
    assert.notEqual(a.id, makeAlertId('seq', ['n', 'p']));
    assert.notEqual(a.id, makeAlertId('other', ['p', 'n']));
    assert.equal(stats.events_processed, 2);
    assert.deepEqual(stats.warnings, []);
  });

  test('events out of order within the reorder window are re-sorted', () => {
    const { alerts, stats } = run([seqRule()], [ev('n', 1500, 'network'), ev('p', 0, 'process')], { reorderWindowMs: 2000 });
    assert.equal(alerts.length, 1);
    assert.deepEqual(stats.warnings, []);
  });

  test('any arrival order within the window is evaluated in time order, ties in arrival order', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 60 }), (offsets) => {
        const seen: string[] = [];
        const spy: StreamRule = { meta: meta('order'), categories: null, onEvent: (e) => void seen.push(e.event.id), finish() {}, state: () => ({ open: 0, evicted: 0 }) };
        // Every event is at most 40 ms out of order and the window is 50 ms: none is late.
        const events = offsets.map((o, i) => ev(`e${i}`, o, 'file'));
        run([spy], events, { reorderWindowMs: 50, enrich: false });
        const want = events.map((e, i) => ({ id: e.event.id, t: offsets[i]!, i })).sort((a, b) => a.t - b.t || a.i - b.i).map((x) => x.id);
        assert.deepEqual(seen, want);
      }),
      { numRuns: 300 },
    );
  });

  test('events later than the window are evaluated in arrival order, with a warning', () => {
    const { alerts, stats } = run([seqRule()], [ev('n', 5000, 'network'), ev('x', 9000, 'file'), ev('p', 0, 'process')], { reorderWindowMs: 1000 });
    assert.equal(alerts.length, 0);
    assert.equal(stats.warnings.length, 1);
    assert.match(stats.warnings[0]!, /event p .* arrived \d+ ms after later events were evaluated \(reorder window 1000 ms\)/);
  });

  test('events without a valid timestamp are skipped with a warning', () => {
    const bad = { ...ev('bad', 0, 'process'), '@timestamp': 'yesterday' };
    const { stats } = run([seqRule()], [bad]);
    assert.equal(stats.events_processed, 0);
    assert.match(stats.warnings[0]!, /no valid @timestamp/);
  });

  test('rules only see the categories they can use', () => {
    const seen: string[] = [];
    const spy = (cats: string[] | null): StreamRule => ({
      meta: meta('spy'),
      categories: cats ? new Set(cats) : null,
      onEvent: (e) => void seen.push(`${cats ? cats.join('') : '*'}:${e.event.id}`),
      finish() {},
      state: () => ({ open: 0, evicted: 0 }),
    });
    run([spy(['network']), spy(null)], [ev('p', 0, 'process'), ev('n', 1, 'network')]);
    assert.deepEqual(seen.sort(), ['*:n', '*:p', 'network:n']);
  });

  test('open and evicted sequences are counted, with a warning about the cap', () => {
    const rule = compileEqlRule('sequence by process.pid [process where true] [network where true]', meta('cap'), { maxOpenSequences: 5 });
    const events = Array.from({ length: 20 }, (_, i) => ev(`p${i}`, i, 'process', { process: { pid: i } }));
    const d = createDetector([rule], { reorderWindowMs: 0 });
    for (const e of events) d.push(e);
    const mid = d.stats();
    assert.equal(mid.sequences_open, 5);
    assert.equal(mid.sequences_evicted, 15);
    assert.ok(mid.warnings.some((w) => /15 open sequences were evicted/.test(w)));
  });

  test('enrichment runs before the rules (and can be turned off)', () => {
    const rule = compileEqlRule('sequence by process.entity_id [process where true] [network where true]', meta('e'), { maxOpenSequences: 100 });
    const events = [
      ev('exec', 0, 'process', { event: { id: 'exec', kind: 'event', category: 'process', type: 'start', action: 'exec', dataset: 't' }, process: { pid: 7, entity_id: 'E7' } }),
      ev('net', 10, 'network', { process: { pid: 7 } }),
    ];
    assert.equal(run([rule], events).alerts.length, 1);
    const rule2 = compileEqlRule('sequence by process.entity_id [process where true] [network where true]', meta('e'), { maxOpenSequences: 100 });
    assert.equal(run([rule2], events, { enrich: false }).alerts.length, 0);
  });

  test('event queries alert per matching event', () => {
    const rule = compileEqlRule('network where destination.port == 443', meta('single'), { maxOpenSequences: 1 });
    const { alerts } = run([rule], [ev('a', 0, 'network', { destination: { port: 443 } }), ev('b', 1, 'network', { destination: { port: 80 } })]);
    assert.deepEqual(alerts.map((a) => a.event_ids), [['a']]);
    assert.equal(alerts[0]!.span_ms, 0);
    assert.equal(alerts[0]!.join_key, undefined);
  });

  test('pipes are rejected in rules', () => {
    assert.throws(() => compileEqlRule('process where true | head 1', meta('p'), { maxOpenSequences: 1 }), /not supported: pipes/);
  });
});
