// purple run: the main job. Select variants from the catalogue, pick the collectors, run the
// emulations as real processes under them, run the detector over what was seen, score every
// variant against its ground truth, and write the report folder.

import type { Command } from 'commander';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { userInfo } from 'node:os';
import { COLLECTORS, PREFERENCE, chooseCollectors, getCollector, probeCollector, type ProbeResults } from '../../collectors/registry.js';
import { createCommandRunner } from '../../harness/command-runner.js';
import { checkExternalSink, executeRun, findPython3, gitCommitOf, planRun } from '../../harness/index.js';
import { loadCatalogue, selectVariants } from '../../harness/scenario/index.js';
import type { ProgressEvent, RunExecution } from '../../harness/types.js';
import { PurpleError, type Collector, type CollectorAvailability, type RunReport, type Variant } from '../model/index.js';
import {
  compareToBaseline,
  withBaseline,
  pointLatest,
  describeComparison,
  readReport,
  renderConsoleSummary,
  renderMarkdown,
  shouldUseColor,
  startLiveServer,
  writeRunReports,
  writeStepSummary,
  parseFormats,
  DEFAULT_FORMATS,
  type LiveServer,
} from '../report/index.js';
import { attachControls, checkRequired, closeSessions, controlExitProblems, openControlSessions, parseControlSpecs, parseWaitDuration, type ControlSession } from '../pipeline/controls/index.js';
import { compareControlsToBaseline, describeControlComparison, describeControls } from '../report/index.js';
import { EXIT_EXPECTATION_FAILED, action, packageRoot, packageVersion, parseVarOptions } from './common.js';
import { buildRunReport, collectRuleFiles, compileRuleSet, readSigningKey, configDigests, loadDetectorConfig, loadFieldCatalog, readHostFacts, type HostFacts, type RuleSet } from '../pipeline/index.js';
import { createProgressDisplay } from './run-progress.js';

export interface RunCliOptions {
  sigmaMapping?: string;
  scenario?: string[];
  variant?: string[];
  collector: string;
  out: string;
  format?: string;
  sign?: string;
  baseline?: string;
  rules?: string;
  config?: string;
  python?: string;
  keepAllTelemetry?: boolean;
  keepWorkspace?: boolean;
  sink: string;
  timeoutScale?: string;
  live?: string | boolean;
  dryRun?: boolean;
  runId?: string;
  allowEgress?: boolean;
  progress?: boolean;
  json?: boolean;
  scenarios?: string;
  control?: string[];
  controlWait?: string;
  controlPoll?: string;
  requireControl?: string[];
  var?: string[];
}

/** A run id that sorts by time and is unique on the host: 20261129T051500Z-3fa2. */
export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const rnd = Math.floor(Math.random() * 0x10000)
    .toString(16)
    .padStart(4, '0');
  return `${stamp}-${rnd}`;
}

function platformOf(host: HostFacts): 'linux' | 'macos' {
  if (host.os === 'other') {
    throw new PurpleError('ENVIRONMENT', `purple runs emulations on Linux and macOS, not on ${process.platform}`, {
      hint: 'run on a Linux or macOS host; `purple detect` works anywhere on exported telemetry',
    });
  }
  return host.os;
}

/** The interpreter `{python}` names: the real python3 (not a pyenv shim), so modules resolve as they will at run time. */
function resolvePython(explicit: string | undefined): string | undefined {
  if (explicit) {
    if (!existsSync(explicit)) throw new PurpleError('NOT_FOUND', `--python ${explicit} does not exist`, { hint: 'pass the path of a python3 binary' });
    return explicit;
  }
  return findPython3();
}

async function probeAll(ids: string[], host: HostFacts): Promise<ProbeResults> {
  const ctx = { runner: createCommandRunner(), hostName: host.name, hostId: host.id, isRoot: host.isRoot, options: {} };
  const out: ProbeResults = {};
  for (const id of ids) out[id] = await probeCollector(getCollector(id), ctx);
  return out;
}

/** `--collector auto` → the best available set; `--collector a,b` → exactly those, each checked. */
export async function resolveCollectors(spec: string, platform: 'linux' | 'macos', host: HostFacts): Promise<{ collectors: Collector[]; notes: string[] }> {
  const notes: string[] = [];
  if (spec === 'auto' || spec === '') {
    const ids = Object.values(COLLECTORS)
      .filter((c) => c.platforms.includes(platform))
      .map((c) => c.id);
    const probes = await probeAll(ids, host);
    const chosen = chooseCollectors(platform, probes);
    if (!chosen.length) {
      const why = ids.map((id) => `  ${id}: ${probes[id]?.reason ?? 'unavailable'}${probes[id]?.fix ? ` (fix: ${probes[id]?.fix})` : ''}`).join('\n');
      throw new PurpleError('ENVIRONMENT', `no telemetry collector can run on this host:\n${why}`, { hint: 'apply one of the fixes above, then check with `purple doctor`' });
    }
    for (const id of ids) {
      if (chosen.includes(id)) {
        if (probes[id]?.reason) notes.push(`${id}: ${probes[id]?.reason}`);
      } else if (!probes[id]?.available && preferredOver(id, chosen, platform)) {
        notes.push(`${id} not used: ${probes[id]?.reason ?? 'unavailable'}${probes[id]?.fix ? ` (fix: ${probes[id]?.fix})` : ''}`);
      }
    }
    return { collectors: chosen.map(getCollector), notes };
  }
  const ids = [...new Set(spec.split(',').map((s) => s.trim()).filter(Boolean))];
  const collectors = ids.map(getCollector);
  for (const c of collectors) {
    if (!c.platforms.includes(platform)) throw new PurpleError('BAD_INPUT', `collector ${c.id} runs on ${c.platforms.join(', ')} only, not on ${platform}`, { hint: 'see `purple doctor` for the collectors of this host' });
  }
  const probes = await probeAll(ids, host);
  for (const id of ids) {
    const p = probes[id] as CollectorAvailability;
    if (!p.available) throw new PurpleError(host.isRoot ? 'ENVIRONMENT' : 'PERMISSION', `collector ${id} cannot run here: ${p.reason ?? 'unavailable'}`, { hint: p.fix ?? 'see `purple doctor`' });
    if (p.reason) notes.push(`${id}: ${p.reason}`);
  }
  return { collectors, notes };
}

/** Whether `id` ranks above the collector chosen from its preference group (worth a note). */
function preferredOver(id: string, chosen: string[], platform: 'linux' | 'macos'): boolean {
  const group = PREFERENCE[platform].find((g) => g.includes(id));
  if (!group) return false;
  const pick = group.findIndex((x) => chosen.includes(x));
  return pick > group.indexOf(id);
}

/** The person behind the run: the sudo user when run with sudo, else the login user. */
function operatorName(): string | undefined {
  if (process.env.SUDO_USER) return process.env.SUDO_USER;
  try {
    return userInfo().username;
  } catch {
    return process.env.USER;
  }
}

function configPathOf(opts: RunCliOptions, root: string): string {
  return opts.config ?? join(root, 'rules', 'config', 'det0503.yaml');
}

/** The rule files, compiled once here, before any process starts (a bad rule is exit 2 with its location). */
function loadRuleSet(opts: RunCliOptions, root: string, config: RuleSet['config']): RuleSet {
  const rulesPath = opts.rules ?? join(root, 'rules');
  // Rules that load but name fields no event carries never fire: say so before the run, not after.
  const { warnings, ...ruleSet } = compileRuleSet({ files: collectRuleFiles(rulesPath), config, maxOpenSequences: 10_000, root: resolve(rulesPath) }, loadFieldCatalog(root));
  for (const w of warnings) process.stderr.write(`purple: warning: ${w.format()}\n`);
  return ruleSet;
}

function scaleOf(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0 || n > 100) throw new PurpleError('BAD_INPUT', `--timeout-scale must be a number above 0 (at most 100), got ${JSON.stringify(v)}`, { hint: 'e.g. --timeout-scale 2 on a slow CI host' });
  return n;
}

function livePort(v: string | boolean | undefined): number | undefined {
  if (v === undefined || v === false) return undefined;
  if (v === true) return 0;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new PurpleError('BAD_INPUT', `--live port must be 0..65535, got ${JSON.stringify(v)}`, { hint: 'leave the port out to pick a free one' });
  return n;
}

function printPlan(plan: Awaited<ReturnType<typeof planRun>>, notes: string[], json: boolean): void {
  if (json) {
    process.stdout.write(JSON.stringify({ dry_run: true, notes, ...plan }, null, 2) + '\n');
    return;
  }
  const w = (s: string): void => void process.stdout.write(s + '\n');
  w(`dry run ${plan.runId}: nothing is started, written or sent`);
  w(`collectors: ${plan.collectors.join(', ')}`);
  for (const n of notes) w(`  note: ${n}`);
  w(`workspace: ${plan.workspace}`);
  const runs = plan.variants.filter((v) => v.willRun);
  w(`variants: ${runs.length} would run, ${plan.variants.length - runs.length} would be skipped`);
  for (const v of plan.variants) {
    w(`  ${v.willRun ? 'run ' : 'skip'} ${v.variantId}${v.reason ? `  (${v.reason})` : ''}`);
    for (const c of plan.commands.filter((c) => c.variantId === v.variantId)) {
      w(`       ${c.detached ? '[detached] ' : ''}${c.delay_s ? `[after ${c.delay_s}s] ` : ''}${c.argv.map((a) => (/[\s"'$]/.test(a) ? JSON.stringify(a) : a)).join(' ')}`);
    }
  }
  w(`destinations (the only addresses the run sends to): ${plan.destinations.join(', ') || 'none'}`);
}

export async function runCommand(opts: RunCliOptions, argv: string[]): Promise<number> {
  const root = packageRoot();
  const host = readHostFacts();
  const platform = platformOf(host);
  const runId = opts.runId ?? newRunId();
  const timeoutScale = scaleOf(opts.timeoutScale);
  const live = livePort(opts.live);
  const externalSink = opts.sink !== 'loopback' && opts.sink !== 'netns' ? { url: opts.sink, allowEgress: opts.allowEgress === true } : undefined;
  checkExternalSink(externalSink);
  const sinkKind: 'loopback' | 'netns' = opts.sink === 'netns' ? 'netns' : 'loopback';
  const formats = opts.format ? opts.format.split(',').map((s) => s.trim()) : DEFAULT_FORMATS;
  parseFormats(formats.join(',')); // unknown ids fail before anything runs

  // Everything that can be wrong with the input is found before a process starts.
  const scenariosDir = resolve(opts.scenarios ?? join(root, 'scenarios'));
  const vars = parseVarOptions(opts.var);
  const catalogue = loadCatalogue(scenariosDir, vars ? { vars } : {});
  const selected: Variant[] = selectVariants(catalogue, {
    ...(opts.scenario?.length ? { scenario: opts.scenario } : {}),
    ...(opts.variant?.length ? { variant: opts.variant } : {}),
    platform,
  });
  if (!selected.length) {
    throw new PurpleError('NOT_FOUND', `no variant of the selection runs on ${platform}`, { hint: 'see `purple list` for the variants and their platforms' });
  }
  const detectorConfig = loadDetectorConfig(configPathOf(opts, root), opts.sigmaMapping !== undefined ? { sigmaMapping: opts.sigmaMapping } : {});
  const ruleSet = loadRuleSet(opts, root, detectorConfig.config);
  const configFileDigests = configDigests(detectorConfig.files, root);
  const privateKeyPem = opts.sign ? await readSigningKey(opts.sign) : undefined;
  const baseline: RunReport | undefined = opts.baseline ? await readReport(opts.baseline) : undefined;
  const pythonPath = resolvePython(opts.python);
  const { collectors, notes } = await resolveCollectors(opts.collector, platform, host);
  const controlSpecs = parseControlSpecs(opts.control ?? []);
  checkRequired(opts.requireControl ?? [], controlSpecs.map((s) => s.name));
  const controlWaitMs = parseWaitDuration(opts.controlWait, '--control-wait', 0);
  const controlPollMs = parseWaitDuration(opts.controlPoll, '--control-poll', 15_000);

  if (opts.dryRun) {
    const plan = await planRun({ runId, variants: selected, collectors, ...(pythonPath ? { pythonPath } : {}), scenariosDir, platform, ...(timeoutScale ? { timeoutScale } : {}), sink: sinkKind, ...(externalSink ? { externalSink } : {}) });
    printPlan(plan, notes.concat(controlSpecs.map((c) => `control ${c.name}: ${c.kind}${c.target ? ` ${c.target}` : ''} (asked after the run${controlWaitMs && c.kind !== 'file' ? `, waiting up to ${controlWaitMs / 1000} s` : ''})`)), opts.json === true);
    return 0;
  }

  const outDir = resolve(opts.out, runId);
  const isTty = process.stderr.isTTY === true;
  const progress = createProgressDisplay({ stream: process.stderr, tty: isTty && opts.progress !== false, quiet: opts.progress === false && !isTty });
  progress.line(`purple run ${runId}: ${selected.length} variant(s) with ${collectors.map((c) => c.id).join(' + ')}`);
  for (const n of notes) progress.line(`  note: ${n}`);

  // The control sources open before anything runs: a webhook must listen during the run, and a
  // missing credential is bad input found before a process starts.
  const controlSessions: ControlSession[] = await openControlSessions(controlSpecs, { runId, env: process.env, log: (l) => progress.line(l) });

  let liveServer: LiveServer | undefined;
  if (live !== undefined) {
    liveServer = await startLiveServer({ host: '127.0.0.1', port: live });
    progress.line(`  live view: ${liveServer.url}`);
  }

  // Ctrl-C / SIGTERM: stop the emulations, keep what was collected, write the report marked
  // interrupted, clean up. A second one forces the exit and leaves the state file for cleanup.
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
    signals++;
    if (signals === 1) {
      progress.line(`\n${sig}: stopping the emulations, keeping the telemetry, cleaning up (${sig === 'SIGINT' ? 'Ctrl-C' : sig} again to force the exit)`);
      controller.abort();
    } else {
      progress.line(`${sig} again: exiting now; undo what the run left with \`purple cleanup ${runId}\``);
      process.exit(130);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let execution: RunExecution;
  try {
    execution = await executeRun({
      runId,
      variants: selected,
      collectors,
      collectorOptions: { keepAll: opts.keepAllTelemetry === true, ...(pythonPath ? { pythonPath } : {}) },
      hostName: host.name,
      hostId: host.id,
      isRoot: host.isRoot,
      ...(pythonPath ? { pythonPath } : {}),
      ...(timeoutScale ? { timeoutScale } : {}),
      onProgress: (ev: ProgressEvent) => {
        progress.onProgress(ev);
        if (liveServer && (ev.type === 'variant-start' || ev.type === 'variant-end' || ev.type === 'interrupted')) {
          const text = ev.type === 'variant-start' ? `running ${ev.variantId}` : ev.type === 'variant-end' ? `${ev.variantId}: ${ev.status}${ev.reason ? ` (${ev.reason})` : ''}` : 'interrupted';
          liveServer.publish({ type: 'status', text, ...('variantId' in ev ? { variant_id: ev.variantId } : {}) });
        }
      },
      signal: controller.signal,
      preserveRawDir: join(outDir, 'raw'),
      sink: sinkKind,
      ...(externalSink ? { externalSink } : {}),
      scenariosDir,
      ...(opts.keepWorkspace ? { keepWorkspace: true } : {}),
    });
  } catch (e) {
    await closeSessions(controlSessions);
    throw e;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  // A signal during scoring and writing must not lose the report: ignore further ones until written.
  // While the controls are waited for, a signal ends the wait (what came so far is kept).
  const controlAbort = new AbortController();
  let waitingForControls = false;
  const holdOn = (): void => {
    if (waitingForControls && !controlAbort.signal.aborted) {
      progress.line('stopping the wait for the controls; the report keeps what they sent so far');
      controlAbort.abort();
    } else progress.line('the report is being written; one moment');
  };
  process.on('SIGINT', holdOn);
  process.on('SIGTERM', holdOn);
  try {
    progress.phase('detecting and scoring');
    const usedScenarioIds = new Set(selected.map((v) => v.scenario_id));
    const commit = gitCommitOf(root);
    let report = buildRunReport({
      execution,
      rules: ruleSet,
      host: { name: host.name, os: host.os, osVersion: host.osVersion, arch: host.arch, kernel: host.kernel, isRoot: host.isRoot },
      tool: { version: packageVersion(), ...(commit ? { gitCommit: commit } : {}) },
      argv,
      externalSink: externalSink !== undefined,
      operator: operatorName(),
      scenarios: catalogue.filter((s) => usedScenarioIds.has(s.id)).map((s) => ({ id: s.id, file: s.file.startsWith(root) ? s.file.slice(root.length + 1) : s.file, text: readFileSync(s.file, 'utf8') })),
      onVariantScored: ({ verdict, events, alerts }) => {
        if (!liveServer) return;
        for (const event of events) liveServer.publish({ type: 'event', event });
        for (const alert of alerts) liveServer.publish({ type: 'alert', alert });
        liveServer.publish({ type: 'verdict', verdict });
      },
    });
    const comparison = baseline ? compareToBaseline(baseline, report) : undefined;
    if (baseline && opts.baseline) report = withBaseline(report, baseline, opts.baseline);
    // The run's own results are written first: whatever the controls do next cannot lose them.
    let written = await writeRunReports(outDir, report, { formats, config: configFileDigests, ...(privateKeyPem && !controlSessions.length ? { privateKeyPem } : {}) });
    if (controlSessions.length) {
      progress.phase('asking the real controls');
      waitingForControls = true;
      report = await attachControls(report, controlSessions, {
        // An interrupted run is asked once: the operator wants out, not a ten-minute wait.
        waitMs: report.run.status === 'interrupted' ? 0 : controlWaitMs,
        pollMs: controlPollMs,
        secrets: execution.secretsForRedaction,
        runDir: outDir,
        log: (l) => progress.line(l),
        signal: controlAbort.signal,
      });
      waitingForControls = false;
      written = await writeRunReports(outDir, report, { formats, config: configFileDigests, ...(privateKeyPem ? { privateKeyPem } : {}) });
    }
    await pointLatest(resolve(opts.out), runId);
    progress.done();
    liveServer?.publish({ type: 'done', coverage: report.coverage, exit_code: report.exit_code });

    const stepSummary = writeStepSummary(renderMarkdown(report), process.env);
    // report.exit_code already counts the baseline's regressions (withBaseline).
    let code: number = report.exit_code;
    const controlComparison = baseline && report.controls ? compareControlsToBaseline(baseline, report) : undefined;
    if (controlComparison?.regressions.length) code = EXIT_EXPECTATION_FAILED;
    const controlProblems = controlExitProblems(report, opts.requireControl ?? []);
    if (controlProblems.length) code = EXIT_EXPECTATION_FAILED;
    if (opts.json) {
      process.stdout.write(
        JSON.stringify({ run_id: runId, status: report.run.status, exit_code: code, report_dir: outDir, files: written, coverage: report.coverage, baseline: comparison, ...(report.controls ? { controls: { sources: report.controls.sources, verdicts: report.controls.verdicts, control_baseline: controlComparison, required_not_met: controlProblems } } : {}) }, null, 2) + '\n',
      );
    } else {
      const color = shouldUseColor(process.env, process.stdout.isTTY === true);
      process.stdout.write(renderConsoleSummary(report, { color, width: process.stdout.columns ?? 100 }));
      if (comparison) process.stdout.write(describeComparison(comparison) + '\n');
      process.stdout.write(describeControls(report));
      if (controlComparison) process.stdout.write(describeControlComparison(controlComparison));
      if (controlProblems.length) process.stdout.write(`required control(s) not met:\n${controlProblems.map((p) => `  ${p}`).join('\n')}\n`);
      process.stdout.write(`\nreport: ${join(outDir, 'index.html')}\n        ${join(outDir, 'report.json')}\n`);
      if (stepSummary) process.stdout.write(`step summary: ${stepSummary}\n`);
      const failedCleanup = report.cleanup.filter((s) => !s.ok);
      if (failedCleanup.length) {
        process.stdout.write(`cleanup: ${failedCleanup.length} step(s) failed; \`purple cleanup ${runId}\` retries them\n`);
        for (const s of failedCleanup) process.stdout.write(`  ${s.what}: ${s.detail ?? ''}\n`);
      }
    }
    if (report.run.status === 'interrupted') return 130;
    return code;
  } finally {
    process.off('SIGINT', holdOn);
    process.off('SIGTERM', holdOn);
    // Let connected viewers receive the last messages before the sockets close.
    if (liveServer && liveServer.clients() > 0) await new Promise((r) => setTimeout(r, 1000));
    await liveServer?.close();
    await closeSessions(controlSessions);
  }
}

export function register(program: Command): void {
  program
    .command('run')
    .description('run the DET0503 emulations under real telemetry collectors, detect, score and write the report folder')
    .option('-s, --scenario <glob...>', 'only these scenarios (ids or globs, e.g. python-aes)')
    .option('-v, --variant <glob...>', 'only these variants (ids or globs, e.g. "openssl-curl/*curl*")')
    .option('-c, --collector <ids>', 'auto (the best this host allows), or ids separated by commas: linux-audit, strace, procfs, eslogger, pktap, unifiedlog, nettop, lsof', 'auto')
    .option('-o, --out <dir>', 'the report folder goes to <dir>/<run-id>/ (and <dir>/latest links to it)', 'reports')
    .option('-f, --format <list>', `report formats, separated by commas (default: ${DEFAULT_FORMATS.join(',')})`)
    .option('--sign <key.pem>', 'sign the evidence bundle with this Ed25519 private key (see `purple keygen`)')
    .option('--baseline <report.json>', 'compare with a previous run (its folder, report.json, or reports/latest); exit 1 when a variant detected there is missed now, and every report says so')
    .option('-r, --rules <path>', 'a rule file or folder of EQL/Sigma rules (default: the shipped rules/)')
    .option('--config <file>', 'detector configuration with the site lists (default: rules/config/det0503.yaml)')
    .option('--sigma-mapping <file>', 'Sigma field mapping to use instead of the sigma-mapping.yaml beside the configuration')
    .option('--scenarios <dir>', 'scenario catalogue folder (default: the shipped scenarios/)')
    .option('--var <name=value...>', 'override a scenario input (declared under inputs: in the scenario file; `purple show` lists them)')
    .option('--python <path>', 'the python3 to run the Python variants with (default: python3 on PATH, resolved to the real binary)')
    .option('--sink <kind|url>', 'loopback (127.0.0.1), netns (a network namespace test host, Linux and root), or the http(s) URL of a receiver you control (needs --allow-egress)', 'loopback')
    .option('--allow-egress', 'allow --sink URL: the benign canary uploads leave this host')
    .option('--timeout-scale <n>', 'multiply every variant timeout (slow CI hosts)')
    .option('--keep-all-telemetry', 'keep every event the collectors saw, not only those of the run (may include other processes of the host)')
    .option('--keep-workspace', 'keep the run workspace for debugging (`purple cleanup` removes it)')
    .option('--live [port]', 'serve a live view on 127.0.0.1 while the run goes (port: a free one when left out)')
    .option('--run-id <id>', 'use this run id instead of a new one (A-Z a-z 0-9 . _ -)')
    .option('-n, --dry-run', 'print every command and destination of the run, start nothing, write nothing')
    .option('--no-progress', 'no progress display on stderr')
    .option('--json', 'print the outcome (or with --dry-run the plan) as JSON on stdout')
    .option('--control <spec...>', 'a real control (EDR/SIEM) to ask for its alerts after the run: file:PATH[,format=…], webhook[,port=…], elastic[,url=…], splunk[,url=…] (docs/controls.md)')
    .option('--control-wait <duration>', 'poll the live controls (webhook, elastic, splunk) until every positive variant has an alert, or this long (e.g. 10m; default 0: ask once)')
    .option('--control-poll <duration>', 'pause between polls of a live control (default 15s)')
    .option('--require-control <name...>', 'exit 1 when this control did not alert on a positive variant, alerted on a negative one, or is pending or unavailable')
    .addHelpText(
      'after',
      `
Examples:
  sudo purple run                                   the whole DET0503 set for this OS, best collector
  sudo purple run --scenario openssl-curl           one scenario
  sudo purple run --variant 'python-aes/*urllib*'   variants by glob
  purple run --collector strace                     without root: ptrace the emulations instead of audit
  purple run --dry-run                              show exactly what would run and where it sends
  sudo purple run --sign keys/purple-signing.pem --baseline reports/latest

What it writes to <out>/<run-id>/: report.json (schemas/report.schema.json), index.html, junit.xml,
summary.md, navigator-layer.json, raw/ (the collectors' records behind the events), and with --sign
manifest.json + manifest.sig.json. In GitHub Actions the Markdown summary also goes to the step summary.

Real controls (docs/controls.md): --control webhook --control elastic --control-wait 10m asks the
team's own EDR/SIEM which variants it alerted on; the report shows them beside the embedded pack.

Exit codes: 0 every expectation met, 1 an expectation failed (or a baseline regression, of the
embedded pack or of a control; or a --require-control not met),
2 bad input or environment (no collector, bad scenario or rule file), 130 interrupted (a report is
still written, marked interrupted; \`purple cleanup RUN-ID\` undoes anything a forced exit left).`,
    )
    .action(action(async (opts: RunCliOptions) => runCommand(opts, process.argv.slice(2))));
}
