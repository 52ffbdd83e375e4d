// Finding and killing every process an emulation started, including descendants that left the
// process group (setsid) or were re-parented to init: /proc parent links plus the PURPLE_RUN_ID
// marker every emulation process inherits in its environment.

import { execa } from 'execa';
import { readdir, readFile } from 'node:fs/promises';

export interface ProcEntry {
  pid: number;
  ppid: number;
  pgid: number;
  /** Start time in clock ticks since boot (Linux); guards against pid reuse. */
  startTicks?: number;
  zombie: boolean;
}

const hasProc = process.platform === 'linux';

function parseStat(text: string): Omit<ProcEntry, 'pid'> | undefined {
  // The command name may contain spaces and parentheses: fields start after the last ')'.
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const f = text.slice(close + 2).split(' ');
  const ppid = Number(f[1]);
  const pgid = Number(f[2]);
  const start = Number(f[19]);
  if (!Number.isInteger(ppid) || !Number.isInteger(pgid)) return undefined;
  const e: Omit<ProcEntry, 'pid'> = { ppid, pgid, zombie: f[0] === 'Z' || f[0] === 'X' };
  if (Number.isFinite(start)) e.startTicks = start;
  return e;
}

/** Every process on the host with its parent and group (Linux: /proc; elsewhere: ps). */
export async function readProcessTable(): Promise<Map<number, ProcEntry>> {
  const table = new Map<number, ProcEntry>();
  if (hasProc) {
    const names = await readdir('/proc').catch(() => [] as string[]);
    await Promise.all(
      names.map(async (n) => {
        if (!/^\d+$/.test(n)) return;
        const pid = Number(n);
        const text = await readFile(`/proc/${n}/stat`, 'utf8').catch(() => undefined);
        const e = text === undefined ? undefined : parseStat(text);
        if (e) table.set(pid, { pid, ...e });
      }),
    );
    return table;
  }
  const r = await execa('ps', ['-axo', 'pid=,ppid=,pgid=,stat='], { reject: false, stdin: 'ignore' });
  for (const line of String(r.stdout ?? '').split('\n')) {
    const m = /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(\S+)/.exec(line);
    if (m) table.set(Number(m[1]), { pid: Number(m[1]), ppid: Number(m[2]), pgid: Number(m[3]), zombie: (m[4] ?? '').startsWith('Z') });
  }
  return table;
}

/** Start time of a pid in clock ticks (Linux), or undefined. */
export async function processStartTicks(pid: number): Promise<number | undefined> {
  if (!hasProc) return undefined;
  const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  return text === undefined ? undefined : parseStat(text)?.startTicks;
}

/** The roots, their process-group members and all their descendants that are still alive. */
export function collectTree(table: Map<number, ProcEntry>, rootPids: readonly number[], pgids: readonly number[] = rootPids): Set<number> {
  const out = new Set<number>();
  const children = new Map<number, number[]>();
  for (const e of table.values()) {
    const list = children.get(e.ppid) ?? [];
    list.push(e.pid);
    children.set(e.ppid, list);
  }
  const queue: number[] = [];
  for (const e of table.values()) if (pgids.includes(e.pgid)) queue.push(e.pid);
  for (const p of rootPids) if (table.has(p)) queue.push(p);
  while (queue.length) {
    const p = queue.pop() as number;
    if (out.has(p)) continue;
    out.add(p);
    for (const c of children.get(p) ?? []) queue.push(c);
  }
  for (const p of [...out]) if (table.get(p)?.zombie) out.delete(p);
  return out;
}

/**
 * pids whose environment has `NAME=value` (Linux only; root sees every process, a user only
 * its own). Catches re-parented, setsid'd descendants that no parent link leads to any more.
 */
export async function findByEnvironMarker(name: string, value: string): Promise<number[]> {
  return findByEnvironMarkers([{ name, value }]);
}

/** pids whose environment has every one of the markers (e.g. the run id AND the variant id). */
export async function findByEnvironMarkers(markers: ReadonlyArray<{ name: string; value: string }>): Promise<number[]> {
  if (!hasProc || markers.length === 0) return [];
  const tests = markers.map(({ name, value }) => ({ needle: Buffer.from(`\0${name}=${value}\0`), first: Buffer.from(`${name}=${value}\0`) }));
  const names = await readdir('/proc').catch(() => [] as string[]);
  const found: number[] = [];
  // Never ourselves or our ancestors, even if whoever started us exported the same marker.
  const skip = new Set([process.pid, process.ppid]);
  for (let p = process.ppid, hops = 0; p > 1 && hops < 64; hops++) {
    const stat = await readFile(`/proc/${p}/stat`, 'utf8').catch(() => undefined);
    const parent = stat === undefined ? undefined : parseStat(stat)?.ppid;
    if (parent === undefined || parent <= 1) break;
    skip.add(parent);
    p = parent;
  }
  await Promise.all(
    names.map(async (n) => {
      if (!/^\d+$/.test(n) || skip.has(Number(n))) return;
      const env = await readFile(`/proc/${n}/environ`).catch(() => undefined);
      if (!env || env.length === 0) return;
      if (tests.every(({ needle, first }) => env.subarray(0, first.length).equals(first) || env.includes(needle))) found.push(Number(n));
    }),
  );
  return found.sort((a, b) => a - b);
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function send(target: number, sig: NodeJS.Signals): void {
  // kill(0) and kill(-1) would hit our own group or every process we may signal: never.
  if (!Number.isInteger(target) || Math.abs(target) <= 1 || target === process.pid || target === -process.pid) return;
  try {
    process.kill(target, sig);
  } catch {
    /* gone already, or not ours */
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface KillTarget {
  /** Process-group leaders the harness started (their pgid = pid). */
  pgids: number[];
  /** Extra roots whose descendants must die too. */
  rootPids?: number[];
  /**
   * Environment marker shared by every process of the tree, e.g. PURPLE_RUN_ID=<id>; several
   * must all be present (a variant id alone is not unique when two runs share a host).
   */
  marker?: { name: string; value: string } | ReadonlyArray<{ name: string; value: string }>;
}

async function snapshot(t: KillTarget, signalled: ReadonlySet<number> = new Set()): Promise<Set<number>> {
  const table = await readProcessTable();
  const set = collectTree(table, [...t.pgids, ...(t.rootPids ?? []), ...signalled], t.pgids);
  if (t.marker) {
    const markers = 'name' in t.marker ? [t.marker] : t.marker;
    for (const p of await findByEnvironMarkers(markers)) if (!table.get(p)?.zombie) set.add(p);
  }
  // A pid we signalled that is gone from the table (or a zombie) needs nothing more.
  set.delete(process.pid);
  return set;
}

/**
 * SIGTERM to each group and every member found, SIGKILL after graceMs to whatever is left.
 * The tree is snapshotted before the first signal: once a parent dies its children are re-parented
 * and the parent link is gone. Returns the pids that were signalled.
 */
export async function killProcessTree(target: KillTarget, graceMs = 2000): Promise<number[]> {
  const t: KillTarget = { ...target, pgids: target.pgids.filter((g) => Number.isInteger(g) && g > 1 && g !== process.pid) };
  const signalled = await snapshot(t);
  for (const g of t.pgids) send(-g, 'SIGTERM');
  for (const p of signalled) send(p, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  for (;;) {
    const left = await snapshot(t, signalled);
    if (left.size === 0) return [...signalled];
    for (const p of left) if (!signalled.has(p)) {
      signalled.add(p);
      send(p, 'SIGTERM');
    }
    if (Date.now() >= deadline) break;
    await sleep(50);
  }
  for (let round = 0; round < 10; round++) {
    const left = await snapshot(t, signalled);
    if (left.size === 0) break;
    for (const g of t.pgids) send(-g, 'SIGKILL');
    for (const p of left) {
      signalled.add(p);
      send(p, 'SIGKILL');
    }
    await sleep(50);
  }
  return [...signalled];
}
