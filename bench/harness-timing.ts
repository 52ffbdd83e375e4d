// Harness speed: times `purple run` over the Linux scenario matrix end to end (as root, the way CI
// runs it) and reports the harness's own overhead per variant (wall time minus the emulations' own
// run time from report.json), and the live engine's alert delay: how long createDetector().push()
// takes for the upload event that completes a DET0503 sequence (with no reorder wait), measured
// in-process over the benchmark dataset.
//   tsx bench/harness-timing.ts [--cli dist/src/cli/main.js] [--no-run] [--events bench/data/events-1m.ndjson]
// → one JSON line on stdout.

import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { createEcsImporter } from '../collectors/importers/ecs.js';
import { loadDetectorFromDisk } from '../src/pipeline/index.js';
import { createDetector } from '../src/detector/index.js';
import type { RunReport } from '../src/model/index.js';

const ROOT = resolve(new URL('..', import.meta.url).pathname);

function pct(xs: number[], p: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

function timeMatrix(cli: string[]): Record<string, unknown> {
  if (!existsSync(join(ROOT, 'src', 'cli', 'run.ts'))) return { available: false, note: 'src/cli/run.ts does not exist yet' };
  if (process.getuid?.() !== 0) return { available: true, skipped: 'not root: the Linux matrix needs root for its collectors' };
  const out = mkdtempSync(join(ROOT, 'bench', 'data', '.harness-'));
  try {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [...cli, 'run', '--out', out, '--json', '--no-progress'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 28 });
    const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const runDir = readdirSync(out).map((d) => join(out, d)).find((d) => existsSync(join(d, 'report.json')));
    if (!runDir) return { available: true, error: `no report.json (exit ${r.status}): ${(r.stderr ?? '').slice(-1500)}` };
    const report = JSON.parse(readFileSync(join(runDir, 'report.json'), 'utf8')) as RunReport;
    const ran = report.verdicts.filter((v) => v.duration_ms !== undefined && v.outcome !== 'skipped');
    const emulationMs = ran.reduce((a, v) => a + (v.duration_ms ?? 0), 0);
    // The harness's time between one emulation's end and the next one's start (collectors, sink, cleanup).
    const starts = ran.filter((v) => v.started_at && v.ended_at).sort((a, b) => Date.parse(a.started_at!) - Date.parse(b.started_at!));
    const gaps: number[] = [];
    for (let i = 1; i < starts.length; i++) gaps.push(Date.parse(starts[i]!.started_at!) - Date.parse(starts[i - 1]!.ended_at!));
    const outcomes: Record<string, number> = {};
    for (const v of report.verdicts) outcomes[v.outcome] = (outcomes[v.outcome] ?? 0) + 1;
    return {
      available: true,
      exit_code: r.status,
      collectors: report.collectors.map((c) => c.id),
      variants: report.verdicts.length,
      variants_ran: ran.length,
      outcomes,
      wall_s: wallMs / 1000,
      emulation_s: emulationMs / 1000,
      overhead_s: (wallMs - emulationMs) / 1000,
      overhead_per_variant_s: ran.length ? (wallMs - emulationMs) / 1000 / ran.length : NaN,
      between_variants_ms: { p50: pct(gaps, 50), max: gaps.length ? Math.max(...gaps) : NaN },
      run_started_to_first_variant_ms: starts.length ? Date.parse(starts[0]!.started_at!) - Date.parse(report.run.started_at) : NaN,
      last_variant_to_run_end_ms: starts.length ? Date.parse(report.run.ended_at) - Date.parse(starts[starts.length - 1]!.ended_at!) : NaN,
    };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

async function liveDelay(file: string, maxLines: number): Promise<Record<string, unknown>> {
  if (!existsSync(file)) return { error: `${file} does not exist (npm run bench:data)` };
  const { rules } = loadDetectorFromDisk({ rules: join(ROOT, 'rules', 'eql') });
  const session = createEcsImporter().create({});
  // The live engine sees events as they happen: no reorder wait, so an alert comes out of the push
  // of the event that completes the sequence. (With the default 2 s reorder window it comes out
  // with the first event 2 s of event time later.)
  const det = createDetector(rules, { reorderWindowMs: 0 });
  const alertPushUs: number[] = [];
  const allPushUs: number[] = [];
  let n = 0;
  const rl = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const line of rl) {
    if (++n > maxLines) break;
    for (const ev of session.push(line, n)) {
      const t0 = process.hrtime.bigint();
      const alerts = det.push(ev);
      const us = Number(process.hrtime.bigint() - t0) / 1000;
      allPushUs.push(us);
      if (alerts.length) alertPushUs.push(us);
    }
  }
  rl.close();
  return {
    events: allPushUs.length,
    alerts_pushes: alertPushUs.length,
    upload_to_alert_ms: { p50: pct(alertPushUs, 50) / 1000, p99: pct(alertPushUs, 99) / 1000, max: Math.max(...alertPushUs) / 1000 },
    any_push_ms: { p50: pct(allPushUs, 50) / 1000, p99: pct(allPushUs, 99) / 1000 },
  };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const opt = (n: string): string | undefined => (argv.includes(n) ? argv[argv.indexOf(n) + 1] : undefined);
  const cliPath = opt('--cli');
  const cli = cliPath ? [cliPath] : ['--import', 'tsx', join(ROOT, 'src', 'cli', 'main.ts')];
  const matrix = argv.includes('--no-run') ? { skipped: '--no-run' } : timeMatrix(cli);
  const live = await liveDelay(opt('--events') ?? join(ROOT, 'bench', 'data', 'events-1m.ndjson'), Number(opt('--lines') ?? 300_000));
  process.stdout.write(JSON.stringify({ matrix, live_engine: live }) + '\n');
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack : e);
  process.exit(1);
});
