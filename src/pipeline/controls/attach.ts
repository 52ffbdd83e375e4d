// What `purple run --control` and `purple alerts` share: the wait options, attaching the controls
// section to a report without ever losing the run's own results, and the exit-code rule.

import { PurpleError, isPurpleError, type ControlsSection, type RunReport } from '../../model/index.js';
import { controlsFail } from '../../scoring/index.js';
import { collectControls, type CollectOptions } from './collect.js';
import type { ControlSession } from './sources.js';

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/;
const UNIT: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `90`, `90s`, `10m`, `1h` → ms (a bare number is seconds). */
export function parseWaitDuration(text: string | undefined, option: string, fallbackMs: number): number {
  if (text === undefined) return fallbackMs;
  const m = DURATION.exec(text.trim());
  if (!m) throw new PurpleError('BAD_INPUT', `${option} ${JSON.stringify(text)} is not a duration`, { hint: `e.g. ${option} 10m, ${option} 90s, ${option} 0 (ask once)` });
  const ms = Number(m[1]) * UNIT[m[2] ?? 's']!;
  if (ms > 24 * 3_600_000) throw new PurpleError('BAD_INPUT', `${option} ${text} is longer than a day`, { hint: 'ask again later with `purple alerts RUN-DIR --from …` instead' });
  return ms;
}

/**
 * The report with its controls section (re)computed. A failure here never loses what the run
 * found: every source is then recorded as failed, with why, and the rest of the report is kept.
 */
export async function attachControls(report: RunReport, sessions: readonly ControlSession[], opts: CollectOptions): Promise<RunReport> {
  let section: ControlsSection;
  try {
    section = await collectControls(sessions, report, { ...opts, ...(report.controls ? { previous: report.controls } : {}) });
  } catch (e) {
    const why = isPurpleError(e) ? e.format() : `internal error: ${(e as Error).message}`;
    const now = new Date().toISOString();
    section = {
      sources: sessions.map((s) => ({ control: s.spec.name, kind: s.kind, format: s.format, target: s.target, asked_at: now, finished_at: now, status: 'failed' as const, error: why, warnings: [], alerts_received: 0 })),
      alerts: [],
      verdicts: [],
      unexpected_alert_ids: [],
      markers: [],
    };
  }
  return { ...report, controls: section };
}

/** Names given to --require-control must be sources of the report. */
export function checkRequired(required: readonly string[], names: readonly string[]): void {
  for (const r of required) {
    if (!names.includes(r)) throw new PurpleError('BAD_INPUT', `--require-control ${r}: no control source has that name`, { hint: `sources: ${names.join(', ') || 'none'} (name=… in --control sets one)` });
  }
}

/** Exit-code rule: a required control that did not meet a variant's expectation (or is pending/unavailable) fails. */
export function controlExitProblems(report: RunReport, required: readonly string[]): string[] {
  const c = report.controls;
  if (!c || !required.length) return [];
  return controlsFail(c.verdicts, required).map((v) => `${v.control} on ${v.variant_id}: ${v.status}${v.false_positive ? ' (false positive)' : ''}${v.reason ? ` — ${v.reason}` : ''}`);
}

export async function closeSessions(sessions: readonly ControlSession[]): Promise<void> {
  await Promise.allSettled(sessions.map((s) => s.close()));
}
