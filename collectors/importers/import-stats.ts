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

/** Real exports nest a few levels; past this the mappers' recursive walks could overflow the stack. */
export const MAX_JSON_DEPTH = 64;

/** Bracket depth of JSON text beyond max (strings skipped), without parsing it. */
function nestsDeeperThan(text: string, max: number): boolean {
  // Fewer opening brackets than the limit (every real event line): it cannot nest deeper. Counting
  // them with indexOf is far cheaper than walking every character.
  let opens = 0;
  for (let i = text.indexOf('{'); i >= 0 && opens <= max; i = text.indexOf('{', i + 1)) opens++;
  for (let i = text.indexOf('['); i >= 0 && opens <= max; i = text.indexOf('[', i + 1)) opens++;
  if (opens <= max) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > max) return true;
    } else if (c === 125 || c === 93) depth--;
  }
  return false;
}

/** Parses one line as a JSON object, or says why not. */
export function parseJsonObject(line: string): { ok: true; value: Record<string, unknown> } | { ok: false; message: string } {
  if (nestsDeeperThan(line, MAX_JSON_DEPTH)) return { ok: false, message: `JSON nested more than ${MAX_JSON_DEPTH} levels deep` };
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch (e) {
    return { ok: false, message: `not JSON: ${(e as Error).message}` };
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return { ok: false, message: 'not a JSON object' };
  return { ok: true, value: v as Record<string, unknown> };
}
