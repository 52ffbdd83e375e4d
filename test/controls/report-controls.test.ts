// The control parts of the reporters as pure functions: baseline regressions per control, the
// per-control coverage, and that reports without controls render as before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareControlsToBaseline, controlCoverage, describeControlComparison, renderControlJunitSuites, renderControlsHtml, renderControlsMarkdown, renderHtml, renderMarkdown } from '../../src/report/index.js';
import type { ControlVariantVerdict, RunReport } from '../../src/model/index.js';
import { A, B, N, fixtureRun } from './helpers.js';

function withControls(cells: Array<[string, string, ControlVariantVerdict['status']]>): RunReport {
  const r = fixtureRun();
  const expect = (v: string) => (v === N ? 'negative' : 'positive') as 'positive' | 'negative';
  r.controls = {
    sources: [...new Set(cells.map((c) => c[0]))].map((control) => ({ control, kind: 'file', format: 'elastic', target: 'x', asked_at: r.run.ended_at, finished_at: r.run.ended_at, status: 'ok', warnings: [], alerts_received: 0 })),
    alerts: [],
    verdicts: cells.map(([control, variant_id, status]) => {
      const e = expect(variant_id);
      const met = status === 'alerted' ? e === 'positive' : status === 'not-alerted' ? e === 'negative' : undefined;
      return { control, variant_id, status, expect: e, alert_ids: [], false_positive: status === 'alerted' && e === 'negative', ...(met !== undefined ? { expectation_met: met } : {}) };
    }),
    unexpected_alert_ids: [],
    markers: [],
  };
  return r;
}

test('baseline per control: lost alerts and new false positives are regressions; pending is not', () => {
  const before = withControls([['es', A, 'alerted'], ['es', B, 'alerted'], ['es', N, 'not-alerted'], ['cs', A, 'not-alerted']]);
  const after = withControls([['es', A, 'not-alerted'], ['es', B, 'pending'], ['es', N, 'alerted'], ['cs', A, 'alerted']]);
  const c = compareControlsToBaseline(before, after);
  assert.deepEqual(c.regressions.map((r) => [r.control, r.variant_id, r.before, r.after]), [['es', A, 'alerted', 'not-alerted'], ['es', N, 'not-alerted', 'alerted']]);
  assert.deepEqual(c.fixed.map((r) => [r.control, r.variant_id]), [['cs', A]]);
  assert.deepEqual(c.undecided.map((r) => r.variant_id), [B]);
  assert.match(describeControlComparison(c), /2 control regression\(s\)/);
  assert.deepEqual(compareControlsToBaseline(fixtureRun(), after), { regressions: [], fixed: [], undecided: [] });
});

test('coverage per control counts decided positives only', () => {
  const r = withControls([['es', A, 'alerted'], ['es', B, 'pending'], ['es', N, 'alerted']]);
  assert.deepEqual(controlCoverage(r.controls!, 'es'), { positives: 2, alerted: 1, negatives: 1, false_positives: 1, pending: 1, unavailable: 0, coverage: 1 });
  const j = renderControlJunitSuites(r);
  assert.deepEqual([j.tests, j.failures, j.skipped, j.errors], [3, 1, 1, 0]);
});

test('a report without controls renders exactly as before: no section, no rows, no suites', () => {
  const r = fixtureRun();
  assert.equal(renderControlsHtml(r), '');
  assert.equal(renderControlsMarkdown(r), '');
  assert.equal(renderControlJunitSuites(r).xml, '');
  assert.doesNotMatch(renderHtml(r), /id="controls"|cbadge|tl-control/);
  assert.doesNotMatch(renderMarkdown(r), /Real controls/);
});
