// Starts a variant's steps as real processes: argv arrays only, the contract's environment, cwd =
// the variant's workspace, each step in its own process group. The variant timeout (or an abort)
// kills every process tree the variant started, including descendants that escaped their group.

import { execa } from 'execa';
import type { EmulationStep, Variant } from '../src/model/index.js';
import type { EmulationUser } from './emulation-user.js';
import { markerUserAgent, variantMarker } from './marker.js';
import { killProcessTree } from './process-tree.js';
import { substituteArgv, type PlaceholderValues } from './placeholders.js';
import { redact, redactArgv } from './redact.js';
import type { RunSecrets, SinkEndpoints, StepResult } from './types.js';
import type { VariantWorkspace } from './workspace.js';

const TAIL_BYTES = 4096;

export interface LaunchContext {
  runId: string;
  variant: Variant;
  workspace: VariantWorkspace;
  passFile: string;
  secrets: RunSecrets;
  sink: SinkEndpoints;
  /** Full URLs for this variant (the sink's paths carry the variant id). */
  sinkUrl: string;
  sinkWsUrl: string;
  scenariosDir: string;
  python: string;
  timeoutMs: number;
  killGraceMs?: number;
  signal?: AbortSignal;
  /** Each active collector session's wrapCommand, applied in order. */
  wrap?: (argv: string[], where: { variantId: string; stepIndex: number }) => string[];
  user?: EmulationUser;
  /** Told about every process group the moment it starts (for the crash-safe state file). */
  onSpawn?: (pid: number) => void;
}

export interface LaunchResult {
  steps: StepResult[];
  rootPids: number[];
  /** When each of rootPids was spawned (Date.now() just before the spawn). */
  rootStarts: number[];
  startMs: number;
  endMs: number;
  timedOut: boolean;
  interrupted: boolean;
}

export function placeholderValues(ctx: Omit<LaunchContext, 'timeoutMs' | 'variant'> & { variant: Pick<Variant, 'axes'> }): PlaceholderValues {
  const [tcpHost = '127.0.0.1', tcpPort = ''] = splitHostPort(ctx.sink.tcp);
  return {
    workspace: ctx.workspace.dir,
    payload: ctx.workspace.payload,
    out: ctx.workspace.out,
    passfile: ctx.passFile,
    key_hex: ctx.secrets.keyHex,
    iv_hex: ctx.secrets.ivHex,
    sink_url: ctx.sinkUrl,
    sink_ws_url: ctx.sinkWsUrl,
    sink_tcp_host: tcpHost,
    sink_tcp_port: tcpPort,
    token: ctx.secrets.token,
    journal: ctx.workspace.journal,
    scenarios: ctx.scenariosDir,
    python: ctx.python,
    delay: String(ctx.variant.axes.delay_s ?? 0),
  };
}

function splitHostPort(hp: string): [string, string] {
  const i = hp.lastIndexOf(':');
  return [hp.slice(0, i).replace(/^\[|\]$/g, ''), hp.slice(i + 1)];
}

/** The environment of the emulation contract; nothing else of the harness's environment leaks in. */
export function emulationEnv(ctx: Omit<LaunchContext, 'timeoutMs'>): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    // Under sudo the invoking user cannot use root's HOME; the workspace is theirs.
    HOME: ctx.user ? ctx.workspace.dir : (process.env.HOME ?? ctx.workspace.dir),
    LANG: process.env.LANG ?? 'C.UTF-8',
    TMPDIR: ctx.workspace.dir,
    // The catalogue folder must stay as shipped: no __pycache__ written into it.
    PYTHONDONTWRITEBYTECODE: '1',
    PURPLE_RUN_ID: ctx.runId,
    PURPLE_VARIANT_ID: ctx.variant.id,
    PURPLE_WORKSPACE: ctx.workspace.dir,
    PURPLE_PAYLOAD: ctx.workspace.payload,
    PURPLE_OUT: ctx.workspace.out,
    PURPLE_PASSFILE: ctx.passFile,
    PURPLE_KEY_HEX: ctx.secrets.keyHex,
    PURPLE_IV_HEX: ctx.secrets.ivHex,
    PURPLE_SINK_URL: ctx.sinkUrl,
    PURPLE_SINK_TOKEN: ctx.secrets.token,
    PURPLE_SINK_WS_URL: ctx.sinkWsUrl,
    PURPLE_SINK_TCP: ctx.sink.tcp,
    PURPLE_JOURNAL: ctx.workspace.journal,
    PURPLE_SCENARIOS: ctx.scenariosDir,
    PURPLE_DELAY_S: String(ctx.variant.axes.delay_s ?? 0),
    // The control marker (docs/controls.md): EDRs record the environment (process.env_vars) and
    // tools that send a User-Agent send this one.
    PURPLE_MARKER: variantMarker(ctx.runId, ctx.variant.id),
    PURPLE_USER_AGENT: markerUserAgent(ctx.runId, ctx.variant.id),
  };
  if (ctx.sink.tls) env.PURPLE_SINK_TLS = ctx.sink.tls;
  if (ctx.user) {
    env.USER = env.LOGNAME = String(ctx.user.uid);
  }
  return env;
}

function appendTail(prev: string, chunk: Buffer | string): string {
  const s = prev + chunk.toString();
  return s.length > TAIL_BYTES ? s.slice(s.length - TAIL_BYTES) : s;
}

interface Running {
  index: number;
  pid: number | undefined;
  started: number;
  exited: Promise<void>;
  result: StepResult;
  done: boolean;
}

/** Runs every step of the variant; resolves when all have ended or were killed. Never throws for a step's failure. */
export async function launchVariant(ctx: LaunchContext): Promise<LaunchResult> {
  const secrets = [ctx.secrets.passphrase, ctx.secrets.keyHex, ctx.secrets.ivHex, ctx.secrets.token];
  const values = placeholderValues(ctx);
  const env = emulationEnv(ctx);
  const steps = ctx.variant.steps;
  // Substitute everything first: a bad placeholder is bad input before anything starts.
  const argvs = steps.map((s) => substituteArgv(s.argv, values, { variantId: ctx.variant.id, file: ctx.variant.source.file, ...(ctx.variant.source.line !== undefined ? { line: ctx.variant.source.line } : {}) }));

  // The variant id alone is shared by two runs of the same variant on one host: match the run too.
  const variantMarkers = [
    { name: 'PURPLE_RUN_ID', value: ctx.runId },
    { name: 'PURPLE_VARIANT_ID', value: ctx.variant.id },
  ];
  const startMs = Date.now();
  const deadline = startMs + ctx.timeoutMs;
  const running: Running[] = [];
  const results: StepResult[] = [];
  let timedOut = false;
  let interrupted = false;
  let killing: Promise<void> | undefined;
  let wake: (() => void) | undefined;

  const killAll = (): Promise<void> => {
    killing ??= (async () => {
      const pgids = running.map((r) => r.pid).filter((p): p is number => p !== undefined);
      await killProcessTree({ pgids, marker: variantMarkers }, ctx.killGraceMs ?? 2000);
    })();
    wake?.();
    return killing;
  };
  const stopped = (): boolean => timedOut || interrupted;

  const timer = setTimeout(() => {
    timedOut = true;
    for (const r of running) if (!r.done) r.result.timedOut = true;
    void killAll();
  }, Math.max(0, ctx.timeoutMs));
  const onAbort = (): void => {
    interrupted = true;
    void killAll();
  };
  if (ctx.signal?.aborted) interrupted = true;
  ctx.signal?.addEventListener('abort', onAbort, { once: true });

  const pause = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      if (ms <= 0 || stopped()) return resolve();
      const t = setTimeout(done, Math.min(ms, Math.max(0, deadline - Date.now())));
      function done(): void {
        clearTimeout(t);
        wake = undefined;
        resolve();
      }
      wake = done;
    });

  const start = (step: EmulationStep, index: number): Running => {
    const argv0 = argvs[index] ?? [];
    const argv = ctx.wrap ? ctx.wrap(argv0, { variantId: ctx.variant.id, stepIndex: index }) : argv0;
    const result: StepResult = { argv: redactArgv(argv, secrets), exitCode: null, timedOut: false, durationMs: 0, stdoutTail: '', stderrTail: '' };
    const started = Date.now();
    const [file, ...args] = argv;
    let stdout = '';
    let stderr = '';
    const child = execa(file ?? '', args, {
      cwd: ctx.workspace.dir,
      env,
      extendEnv: false,
      detached: true, // own process group: the timeout kills the whole group
      stdin: 'ignore',
      reject: false,
      buffer: false,
      cleanup: false,
      ...(ctx.user ? { uid: ctx.user.uid, gid: ctx.user.gid } : {}),
    });
    const r: Running = { index, pid: child.pid, started, result, done: false, exited: Promise.resolve() };
    if (child.pid !== undefined) {
      result.pid = child.pid;
      ctx.onSpawn?.(child.pid);
    }
    child.stdout?.on('data', (c: Buffer) => void (stdout = appendTail(stdout, c)));
    child.stderr?.on('data', (c: Buffer) => void (stderr = appendTail(stderr, c)));
    // 'exit', not the promise: a descendant holding stdout open must not keep the step "running".
    r.exited = new Promise<void>((resolve) => {
      const finish = (code: number | null, sig: NodeJS.Signals | null, failed?: string): void => {
        if (r.done) return;
        r.done = true;
        result.exitCode = code;
        if (sig) result.signal = sig;
        if (failed) result.failed = failed;
        result.durationMs = Date.now() - started;
        // Give the pipes a moment to drain what was written before the exit.
        setTimeout(() => {
          result.stdoutTail = redact(stdout, secrets);
          result.stderrTail = redact(stderr, secrets);
          resolve();
        }, 20);
      };
      child.on('exit', (code, sig) => finish(code, sig));
      child.on('error', (e: NodeJS.ErrnoException) => finish(null, null, `${file ?? ''}: ${e.code === 'ENOENT' ? 'not found' : e.code === 'EACCES' ? 'permission denied' : e.message}`));
      void child.then((res) => {
        if (res.failed && !r.done && child.pid === undefined) finish(null, null, `${file ?? ''}: ${res.shortMessage ?? 'could not start'}`);
      });
    });
    running.push(r);
    return r;
  };

  try {
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i] as EmulationStep;
      if (!stopped() && step.delay_s) await pause(step.delay_s * 1000);
      if (stopped()) {
        results[i] = {
          argv: redactArgv(argvs[i] ?? [], secrets),
          exitCode: null,
          timedOut: timedOut,
          durationMs: 0,
          stdoutTail: '',
          stderrTail: '',
          failed: timedOut ? 'not started: the variant timed out' : 'not started: the run was interrupted',
        };
        continue;
      }
      const r = start(step, i);
      if (!step.detached) await Promise.race([r.exited, new Promise<void>((res) => (wake = res))]).then(() => (wake = undefined));
      // A kill in progress: wait for the tree to be gone before moving on.
      if (killing) await killing;
    }
    await Promise.all(running.map((r) => r.exited));
    // Steps have ended; whatever they left running in the background goes too.
    const pgids = running.map((r) => r.pid).filter((p): p is number => p !== undefined);
    if (!killing && pgids.length) await killProcessTree({ pgids, marker: variantMarkers }, ctx.killGraceMs ?? 2000);
    if (killing) await killing;
  } finally {
    clearTimeout(timer);
    ctx.signal?.removeEventListener('abort', onAbort);
  }
  for (const r of running) results[r.index] = r.result;
  const spawned = running.filter((r) => r.pid !== undefined);
  return {
    steps: results,
    rootPids: spawned.map((r) => r.pid!),
    rootStarts: spawned.map((r) => r.started),
    startMs,
    endMs: Date.now(),
    timedOut,
    interrupted,
  };
}
