// The platform's limit for `purple detect`'s input path: the same file read line by line the same
// way (fs stream + readline), then either only split into lines or also JSON.parse'd.
//   tsx bench/parse-limit.ts <split|parse> <file>   → one JSON line on stdout

import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

async function main(): Promise<void> {
  const [mode, file] = process.argv.slice(2);
  if ((mode !== 'split' && mode !== 'parse') || !file) throw new Error('usage: parse-limit.ts <split|parse> <file>');
  const t0 = performance.now();
  let lines = 0;
  let chars = 0;
  let objects = 0;
  const rl = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const line of rl) {
    lines++;
    if (mode === 'split') chars += line.length;
    else if (JSON.parse(line) !== null) objects++;
  }
  process.stdout.write(JSON.stringify({ mode, lines, chars, objects, seconds: (performance.now() - t0) / 1000 }) + '\n');
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
