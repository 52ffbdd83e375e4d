// `purple detect --threads N`: the events file is cut into chunks of whole lines; worker threads
// read, prefilter and parse them (detect-worker.ts) while the main thread feeds the results, in
// file order, to the one detector (rules keep state across the whole stream, so detection itself
// stays on one thread). The alerts are those of the single-threaded path: the same lines reach
// the detector, in the same order, with the same times.

import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { LineFeeder } from '../detector/index.js';
import type { Alert, ImportSession, ImportStats, TelemetryEvent } from '../model/index.js';
import type { ChunkJob, ChunkResult } from './detect-worker.js';

/** Chunk starts at line boundaries: each boundary moved just past the next newline. */
export function chunkBoundaries(file: string, chunkBytes: number): number[] {
  const size = statSync(file).size;
  const out = [0];
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 16);
    for (let pos = chunkBytes; pos < size; ) {
      let found = -1;
      for (let at = pos; at < size && found < 0; at += buf.length) {
        const n = readSync(fd, buf, 0, buf.length, at);
        const i = buf.subarray(0, n).indexOf(10);
        if (i >= 0) found = at + i + 1;
        if (n === 0) break;
      }
      if (found < 0 || found >= size) break;
      out.push(found);
      pos = found + chunkBytes;
    }
  } finally {
    closeSync(fd);
  }
  out.push(size);
  return out;
}

export interface ParallelResult {
  lines: number;
  stats: ImportStats;
}

export async function feedFileParallel(opts: {
  file: string;
  importerId: string;
  feeder: LineFeeder;
  /** The main thread's session: parses waiting lines that turn out useful. */
  session: ImportSession;
  threads: number;
  chunkBytes?: number;
  /** Longer lines are malformed (skipped, with their line number). */
  maxLineBytes?: number;
  onAlerts: (alerts: Alert[]) => void;
  /** Called after each chunk (e.g. to honour output backpressure). */
  afterChunk?: () => Promise<void>;
}): Promise<ParallelResult> {
  const bounds = chunkBoundaries(opts.file, opts.chunkBytes ?? 1 << 20);
  const jobs: ChunkJob[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) if (bounds[i + 1]! > bounds[i]!) jobs.push({ id: jobs.length, start: bounds[i]!, end: bounds[i + 1]! });
  const workerData = { params: opts.feeder.classifierParams(), file: opts.file, importerId: opts.importerId, maxLineBytes: opts.maxLineBytes ?? Infinity };
  // Run from TypeScript sources (tsx, tests): the worker registers tsx's loader before loading its module.
  const fromTs = import.meta.url.endsWith('.ts');
  const workerUrl = new URL(fromTs ? './detect-worker.ts' : './detect-worker.js', import.meta.url);
  const spawnWorker = (): Worker =>
    fromTs
      ? new Worker(`import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(workerUrl.href)}); });`, { eval: true, workerData })
      : new Worker(workerUrl, { workerData });
  const workers = Array.from({ length: Math.max(1, Math.min(opts.threads, jobs.length)) }, spawnWorker);
  const results = new Map<number, ChunkResult>();
  let failure: Error | null = null;
  let wake: (() => void) | null = null;
  const idle: Worker[] = [];
  let next = 0;
  // At most two chunks per worker are parsed ahead of the detector: memory stays bounded.
  const ahead = 2 * workers.length;
  let consumed = 0;
  const dispatch = (): void => {
    while (idle.length && next < jobs.length && next < consumed + ahead) idle.pop()!.postMessage(jobs[next++]);
  };
  for (const w of workers) {
    w.on('message', (r: ChunkResult) => {
      results.set(r.id, r);
      idle.push(w);
      dispatch();
      wake?.();
    });
    w.on('error', (e) => {
      failure = e;
      wake?.();
    });
    idle.push(w);
  }
  dispatch();

  const stats: ImportStats = { lines: 0, events: 0, skipped: 0, malformed: 0, problems: [] };
  let base = 0;
  try {
    for (let k = 0; k < jobs.length; k++) {
      while (!results.has(k)) {
        if (failure) throw failure;
        await new Promise<void>((res) => (wake = res));
        wake = null;
      }
      const r = results.get(k)!;
      results.delete(k);
      consumed = k + 1;
      dispatch();
      const events = JSON.parse(r.events) as TelemetryEvent[][];
      for (const op of r.ops) {
        if (op[0] === 0) opts.onAlerts(opts.feeder.parsed(events[op[1]]!));
        else if (op[0] === 1) opts.onAlerts(opts.feeder.dropped(op[1], op[2]));
        else opts.onAlerts(opts.feeder.waiting(r.text.slice(op[1], op[2]), base + op[3], op[4], op[5]));
      }
      stats.lines += r.stats.lines;
      stats.events += r.stats.events;
      stats.skipped += r.stats.skipped;
      stats.malformed += r.stats.malformed;
      for (const p of r.stats.problems) if (stats.problems.length < 50) stats.problems.push({ ...p, line: p.line + base });
      base += r.lines;
      await opts.afterChunk?.();
    }
  } finally {
    for (const w of workers) w.postMessage(null);
    await Promise.all(workers.map((w) => w.terminate()));
  }
  // Waiting lines that turned out useful were parsed here, by the main thread's session.
  const own = opts.session.stats();
  stats.lines += own.lines;
  stats.events += own.events;
  stats.skipped += own.skipped;
  stats.malformed += own.malformed;
  stats.problems.push(...own.problems);
  stats.problems.sort((a, b) => a.line - b.line);
  return { lines: base, stats };
}
