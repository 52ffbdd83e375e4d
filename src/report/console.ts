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

type Segment = string | [keyof typeof CODES, string];

export function renderConsoleSummary(report: RunReport, opts: ConsoleOptions): string {
  const width = Math.max(40, opts.width);
  // Lines are built from segments so they can be cut to the width by visible characters,
  // before any colour code is added.
  const line = (...segs: Segment[]): string => {
    let room = width;
    let out = '';
    for (const seg of segs) {
      const [style, raw] = typeof seg === 'string' ? [undefined, seg] : seg;
      let text = clean(raw);
      if (room <= 0) break;
      if (text.length > room) text = truncate(text, room);
      room -= text.length;
      out += style && opts.color ? `\u001b[${CODES[style]}m${text}\u001b[0m` : text;
    }
    return out;
  };
  const c = report.coverage;
  const out: string[] = [];
  const ok = report.exit_code === 0;
  out.push(line(['bold', 'purple-harness'], ` run ${report.run.id} on ${report.host.name} (${report.collectors.map((x) => x.id).join(', ') || 'no collector'})`));
  out.push(
    line(
      'coverage ',
      [c.coverage === 1 ? 'green' : c.coverage === null ? 'gray' : 'red', formatPercent(c.coverage)],
      ` (${c.detected}/${c.positives} positives detected)   false-positive rate `,
      [c.false_positives ? 'magenta' : 'green', formatPercent(c.false_positive_rate)],
      ` (${c.false_positives}/${c.negatives})`,
    ),
  );
  const counts = countOutcomes(report.verdicts);
  out.push(line(...OUTCOMES.flatMap((o, i): Segment[] => [...(i ? ['  '] : []), [OUTCOME_STYLE[o], o], ` ${counts[o]}`])));
  const problems = problemVerdicts(report);
  if (problems.length) {
    out.push('');
    out.push(line(['bold', 'needs attention:']));
    for (const v of problems) {
      const why = v.outcome === 'false-positive' ? `fired ${v.rules_fired.join(', ')}` : describeReason(v);
      const segs: Segment[] = ['  ', [OUTCOME_STYLE[v.outcome], v.outcome.padEnd(14)], ` ${v.variant_id}  `];
      if (v.expectation_met) segs.push(['gray', '(known gap) ']);
      segs.push(why);
      out.push(line(...segs));
    }
  }
  // A known gap that was detected is stale: the scenario still claims the rules miss it.
  for (const v of report.verdicts.filter((x) => x.known_gap !== undefined && x.outcome === 'detected')) {
    out.push(line(['yellow', `known gap closed: ${v.variant_id} is marked as a known gap but was detected; update its known_gap`]));
  }
  for (const col of report.collectors.filter((x) => x.lost_records > 0 || x.errors.length > 0)) {
    out.push(line(['yellow', `collector ${col.id}: ${col.lost_records} records lost, ${col.errors.length} error(s)${col.errors[0] ? `: ${col.errors[0]}` : ''}`]));
  }
  out.push('');
  out.push(ok ? line(['green', 'result: all expectations met (exit 0)']) : line(['red', 'result: an expectation failed (exit 1)']));
  return out.join('\n') + '\n';
}
