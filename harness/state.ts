// Crash-safe run state: a file per run listing everything the run created (workspace, sink ports,
// process groups, collector artifacts such as audit rule keys). Rewritten atomically on every
// change, so after a kill -9 `cleanupRun(runId)` can undo exactly what was left behind.

import { mkdir, open, readdir, readFile, rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { isAbsolute, join, normalize, resolve, sep } from 'node:path';
import { PurpleError, type CleanupStep, type CommandRunner } from '../src/model/index.js';
import { createCommandRunner } from './command-runner.js';
import { removeRunLock } from './host-lock.js';
import { isAlive, killProcessTree, processStartTicks, readProcessTable } from './process-tree.js';
import { assertRunId, removeWorkspace, workspacePath } from './workspace.js';
import { writeFileAtomic } from './write-file-atomic.js';

export { writeFileAtomic } from './write-file-atomic.js';

export interface RunStateProcess {
  pid: number;
  /** The harness starts every step and collector helper as a group leader: pgid = pid. */
  pgid: number;
  startTicks?: number;
  variantId?: string;
  by: string;
}

export interface RunStateArtifact {
  kind: string;
  value: string;
  /** Who created it: `harness`, or a collector id. */
  by: string;
}

export interface RunState {
  version: 1;
  runId: string;
  status: 'running' | 'finished' | 'cleanup-incomplete';
  harnessPid: number;
  harnessStartTicks?: number;
  hostName: string;
  startedAt: string;
  updatedAt: string;
  workspace: string;
  keepWorkspace: boolean;
  sink?: { http: number; tcp: number; tls?: number };
  processes: RunStateProcess[];
  artifacts: RunStateArtifact[];
  lastCleanup?: CleanupStep[];
}

/** PURPLE_STATE_DIR, else /var/lib/purple-harness/runs as root, else ~/.local/state/purple-harness/runs. */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PURPLE_STATE_DIR) return resolve(env.PURPLE_STATE_DIR);
  if (typeof process.getuid === 'function' && process.getuid() === 0) return '/var/lib/purple-harness/runs';
  const base = env.XDG_STATE_HOME && isAbsolute(env.XDG_STATE_HOME) ? env.XDG_STATE_HOME : join(homedir(), '.local', 'state');
  return join(base, 'purple-harness', 'runs');
}

export function stateFilePath(runId: string, stateDir = defaultStateDir()): string {
  assertRunId(runId);
  return join(stateDir, `${runId}.json`);
}

/** The live state of one run; every record* call rewrites the file atomically before resolving. */
export class RunStateFile {
  readonly path: string;
  private state: RunState;
  private queue: Promise<void> = Promise.resolve();

  private constructor(path: string, state: RunState) {
    this.path = path;
    this.state = state;
  }

  /** Creates the state file; a file that already exists means the run id is taken (or a crash left it). */
  static async create(opts: { runId: string; hostName: string; workspace: string; keepWorkspace?: boolean; stateDir?: string }): Promise<RunStateFile> {
    const dir = opts.stateDir ?? defaultStateDir();
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const path = stateFilePath(opts.runId, dir);
    // O_EXCL: of two runs started with the same id at the same moment, exactly one gets it.
    try {
      await (await open(path, 'wx', 0o600)).close();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      throw new PurpleError('BAD_INPUT', `run ${opts.runId} already has a state file (${path})`, {
        hint: `use another run id, or run \`purple cleanup ${opts.runId}\` if that run crashed`,
      });
    }
    const now = new Date().toISOString();
    const ticks = await processStartTicks(process.pid);
    const state: RunState = {
      version: 1,
      runId: opts.runId,
      status: 'running',
      harnessPid: process.pid,
      hostName: opts.hostName,
      startedAt: now,
      updatedAt: now,
      workspace: opts.workspace,
      keepWorkspace: opts.keepWorkspace ?? false,
      processes: [],
      artifacts: [],
    };
    if (ticks !== undefined) state.harnessStartTicks = ticks;
    const f = new RunStateFile(path, state);
    await f.flush();
    return f;
  }

  snapshot(): RunState {
    return structuredClone(this.state);
  }

  private flush(): Promise<void> {
    const next = this.queue.then(async () => {
      this.state.updatedAt = new Date().toISOString();
      await writeFileAtomic(this.path, `${JSON.stringify(this.state, null, 2)}\n`, { mode: 0o600 });
    });
    // One failed write must not block the later ones.
    this.queue = next.catch(() => undefined);
    return next;
  }

  async recordSink(ports: NonNullable<RunState['sink']>): Promise<void> {
    this.state.sink = ports;
    await this.flush();
  }

  async recordProcess(pid: number, by: string, variantId?: string): Promise<void> {
    const p: RunStateProcess = { pid, pgid: pid, by };
    const ticks = await processStartTicks(pid);
    if (ticks !== undefined) p.startTicks = ticks;
    if (variantId !== undefined) p.variantId = variantId;
    this.state.processes.push(p);
    await this.flush();
  }

  async recordArtifact(kind: string, value: string, by: string): Promise<void> {
    if (this.state.artifacts.some((a) => a.kind === kind && a.value === value)) return;
    this.state.artifacts.push({ kind, value, by });
    await this.flush();
  }

  /** Waits for every pending write. */
  async settled(): Promise<void> {
    await this.queue;
  }

  /** After cleanup: a complete one deletes the file, an incomplete one keeps it for `purple cleanup`. */
  async finish(steps: CleanupStep[]): Promise<CleanupStep> {
    await this.settled();
    const ok = steps.every((s) => s.ok);
    if (ok && !this.state.keepWorkspace) {
      await rm(this.path, { force: true });
      return { what: `remove state file ${this.path}`, ok: true };
    }
    this.state.status = ok ? 'finished' : 'cleanup-incomplete';
    this.state.lastCleanup = steps;
    await this.flush();
    return { what: `keep state file ${this.path}`, ok: true, detail: ok ? 'the workspace was kept; `purple cleanup` removes it' : 'cleanup was incomplete; run `purple cleanup` again' };
  }
}

function checkState(v: unknown, path: string): RunState {
  const s = v as Partial<RunState>;
  if (!s || typeof s !== 'object' || s.version !== 1 || typeof s.runId !== 'string' || typeof s.workspace !== 'string' || !Array.isArray(s.processes) || !Array.isArray(s.artifacts)) {
    throw new PurpleError('BAD_INPUT', `${path} is not a purple-harness run state file`, { location: { file: path }, hint: 'remove the file by hand if it is not from purple-harness' });
  }
  return s as RunState;
}

export async function readRunState(runId: string, stateDir = defaultStateDir()): Promise<RunState | undefined> {
  const path = stateFilePath(runId, stateDir);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new PurpleError('BAD_INPUT', `${path} is not valid JSON: ${(e as Error).message}`, { location: { file: path }, hint: 'remove the file by hand after checking what the run left behind' });
  }
  return checkState(v, path);
}

export interface RunListing {
  runId: string;
  file: string;
  state?: RunState;
  /** The harness process that owns the run is still alive. */
  active: boolean;
  problem?: string;
}

async function harnessAlive(s: RunState): Promise<boolean> {
  if (s.harnessPid === process.pid) return true;
  if (!isAlive(s.harnessPid)) return false;
  if (s.harnessStartTicks === undefined) return true;
  return (await processStartTicks(s.harnessPid)) === s.harnessStartTicks;
}

export async function listRuns(stateDir = defaultStateDir()): Promise<RunListing[]> {
  const names = await readdir(stateDir).catch(() => [] as string[]);
  const out: RunListing[] = [];
  for (const n of names.sort()) {
    if (!n.endsWith('.json') || n.startsWith('.')) continue;
    const runId = n.slice(0, -5);
    const file = join(stateDir, n);
    try {
      const state = await readRunState(runId, stateDir);
      if (state) out.push({ runId, file, state, active: state.status === 'running' && (await harnessAlive(state)) });
    } catch (e) {
      out.push({ runId, file, active: false, problem: (e as Error).message });
    }
  }
  return out;
}

// A state file is input: never let one point cleanup at a path outside the places runs use.
function isRemovablePath(p: string): boolean {
  if (!isAbsolute(p)) return false;
  const n = normalize(p);
  const roots = [normalize(tmpdir()), '/tmp', '/var/tmp'].map((r) => (r.endsWith(sep) ? r : r + sep));
  return roots.some((r) => n.startsWith(r)) && /purple/.test(n.slice(n.lastIndexOf(sep)));
}

/** Undoes one artifact. Exported for the run lifecycle, which undoes its own the same way. */
export async function undoArtifact(a: RunStateArtifact, runner: CommandRunner, runId?: string): Promise<CleanupStep> {
  const what = `${a.kind} ${a.value} (${a.by})`;
  const run = async (argv: string[], goneMarker: RegExp): Promise<CleanupStep> => {
    const r = await runner.run(argv, { timeoutMs: 15_000 });
    if (r.exitCode === 0) return { what: `undo ${what}: ${argv.join(' ')}`, ok: true };
    const text = `${r.stderr}${r.stdout}`.trim();
    if (goneMarker.test(text)) return { what: `undo ${what}`, ok: true, detail: 'already gone' };
    return { what: `undo ${what}: ${argv.join(' ')}`, ok: false, detail: r.failed ?? (text.split('\n')[0] || `exit ${String(r.exitCode)}`) };
  };
  switch (a.kind) {
    case 'audit-rule-key':
      if (!/^[A-Za-z0-9._:-]{1,31}$/.test(a.value)) return { what: `undo ${what}`, ok: false, detail: 'not a valid audit key' };
      return run(['auditctl', '-D', '-k', a.value], /no rules/i);
    case 'netns':
      if (!/^purple[A-Za-z0-9._-]{0,40}$/.test(a.value)) return { what: `undo ${what}`, ok: false, detail: 'refusing: not a purple namespace name' };
      return run(['ip', 'netns', 'delete', a.value], /No such file|Cannot find|does not exist/i);
    case 'link':
      if (!/^(?:purple|pv)[A-Za-z0-9._-]{0,13}$/.test(a.value)) return { what: `undo ${what}`, ok: false, detail: 'refusing: not a purple link name' };
      return run(['ip', 'link', 'delete', a.value], /Cannot find|does not exist/i);
    case 'path': {
      if (!isRemovablePath(a.value)) return { what: `undo ${what}`, ok: false, detail: 'refusing: only purple paths under the temp folder are removed' };
      await rm(a.value, { recursive: true, force: true });
      return { what: `remove ${a.value}`, ok: true };
    }
    case 'host-lock': {
      if (!isAbsolute(a.value) || !a.value.endsWith('.lock')) return { what: `undo ${what}`, ok: false, detail: 'refusing: not a lock file path' };
      if (runId === undefined) return { what: `undo ${what}`, ok: false, detail: 'needs the run id' };
      const r = await removeRunLock(a.value, runId);
      return { what: `release host lock ${a.value}`, ok: r.removed || !/still alive/.test(r.detail), detail: r.detail };
    }
    case 'process-group':
    case 'pid':
      // Killed with the run's process trees.
      return { what: `undo ${what}`, ok: true, detail: 'handled with the process trees' };
    default:
      return { what: `undo ${what}`, ok: false, detail: `unknown artifact kind "${a.kind}"; undo it by hand` };
  }
}

/** Kills the run's recorded process groups (skipping reused pids) and every process with its marker. */
export async function killRunProcesses(state: Pick<RunState, 'runId' | 'processes' | 'artifacts'>, graceMs = 1000): Promise<CleanupStep> {
  const pgids: number[] = [];
  for (const p of state.processes) {
    if (p.startTicks !== undefined && (await processStartTicks(p.pid)) !== p.startTicks) continue;
    pgids.push(p.pgid);
  }
  for (const a of state.artifacts) {
    if ((a.kind === 'process-group' || a.kind === 'pid') && /^\d+$/.test(a.value)) pgids.push(Number(a.value));
  }
  const killed = await killProcessTree({ pgids, marker: { name: 'PURPLE_RUN_ID', value: state.runId } }, graceMs);
  // A zombie is dead; it only waits for its new parent to reap it.
  const table = await readProcessTable();
  const left = killed.filter((p) => table.has(p) && !table.get(p)?.zombie);
  return left.length
    ? { what: 'stop the run\'s processes', ok: false, detail: `still alive: ${left.join(', ')}` }
    : { what: 'stop the run\'s processes', ok: true, detail: killed.length ? `stopped ${killed.length} process(es)` : 'none left' };
}

/**
 * Undoes what a (crashed) run left behind, from its state file: processes, collector artifacts
 * (audit rules by key, namespaces), the workspace. Idempotent: a second call finds nothing to do.
 */
export async function cleanupRun(runId: string, opts: { stateDir?: string; runner?: CommandRunner; force?: boolean } = {}): Promise<CleanupStep[]> {
  assertRunId(runId);
  const stateDir = opts.stateDir ?? defaultStateDir();
  const runner = opts.runner ?? createCommandRunner();
  const state = await readRunState(runId, stateDir);
  const steps: CleanupStep[] = [];
  if (!state) {
    // Nothing recorded: still sweep what the run id alone identifies.
    steps.push({ what: `state file of run ${runId}`, ok: true, detail: 'none (never created, or already cleaned up)' });
    steps.push(await killRunProcesses({ runId, processes: [], artifacts: [] }));
    steps.push(await removeWorkspace(workspacePath(runId)));
    return steps;
  }
  if (state.status === 'running' && state.harnessPid !== process.pid && (await harnessAlive(state)) && !opts.force) {
    return [{ what: `cleanup of run ${runId}`, ok: false, detail: `the run is still active (harness pid ${state.harnessPid}); stop it first (Ctrl-C), or force the cleanup` }];
  }
  steps.push(await killRunProcesses(state));
  for (const a of [...state.artifacts].reverse()) steps.push(await undoArtifact(a, runner, runId));
  steps.push(isRemovablePath(state.workspace) ? await removeWorkspace(state.workspace) : { what: `remove workspace ${state.workspace}`, ok: false, detail: 'refusing: not a purple folder under the temp folder' });
  const path = stateFilePath(runId, stateDir);
  if (steps.every((s) => s.ok)) {
    await rm(path, { force: true });
    steps.push({ what: `remove state file ${path}`, ok: true });
  } else {
    const next: RunState = { ...state, status: 'cleanup-incomplete', updatedAt: new Date().toISOString(), lastCleanup: steps };
    await writeFileAtomic(path, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600 });
    steps.push({ what: `keep state file ${path}`, ok: true, detail: 'some steps failed; fix them and run the cleanup again' });
  }
  return steps;
}
