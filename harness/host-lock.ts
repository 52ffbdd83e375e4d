// Host-wide locks for what two runs cannot share. Most of a run is private (its own workspace,
// sink ports, state file, audit rule key, netns name), but some collectors change settings of the
// whole host for the length of a run — the linux-audit collector enables auditing, may start
// auditd and raises the backlog limit, and undoes each at its end — so a second run using it
// waits here until the first is done, with a message naming the run it waits for.
//
// A lock is a file created with O_EXCL holding its owner (run id, pid, process start time). An
// owner that died (kill -9) leaves a stale file: the next run sees the pid gone (or reused, by
// its start time) and takes the lock over; `purple cleanup` removes it too.

import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rm, rmdir, stat, unlink } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { PurpleError } from '../src/model/index.js';
import { isAlive, processStartTicks } from './process-tree.js';

/** Collector id → the host resource it changes for the length of a run (and so cannot share). */
export const HOST_EXCLUSIVE_COLLECTORS: Readonly<Record<string, string>> = {
  'linux-audit': 'linux-audit',
};

export interface HostLockOwner {
  resource: string;
  runId: string;
  pid: number;
  startTicks?: number;
  since: string;
  /** Random per acquisition: release removes the file only while it is still ours. */
  nonce: string;
}

export interface HostLock {
  path: string;
  owner: HostLockOwner;
  release(): Promise<void>;
}

/** PURPLE_LOCK_DIR, else /var/lib/purple-harness/locks as root, else ~/.local/state/purple-harness/locks. */
export function defaultLockDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PURPLE_LOCK_DIR) return resolve(env.PURPLE_LOCK_DIR);
  if (typeof process.getuid === 'function' && process.getuid() === 0) return '/var/lib/purple-harness/locks';
  const base = env.XDG_STATE_HOME && isAbsolute(env.XDG_STATE_HOME) ? env.XDG_STATE_HOME : join(homedir(), '.local', 'state');
  return join(base, 'purple-harness', 'locks');
}

export function lockPath(resource: string, lockDir = defaultLockDir()): string {
  if (!/^[a-z0-9][a-z0-9-]{0,40}$/.test(resource)) throw new PurpleError('INTERNAL', `bad lock resource name ${JSON.stringify(resource)}`);
  return join(lockDir, `${resource}.lock`);
}

function parseOwner(text: string): HostLockOwner | undefined {
  try {
    const v = JSON.parse(text) as Partial<HostLockOwner>;
    if (typeof v.runId === 'string' && Number.isInteger(v.pid) && typeof v.nonce === 'string' && typeof v.resource === 'string') return v as HostLockOwner;
  } catch {
    /* not ours, or half written */
  }
  return undefined;
}

/** The owner of a lock, or undefined when there is none. */
export async function readLockOwner(path: string): Promise<HostLockOwner | undefined> {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  return text === undefined ? undefined : parseOwner(text);
}

/** The owning process still runs (same pid and, where the OS tells, the same start time). */
export async function ownerAlive(o: Pick<HostLockOwner, 'pid' | 'startTicks'>): Promise<boolean> {
  if (!isAlive(o.pid)) return false;
  if (o.startTicks === undefined) return true;
  const now = await processStartTicks(o.pid);
  return now === undefined || now === o.startTicks;
}

/** A file without a parseable owner this old is a writer that died between create and write. */
const HALF_WRITTEN_MS = 10_000;

/** Removes a stale lock, guarded so that two waiters cannot both remove (one removing the other's fresh lock). */
async function removeStale(path: string, seen: string): Promise<void> {
  const guard = `${path}.takeover`;
  try {
    await mkdir(guard);
  } catch {
    // Another waiter is taking over; a guard left by a crashed one expires.
    const st = await stat(guard).catch(() => undefined);
    if (st && Date.now() - st.mtimeMs > HALF_WRITTEN_MS) await rmdir(guard).catch(() => undefined);
    return;
  }
  try {
    const now = await readFile(path, 'utf8').catch(() => undefined);
    if (now === seen) await unlink(path).catch(() => undefined);
  } finally {
    await rmdir(guard).catch(() => undefined);
  }
}

export interface AcquireOptions {
  runId: string;
  lockDir?: string;
  signal?: AbortSignal;
  /** How often a waiting run looks again. Default 500 ms. */
  pollMs?: number;
  /** Called once per holder while this run waits (the CLI prints it). */
  onWait?: (holder: HostLockOwner, path: string) => void;
}

/** Takes the lock, waiting for a live holder; undefined when the signal aborts the wait. */
export async function acquireHostLock(resource: string, opts: AcquireOptions): Promise<HostLock | undefined> {
  const dir = opts.lockDir ?? defaultLockDir();
  const path = lockPath(resource, dir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const owner: HostLockOwner = { resource, runId: opts.runId, pid: process.pid, since: new Date().toISOString(), nonce: randomBytes(8).toString('hex') };
  const ticks = await processStartTicks(process.pid);
  if (ticks !== undefined) owner.startTicks = ticks;
  const text = `${JSON.stringify(owner)}\n`;
  let announced = '';
  for (;;) {
    if (opts.signal?.aborted) return undefined;
    try {
      const fh = await open(path, 'wx', 0o600);
      try {
        await fh.writeFile(text);
      } finally {
        await fh.close();
      }
      return {
        path,
        owner,
        async release() {
          // Only while it is still ours (a cleanup may have removed it and another run taken it).
          if ((await readFile(path, 'utf8').catch(() => undefined)) === text) await rm(path, { force: true });
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new PurpleError('ENVIRONMENT', `cannot create the lock ${path}: ${(e as Error).message}`, { hint: `check that ${dir} is writable (or set PURPLE_LOCK_DIR)` });
      }
    }
    const seen = await readFile(path, 'utf8').catch(() => undefined);
    if (seen === undefined) continue; // released meanwhile: try again at once
    const holder = parseOwner(seen);
    if (holder ? !(await ownerAlive(holder)) : Date.now() - ((await stat(path).catch(() => undefined))?.mtimeMs ?? Date.now()) > HALF_WRITTEN_MS) {
      await removeStale(path, seen);
      continue;
    }
    if (holder && holder.nonce !== announced) {
      announced = holder.nonce;
      opts.onWait?.(holder, path);
    }
    await new Promise<void>((res) => {
      const t = setTimeout(done, opts.pollMs ?? 500);
      opts.signal?.addEventListener('abort', done, { once: true });
      function done(): void {
        clearTimeout(t);
        opts.signal?.removeEventListener('abort', done);
        res();
      }
    });
  }
}

/**
 * For cleanup: removes the lock a run left behind. Only that run's lock, and only when its harness
 * is gone or is this process; another run's lock is never touched (its next waiter takes it over
 * if that run died).
 */
export async function removeRunLock(path: string, runId: string): Promise<{ removed: boolean; detail: string }> {
  const seen = await readFile(path, 'utf8').catch(() => undefined);
  if (seen === undefined) return { removed: false, detail: 'already gone' };
  const holder = parseOwner(seen);
  if (!holder) return { removed: false, detail: 'not a purple-harness lock file; left alone' };
  if (holder.runId !== runId) return { removed: false, detail: `now held by run ${holder.runId}; left alone` };
  if (holder.pid !== process.pid && (await ownerAlive(holder))) return { removed: false, detail: `its harness (pid ${holder.pid}) is still alive` };
  await removeStale(path, seen);
  return { removed: true, detail: `removed the lock of run ${runId}` };
}
