#!/usr/bin/env node
// Measures how long `purple --help` takes to start, as the median of N fresh processes, beside a
// bare `node -e ''` so the CLI's own share is visible. With --imports it also times importing each
// verb module on its own, which shows which verb pulls in heavy modules at startup.
//
//   npm run build && node scripts/measure-startup.mjs [--runs 15] [--bin dist/src/cli/main.js]
//                                                     [--imports] [-- <purple args>]
// Prints numbers; asserts nothing (timings depend on the machine and its load).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const dash = argv.indexOf('--');
const own = dash < 0 ? argv : argv.slice(0, dash);
const purpleArgs = dash < 0 ? ['--help'] : argv.slice(dash + 1);

function option(name, dflt) {
  const i = own.indexOf(name);
  return i < 0 ? dflt : own[i + 1];
}
const runs = Number(option('--runs', '15'));
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`--runs must be a whole number ≥ 1, got ${option('--runs')}`);
  process.exit(2);
}
const bin = resolve(option('--bin', join(root, 'dist/src/cli/main.js')));
if (!existsSync(bin)) {
  console.error(`${bin} does not exist: run \`npm run build\` first (or pass --bin)`);
  process.exit(2);
}

function timeOnce(args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

function stats(args) {
  timeOnce(args); // warm the file system cache; not counted
  const xs = Array.from({ length: runs }, () => timeOnce(args)).sort((a, b) => a - b);
  const mid = Math.floor(xs.length / 2);
  const median = xs.length % 2 ? xs[mid] : (xs[mid - 1] + xs[mid]) / 2;
  return { median, min: xs[0], max: xs[xs.length - 1] };
}

const fmt = (n) => `${n.toFixed(0).padStart(5)} ms`;
const line = (label, s) => console.log(`${label.padEnd(34)} median ${fmt(s.median)}   min ${fmt(s.min)}   max ${fmt(s.max)}`);

console.log(`node ${process.version}, ${runs} runs each`);
const bare = stats(['-e', '']);
line("node -e ''", bare);
const cli = stats([bin, ...purpleArgs]);
line(`purple ${purpleArgs.join(' ')}`, cli);
console.log(`${'CLI share (median difference)'.padEnd(34)} ${fmt(cli.median - bare.median)}`);

if (own.includes('--imports')) {
  // Each verb module alone, in a fresh process: what `--help` pays for registering that verb.
  const cliDir = dirname(bin);
  console.log('\nimport of one module (fresh process, median):');
  const mods = readdirSync(cliDir).filter((f) => f.endsWith('.js') && f !== 'main.js').sort();
  for (const m of mods) {
    const url = new URL(`file://${join(cliDir, m)}`).href;
    const s = stats(['--input-type=module', '-e', `await import(${JSON.stringify(url)})`]);
    console.log(`  ${m.padEnd(32)} ${fmt(s.median - bare.median)}`);
  }
}
