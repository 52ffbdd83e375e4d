// The ground-truth journal an emulation appends to: one JSON object per line. Each line is checked;
// bad lines are reported with their numbers and never stop the rest from being read.

import { readFile } from 'node:fs/promises';
import type { JournalEntry } from '../src/model/index.js';

export interface JournalProblem {
  line: number;
  message: string;
}

export interface JournalRead {
  entries: JournalEntry[];
  problems: JournalProblem[];
}

const ACTIONS: ReadonlySet<string> = new Set(['start', 'encrypt', 'upload', 'exit', 'note']);
const MAX_LINE = 64 * 1024;

function isPid(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v > 0;
}

/** Validates one parsed line; returns the entry or the reason it is not one. */
export function checkJournalEntry(v: unknown): JournalEntry | string {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'not a JSON object';
  const o = v as Record<string, unknown>;
  if (typeof o.time_ms !== 'number' || !Number.isFinite(o.time_ms) || o.time_ms <= 0) return '"time_ms" must be a positive number (epoch milliseconds)';
  if (typeof o.action !== 'string' || !ACTIONS.has(o.action)) return `"action" must be one of ${[...ACTIONS].join(', ')}`;
  if (!isPid(o.pid)) return '"pid" must be a positive integer';
  if (o.ppid !== undefined && o.ppid !== null && !(typeof o.ppid === 'number' && Number.isInteger(o.ppid) && o.ppid >= 0)) return '"ppid" must be a non-negative integer';
  const details = o.details ?? {};
  if (typeof details !== 'object' || details === null || Array.isArray(details)) return '"details" must be an object';
  const e: JournalEntry = { time_ms: o.time_ms, action: o.action as JournalEntry['action'], pid: o.pid, details: details as Record<string, unknown> };
  if (typeof o.ppid === 'number') e.ppid = o.ppid;
  const d = e.details;
  if (e.action === 'encrypt' && (typeof d.tool !== 'string' || typeof d.cipher !== 'string')) return 'an encrypt entry needs details.tool and details.cipher (strings)';
  if (e.action === 'upload' && (typeof d.tool !== 'string' || typeof d.protocol !== 'string')) return 'an upload entry needs details.tool and details.protocol (strings)';
  return e;
}

/** Parses journal text; entries come back in file order. */
export function parseJournal(text: string): JournalRead {
  const entries: JournalEntry[] = [];
  const problems: JournalProblem[] = [];
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    if (line.length > MAX_LINE) return void problems.push({ line: i + 1, message: `line longer than ${MAX_LINE} characters` });
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (e) {
      // A line cut short by a killed emulation is the usual cause; say so.
      const last = i === lines.length - 1 || (i === lines.length - 2 && lines[lines.length - 1] === '');
      return void problems.push({ line: i + 1, message: `not valid JSON${last ? ' (the last line; was the emulation killed while writing it?)' : ''}: ${(e as Error).message}` });
    }
    const r = checkJournalEntry(v);
    if (typeof r === 'string') problems.push({ line: i + 1, message: r });
    else entries.push(r);
  });
  return { entries, problems };
}

/** Reads a journal file; a missing file is an empty journal with one problem. */
export async function readJournal(path: string): Promise<JournalRead> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    return { entries: [], problems: [{ line: 0, message: `cannot read the journal ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` }] };
  }
  return parseJournal(text);
}
