// What the Linux collectors remember about each pid during a run: its latest image (exec or
// fork) and entity id, so that network and library events and children can name their process
// and parent. Shared by the audit and strace normalisers.
//
// process.entity_id names one process for its lifetime, from its fork (or the first record that
// shows it) until its pid is given to another process: an exec keeps the id, as Elastic Defend
// does on Linux. The id never depends on how close in time two records are: it is assigned once,
// at fork or first sight, and kept by pid. The kernel logs a fork when the parent's clone() returns,
// which on a busy host can come after the child's own exec record; such a late fork record is
// recognised (same parent, child first seen at or after the fork began, no fork seen for it yet)
// and joins the entity the child already has instead of starting a new one.

import { makeEntityId, type ProcessParent } from '../../src/model/index.js';

export interface ProcessImage {
  pid: number;
  entityId: string;
  /** When the current image started (the exec, or the fork for a child that has not exec'd). */
  startMs: number;
  /** When this process was first known: its fork, or the first record that showed it. */
  birthMs: number;
  /** Whether the fork that created this process has been seen. */
  forkSeen: boolean;
  ppid?: number;
  name?: string;
  executable?: string;
  args?: string[];
  commandLine?: string;
  workingDirectory?: string;
}

export interface ProcessTable {
  /** A new image in pid (exec): the same entity as before the exec, unless the pid now belongs to another process (another parent). */
  exec(pid: number, ppid: number | undefined, startMs: number, image: ExecImage): ProcessImage;
  /** A new process (fork/clone): a new entity that runs the parent's image until it execs (or the entity the child already has, when its fork record comes late). */
  fork(parentPid: number, childPid: number, startMs: number): ProcessImage;
  get(pid: number): ProcessImage | undefined;
  /** ECS process.parent of a process whose parent pid is known. */
  parentOf(ppid: number | undefined): ProcessParent | undefined;
}

export type ExecImage = Omit<ProcessImage, 'pid' | 'entityId' | 'startMs' | 'ppid' | 'birthMs' | 'forkSeen'>;

const IMAGE_KEYS = ['name', 'executable', 'args', 'commandLine', 'workingDirectory'] as const;

export function createProcessTable(hostId: string): ProcessTable {
  const byPid = new Map<number, ProcessImage>();
  return {
    exec(pid, ppid, startMs, image) {
      const known = byPid.get(pid);
      // The same process execs again, or a process seen first now: another parent means the pid
      // was reused by a process whose fork this table did not see.
      const same = known !== undefined && (ppid === undefined || known.ppid === undefined || known.ppid === ppid);
      const p: ProcessImage = same
        ? { ...image, pid, startMs, entityId: known.entityId, birthMs: known.birthMs, forkSeen: known.forkSeen }
        : { ...image, pid, startMs, entityId: makeEntityId(hostId, pid, startMs), birthMs: startMs, forkSeen: false };
      const parentPid = ppid ?? known?.ppid;
      if (parentPid !== undefined) p.ppid = parentPid;
      byPid.set(pid, p);
      return p;
    },
    fork(parentPid, childPid, startMs) {
      const parent = byPid.get(parentPid);
      const known = byPid.get(childPid);
      // The fork's record comes after the child's own (exec) records: the same process.
      const late = known !== undefined && !known.forkSeen && known.ppid === parentPid && known.birthMs >= startMs;
      const entityId = late ? known.entityId : makeEntityId(hostId, childPid, startMs);
      const p: ProcessImage = { pid: childPid, ppid: parentPid, startMs, entityId, birthMs: startMs, forkSeen: true };
      if (parent) {
        for (const k of IMAGE_KEYS) {
          const v = parent[k];
          if (v !== undefined) (p as unknown as Record<string, unknown>)[k] = v;
        }
      }
      if (late) {
        // Keep the image the child already exec'd; the fork event itself shows the parent's image.
        known.forkSeen = true;
        known.birthMs = startMs;
        return p;
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
