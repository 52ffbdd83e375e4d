import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SequenceMatcher, compileEql, runEqlQuery } from '../../src/detector/eql/index.js';

interface Ev {
  '@timestamp': number;
  event: { category: string };
  id: string;
  k?: string | string[] | null;
}

/** Events from a compact spec: "a:0:k1" = category a at 0 ms with key k1. */
function evs(spec: string): Ev[] {
  return spec
    .trim()
    .split(/\s+/)
    .map((s, i) => {
      const [cat, ts, k] = s.split(':');
      const e: Ev = { '@timestamp': Number(ts), event: { category: cat! }, id: `${cat}${ts}${k ? '/' + k : ''}#${i}` };
      if (k !== undefined) e.k = k;
      return e;
    });
}

function seqs(query: string, spec: string): string[] {
  const r = runEqlQuery(query, evs(spec));
  assert.equal(r.kind, 'sequences');
  if (r.kind !== 'sequences') return [];
  return r.sequences.map((s) => s.events.map((e) => (e ? e.id.split('#')[0] : '-')).join(' '));
}

describe('sequence semantics (Elasticsearch state machine)', () => {
  const cases: Array<[string, string, string, string[]]> = [
    ['newer pending replaces older', 'sequence [a where true] [b where true]', 'a:0 a:1 b:2', ['a1 b2']],
    ['one event can end one sequence and start the next', 'sequence [any where true] [any where true]', 'a:0 a:1 a:2', ['a0 a1', 'a1 a2']],
    ['maxspan is inclusive', 'sequence with maxspan=10ms [a where true] [b where true] [c where true]', 'a:0 b:5 c:10', ['a0 b5 c10']],
    ['maxspan counts from the first event', 'sequence with maxspan=10ms [a where true] [b where true] [c where true]', 'a:0 b:9 c:11', []],
    ['an expired pending sequence is dropped, not skipped over', 'sequence with maxspan=10ms [a where true] [b where true]', 'a:0 a:5 b:12', ['a5 b12']],
    ['keys must match', 'sequence by k [a where true] [b where true]', 'a:0:x b:1:y b:2:x', ['a0/x b2/x']],
    ['events without a key do not join', 'sequence by k [a where true] [b where true]', 'a:0 b:1', []],
    ['optional keys join on null', 'sequence by ?k [a where true] [b where true]', 'a:0 b:1', ['a0 b1']],
    ['until cancels the key', 'sequence by k [a where true] [b where true] until [u where true]', 'a:0:x u:1:x b:2:x', []],
    ['until on another key does not', 'sequence by k [a where true] [b where true] until [u where true]', 'a:0:x u:1:y b:2:x', ['a0/x b2/x']],
    ['runs=N repeats a step', 'sequence [a where true] with runs=2 [b where true]', 'a:0 a:1 b:2', ['a0 a1 b2']],
    ['missing event between: found → dropped', 'sequence with maxspan=1s [a where true] ![m where true] [b where true]', 'a:0 m:1 b:2', []],
    ['missing event between: absent → kept with a placeholder', 'sequence with maxspan=1s [a where true] ![m where true] [b where true]', 'a:0 b:2 m:3', ['a0 - b2']],
    ['trailing missing inside maxspan → dropped', 'sequence with maxspan=10ms [a where true] ![m where true]', 'a:0 m:10', []],
    ['trailing missing after maxspan → kept', 'sequence with maxspan=10ms [a where true] ![m where true]', 'a:0 m:11', ['a0 -']],
    ['trailing missing never seen → kept at the end', 'sequence with maxspan=10ms [a where true] ![m where true]', 'a:0 b:5', ['a0 -']],
    ['leading missing inside maxspan → dropped', 'sequence with maxspan=10ms ![m where true] [a where true]', 'm:0 a:10', []],
    ['leading missing before maxspan → kept', 'sequence with maxspan=10ms ![m where true] [a where true]', 'm:0 a:11', ['- a11']],
    ['results are ordered by the completing event', 'sequence by k [a where true] [b where true]', 'a:0:x a:1:y b:2:y b:3:x', ['a1/y b2/y', 'a0/x b3/x']],
  ];
  for (const [name, q, spec, want] of cases) test(name, () => assert.deepEqual(seqs(q, spec), want));

  test('multi-valued keys join on each value; join keys are reported', () => {
    const events: Ev[] = [
      { '@timestamp': 0, event: { category: 'a' }, id: 'a0', k: ['x', 'y', 'x', null] },
      { '@timestamp': 1, event: { category: 'b' }, id: 'b1', k: ['y', 'x'] },
    ];
    const r = runEqlQuery('sequence by k [a where true] [b where true]', events);
    assert.deepEqual(r.kind === 'sequences' && r.sequences.map((s) => s.join_keys), [['y'], ['x']]);
  });
});

describe('the matcher keeps bounded state', () => {
  test('a cap on open sequences evicts the oldest and counts them', () => {
    const q = compileEql('sequence by k [a where true] [b where true]');
    assert.equal(q.kind, 'sequence');
    if (q.kind !== 'sequence') return;
    const out: unknown[] = [];
    const m = new SequenceMatcher<Ev>(q.plan, (x) => out.push(x), 3);
    for (let i = 0; i < 10; i++) m.push({ '@timestamp': i, event: { category: 'a' }, id: `a${i}`, k: `k${i}` }, i, i, 'a');
    assert.deepEqual(m.stats(), { open: 3, evicted: 7 });
    m.push({ '@timestamp': 10, event: { category: 'b' }, id: 'b', k: 'k0' }, 10, 10, 'b');
    assert.equal(out.length, 0, 'k0 was evicted');
    m.push({ '@timestamp': 11, event: { category: 'b' }, id: 'b', k: 'k9' }, 11, 11, 'b');
    assert.equal(out.length, 1, 'k9 was kept');
  });

  test('state outside maxspan is pruned as time passes', () => {
    const q = compileEql('sequence by k with maxspan=10ms [a where true] [b where true]');
    if (q.kind !== 'sequence') return assert.fail();
    const m = new SequenceMatcher<Ev>(q.plan, () => {}, 1_000_000);
    for (let i = 0; i < 5000; i++) m.push({ '@timestamp': i, event: { category: 'a' }, id: `a${i}`, k: `k${i}` }, i, i, 'a');
    assert.ok(m.stats().open < 1100, `open ${m.stats().open}`);
    assert.equal(m.stats().evicted, 0);
  });
});

/** A deliberately naive re-statement of the semantics: arrays, no pruning, no cap. */
function reference(events: Ev[], steps: string[], maxspan: number): string[] {
  const pending: Array<Array<{ key: string; ids: string[]; start: number }>> = steps.map(() => []);
  const out: Array<{ ids: string[]; ord: number }> = [];
  events.forEach((e, ord) => {
    const key = String(e.k);
    for (let i = steps.length - 1; i >= 0; i--) {
      if (e.event.category !== steps[i]) continue;
      if (i === 0) {
        pending[0] = pending[0]!.filter((p) => p.key !== key);
        pending[0]!.push({ key, ids: [e.id], start: e['@timestamp'] });
        continue;
      }
      const idx = pending[i - 1]!.findIndex((p) => p.key === key);
      if (idx < 0) continue;
      const p = pending[i - 1]!.splice(idx, 1)[0]!;
      if (e['@timestamp'] - p.start > maxspan) continue;
      const next = { key, ids: [...p.ids, e.id], start: p.start };
      if (i === steps.length - 1) out.push({ ids: next.ids, ord });
      else {
        pending[i] = pending[i]!.filter((x) => x.key !== key);
        pending[i]!.push(next);
      }
    }
  });
  return out.map((o) => o.ids.join(' '));
}

describe('property: the streaming matcher agrees with a naive reference', () => {
  test('random streams, three steps, two keys, maxspan', () => {
    const arb = fc.array(fc.record({ cat: fc.constantFrom('a', 'b', 'c', 'x'), dt: fc.integer({ min: 0, max: 4 }), k: fc.constantFrom('1', '2') }), { maxLength: 60 });
    fc.assert(
      fc.property(arb, fc.constantFrom(['a', 'b', 'c'], ['a', 'a', 'b'], ['a', 'b']), fc.integer({ min: 1, max: 12 }), (spec, steps, maxspan) => {
        let t = 0;
        const events: Ev[] = spec.map((s, i) => ({ '@timestamp': (t += s.dt), event: { category: s.cat }, id: `${s.cat}${i}`, k: s.k }));
        const q = `sequence by k with maxspan=${maxspan}ms ${steps.map((c) => `[${c} where true]`).join(' ')}`;
        const r = runEqlQuery(q, events);
        const got = r.kind === 'sequences' ? r.sequences.map((s) => s.events.map((e) => e!.id).join(' ')) : [];
        assert.deepEqual(got, reference(events, steps, maxspan));
      }),
      { numRuns: 1500 },
    );
  });
});
