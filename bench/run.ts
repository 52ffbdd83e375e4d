// npm run bench — purple detect (EQL pack, Sigma pack) against the platform's parse limit and
// DuckDB on the same files, side by side in one run. Prints one table and writes
// bench/results.json. Every tool runs as its own child process (wall time from outside, peak RSS
// from /usr/bin/time or /proc/<pid>/status VmHWM), several times; medians are reported.
//
//   npm run bench                       1M and 10M events, 3 repetitions (Sigma at 10M: 1)
//   npm run bench -- --quick            1M only, 1 repetition
//   npm run bench -- --sizes 1m --reps 5 --no-duckdb --no-sigma --no-threads --no-stress --no-harness
// Ratios: "throughput ÷ DuckDB" is DuckDB's seconds over purple's (above 1.0: purple is faster);
// "RSS ÷ DuckDB" is purple's peak RSS over DuckDB's (below 0.5: at most half).

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, totalmem, release, type as osType } from 'node:os';
import { join, resolve } from 'node:path';
import { ensureDataset, parseSize, type DatasetInfo } from './gen-data.js';

const ROOT = resolve(new URL('..', import.meta.url).pathname);
const DATA = join(ROOT, 'bench', 'data');
const BUILD = join(ROOT, 'bench', '.build');

interface Run {
  seconds: number;
  peakRssMb: number;
  stdout: string;
  stderr: string;
  code: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Runs a child to completion: wall seconds from spawn to exit, and its peak RSS. */
function measure(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const useTime = existsSync('/usr/bin/time');
  const rssFile = join(DATA, `.rss-${process.pid}`);
  const [c, a] = useTime ? ['/usr/bin/time', ['-o', rssFile, '-f', '%M', cmd, ...args]] : [cmd, args];
  return new Promise((res, rej) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(c, a, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let hwm = 0;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // Without /usr/bin/time: poll the child's high-water mark while it runs.
    const poll = useTime
      ? null
      : setInterval(() => {
          try {
            const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
            if (m) hwm = Math.max(hwm, Number(m[1]));
          } catch {
            /* exited */
          }
        }, 20);
    child.on('error', rej);
    child.on('close', (code) => {
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      if (poll) clearInterval(poll);
      let kb = hwm;
      if (useTime && existsSync(rssFile)) {
        const lines = readFileSync(rssFile, 'utf8').trim().split('\n');
        kb = Number(lines[lines.length - 1]);
        rmSync(rssFile, { force: true });
      }
      res({ seconds, peakRssMb: kb / 1024, stdout, stderr, code: code ?? -1 });
    });
  });
}

function buildCli(): string[] {
  // The CLI as users run it: compiled JavaScript (tsx would add its own transform cost).
  return [join(BUILD, 'src', 'cli', 'main.js')];
}

async function compile(log: (s: string) => void): Promise<boolean> {
  const r = await measure(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json', '--outDir', BUILD]);
  if (r.code !== 0) log(`tsc failed (exit ${r.code}), benchmarking through tsx instead:\n${r.stdout.slice(0, 2000)}`);
  return r.code === 0;
}

interface ToolResult {
  tool: string;
  runs: Array<{ seconds: number; peak_rss_mb: number }>;
  seconds: number;
  peak_rss_mb: number;
  events_per_s: number;
  mb_per_s: number;
  alerts?: number;
  alerts_by_strength?: Record<string, number>;
  expected?: number;
  ok?: boolean;
  note?: string;
}

function countAlerts(file: string): { total: number; by: Record<string, number> } {
  const by: Record<string, number> = {};
  let total = 0;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line) continue;
    total++;
    const s = (JSON.parse(line) as { join_strength?: string }).join_strength ?? 'none';
    by[s] = (by[s] ?? 0) + 1;
  }
  return { total, by };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const has = (f: string): boolean => argv.includes(f);
  const opt = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const quick = has('--quick');
  const sizes = (opt('--sizes') ?? (quick ? '1m' : '1m,10m')).split(',').map(parseSize);
  const reps = Number(opt('--reps') ?? (quick ? 1 : 3));
  const sigmaReps10m = Number(opt('--sigma-reps-large') ?? (quick ? 1 : 1));
  const seed = Number(opt('--seed') ?? 20250115);
  const threads = Number(opt('--threads') ?? 2);
  const log = (s: string): void => void process.stderr.write(s + '\n');
  mkdirSync(DATA, { recursive: true });

  const loadBefore = loadavg();
  log(`load average before: ${loadBefore.map((x) => x.toFixed(2)).join(' ')}`);
  const compiled = await compile(log);
  const cli = compiled ? buildCli() : ['--import', 'tsx', join(ROOT, 'src', 'cli', 'main.ts')];
  const tsx = ['--import', 'tsx'];

  const datasets: Array<{ info: DatasetInfo; tools: Record<string, ToolResult>; ratios: Record<string, number> }> = [];
  for (const n of sizes) {
    const info = await ensureDataset(DATA, n, seed, false, log);
    const mb = info.bytes / 1e6;
    const large = n >= 5_000_000;
    type Spec = { key: string; cmd: string[]; reps: number; env?: NodeJS.ProcessEnv; alertsFile?: string; expected?: DatasetInfo['expected']['eql']; duck?: boolean };
    const alertsFile = (k: string): string => join(DATA, `.alerts-${k}-${info.events}.ndjson`);
    const specs: Spec[] = [
      { key: 'purple_eql', cmd: [...cli, 'detect', '--events', info.file, '--rules', join(ROOT, 'rules', 'eql'), '-q', '-o', alertsFile('eql')], reps, alertsFile: alertsFile('eql'), expected: info.expected.eql },
      ...(has('--no-threads')
        ? []
        : [{ key: 'purple_eql_threads', cmd: [...cli, 'detect', '--events', info.file, '--rules', join(ROOT, 'rules', 'eql'), '--threads', String(threads), '-q', '-o', alertsFile('eqlt')], reps, alertsFile: alertsFile('eqlt'), expected: info.expected.eql }]),
      ...(has('--no-sigma')
        ? []
        : [{ key: 'purple_sigma', cmd: [...cli, 'detect', '--events', info.file, '--rules', join(ROOT, 'rules', 'sigma'), '-q', '-o', alertsFile('sigma')], reps: large ? sigmaReps10m : reps, alertsFile: alertsFile('sigma'), expected: info.expected.sigma }]),
      { key: 'parse_limit_json', cmd: [...tsx, join(ROOT, 'bench', 'parse-limit.ts'), 'parse', info.file], reps },
      { key: 'parse_limit_split', cmd: [...tsx, join(ROOT, 'bench', 'parse-limit.ts'), 'split', info.file], reps },
      // The strongest peer at the same thread counts as purple: 1 (against one-thread purple) and
      // --threads (against purple --threads).
      ...(has('--no-duckdb')
        ? []
        : [
            { key: 'duckdb_1t', cmd: [...tsx, join(ROOT, 'bench', 'duckdb-det0503.ts'), info.file], env: { DUCKDB_THREADS: '1' }, reps, expected: info.expected.eql, duck: true },
            { key: 'duckdb', cmd: [...tsx, join(ROOT, 'bench', 'duckdb-det0503.ts'), info.file], env: { DUCKDB_THREADS: String(threads) }, reps, expected: info.expected.eql, duck: true },
          ]),
    ];
    const runs = new Map<string, Run[]>();
    const outputs = new Map<string, { alerts?: number; by?: Record<string, number>; internal?: number }>();
    const maxReps = Math.max(...specs.map((s) => s.reps));
    // Interleaved (tool A, B, C, then again) so a change in machine load hits every tool alike.
    for (let r = 0; r < maxReps; r++) {
      for (const s of specs) {
        if (r >= s.reps) continue;
        log(`${info.events.toLocaleString('en')} events: ${s.key} run ${r + 1}/${s.reps} …`);
        const run = await measure(process.execPath, s.cmd, s.env);
        if (run.code !== 0) throw new Error(`${s.key} failed (exit ${run.code}): ${run.stderr.slice(0, 2000)}`);
        log(`  ${run.seconds.toFixed(2)} s, peak RSS ${run.peakRssMb.toFixed(0)} MB`);
        runs.set(s.key, [...(runs.get(s.key) ?? []), run]);
        if (s.alertsFile) {
          const c = countAlerts(s.alertsFile);
          outputs.set(s.key, { alerts: c.total, by: c.by });
          rmSync(s.alertsFile, { force: true });
        } else if (s.duck) {
          const j = JSON.parse(run.stdout.trim().split('\n').pop()!) as { alerts: number; seconds: number };
          outputs.set(s.key, { alerts: j.alerts, internal: j.seconds });
        }
      }
    }
    const tools: Record<string, ToolResult> = {};
    for (const s of specs) {
      const rs = runs.get(s.key)!;
      const sec = median(rs.map((x) => x.seconds));
      const o = outputs.get(s.key);
      const t: ToolResult = {
        tool: s.key,
        runs: rs.map((x) => ({ seconds: x.seconds, peak_rss_mb: x.peakRssMb })),
        seconds: sec,
        peak_rss_mb: Math.max(...rs.map((x) => x.peakRssMb)),
        events_per_s: info.events / sec,
        mb_per_s: mb / sec,
      };
      if (o?.alerts !== undefined) t.alerts = o.alerts;
      if (o?.by) t.alerts_by_strength = o.by;
      if (s.expected) {
        t.expected = s.expected.total;
        const byOk = !o?.by || Object.entries(s.expected.by_strength).every(([k, v]) => (o.by![k] ?? 0) === v);
        t.ok = o?.alerts === s.expected.total && byOk;
      }
      if (o?.internal !== undefined) t.note = `query ${o.internal.toFixed(2)} s inside the process`;
      tools[s.key] = t;
    }
    const ratios: Record<string, number> = {};
    const e = tools.purple_eql!;
    if (tools.duckdb_1t) {
      ratios.eql_throughput_vs_duckdb_1t = tools.duckdb_1t.seconds / e.seconds;
      ratios.eql_rss_vs_duckdb_1t = e.peak_rss_mb / tools.duckdb_1t.peak_rss_mb;
      if (tools.purple_sigma) ratios.sigma_throughput_vs_duckdb_1t = tools.duckdb_1t.seconds / tools.purple_sigma.seconds;
    }
    if (tools.duckdb) {
      ratios.eql_throughput_vs_duckdb = tools.duckdb.seconds / e.seconds;
      if (tools.purple_eql_threads) {
        ratios.eql_threads_throughput_vs_duckdb = tools.duckdb.seconds / tools.purple_eql_threads.seconds;
        ratios.eql_threads_rss_vs_duckdb = tools.purple_eql_threads.peak_rss_mb / tools.duckdb.peak_rss_mb;
      }
      ratios.eql_rss_vs_duckdb = e.peak_rss_mb / tools.duckdb.peak_rss_mb;
      if (tools.purple_sigma) ratios.sigma_throughput_vs_duckdb = tools.duckdb.seconds / tools.purple_sigma.seconds;
    }
    ratios.eql_vs_parse_limit = tools.parse_limit_json!.seconds / e.seconds;
    ratios.eql_vs_split_limit = tools.parse_limit_split!.seconds / e.seconds;
    datasets.push({ info, tools, ratios });
  }

  let stress: unknown = null;
  if (!has('--no-stress')) {
    stress = [];
    for (const cap of [10_000, 200_000]) {
      log(`stress: 100,000 open sequences, cap ${cap} per rule …`);
      const r = await measure(process.execPath, ['--expose-gc', ...tsx, join(ROOT, 'bench', 'stress-open.ts'), '100000', String(cap)]);
      if (r.code !== 0) throw new Error(`stress failed: ${r.stderr.slice(0, 2000)}`);
      (stress as unknown[]).push({ ...JSON.parse(r.stdout.trim()), peak_rss_mb_outside: r.peakRssMb });
    }
  }

  let harness: unknown = null;
  if (!has('--no-harness') && !quick) {
    log('harness: timing the Linux matrix end to end …');
    const r = await measure(process.execPath, [...tsx, join(ROOT, 'bench', 'harness-timing.ts'), ...(compiled ? ['--cli', join(BUILD, 'src', 'cli', 'main.js')] : [])]);
    harness = r.code === 0 ? JSON.parse(r.stdout.trim().split('\n').pop()!) : { error: r.stderr.slice(-2000) };
    log(`  ${JSON.stringify(harness)}`);
  }

  const loadAfter = loadavg();
  const results = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, cpu_model: cpus()[0]?.model ?? '?', memory_gb: Math.round(totalmem() / 2 ** 30), free_gb: Math.round(freemem() / 2 ** 30), os: `${osType()} ${release()}`, node: process.version },
    load_average_before: loadBefore,
    load_average_after: loadAfter,
    compiled_cli: compiled,
    repetitions: reps,
    datasets: datasets.map((d) => ({
      name: d.info.file.split('/').pop() ?? d.info.file,
      events: d.info.events,
      mb: d.info.bytes / 1e6,
      expected: d.info.expected,
      tools: d.tools,
      ratios: d.ratios,
    })),
    memory: {
      eql_peak_rss_mb: Object.fromEntries(datasets.map((d) => [d.info.events, d.tools.purple_eql!.peak_rss_mb])),
      stress_open_sequences: stress,
    },
    harness,
  };
  writeFileSync(join(ROOT, 'bench', 'results.json'), JSON.stringify(results, null, 2) + '\n');
  process.stdout.write(renderTable(results) + '\n');
  const bad = datasets.flatMap((d) => Object.values(d.tools).filter((t) => t.ok === false || (t.tool.startsWith('duckdb') && t.alerts !== t.expected)).map((t) => `${d.info.events} ${t.tool}: ${t.alerts} alerts, expected ${t.expected}`));
  if (bad.length) {
    process.stderr.write(`ALERT COUNTS DIFFER:\n  ${bad.join('\n  ')}\n`);
    process.exit(1);
  }
}

export function renderTable(r: { date: string; machine: { cpus: number; os: string; node: string }; load_average_before: number[]; repetitions: number; datasets: Array<{ name: string; events: number; mb: number; tools: Record<string, ToolResult>; ratios: Record<string, number> }> }): string {
  const rows: string[] = [];
  rows.push(`purple detect benchmark — ${r.date.slice(0, 10)}, ${r.machine.cpus} cores, ${r.machine.os}, Node ${r.machine.node}, load ${r.load_average_before.map((x) => x.toFixed(2)).join('/')}; median of the runs`);
  rows.push('');
  rows.push('| dataset | tool | seconds (median) | events/s | MB/s | peak RSS MB | alerts (expected) | runs |');
  rows.push('|---|---|---:|---:|---:|---:|---|---:|');
  const names: Record<string, string> = {
    purple_eql: 'purple detect, EQL pack',
    purple_eql_threads: 'purple detect, EQL pack, --threads 2',
    purple_sigma: 'purple detect, Sigma pack',
    parse_limit_json: 'limit: read + JSON.parse',
    parse_limit_split: 'limit: read + split lines',
    duckdb_1t: 'DuckDB ASOF join (EQL pack), 1 thread',
    duckdb: 'DuckDB ASOF join (EQL pack), 2 threads',
  };
  for (const d of r.datasets) {
    const label = `${(d.events / 1e6).toLocaleString('en')}M (${d.mb.toFixed(0)} MB)`;
    for (const t of Object.values(d.tools)) {
      const alerts = t.alerts === undefined ? '–' : `${t.alerts} (${t.expected ?? '?'})${t.expected === undefined ? '' : t.alerts === t.expected && t.ok !== false ? ' ✓' : ' ✗'}`;
      rows.push(`| ${label} | ${names[t.tool] ?? t.tool} | ${t.seconds.toFixed(2)} | ${Math.round(t.events_per_s).toLocaleString('en')} | ${t.mb_per_s.toFixed(1)} | ${t.peak_rss_mb.toFixed(0)} | ${alerts} | ${t.runs.length} |`);
    }
  }
  rows.push('');
  rows.push('| dataset | EQL (1 thread) throughput ÷ DuckDB 1 thread | EQL peak RSS ÷ DuckDB 1 thread | EQL --threads 2 throughput ÷ DuckDB 2 threads | its RSS ÷ DuckDB 2 threads | Sigma throughput ÷ DuckDB 1 thread | EQL ÷ JSON.parse limit | EQL ÷ split limit |');
  rows.push('|---|---:|---:|---:|---:|---:|---:|---:|');
  const f = (x: number | undefined): string => (x === undefined ? '–' : x.toFixed(2));
  for (const d of r.datasets) {
    rows.push(`| ${(d.events / 1e6).toLocaleString('en')}M | ${f(d.ratios.eql_throughput_vs_duckdb_1t)} | ${f(d.ratios.eql_rss_vs_duckdb_1t)} | ${f(d.ratios.eql_threads_throughput_vs_duckdb)} | ${f(d.ratios.eql_threads_rss_vs_duckdb)} | ${f(d.ratios.sigma_throughput_vs_duckdb_1t)} | ${f(d.ratios.eql_vs_parse_limit)} | ${f(d.ratios.eql_vs_split_limit)} |`);
  }
  const mem = (r as { memory?: { eql_peak_rss_mb: Record<string, number>; stress_open_sequences: unknown } }).memory;
  if (mem) {
    rows.push('');
    rows.push(`EQL peak RSS by dataset: ${Object.entries(mem.eql_peak_rss_mb).map(([n, v]) => `${(Number(n) / 1e6).toLocaleString('en')}M ${v.toFixed(0)} MB`).join(', ')}`);
    for (const st of (mem.stress_open_sequences as Array<Record<string, number>> | null) ?? []) {
      rows.push(
        `stress: ${st.sequences} open sequences × ${st.linux_rules} rules, cap ${st.max_open_sequences_per_rule}/rule: ${st.open_after_encryptions} open, ${st.evicted_after_encryptions} evicted, state ${st.heap_mb_state?.toFixed(0)} MB heap, peak RSS ${st.peak_rss_mb?.toFixed(0)} MB, ${st.alerts} alerts after the uploads, ${st.seconds_open_phase?.toFixed(1)} s + ${st.seconds_upload_phase?.toFixed(1)} s`,
      );
    }
  }
  const h = (r as { harness?: { matrix?: Record<string, unknown>; live_engine?: Record<string, unknown> } | null }).harness;
  if (h) {
    rows.push('');
    const m = h.matrix as Record<string, number | Record<string, number>> | undefined;
    if (m && typeof m.wall_s === 'number')
      rows.push(
        `harness: ${m.variants_ran} Linux variants in ${(m.wall_s as number).toFixed(0)} s, emulations ${(m.emulation_s as number).toFixed(0)} s → overhead ${(m.overhead_s as number).toFixed(0)} s (${(m.overhead_per_variant_s as number).toFixed(2)} s per variant; ${((m.run_started_to_first_variant_ms as number) / 1000).toFixed(1)} s of it before the first variant, between variants p50 ${(m.between_variants_ms as Record<string, number>).p50} ms)`,
      );
    else rows.push(`harness: ${JSON.stringify(m)}`);
    const l = h.live_engine as { upload_to_alert_ms?: { p50: number; p99: number } } | undefined;
    if (l?.upload_to_alert_ms) rows.push(`live engine: upload event → alert p50 ${l.upload_to_alert_ms.p50.toFixed(3)} ms, p99 ${l.upload_to_alert_ms.p99.toFixed(3)} ms (push() of the completing event, reorder window 0)`);
  }
  return rows.join('\n');
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack : e);
  process.exit(1);
});
