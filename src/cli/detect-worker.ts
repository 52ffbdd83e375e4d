// Worker thread of `purple detect --threads`: reads one chunk of the events file (whole lines),
// classifies each line with the prefilter's state-free half, parses the lines that need parsing
// with the importer, and sends back what the main thread needs to feed them in order.

import { closeSync, openSync, readSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { getImporter } from '../../collectors/importers/index.js';
import { createLineClassifier, rawTimestamp, type ClassifierParams } from '../detector/index.js';
import type { TelemetryEvent } from '../model/index.js';

export interface ChunkJob {
  id: number;
  start: number;
  end: number;
}

/** [0, events] a parsed line; [1, count, maxTs] a run of dropped lines; [2, line, lineNo, ts, cats] a waiting line. */
export type Op = [0, TelemetryEvent[]] | [1, number, number] | [2, string, number, number, string[] | null];

export interface ChunkResult {
  id: number;
  lines: number;
  ops: Op[];
  stats: { lines: number; events: number; skipped: number; malformed: number; problems: Array<{ line: number; message: string }> };
}

/** The lines of bytes [start, end) of a file, split as readline splits them (\n, \r\n, or a lone \r). */
export function readChunkLines(fd: number, start: number, end: number): string[] {
  const buf = Buffer.allocUnsafe(end - start);
  let got = 0;
  while (got < buf.length) {
    const n = readSync(fd, buf, got, buf.length - got, start + got);
    if (n === 0) break;
    got += n;
  }
  const lines = buf.toString('utf8', 0, got).split(/\r?\n|\r(?!\n)/);
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

if (parentPort && workerData) {
  const { params, file, importerId } = workerData as { params: ClassifierParams; file: string; importerId: string };
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
    const lines = readChunkLines(fd, job.start, job.end);
    // Line numbers are chunk-relative; the main thread adds the lines of the chunks before.
    const session = importer.create({});
    const ops: Op[] = [];
    let drops = 0;
    let dropMax = -Infinity;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
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
      if (ts === null) ops.push([0, session.push(line, i + 1)]);
      else ops.push([2, line, i + 1, ts, c.cats]);
    }
    if (drops) ops.push([1, drops, dropMax]);
    const result: ChunkResult = { id: job.id, lines: lines.length, ops, stats: session.stats() };
    port.postMessage(result);
  });
}
