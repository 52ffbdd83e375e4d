// One run, start to finish: workspace and secrets, sink, collectors, each variant (skip, launch,
// wait, hand the window to the collectors), then stop everything and clean up — always, in finally,
// with each cleanup step's result kept. The state file records every creation before it happens
// to matter, so a crashed run can be undone by cleanupRun().

import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  PurpleError,
  type CleanupStep,
  type Collector,
  type CollectorContext,
  type CollectorOutput,
  type CollectorSession,
  type CommandRunner,
  type EmulationWindow,
  type Variant,
} from '../src/model/index.js';
import { createCommandRunner } from './command-runner.js';
import { resolveEmulationUser } from './emulation-user.js';
import { readJournal } from './journal.js';
import { launchVariant } from './launcher.js';
import { placeholderValues } from './launcher.js';
import { substituteArgv } from './placeholders.js';
import { redactRaw, REDACTED } from './redact.js';
import { generateRunSecrets, listSecrets } from './run-secrets.js';
import { createNetnsHost, type NetnsHost } from './sink/netns.js';
import { startNetnsSink } from './sink/netns-sink.js';
import { startSink, uploadUrl, websocketUrl, type Sink } from './sink/sink.js';
import { makeSelfSignedCert } from './sink/tls-cert.js';
import { createHostProbes, findSkipReason, type HostProbes } from './scenario/skip-reason.js';
import { acquireHostLock, HOST_EXCLUSIVE_COLLECTORS, lockPath, defaultLockDir, type HostLock } from './host-lock.js';
import { killRunProcesses, RunStateFile, undoArtifact } from './state.js';
import { withMarkerQuery } from './marker.js';
import type { PlannedCommand, ProgressEvent, RunExecution, RunOptions, RunPlan, SinkEndpoints, VariantExecution } from './types.js';
import { assertRunId, createRunWorkspace, variantDirName, variantFolderName, workspacePath, type RunWorkspace } from './workspace.js';

/** The catalogue folder shipped beside package.json (from source or from dist/). */
export function findScenariosDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'scenarios'))) return join(dir, 'scenarios');
    const up = dirname(dir);
    if (up === dir) return join(process.cwd(), 'scenarios');
    dir = up;
  }
}

function hostPlatform(): 'linux' | 'macos' {
  return process.platform === 'darwin' ? 'macos' : 'linux';
}

interface ActiveCollector {
  collector: Collector;
  session: CollectorSession;
}

function failedCollectorOutput(c: Collector, errors: string[]): CollectorOutput {
  return {
    events: [],
    rawFiles: [],
    info: {
      id: c.id,
      fidelity: { process_exec: false, process_args: false, network: false, network_attribution: false, library_loads: false },
      blind_spots: ['the collector did not run'],
      lost_records: 0,
      details: {},
      errors,
    },
  };
}

/** The receiver URLs of a variant: the harness's own sink, or the external receiver when given. */
function variantUrls(endpoints: SinkEndpoints, runId: string, variantId: string, external: RunOptions['externalSink']): { http: string; ws: string } {
  // The control marker rides in the query: EDR/SIEM network events record url.query / url.original.
  if (!external) return { http: withMarkerQuery(uploadUrl(endpoints, variantId), runId, variantId), ws: websocketUrl(endpoints, variantId) };
  const base = external.url.replace(/\/+$/, '');
  return { http: withMarkerQuery(`${base}/upload/${encodeURIComponent(variantId)}`, runId, variantId), ws: '' };
}

/**
 * Why a variant cannot run here, given the sink's listeners; an external receiver takes HTTP
 * uploads only, and the reason then says so.
 */
async function skipReasonWithSink(v: Variant, probes: HostProbes, listeners: ReadonlyArray<string> | undefined, external: RunOptions['externalSink']): Promise<string | undefined> {
  const sinkListeners = external ? ['http'] : listeners;
  const reason = await findSkipReason(v, sinkListeners ? { ...probes, sinkListeners } : probes);
  return external && reason?.startsWith('the sink has no') ? `${reason}: an external sink (--sink URL) takes HTTP uploads only` : reason;
}

/** Checks an external receiver URL: http(s) only, with explicit consent. */
export function checkExternalSink(ext: RunOptions['externalSink']): void {
  if (!ext) return;
  let u: URL;
  try {
    u = new URL(ext.url);
  } catch {
    throw new PurpleError('BAD_INPUT', `--sink ${ext.url} is not a URL`, { hint: 'use loopback, netns, or an http(s):// URL of a receiver you control' });
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new PurpleError('BAD_INPUT', `--sink ${ext.url}: only http and https receivers are supported`, { hint: 'e.g. --sink https://receiver.example.net --allow-egress' });
  if (ext.allowEgress !== true) {
    throw new PurpleError('PERMISSION', `--sink ${ext.url} sends the uploads off this host`, { hint: 'add --allow-egress to say that is intended (uploads are benign canaries, but they leave the host)' });
  }
}

export async function executeRun(opts: RunOptions): Promise<RunExecution> {
  assertRunId(opts.runId);
  const runId = opts.runId;
  const emit = (ev: ProgressEvent): void => {
    try {
      opts.onProgress?.(ev);
    } catch {
      /* a progress display must never break a run */
    }
  };
  const platform = opts.platform ?? hostPlatform();
  const user = resolveEmulationUser();
  const scenariosDir = opts.scenariosDir ?? findScenariosDir();
  const startedAt = new Date().toISOString();
  const secrets = generateRunSecrets();
  const secretsForRedaction = listSecrets(secrets);
  const baseRunner = createCommandRunner();
  const killGraceMs = opts.killGraceMs ?? 2000;
  const signal = opts.signal;
  checkExternalSink(opts.externalSink);
  if (opts.sink === 'netns' && (platform !== 'linux' || process.platform !== 'linux' || process.getuid?.() !== 0)) {
    throw new PurpleError('PERMISSION', 'the netns sink needs root on Linux', { hint: 'run as root (sudo), or leave out the netns sink to use the loopback sink' });
  }

  const state = await RunStateFile.create({
    runId,
    hostName: opts.hostName,
    workspace: workspacePath(runId),
    keepWorkspace: opts.keepWorkspace ?? false,
    ...(opts.stateDir !== undefined ? { stateDir: opts.stateDir } : {}),
  });
  const pending: Array<Promise<unknown>> = [];
  const track = (p: Promise<unknown>): void => void pending.push(p.catch(() => undefined));

  const results: VariantExecution[] = [];
  const collectorOutputs: CollectorOutput[] = [];
  const cleanup: CleanupStep[] = [];
  const active: ActiveCollector[] = [];
  let ws: RunWorkspace | undefined;
  let sink: Sink | undefined;
  let sinkEndpoints: SinkEndpoints | undefined;
  let netns: NetnsHost | undefined;
  let interrupted = signal?.aborted ?? false;
  const onAbort = (): void => {
    if (!interrupted) emit({ type: 'interrupted', runId });
    interrupted = true;
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  const locks: HostLock[] = [];
  const NOT_STARTED = Symbol('interrupted while waiting for a host lock');

  try {
    // Host-wide settings some collectors change for the length of a run (auditing on, auditd,
    // the backlog limit) cannot be shared: a second run waits here for the first to finish.
    const lockDir = opts.lockDir ?? defaultLockDir();
    const resources = [...new Set(opts.collectors.map((c) => HOST_EXCLUSIVE_COLLECTORS[c.id]).filter((r): r is string => r !== undefined))].sort();
    for (const resource of resources) {
      // Recorded first: a crash while waiting or holding it leaves something `purple cleanup` can undo.
      await state.recordArtifact('host-lock', lockPath(resource, lockDir), 'harness');
      const lock = await acquireHostLock(resource, {
        runId,
        lockDir,
        ...(signal ? { signal } : {}),
        onWait: (holder, file) =>
          emit({
            type: 'waiting-for-lock',
            resource,
            lockFile: file,
            holder: { runId: holder.runId, pid: holder.pid, since: holder.since },
            message: `waiting for run ${holder.runId} (pid ${holder.pid}, since ${holder.since}) to finish: it holds the host's ${resource} settings (${file})`,
          }),
      });
      if (!lock) throw NOT_STARTED;
      locks.push(lock);
    }

    ws = await createRunWorkspace(runId, {
      ...(user ? { owner: user } : {}),
      ...(opts.payloadBytes !== undefined ? { payloadBytes: opts.payloadBytes } : {}),
      secrets,
    });
    emit({ type: 'run-start', runId, variants: opts.variants.length, workspace: ws.root });

    // The TLS listener only when a variant needs it: it costs an openssl call per run.
    let tls: { key: Buffer; cert: Buffer } | undefined;
    let tlsProblem: string | undefined;
    if (opts.variants.some((v) => v.requires_sink?.includes('tls'))) {
      const openssl = await baseRunner.which('openssl');
      const made = openssl ? await makeSelfSignedCert(ws.sinkDir, openssl) : { error: 'openssl not found on PATH' };
      if ('error' in made) tlsProblem = made.error;
      else tls = made;
    }
    const ciphers = new Map(opts.variants.map((v) => [v.id, v.cipher]));
    if (opts.sink === 'netns') {
      netns = await createNetnsHost(baseRunner, (kind, value) => state.recordArtifact(kind, value, 'harness'));
      sink = await startNetnsSink({ runId, secrets, ciphers: [...ciphers], netns, ...(tls ? { tls } : {}), onSpawn: (pid) => track(state.recordProcess(pid, 'netns-sink')) });
    } else {
      sink = await startSink({ runId, secrets, cipherFor: (id) => ciphers.get(id), ...(tls ? { tls } : {}) });
    }
    sinkEndpoints = sink.endpoints;
    await state.recordSink(sink.ports);
    emit({ type: 'sink-ready', runId, endpoints: sink.endpoints });

    for (const c of opts.collectors) {
      if (interrupted) break;
      const rawDir = join(ws.rawDir, variantFolderName(c.id));
      await mkdir(rawDir, { recursive: true, mode: 0o700 });
      // Every helper a collector starts is recorded, so a crash cannot orphan it.
      const runner: CommandRunner = {
        run: (argv, o) => baseRunner.run(argv, o),
        which: (n) => baseRunner.which(n),
        spawn: (argv, o) => {
          const bg = baseRunner.spawn(argv, o);
          if (bg.pid !== undefined) track(state.recordProcess(bg.pid, c.id));
          return bg;
        },
      };
      const ctx: CollectorContext = {
        runId,
        rawDir,
        runner,
        hostName: opts.hostName,
        hostId: opts.hostId,
        isRoot: opts.isRoot,
        options: opts.collectorOptions ?? {},
        recordArtifact: (kind, value) => track(state.recordArtifact(kind, value, c.id)),
      };
      try {
        active.push({ collector: c, session: await c.start(ctx) });
        emit({ type: 'collector', collectorId: c.id, event: 'started' });
      } catch (e) {
        const msg = (e as Error).message;
        collectorOutputs.push(failedCollectorOutput(c, [`failed to start: ${msg}`]));
        emit({ type: 'collector', collectorId: c.id, event: 'start-failed', detail: msg });
      }
    }
    const startFailures = collectorOutputs.map((o) => `collector ${o.info.id} ${o.info.errors[0] ?? 'failed'}`);

    const python = opts.pythonPath ?? (await baseRunner.which('python3')) ?? 'python3';
    const probes = createHostProbes({ platform, runner: baseRunner, python });
    const total = opts.variants.length;
    for (let index = 0; index < total; index++) {
      const variant = opts.variants[index] as Variant;
      const t0 = Date.now();
      const base: VariantExecution = {
        variant,
        status: 'skipped',
        journal: [],
        journalProblems: [],
        receipts: [],
        window: { variantId: variant.id, rootPids: [], startMs: t0, endMs: t0 },
        steps: [],
        timedOut: false,
        interrupted: false,
      };
      if (interrupted) {
        results.push({ ...base, reason: 'not run: the run was interrupted', interrupted: true });
        continue;
      }
      emit({ type: 'variant-start', variantId: variant.id, index, total });
      let reason = await skipReasonWithSink(variant, probes, sink.endpoints.listeners, opts.externalSink);
      if (reason === 'the sink has no tls listener on this host' && tlsProblem) reason += ` (${tlsProblem})`;
      let exec: VariantExecution;
      if (reason) exec = { ...base, reason };
      else if (startFailures.length) exec = { ...base, status: 'error', reason: startFailures.join('; ') };
      else exec = await runVariant(variant, base);
      results.push(exec);
      emit({
        type: 'variant-end',
        variantId: variant.id,
        index,
        total,
        status: exec.status,
        ...(exec.reason !== undefined ? { reason: exec.reason } : {}),
        durationMs: Date.now() - t0,
        receipts: exec.receipts.length,
        timedOut: exec.timedOut,
      });
    }
  } catch (e) {
    if (e !== NOT_STARTED) throw e;
    for (const variant of opts.variants) {
      results.push({
        variant,
        status: 'skipped',
        reason: 'not run: the run was interrupted while waiting for another run to finish',
        journal: [],
        journalProblems: [],
        receipts: [],
        window: { variantId: variant.id, rootPids: [], startMs: Date.now(), endMs: Date.now() },
        steps: [],
        timedOut: false,
        interrupted: true,
      });
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    const step = (s: CleanupStep): void => {
      cleanup.push(s);
      emit({ type: 'cleanup', step: s });
    };
    for (const { collector, session } of active) {
      try {
        const out = await session.stop();
        collectorOutputs.push(out);
        emit({ type: 'collector', collectorId: collector.id, event: 'stopped' });
        step({ what: `stop collector ${collector.id}`, ok: true });
      } catch (e) {
        const msg = (e as Error).message;
        collectorOutputs.push(failedCollectorOutput(collector, [`failed to stop: ${msg}`]));
        emit({ type: 'collector', collectorId: collector.id, event: 'stop-failed', detail: msg });
        step({ what: `stop collector ${collector.id}`, ok: false, detail: msg });
      }
    }
    if (sink) {
      try {
        await sink.stop();
        step({ what: 'stop the upload sink', ok: true });
      } catch (e) {
        step({ what: 'stop the upload sink', ok: false, detail: (e as Error).message });
      }
    }
    await Promise.all(pending);
    await state.settled();
    const snap = state.snapshot();
    step(await killRunProcesses(snap, Math.min(killGraceMs, 1000)));
    // Collectors undo their own artifacts in stop(); undoing again is idempotent and catches a stop() that failed.
    for (const a of [...snap.artifacts].reverse()) if (a.kind !== 'process-group' && a.kind !== 'pid') step(await undoArtifact(a, baseRunner, runId));
    // Normally released just above, after every host setting was restored; this catches the rest.
    for (const l of locks) await l.release().catch(() => undefined);
    if (opts.preserveRawDir) await preserveRawFiles(collectorOutputs, opts.preserveRawDir, [secrets.passphrase, secrets.keyHex, secrets.ivHex, secrets.token], step);
    if (ws && !opts.keepWorkspace) step(await ws.remove());
    else if (ws) step({ what: `keep workspace ${ws.root}`, ok: true, detail: `kept on request; \`purple cleanup ${runId}\` removes it` });
    step(await state.finish(cleanup));
    emit({ type: 'run-end', runId, interrupted });
  }

  return {
    runId,
    startedAt,
    endedAt: new Date().toISOString(),
    interrupted,
    variants: results,
    collectorOutputs,
    cleanup,
    secretsForRedaction,
    ...(sinkEndpoints ? { sink: sinkEndpoints } : {}),
    ...(netns ? { netns: { name: netns.name, hostAddr: netns.hostAddr, nsAddr: netns.nsAddr } } : {}),
    stateFile: state.path,
  };

  async function runVariant(variant: Variant, base: VariantExecution): Promise<VariantExecution> {
    if (!ws || !sink) throw new Error('runVariant before the workspace and sink exist');
    const vws = await ws.prepareVariant(variant.id);
    const sessions = active.map((a) => a.session);
    const urls = variantUrls(sink.endpoints, runId, variant.id, opts.externalSink);
    const launched = await launchVariant({
      runId,
      variant,
      workspace: vws,
      passFile: ws.passFile,
      secrets,
      sink: sink.endpoints,
      sinkUrl: urls.http,
      sinkWsUrl: urls.ws,
      scenariosDir,
      python: opts.pythonPath ?? (await baseRunner.which('python3')) ?? 'python3',
      timeoutMs: variant.timeout_s * 1000 * (opts.timeoutScale ?? 1),
      killGraceMs,
      ...(signal ? { signal } : {}),
      ...(user ? { user } : {}),
      wrap: (argv, where) => sessions.reduce((a, s) => s.wrapCommand(a, where), argv),
      onSpawn: (pid) => track(state.recordProcess(pid, 'harness', variant.id)),
    });
    // WebSocket and TCP receipts land when the connection closes, a moment after the client exits.
    await sink.settle(2000);
    const journal = await readJournal(vws.journal);
    const window: EmulationWindow = { variantId: variant.id, rootPids: launched.rootPids, rootStarts: launched.rootStarts, startMs: launched.startMs, endMs: launched.endMs };
    const notes: string[] = [];
    for (const a of active) {
      try {
        await a.session.variantDone(window);
      } catch (e) {
        notes.push(`collector ${a.collector.id}: ${(e as Error).message}`);
      }
    }
    const exec: VariantExecution = {
      ...base,
      status: 'ran',
      journal: journal.entries,
      journalProblems: journal.problems,
      receipts: sink.receiptsFor(variant.id),
      window,
      steps: launched.steps,
      timedOut: launched.timedOut,
      interrupted: launched.interrupted,
    };
    const notStarted = launched.steps.find((s) => s.failed && s.pid === undefined && !s.failed.startsWith('not started'));
    if (notStarted) {
      exec.status = 'error';
      exec.reason = `a step could not start: ${notStarted.failed ?? ''}`;
    } else if (launched.timedOut) exec.reason = `timed out after ${Math.round((variant.timeout_s * (opts.timeoutScale ?? 1)) * 10) / 10} s; the process tree was killed`;
    else if (launched.interrupted) exec.reason = 'interrupted; the process tree was killed';
    if (notes.length) exec.reason = [exec.reason, ...notes].filter(Boolean).join('; ');
    return exec;
  }
}

/**
 * Copies the raw files out of the workspace with the run's secrets replaced: they name the token,
 * key and iv in the emulations' command lines (plain, or hex-encoded as audit writes arguments
 * with spaces), and they end up beside the report.
 */
async function preserveRawFiles(outputs: CollectorOutput[], dir: string, plainSecrets: readonly string[], step: (s: CleanupStep) => void): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    let redacted = 0;
    for (const o of outputs) {
      const kept: string[] = [];
      for (const f of o.rawFiles) {
        const dest = join(dir, `${variantFolderName(o.info.id)}-${basename(f)}`);
        // latin1 maps every byte to one character and back: binary content survives unchanged.
        const text = await readFile(f, 'latin1');
        const clean = redactRaw(text, plainSecrets);
        if (clean !== text) redacted++;
        await writeFile(dest, clean, { encoding: 'latin1', mode: 0o600 });
        kept.push(dest);
      }
      o.rawFiles = kept;
    }
    step({ what: `keep collector raw files in ${dir}`, ok: true, ...(redacted ? { detail: `run secrets redacted in ${redacted} file(s)` } : {}) });
  } catch (e) {
    step({ what: `keep collector raw files in ${dir}`, ok: false, detail: (e as Error).message });
  }
}

/**
 * What `purple run --dry-run` prints: every command (after substitution, secrets as `<redacted>`)
 * and every destination, with no side effect at all — no folder, no file, no process, no socket.
 */
export async function planRun(opts: Pick<RunOptions, 'runId' | 'variants' | 'collectors' | 'pythonPath' | 'scenariosDir' | 'platform' | 'timeoutScale' | 'sink' | 'externalSink'>): Promise<RunPlan> {
  checkExternalSink(opts.externalSink);
  assertRunId(opts.runId);
  const platform = opts.platform ?? hostPlatform();
  const root = workspacePath(opts.runId);
  const scenariosDir = opts.scenariosDir ?? findScenariosDir();
  const runner = createCommandRunner();
  const python = opts.pythonPath ?? (await runner.which('python3')) ?? 'python3';
  // The plan starts no python: modules are checked when the run starts.
  const probes = createHostProbes({ platform, runner });
  const fakeSecrets = { passphrase: REDACTED, keyHex: REDACTED, ivHex: REDACTED, token: REDACTED };
  // The netns address is picked at run time from 198.18.0.0/15.
  const host = opts.sink === 'netns' ? '198.18.<n>.<m>' : '127.0.0.1';
  const endpoints: SinkEndpoints = {
    httpBase: `http://${host}:<port>`,
    wsBase: `ws://${host}:<port>`,
    tcp: `${host}:<tcp-port>`,
    tls: `${host}:<tls-port>`,
    listeners: ['http', 'websocket', 'tcp', 'tls'],
  };
  const plan: RunPlan = { runId: opts.runId, workspace: root, variants: [], commands: [], destinations: [], collectors: opts.collectors.map((c) => c.id) };
  const dest = new Set<string>();
  for (const v of opts.variants) {
    const reason = await skipReasonWithSink(v, probes, undefined, opts.externalSink);
    const entry: RunPlan['variants'][number] = { variantId: v.id, willRun: !reason, timeout_s: v.timeout_s * (opts.timeoutScale ?? 1), cipher: v.cipher };
    if (reason) entry.reason = reason;
    else if (v.requires_python?.length) entry.reason = `needs python module(s) ${v.requires_python.join(', ')} (checked when the run starts)`;
    plan.variants.push(entry);
    if (reason) continue;
    const dir = join(root, 'variants', variantDirName(v.id));
    const { http: sinkUrl, ws: sinkWsUrl } = variantUrls(endpoints, opts.runId, v.id, opts.externalSink);
    const values = placeholderValues({
      runId: opts.runId,
      variant: v,
      workspace: { dir, payload: join(dir, 'payload.txt'), out: join(dir, 'payload.enc'), journal: join(dir, 'journal.jsonl') },
      passFile: join(root, 'secrets', 'passphrase'),
      secrets: fakeSecrets,
      sink: endpoints,
      sinkUrl,
      sinkWsUrl,
      scenariosDir,
      python,
    });
    v.steps.forEach((s, i) => {
      const cmd: PlannedCommand = {
        variantId: v.id,
        stepIndex: i,
        argv: substituteArgv(s.argv, values, { variantId: v.id, file: v.source.file, ...(v.source.line !== undefined ? { line: v.source.line } : {}) }),
        cwd: dir,
        detached: s.detached ?? false,
        delay_s: s.delay_s ?? 0,
      };
      plan.commands.push(cmd);
    });
    dest.add(sinkUrl);
    if (opts.externalSink) continue; // HTTP uploads only, all to the external receiver
    dest.add(sinkWsUrl);
    dest.add(`tcp://${endpoints.tcp}`);
    if (v.requires_sink?.includes('tls')) dest.add(`tls://${endpoints.tls ?? ''}`);
  }
  plan.destinations = [...dest];
  return plan;
}
