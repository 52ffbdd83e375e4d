// Coverage over verdicts: the share of positive variants detected, broken down by every axis,
// and the false-positive rate of the negative controls. Skipped and errored variants count in
// neither, so a host that cannot run a route does not look better or worse for it.

import type { Coverage, CoverageCell, Verdict } from '../model/index.js';

function emptyCell(): CoverageCell {
  return { positives: 0, detected: 0, negatives: 0, false_positives: 0 };
}

function addTo(cell: CoverageCell, v: Verdict): void {
  if (v.outcome === 'detected' || v.outcome === 'missed') {
    cell.positives++;
    if (v.outcome === 'detected') cell.detected++;
  } else if (v.outcome === 'true-negative' || v.outcome === 'false-positive') {
    cell.negatives++;
    if (v.outcome === 'false-positive') cell.false_positives++;
  }
}

export function computeCoverage(verdicts: Verdict[]): Coverage {
  const total = emptyCell();
  const byAxis: Record<string, Record<string, CoverageCell>> = {};
  let skipped = 0;
  let errors = 0;
  for (const v of verdicts) {
    if (v.outcome === 'skipped') skipped++;
    if (v.outcome === 'error') errors++;
    addTo(total, v);
    for (const [axis, value] of Object.entries(v.axes)) {
      const key = String(value);
      const perAxis = (byAxis[axis] ??= {});
      addTo((perAxis[key] ??= emptyCell()), v);
    }
  }
  return {
    positives: total.positives,
    detected: total.detected,
    coverage: total.positives ? total.detected / total.positives : null,
    negatives: total.negatives,
    false_positives: total.false_positives,
    false_positive_rate: total.negatives ? total.false_positives / total.negatives : null,
    skipped,
    errors,
    by_axis: byAxis,
  };
}

/** 0 when every verdict met its expectation, else 1. */
export function runExitCode(verdicts: Verdict[]): 0 | 1 {
  return verdicts.every((v) => v.expectation_met) ? 0 : 1;
}
