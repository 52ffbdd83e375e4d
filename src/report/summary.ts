// Shared wording and counting for the reporters, so every format says the same thing.

import type { Outcome, RunReport, Verdict } from '../model/index.js';

export const OUTCOMES: readonly Outcome[] = ['detected', 'missed', 'false-positive', 'true-negative', 'skipped', 'error'];

/** Plain words for the miss reasons of DESIGN.md §7, for people who do not know the codes. */
export const MISS_REASON_WORDS: Record<string, string> = {
  'telemetry-gap': 'telemetry gap: the collector never saw one of the actions, so no rule could fire',
  'telemetry-incomplete': 'telemetry incomplete: the collector lost records or failed during the variant',
  'window-exceeded': 'window exceeded: both halves were seen, but further apart than the rule\u2019s time window',
  'lineage-broken': 'lineage broken: both halves were seen, but no process link the rules join on connects them',
  'rule-gap': 'rule gap: everything was seen and linkable, yet no rule recognises this route',
};

/** The reason of a verdict in plain words (falls back to the verdict's own explanation). */
export function describeReason(v: Verdict): string {
  if (v.reason && MISS_REASON_WORDS[v.reason]) return MISS_REASON_WORDS[v.reason]!;
  if (v.reason) return v.reason;
  return v.explanation;
}

export function formatPercent(x: number | null | undefined, digits = 1): string {
  return x === null || x === undefined || Number.isNaN(x) ? 'n/a' : `${(x * 100).toFixed(digits)}%`;
}

export function countOutcomes(verdicts: readonly Verdict[]): Record<Outcome, number> {
  const c = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
  for (const v of verdicts) c[v.outcome]++;
  return c;
}

/** Verdicts people must look at: missed positives, false positives and errors. */
export function problemVerdicts(report: RunReport): Verdict[] {
  return report.verdicts.filter((v) => v.outcome === 'missed' || v.outcome === 'false-positive' || v.outcome === 'error');
}

/** The axes present in the report, the standard six first. */
export function axisNames(verdicts: readonly Verdict[]): string[] {
  const standard = ['interpreter', 'encryption', 'upload', 'lineage', 'delay_s', 'masquerade'];
  const seen = new Set<string>();
  for (const v of verdicts) for (const k of Object.keys(v.axes)) seen.add(k);
  return [...standard.filter((a) => seen.has(a)), ...[...seen].filter((a) => !standard.includes(a)).sort()];
}

export function formatMs(ms: number | undefined): string {
  if (ms === undefined) return '';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}
