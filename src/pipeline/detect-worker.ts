// Worker thread of `purple detect --threads`: reads one chunk of the events file (whole lines),
// classifies each line with the prefilter's state-free half, parses the lines that need parsing
// with the importer, and sends back what the main thread needs to feed them in order.

import { closeSync, openSync, readSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { getImporter } from '../../collectors/importers/index.js';
import { createLineClassifier, rawTimestamp, type ClassifierParams } from '../detector/index.js';
import type { TelemetryEvent } from '../model/index.js';
import { lineOverCap, lineSpans, oversizedMessage } from './line-batches.js';

export interface ChunkJob {
  id: number;
  start: number;
  end: number;
}

/**
 * [0, k] a parsed line, its events the k-th entry of the chunk's `events`; [1, count, maxTs] a run
 * of dropped lines; [2, start, end, lineNo, ts, cats] a waiting line, the chunk's text from start
 * to end (the text goes over once, as one string, instead of as a string per line).
 */
export type Op = [0, number] | [1, number, number] | [2, number, number, number, number, string[] | null];

export interface ChunkResult {
  id: number;
  lines: number;
  ops: Op[];
  /**
   * The parsed lines' events (TelemetryEvent[][]) as one JSON text: the main thread, the busy one,
   * reads JSON about twice as fast as it deserialises a structured clone of the same objects.
   */
  events: string;
  /** The chunk's text, for the waiting lines' spans. */
  text: string;
  stats: { lines: number; events: number; skipped: number; malformed: number; problems: Array<{ line: number; message: string }> };
}

/** Bytes [start, end) of a file as text. */
function readChunkText(fd: number, start: number, end: number): string {
  const buf = Buffer.allocUnsafe(end - start);
  let got = 0;
  while (got < buf.length) {
    const n = readSync(fd, buf, got, buf.length - got, start + got);
    if (n === 0) break;
    got += n;
  }
  return buf.toString('utf8', 0, got);
}

/** The lines of bytes [start, end) of a file, split as readline splits them (\n, \r\n, or a lone \r). */
export function readChunkLines(fd: number, start: number, end: number): string[] {
  const text = readChunkText(fd, start, end);
  const { starts, ends } = lineSpans(text);
  return starts.map((s, i) => text.slice(s, ends[i]));
}

if (parentPort && workerData) {
  const { params, file, importerId, maxLineBytes } = workerData as { params: ClassifierParams; file: string; importerId: string; maxLineBytes: number };
  const classify = createLineClassifier(params);
  const importer = getImporter(importerId);
  const fd = openSync(file, 'r');
  const port = parentPort;
  port.on('message', (job: ChunkJob | null) => {
    if (job === null) {
      closeSync(fd);
      port.close();
      return;
    }
    const text = readChunkText(fd, job.start, job.end);
    const { starts, ends } = lineSpans(text);
    // Line numbers are chunk-relative; the main thread adds the lines of the chunks before.
    const session = importer.create({});
    const ops: Op[] = [];
    const parsed: TelemetryEvent[][] = [];
    let drops = 0;
    let dropMax = -Infinity;
    const oversized: Array<{ line: number; message: string }> = [];
    for (let i = 0; i < starts.length; i++) {
      const line = text.slice(starts[i], ends[i]);
      const over = lineOverCap(line, maxLineBytes);
      if (over !== undefined) {
        oversized.push({ line: i + 1, message: oversizedMessage(over, maxLineBytes) });
        continue;
      }
      const c = classify(line);
      const ts = c.verdict === 'parse' ? null : rawTimestamp(line);
      if (ts !== null && c.verdict === 'drop') {
        drops++;
        if (ts > dropMax) dropMax = ts;
        continue;
      }
      if (drops) {
        ops.push([1, drops, dropMax]);
        drops = 0;
        dropMax = -Infinity;
      }
      if (ts === null) ops.push([0, parsed.push(session.push(line, i + 1)) - 1]);
      else ops.push([2, starts[i]!, ends[i]!, i + 1, ts, c.cats]);
    }
    if (drops) ops.push([1, drops, dropMax]);
    const st = session.stats();
    if (oversized.length) Object.assign(st, { lines: st.lines + oversized.length, malformed: st.malformed + oversized.length, problems: [...st.problems, ...oversized].sort((a, b) => a.line - b.line) });
    const result: ChunkResult = { id: job.id, lines: starts.length, ops, events: JSON.stringify(parsed), text, stats: st };
    port.postMessage(result);
  });
}
