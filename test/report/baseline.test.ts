import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compareToBaseline, describeComparison, renderHtml, renderJunit, renderMarkdown, validateReport, withBaseline } from '../../src/report/index.js';
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

describe('baseline regressions in every output', () => {
  // run-a as the baseline; the same run with one detected variant missed now.
  function regressed() {
    const before = loadFixture('run-a');
    const now = loadFixture('run-a');
    // Only the regression fails this run: every other variant meets its expectation.
    for (const v of now.verdicts) if (!v.expectation_met) Object.assign(v, { outcome: 'skipped', expectation_met: true, reason: 'not run here' });
    now.exit_code = 0;
    const v = now.verdicts.find((x) => x.variant_id === 'python-aes/spawn-openssl')!;
    Object.assign(v, { outcome: 'missed', reason: 'rule-gap', expectation_met: true, known_gap: 'accepted as a gap', rules_fired: [], alert_ids: [] });
    return withBaseline(now, before, 'reports/old/report.json');
  }

  test('report.json: the comparison is in it, exit_code is 1, and it matches the schema', () => {
    const r = regressed();
    assert.equal(r.exit_code, 1);
    assert.deepEqual(r.baseline?.regressions, [{ variant_id: 'python-aes/spawn-openssl', before: 'detected', after: 'missed' }]);
    assert.equal(r.baseline?.run_id, loadFixture('run-a').run.id);
    assert.deepEqual(validateReport(JSON.parse(JSON.stringify(r))), []);
    const bad = JSON.parse(JSON.stringify(r));
    bad.baseline.regressions[0].extra = 1;
    assert.notDeepEqual(validateReport(bad), [], 'the schema checks the baseline block');
  });

  test('no regression: exit code unchanged, outputs say there were none', () => {
    const r = withBaseline(loadFixture('run-a'), loadFixture('run-a'), 'reports/latest');
    assert.equal(r.exit_code, loadFixture('run-a').exit_code);
    assert.equal(r.baseline?.regressions.length, 0);
    assert.match(renderMarkdown(r), /0 regression\(s\)/);
  });

  test('summary.md names the regression in the headline and a table', () => {
    const md = renderMarkdown(regressed());
    assert.doesNotMatch(md, /all expectations met/);
    assert.match(md, /^## purple-harness \u274c 1 baseline regression\(s\)$/m);
    assert.match(md, /\| `python-aes\/spawn-openssl` \| detected \| missed \| \*\*regression\*\* \|/);
  });

  test('index.html has a baseline section and the headline says regression', () => {
    const html = renderHtml(regressed());
    assert.match(html, /id="headline-result"[\s\S]*?1 baseline regression\(s\) \(exit 1\)/);
    assert.match(html, /<section id="baseline">[\s\S]*python-aes\/spawn-openssl[\s\S]*regression/);
    assert.doesNotMatch(renderHtml(loadFixture('run-a')), /<section id="baseline">/);
  });

  test('junit.xml fails the regressed variant', () => {
    const xml = renderJunit(regressed());
    assert.match(xml, /<testcase name="spawn-openssl"[^>]*>\s*<failure message="baseline regression: detected in the baseline, missed now[^"]*" type="baseline-regression"/);
    assert.match(xml, /<property name="baseline_regressions" value="1"\/>/);
  });
});
