// Bookkeeping every importer shares: how many lines, events, skipped and malformed lines, and the
// first problems with their line numbers (a bad line is reported, never fatal).

import type { ImportStats, TelemetryEvent } from '../../src/model/index.js';

/** How many malformed lines are kept with their reasons; the rest are only counted. */
export const MAX_PROBLEMS = 100;

export interface StatsKeeper {
  line(): void;
  events(n: number): void;
  skipped(): void;
  malformed(line: number, message: string): void;
  snapshot(): ImportStats;
}

export function createStatsKeeper(): StatsKeeper {
  const s: ImportStats = { lines: 0, events: 0, skipped: 0, malformed: 0, problems: [] };
  return {
    line: () => void s.lines++,
    events: (n) => void (s.events += n),
    skipped: () => void s.skipped++,
    malformed(line, message) {
      s.malformed++;
      if (s.problems.length < MAX_PROBLEMS) s.problems.push({ line, message });
    },
    snapshot: () => ({ ...s, problems: [...s.problems] }),
  };
}

/** What a line-level mapper says about one line. */
export type LineResult =
  | { kind: 'events'; events: TelemetryEvent[] }
  | { kind: 'skipped' }
  | { kind: 'malformed'; message: string };

/** Applies a mapper's verdict to the stats and returns the events. */
export function applyLineResult(stats: StatsKeeper, lineNo: number, r: LineResult): TelemetryEvent[] {
  if (r.kind === 'events') {
    if (r.events.length === 0) {
      stats.skipped();
      return [];
    }
    stats.events(r.events.length);
    return r.events;
  }
  if (r.kind === 'skipped') stats.skipped();
  else stats.malformed(lineNo, r.message);
  return [];
}

/** Parses one line as a JSON object, or says why not. */
export function parseJsonObject(line: string): { ok: true; value: Record<string, unknown> } | { ok: false; message: string } {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch (e) {
    return { ok: false, message: `not JSON: ${(e as Error).message}` };
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return { ok: false, message: 'not a JSON object' };
  return { ok: true, value: v as Record<string, unknown> };
}
