// The detect stage on a stream of exported telemetry: raw lines → importer (guessed from the first
// lines unless named) → the detector, in constant memory. An ECS file may be read and parsed by
// worker threads while this thread detects. `purple detect` parses options and prints; this
// module does the work and hands alerts to the caller as they are found.

import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { Readable } from 'node:stream';
import { getImporter, sniffImporter } from '../../collectors/importers/index.js';
import { createDetector, type DetectorStats, type LineFeeder, type StreamRule } from '../detector/index.js';
import type { Alert, ImportSession, ImportStats, Importer } from '../model/index.js';
import { feedFileParallel } from './detect-parallel.js';
import { DEFAULT_MAX_LINE_BYTES, lineBatches, oversizedMessage } from './line-batches.js';

/** Lines the format is guessed from. */
const SNIFF_LINES = 20;

export interface DetectStreamOptions {
  /** A file path, or `-` for stdin. */
  events: string;
  rules: StreamRule[];
  /** Importer id, or undefined / `auto` to guess from the first lines. */
  from?: string;
  hostId?: string;
  hostName?: string;
  reorderWindowMs: number;
  /** Skip ECS lines no rule can use before parsing them (default on). */
  prefilter: boolean;
  /** Worker threads that read and parse an ECS file (0: none). */
  threads: number;
  /** Longest line read (UTF-8 bytes); a longer one is a located malformed line, never held whole. */
  maxLineBytes?: number;
  /** Alerts as they are found (synchronously, in order). */
  onAlerts(alerts: Alert[]): void;
  /** Called at points where the caller may wait for its output to drain. */
  drain(): Promise<void>;
  /** Whether the caller has output waiting (drain early past a batch). */
  pending?(): boolean;
}

export interface DetectStreamResult {
  importerId: string;
  stats: ImportStats;
  /** Lines the prefilter skipped unparsed; undefined when the prefilter did not run. */
  prefilterSkipped: number | undefined;
  detector: DetectorStats;
}

/** The first `n` non-empty lines of a file (for guessing its format), read without a stream. */
function headLines(file: string, n: number): string[] {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(1 << 20);
    const got = readSync(fd, buf, 0, buf.length, 0);
    return buf.toString('utf8', 0, got).split(/\r?\n|\r/).filter((l) => l.trim()).slice(0, n);
  } finally {
    closeSync(fd);
  }
}

/** The per-stream state: the importer once known, its session, the prefilter once decided. */
interface StreamState {
  importer: Importer | undefined;
  session: ImportSession | undefined;
  feeder: LineFeeder | null | undefined;
  lineNo: number;
  parallelStats: ImportStats | undefined;
}

export async function detectStream(opts: DetectStreamOptions): Promise<DetectStreamResult> {
  const detector = createDetector(opts.rules, { reorderWindowMs: opts.reorderWindowMs });
  const hostOpts = { ...(opts.hostId ? { hostId: opts.hostId } : {}), ...(opts.hostName ? { hostName: opts.hostName } : {}) };
  // Host options put values in events that the raw lines do not have: the prefilter cannot run.
  const prefilter = opts.prefilter && Object.keys(hostOpts).length === 0;
  const importer = opts.from && opts.from !== 'auto' ? getImporter(opts.from) : undefined;
  const st: StreamState = { importer, session: importer?.create(hostOpts), feeder: undefined, lineNo: 0, parallelStats: undefined };
  // The prefilter knows how the ECS importer copies values from the raw line (line-gate.ts).
  const feed = (line: string, lineNo: number): void => {
    if (st.feeder === undefined) st.feeder = st.importer!.id === 'ecs' && prefilter ? detector.lineFeeder((l, n) => st.session!.push(l, n)) : null;
    if (st.feeder) opts.onAlerts(st.feeder.push(line, lineNo));
    else for (const ev of st.session!.push(line, lineNo)) opts.onAlerts(detector.push(ev));
  };
  const maxLineBytes = opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  // Lines past maxLineBytes never reach an importer: counted here as malformed.
  const oversized: Array<{ line: number; message: string }> = [];
  const start = (sample: string[]): void => {
    st.importer = sniffImporter(sample) ?? getImporter('ecs');
    st.session = st.importer.create(hostOpts);
  };

  if (opts.events !== '-' && opts.threads >= 1 && prefilter) {
    // A file of ECS lines with the prefilter: worker threads read and parse, this thread detects.
    const imp = st.importer ?? sniffImporter(headLines(opts.events, SNIFF_LINES)) ?? getImporter('ecs');
    if (imp.id === 'ecs') {
      st.importer = imp;
      const session = (st.session = imp.create(hostOpts));
      st.feeder = detector.lineFeeder((l, n) => session.push(l, n));
      if (st.feeder) {
        const r = await feedFileParallel({ file: opts.events, importerId: imp.id, feeder: st.feeder, session, threads: opts.threads, maxLineBytes, onAlerts: opts.onAlerts, afterChunk: opts.drain });
        st.parallelStats = r.stats;
        st.lineNo = r.lines;
      }
    }
  }

  const input: NodeJS.ReadableStream = st.parallelStats ? Readable.from([]) : opts.events === '-' ? process.stdin : createReadStream(opts.events, { encoding: 'utf8' });
  const pending: Array<[string, number]> = [];
  let sniffed = 0;
  for await (const batch of lineBatches(input, { maxLineBytes })) {
    for (const line of batch) {
      st.lineNo++;
      if (typeof line !== 'string') {
        oversized.push({ line: st.lineNo, message: oversizedMessage(line.oversized, maxLineBytes) });
        continue;
      }
      if (!st.session) {
        // Guess the format from the first non-empty lines, then replay them.
        pending.push([line, st.lineNo]);
        if (line.trim()) sniffed++;
        if (sniffed < SNIFF_LINES) continue;
        start(pending.map(([l]) => l));
        for (const [l, n] of pending.splice(0)) feed(l, n);
        continue;
      }
      feed(line, st.lineNo);
      if (opts.pending?.()) await opts.drain();
    }
    await opts.drain();
  }
  if (!st.session) {
    start(pending.map(([l]) => l));
    for (const [l, n] of pending.splice(0)) feed(l, n);
  }
  for (const ev of st.session!.end()) opts.onAlerts(detector.push(ev));
  opts.onAlerts(detector.finish());
  await opts.drain();
  const st0 = st.parallelStats ?? st.session!.stats();
  const stats = oversized.length
    ? { ...st0, lines: st0.lines + oversized.length, malformed: st0.malformed + oversized.length, problems: [...st0.problems, ...oversized].sort((a, b) => a.line - b.line) }
    : st0;
  return {
    importerId: st.importer!.id,
    stats,
    prefilterSkipped: st.feeder ? st.feeder.stats().skipped : undefined,
    detector: detector.stats(),
  };
}
