// Regression gate for CI: compare a run with a previous one, variant by variant.

import type { Outcome, RunReport } from '../model/index.js';

export interface OutcomeChange {
  variant_id: string;
  before: Outcome;
  after: Outcome;
}

export interface BaselineComparison {
  /** Detected before and missed now, or quiet before and a false positive now. These fail the gate. */
  regressions: OutcomeChange[];
  /** Missed (or a false positive) before and met now. */
  fixed: OutcomeChange[];
  /** Variants that cannot be compared: present in one run only, or skipped/errored in either. */
  not_comparable: Array<{ variant_id: string; before?: Outcome; after?: Outcome }>;
  unchanged: number;
}

const GOOD: ReadonlySet<Outcome> = new Set(['detected', 'true-negative']);
const BAD: ReadonlySet<Outcome> = new Set(['missed', 'false-positive']);

export function compareToBaseline(previous: RunReport, current: RunReport): BaselineComparison {
  const before = new Map(previous.verdicts.map((v) => [v.variant_id, v.outcome]));
  const after = new Map(current.verdicts.map((v) => [v.variant_id, v.outcome]));
  const out: BaselineComparison = { regressions: [], fixed: [], not_comparable: [], unchanged: 0 };
  const ids = [...new Set([...before.keys(), ...after.keys()])].sort();
  for (const id of ids) {
    const b = before.get(id);
    const a = after.get(id);
    if (b === undefined || a === undefined) {
      out.not_comparable.push({ variant_id: id, ...(b ? { before: b } : {}), ...(a ? { after: a } : {}) });
      continue;
    }
    if (b === a) {
      out.unchanged++;
    } else if (GOOD.has(b) && BAD.has(a)) {
      out.regressions.push({ variant_id: id, before: b, after: a });
    } else if (BAD.has(b) && GOOD.has(a)) {
      out.fixed.push({ variant_id: id, before: b, after: a });
    } else if (b === 'skipped' || b === 'error' || a === 'skipped' || a === 'error') {
      out.not_comparable.push({ variant_id: id, before: b, after: a });
    } else {
      // detected ↔ true-negative etc. only happens when a variant's expectation changed.
      out.not_comparable.push({ variant_id: id, before: b, after: a });
    }
  }
  return out;
}

/** Lines for the console and CI logs. */
export function describeComparison(c: BaselineComparison): string {
  const lines: string[] = [];
  if (c.regressions.length) {
    lines.push(`${c.regressions.length} regression(s) against the baseline:`);
    for (const r of c.regressions) lines.push(`  ${r.variant_id}: ${r.before} -> ${r.after}`);
  } else lines.push('no regressions against the baseline');
  if (c.fixed.length) {
    lines.push(`${c.fixed.length} fixed since the baseline:`);
    for (const r of c.fixed) lines.push(`  ${r.variant_id}: ${r.before} -> ${r.after}`);
  }
  if (c.not_comparable.length) lines.push(`${c.not_comparable.length} variant(s) not comparable (new, removed, skipped or errored)`);
  return lines.join('\n') + '\n';
}

/**
 * The report with the comparison in it (`baseline`), and `exit_code` 1 when a variant regressed,
 * so report.json, the summary, the HTML and JUnit all say what the process exit code says.
 */
export function withBaseline(current: RunReport, previous: RunReport, file: string): RunReport {
  const c = compareToBaseline(previous, current);
  return {
    ...current,
    baseline: { file, run_id: previous.run.id, regressions: c.regressions, fixed: c.fixed, not_comparable: c.not_comparable, unchanged: c.unchanged },
    exit_code: c.regressions.length ? 1 : current.exit_code,
  };
}

/** The baseline comparison of a report as the renderers need it: variant id → its regression. */
export function regressionsOf(report: RunReport): Map<string, { before: string; after: string }> {
  return new Map((report.baseline?.regressions ?? []).map((r) => [r.variant_id, { before: r.before, after: r.after }]));
}
