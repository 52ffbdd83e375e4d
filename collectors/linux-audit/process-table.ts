// What the Linux collectors remember about each pid during a run: its latest image (exec or
// fork) and entity id, so that network and library events and children can name their process
// and parent. Shared by the audit and strace normalisers.

import { makeEntityId, type ProcessParent } from '../../src/model/index.js';

export interface ProcessImage {
  pid: number;
  entityId: string;
  startMs: number;
  ppid?: number;
  name?: string;
  executable?: string;
  args?: string[];
  commandLine?: string;
  workingDirectory?: string;
}

export interface ProcessTable {
  /** A new image in pid (exec): a new entity. */
  exec(pid: number, ppid: number | undefined, startMs: number, image: Omit<ProcessImage, 'pid' | 'entityId' | 'startMs' | 'ppid'>): ProcessImage;
  /** A new process (fork/clone): a new entity that runs the parent's image until it execs. */
  fork(parentPid: number, childPid: number, startMs: number): ProcessImage;
  get(pid: number): ProcessImage | undefined;
  /** ECS process.parent of a process whose parent pid is known. */
  parentOf(ppid: number | undefined): ProcessParent | undefined;
}

export function createProcessTable(hostId: string): ProcessTable {
  const byPid = new Map<number, ProcessImage>();
  return {
    exec(pid, ppid, startMs, image) {
      const known = byPid.get(pid);
      const p: ProcessImage = { ...image, pid, startMs, entityId: makeEntityId(hostId, pid, startMs) };
      const parentPid = ppid ?? known?.ppid;
      if (parentPid !== undefined) p.ppid = parentPid;
      byPid.set(pid, p);
      return p;
    },
    fork(parentPid, childPid, startMs) {
      const parent = byPid.get(parentPid);
      const p: ProcessImage = { pid: childPid, ppid: parentPid, startMs, entityId: makeEntityId(hostId, childPid, startMs) };
      if (parent) {
        for (const k of ['name', 'executable', 'args', 'commandLine', 'workingDirectory'] as const) {
          const v = parent[k];
          if (v !== undefined) (p as unknown as Record<string, unknown>)[k] = v;
        }
      }
      byPid.set(childPid, p);
      return p;
    },
    get: (pid) => byPid.get(pid),
    parentOf(ppid) {
      if (ppid === undefined) return undefined;
      const parent: ProcessParent = { pid: ppid };
      const p = byPid.get(ppid);
      if (p) {
        parent.entity_id = p.entityId;
        if (p.name !== undefined) parent.name = p.name;
        if (p.executable !== undefined) parent.executable = p.executable;
        if (p.commandLine !== undefined) parent.command_line = p.commandLine;
        if (p.args !== undefined) parent.args = p.args;
      }
      return parent;
    },
  };
}

/** ISO 8601 with microseconds from epoch milliseconds (fractional ms allowed). */
export function isoFromMs(ms: number): string {
  const whole = Math.floor(ms);
  const micros = Math.round((ms - whole) * 1000);
  const base = new Date(whole).toISOString(); // …sss Z
  return `${base.slice(0, -1)}${String(Math.min(micros, 999)).padStart(3, '0')}Z`;
}
