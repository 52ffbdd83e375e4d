// Process-tree enrichment, run on the event stream before the rules: remembers, per host, which
// process image each pid runs (from exec events) and fills on every later event what its source
// left out — the entity id (network and library events often carry only a pid), name, executable,
// command line, the parent's identity, the ancestry (nearest first) and the process's user. It only fills, never
// overwrites. Memory is bounded: exited processes are dropped after a grace period, and past a
// hard cap the least recently seen entries go first.

import { makeEntityId, type ProcessFields, type TelemetryEvent } from '../../model/index.js';

export interface ProcessTreeOptions {
  /** Most processes remembered across all hosts (default 200 000). */
  maxEntries?: number;
  /** How long an exited process stays resolvable, for late network or library events (default 5 min). */
  exitedTtlMs?: number;
  /** Longest ancestry filled in (default 32). */
  maxAncestry?: number;
  /**
   * Fill only these fields (dotted names, e.g. the fields the loaded rules read); default all.
   * Filling a field nobody reads only costs copies.
   */
  fields?: ReadonlySet<string> | null;
}

interface Entry {
  host: string;
  pid: number | undefined;
  entityId: string;
  name?: string;
  executable?: string;
  commandLine?: string;
  args?: string[];
  start?: string;
  ppid?: number;
  parentEntityId?: string;
  exitedAt?: number;
  lastSeen: number;
  userId?: string;
  userName?: string;
  /** Computed on first use; an entity's ancestors do not change. */
  ancestry?: string[] | undefined;
}

export interface ProcessTreeEnricher {
  /** Returns the event with missing process fields filled (a copy when anything was added). */
  enrich(event: TelemetryEvent, tsMs: number): TelemetryEvent;
  size(): number;
  evicted(): number;
}

const EXEC_ACTIONS = new Set(['exec', 'execve', 'start', 'fork', 'spawn', 'process_started', 'executed']);
const EXIT_ACTIONS = new Set(['exit', 'end', 'terminate', 'process_stopped']);

function hostKey(e: TelemetryEvent): string {
  return e.host?.id ?? e.host?.name ?? '';
}

export function createProcessTreeEnricher(opts: ProcessTreeOptions = {}): ProcessTreeEnricher {
  const maxEntries = opts.maxEntries ?? 200_000;
  const ttl = opts.exitedTtlMs ?? 5 * 60_000;
  const maxAncestry = opts.maxAncestry ?? 32;
  // host → pid → entry: no key strings to build on every lookup.
  const byPid = new Map<string, Map<number, Entry>>();
  const pidGet = (host: string, pid: number): Entry | undefined => byPid.get(host)?.get(pid);
  const pidSet = (host: string, pid: number, en: Entry): void => {
    let m = byPid.get(host);
    if (!m) byPid.set(host, (m = new Map()));
    m.set(pid, en);
  };
  const byEntity = new Map<string, Entry>();
  let evictedCount = 0;
  let lastSweep = -Infinity;
  const wanted = opts.fields ? [...opts.fields] : null;
  const want = (name: string): boolean => wanted === null || wanted.some((f) => f === name || name.startsWith(f + '.') || f.startsWith(name + '.'));
  const fill = {
    entity: want('process.entity_id'),
    name: want('process.name'),
    executable: want('process.executable'),
    commandLine: want('process.command_line'),
    args: want('process.args'),
    parentPid: want('process.parent.pid'),
    parentEntity: want('process.parent.entity_id'),
    parentName: want('process.parent.name'),
    parentExecutable: want('process.parent.executable'),
    parentCommandLine: want('process.parent.command_line'),
    ancestry: want('process.Ext.ancestry'),
    userId: want('user.id'),
    userName: want('user.name'),
  };
  const anyParent = fill.parentPid || fill.parentEntity || fill.parentName || fill.parentExecutable || fill.parentCommandLine;
  // An exited process resolves for `ttl` after its exit, whenever the sweep runs: lookups check it,
  // so what enrichment fills depends on event times only, not on how many events were seen.
  const alive = (en: Entry | undefined, now: number): Entry | undefined => (en && (en.exitedAt === undefined || now - en.exitedAt <= ttl) ? en : undefined);


  const remove = (en: Entry): void => {
    byEntity.delete(en.entityId);
    if (en.pid !== undefined) {
      const m = byPid.get(en.host);
      if (m && m.get(en.pid) === en) {
        m.delete(en.pid);
        if (m.size === 0) byPid.delete(en.host);
      }
    }
  };

  // Exits in the order they were marked, so a sweep visits only the expired ones. Events come in
  // time order; when one does not (a late event), the next sweep falls back to a full scan.
  let exits: Array<{ en: Entry; at: number }> = [];
  let exitsHead = 0;
  let exitsOrdered = true;
  const markExited = (en: Entry, now: number): void => {
    en.exitedAt = now;
    const last = exits[exits.length - 1];
    if (last && now < last.at) exitsOrdered = false;
    exits.push({ en, at: now });
  };

  const sweep = (now: number): void => {
    if (!exitsOrdered) {
      for (const en of byEntity.values()) {
        if (en.exitedAt !== undefined && now - en.exitedAt > ttl) {
          remove(en);
          evictedCount++;
        }
      }
      exits = [...byEntity.values()].filter((en) => en.exitedAt !== undefined).map((en) => ({ en, at: en.exitedAt! })).sort((a, b) => a.at - b.at);
      exitsHead = 0;
      exitsOrdered = true;
      return;
    }
    while (exitsHead < exits.length && now - exits[exitsHead]!.at > ttl) {
      const { en, at } = exits[exitsHead++]!;
      // Skip stale marks: exited again later, or already gone from the table.
      if (en.exitedAt === at && byEntity.get(en.entityId) === en) {
        remove(en);
        evictedCount++;
      }
    }
    if (exitsHead > 1024 && exitsHead * 2 > exits.length) {
      exits = exits.slice(exitsHead);
      exitsHead = 0;
    }
  };

  const enforceCap = (): void => {
    // byEntity is in insertion order; a touched entry is re-inserted, so the first is the stalest.
    while (byEntity.size > maxEntries) {
      const first = byEntity.values().next();
      if (first.done) break;
      remove(first.value);
      evictedCount++;
    }
  };

  const touch = (en: Entry, now: number): void => {
    // Re-inserting keeps byEntity in least-recently-seen order; once a second is precise enough.
    if (now - en.lastSeen < 1000 && byEntity.has(en.entityId)) return;
    en.lastSeen = now;
    byEntity.delete(en.entityId);
    byEntity.set(en.entityId, en);
  };

  const record = (e: TelemetryEvent, p: ProcessFields, now: number): Entry | undefined => {
    const host = hostKey(e);
    let entityId = p.entity_id;
    if (!entityId && p.pid !== undefined && p.start && e.host?.id) {
      const startMs = Date.parse(p.start);
      if (!Number.isNaN(startMs)) entityId = makeEntityId(e.host.id, p.pid, startMs);
    }
    if (!entityId) return undefined;
    const prev = byEntity.get(entityId);
    const en: Entry = prev ?? { host, pid: p.pid, entityId, lastSeen: now };
    if (p.pid !== undefined) en.pid = p.pid;
    if (p.name) en.name = p.name;
    if (p.executable) en.executable = p.executable;
    if (p.command_line) en.commandLine = p.command_line;
    if (p.args) en.args = p.args;
    if (p.start) en.start = p.start;
    if (e.user?.id) en.userId = e.user.id;
    if (e.user?.name) en.userName = e.user.name;
    const parent = p.parent;
    en.ancestry = undefined;
    if (parent?.pid !== undefined) en.ppid = parent.pid;
    const parentEntity = parent?.entity_id ?? (parent?.pid !== undefined ? alive(pidGet(host, parent.pid), now)?.entityId : undefined);
    if (parentEntity && parentEntity !== entityId) en.parentEntityId = parentEntity;
    if (en.pid !== undefined) {
      const old = pidGet(host, en.pid);
      // A new image in a pid: the old entity stays resolvable by entity id until it ages out.
      if (old && old !== en && old.exitedAt === undefined) markExited(old, now);
      pidSet(host, en.pid, en);
    }
    touch(en, now);
    return en;
  };

  const ancestryOf = (en: Entry, now: number): string[] => {
    if (en.ancestry) return en.ancestry;
    const ancestry: string[] = [];
    let cur: Entry | undefined = en;
    const guard = new Set<string>([en.entityId]);
    while (cur?.parentEntityId && ancestry.length < maxAncestry && !guard.has(cur.parentEntityId)) {
      ancestry.push(cur.parentEntityId);
      guard.add(cur.parentEntityId);
      cur = alive(byEntity.get(cur.parentEntityId), now);
    }
    // Cache only a complete chain: an ancestor seen later could still extend a partial one.
    if (!cur || !cur.parentEntityId || ancestry.length >= maxAncestry) en.ancestry = ancestry;
    return ancestry;
  };

  return {
    size: () => byEntity.size,
    evicted: () => evictedCount,
    enrich(e, now) {
      if (now - lastSweep >= 60_000) {
        lastSweep = now;
        sweep(now);
      }
      const p = e.process;
      if (!p) return e;
      const action = e.event?.action;
      const isExec = e.event?.category === 'process' && (EXEC_ACTIONS.has(action) || e.event?.type === 'start');
      let en: Entry | undefined;
      if (isExec) {
        en = record(e, p, now);
        enforceCap();
      } else if (p.entity_id) {
        en = alive(byEntity.get(p.entity_id), now);
      } else if (p.pid !== undefined) {
        en = alive(pidGet(hostKey(e), p.pid), now);
      }
      if (en && e.event?.category === 'process' && EXIT_ACTIONS.has(action)) markExited(en, now);
      if (!en) return e;
      if (!isExec) touch(en, now);

      // Fill only what is missing, on copies, so the caller's objects are never changed.
      let proc: ProcessFields | undefined;
      const out = (): ProcessFields => (proc ??= { ...p });
      if (!p.entity_id && fill.entity) out().entity_id = en.entityId;
      if (!p.name && en.name && fill.name) out().name = en.name;
      if (!p.executable && en.executable && fill.executable) out().executable = en.executable;
      if (!p.command_line && en.commandLine && fill.commandLine) out().command_line = en.commandLine;
      if (!p.args && en.args && fill.args) out().args = en.args;
      const par = p.parent;
      const needParent =
        anyParent &&
        (!par ||
          (par.pid === undefined && fill.parentPid) ||
          (!par.entity_id && fill.parentEntity) ||
          (!par.name && fill.parentName) ||
          (!par.executable && fill.parentExecutable) ||
          (!par.command_line && fill.parentCommandLine));
      if (needParent) {
        const parentEntry = alive(en.parentEntityId ? byEntity.get(en.parentEntityId) : en.ppid !== undefined ? pidGet(en.host, en.ppid) : undefined, now);
        const cur = par ?? {};
        let filled: ProcessFields['parent'] | undefined;
        const put = (k: 'pid' | 'entity_id' | 'name' | 'executable' | 'command_line', v: string | number | undefined): void => {
          if (v === undefined || v === '') return;
          if (!fill[({ pid: 'parentPid', entity_id: 'parentEntity', name: 'parentName', executable: 'parentExecutable', command_line: 'parentCommandLine' } as const)[k]]) return;
          filled ??= { ...cur };
          (filled as Record<string, unknown>)[k] = v;
        };
        if (cur.pid === undefined) put('pid', en.ppid ?? parentEntry?.pid);
        if (!cur.entity_id) put('entity_id', en.parentEntityId ?? parentEntry?.entityId);
        if (parentEntry) {
          if (!cur.name) put('name', parentEntry.name);
          if (!cur.executable) put('executable', parentEntry.executable);
          if (!cur.command_line) put('command_line', parentEntry.commandLine);
        }
        if (filled) out().parent = filled;
      }
      if (!p.Ext?.ancestry && fill.ancestry) {
        const ancestry = ancestryOf(en, now);
        if (ancestry.length) out().Ext = { ...(p.Ext ?? {}), ancestry };
      }
      // The process's user, for sources that attribute a connection to a pid only (pktap, nettop).
      let user: TelemetryEvent['user'] | undefined;
      const u = e.user;
      // Only complete a user the source left out, or the same user (never mix two users).
      const sameUser = !u?.id || u.id === en.userId;
      if (sameUser && ((!u?.id && en.userId && fill.userId) || (!u?.name && en.userName && fill.userName))) {
        user = { ...(u ?? {}) };
        if (!user.id && en.userId && fill.userId) user.id = en.userId;
        if (!user.name && en.userName && fill.userName) user.name = en.userName;
      }
      if (!proc && !user) return e;
      const copy: TelemetryEvent = { ...e };
      if (proc) copy.process = proc;
      if (user) copy.user = user;
      return copy;
    },
  };
}
