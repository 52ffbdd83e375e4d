// The one-screen summary printed at the end of a run. Pure: the CLI decides colour and width
// (shouldUseColor) and prints the string.

import type { Outcome, RunReport } from '../model/index.js';
import { OUTCOMES, countOutcomes, describeReason, formatPercent, problemVerdicts } from './summary.js';

export interface ConsoleOptions {
  color: boolean;
  width: number;
}

/**
 * Colour policy of https://no-color.org and the FORCE_COLOR convention: NO_COLOR (non-empty)
 * wins, then FORCE_COLOR (anything but "0"/"false"), else colour only on a terminal.
 */
export function shouldUseColor(env: Record<string, string | undefined>, isTty: boolean): boolean {
  if (env['NO_COLOR']) return false;
  const force = env['FORCE_COLOR'];
  if (force !== undefined) return force !== '0' && force !== 'false';
  if (env['TERM'] === 'dumb') return false;
  return isTty;
}

const CODES = { red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, gray: 90, bold: 1 } as const;
type Paint = (style: keyof typeof CODES, s: string) => string;

const OUTCOME_STYLE: Record<Outcome, keyof typeof CODES> = {
  detected: 'green',
  missed: 'red',
  'false-positive': 'magenta',
  'true-negative': 'green',
  skipped: 'gray',
  error: 'yellow',
};

/** Terminal text must not carry escape sequences from event data. */
function clean(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
}

function truncate(s: string, width: number): string {
  if (width <= 1) return '';
  return s.length <= width ? s : `${s.slice(0, width - 1)}\u2026`;
}

export function renderConsoleSummary(report: RunReport, opts: ConsoleOptions): string {
  const paint: Paint = opts.color ? (style, s) => `\u001b[${CODES[style]}m${s}\u001b[0m` : (_style, s) => s;
  const width = Math.max(40, opts.width);
  const c = report.coverage;
  const out: string[] = [];
  const ok = report.exit_code === 0;
  out.push(`${paint('bold', 'purple-harness')} run ${clean(report.run.id)} on ${clean(report.host.name)} (${report.collectors.map((x) => clean(x.id)).join(', ') || 'no collector'})`);
  const cov = formatPercent(c.coverage);
  const fp = formatPercent(c.false_positive_rate);
  out.push(
    `coverage ${paint(c.coverage === 1 ? 'green' : c.coverage === null ? 'gray' : 'red', cov)} (${c.detected}/${c.positives} positives detected)   ` +
      `false-positive rate ${paint(c.false_positives ? 'magenta' : 'green', fp)} (${c.false_positives}/${c.negatives})`,
  );
  const counts = countOutcomes(report.verdicts);
  out.push(OUTCOMES.map((o) => `${paint(OUTCOME_STYLE[o], o)} ${counts[o]}`).join('  '));
  const problems = problemVerdicts(report);
  if (problems.length) {
    out.push('');
    out.push(paint('bold', 'needs attention:'));
    for (const v of problems) {
      const mark = v.expectation_met ? paint('gray', '  (known gap)') : '';
      const why = v.outcome === 'false-positive' ? `fired ${v.rules_fired.join(', ')}` : describeReason(v);
      const head = `  ${v.outcome.padEnd(14)} ${v.variant_id}`;
      const line = truncate(clean(`${head}  ${why}`), width - (v.expectation_met ? 13 : 0));
      out.push(line.replace(v.outcome, paint(OUTCOME_STYLE[v.outcome], v.outcome)) + mark);
    }
  }
  const lossy = report.collectors.filter((x) => x.lost_records > 0 || x.errors.length > 0);
  for (const col of lossy) {
    out.push(paint('yellow', truncate(clean(`collector ${col.id}: ${col.lost_records} records lost, ${col.errors.length} error(s)${col.errors[0] ? `: ${col.errors[0]}` : ''}`), width)));
  }
  out.push('');
  out.push(ok ? paint('green', 'result: all expectations met (exit 0)') : paint('red', 'result: an expectation failed (exit 1)'));
  return out.join('\n') + '\n';
}
