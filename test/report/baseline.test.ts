import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compareToBaseline, describeComparison } from '../../src/report/index.js';
import type { Outcome } from '../../src/model/index.js';
import { loadFixture } from './helpers.js';

function withOutcomes(outcomes: Record<string, Outcome>) {
  const r = loadFixture('run-b');
  const template = r.verdicts[0]!;
  r.verdicts = Object.entries(outcomes).map(([id, outcome]) => ({ ...template, variant_id: id, outcome }));
  return r;
}

describe('baseline gate', () => {
  const cases: Array<[string, Outcome | undefined, Outcome | undefined, 'regressions' | 'fixed' | 'not_comparable' | 'unchanged']> = [
    ['detected → missed', 'detected', 'missed', 'regressions'],
    ['true-negative → false-positive', 'true-negative', 'false-positive', 'regressions'],
    ['missed → detected', 'missed', 'detected', 'fixed'],
    ['false-positive → true-negative', 'false-positive', 'true-negative', 'fixed'],
    ['detected → skipped', 'detected', 'skipped', 'not_comparable'],
    ['detected → error', 'detected', 'error', 'not_comparable'],
    ['new variant', undefined, 'missed', 'not_comparable'],
    ['removed variant', 'detected', undefined, 'not_comparable'],
    ['detected → detected', 'detected', 'detected', 'unchanged'],
    ['missed → missed', 'missed', 'missed', 'unchanged'],
  ];
  for (const [name, before, after, bucket] of cases) {
    test(name, () => {
      const prev = withOutcomes(before ? { 'x/v': before, 'x/keep': 'detected' } : { 'x/keep': 'detected' });
      const cur = withOutcomes(after ? { 'x/v': after, 'x/keep': 'detected' } : { 'x/keep': 'detected' });
      const c = compareToBaseline(prev, cur);
      const all = { regressions: c.regressions.map((x) => x.variant_id), fixed: c.fixed.map((x) => x.variant_id), not_comparable: c.not_comparable.map((x) => x.variant_id) };
      for (const k of ['regressions', 'fixed', 'not_comparable'] as const) assert.deepEqual(all[k], k === bucket ? ['x/v'] : [], k);
      assert.equal(c.unchanged, bucket === 'unchanged' ? 2 : 1);
    });
  }

  test('a regression carries before and after and is listed in the text', () => {
    const c = compareToBaseline(withOutcomes({ 'a/b': 'detected' }), withOutcomes({ 'a/b': 'missed' }));
    assert.deepEqual(c.regressions, [{ variant_id: 'a/b', before: 'detected', after: 'missed' }]);
    assert.match(describeComparison(c), /1 regression\(s\)[\s\S]*a\/b: detected -> missed/);
  });

  test('the two fixture runs: shared variants compare, the rest are not comparable', () => {
    const c = compareToBaseline(loadFixture('run-a'), loadFixture('run-b'));
    assert.deepEqual(c.regressions.map((r) => r.variant_id), ['python-aes/cryptography-urllib']);
    assert.ok(c.not_comparable.some((x) => x.variant_id === 'osascript/jxa-commoncrypto'));
  });
});
