// Hostile-input timings (issue 13 §6): a 100 MB line through detect's line reader, and a Sigma
// `|contains` list of 100,000 values over 200 events. Before the fixes: 63 s and over 120 s.
//   node --import tsx bench/hostile-input.ts [lineMB]
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lineBatches, DEFAULT_MAX_LINE_BYTES } from '../src/pipeline/line-batches.js';
import { compileItem } from '../src/detector/sigma/modifiers.js';

const lineMb = Number(process.argv[2] ?? 100);
const dir = mkdtempSync(join(tmpdir(), 'purple-bench-'));
try {
  const file = join(dir, 'long.ndjson');
  writeFileSync(file, `{"a":"${'x'.repeat(lineMb * 1024 * 1024)}"}\nshort\n`);
  for (const cap of [DEFAULT_MAX_LINE_BYTES, Infinity]) {
    const t0 = performance.now();
    let lines = 0;
    let oversized = 0;
    for await (const b of lineBatches(createReadStream(file, { encoding: 'utf8' }), { maxLineBytes: cap })) {
      for (const l of b) {
        lines++;
        if (typeof l !== 'string') oversized++;
      }
    }
    console.log(JSON.stringify({ bench: 'long-line', line_mb: lineMb, max_line_bytes: cap === Infinity ? 'none' : cap, lines, oversized, seconds: +((performance.now() - t0) / 1000).toFixed(3), rss_mb: Math.round(process.memoryUsage().rss / 1048576) }));
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const values = Array.from({ length: 100_000 }, (_, i) => `needle-${i.toString(36)}-${(i * 7919).toString(36)}`);
const ctx = { mapField: (n: string) => n, valueMap: () => undefined, placeholder: () => undefined };
let t0 = performance.now();
const pred = compileItem('process.command_line', ['contains'], values, ctx);
const compileS = (performance.now() - t0) / 1000;
const events = Array.from({ length: 200 }, (_, i) => ({ process: { command_line: `/usr/bin/tool --flag ${'y'.repeat(200)} ${i % 50 === 0 ? values[i * 400] : 'nothing'}` } }));
t0 = performance.now();
const hits = events.filter((e) => pred(e)).length;
console.log(JSON.stringify({ bench: 'sigma-contains-100k', values: values.length, events: events.length, hits, compile_seconds: +compileS.toFixed(3), match_seconds: +((performance.now() - t0) / 1000).toFixed(3) }));
