// Polls /proc for new processes (and re-execs of the ones it follows), their outbound TCP
// connections (/proc/net/tcp{,6} socket inodes matched to /proc/<pid>/fd) and crypto libraries in
// their memory maps. Needs nothing installed; anything shorter than a poll interval can be missed.

import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { makeEntityId, type TelemetryEvent } from '../../src/model/index.js';
import { baseName, joinCommandLine } from '../importers/fields.js';
import { isLinuxCryptoLibrary } from '../linux-audit/crypto-libraries.js';
import { isoFromMs } from '../linux-audit/process-table.js';
import { parseBootTime, parseCmdline, parseMapsPaths, parseProcNetTcp, parseProcStat, parseStatusUids } from './parse.js';

export const PROCFS_DATASET = 'procfs';
/** USER_HZ: the unit of /proc/<pid>/stat start times; 100 on every mainstream Linux arch. */
const CLK_TCK = 100;

interface Proc {
  pid: number;
  ppid: number;
  startTicks: number;
  entityId: string;
  startMs: number;
  exe?: string;
  args: string[];
  cwd?: string;
  uid?: string;
  /** Descends from the harness (or was orphaned after the poller started): fds and maps are read. */
  followed: boolean;
  libs: Set<string>;
  alive: boolean;
}

export interface ProcfsPollerOptions {
  hostId: string;
  hostName?: string;
  /** The process whose descendants are followed (the harness itself). */
  rootPid: number;
  procRoot?: string;
  now?: () => number;
}

export interface ProcfsPoller {
  /** Records what already runs, so only new processes become events. */
  baseline(): void;
  poll(): void;
  events(): TelemetryEvent[];
  stats(): { polls: number; processes_seen: number; read_errors: number };
}

export function createProcfsPoller(opts: ProcfsPollerOptions): ProcfsPoller {
  const root = opts.procRoot ?? '/proc';
  const now = opts.now ?? Date.now;
  const procs = new Map<number, Proc>();
  const seenSockets = new Set<number>();
  const out: TelemetryEvent[] = [];
  const users = readUsers();
  let bootMs = 0;
  let polls = 0;
  let readErrors = 0;
  let n = 0;
  let baselineDone = false;

  const read = (p: string): string | undefined => {
    try {
      return readFileSync(p, 'utf8');
    } catch {
      return undefined;
    }
  };
  const link = (p: string): string | undefined => {
    try {
      return readlinkSync(p);
    } catch {
      return undefined;
    }
  };

  const event = (ts: number, category: TelemetryEvent['event']['category'], type: string, action: string, p: Proc): TelemetryEvent => {
    const e: TelemetryEvent = {
      '@timestamp': isoFromMs(ts),
      event: { id: `procfs-${opts.hostId.slice(0, 12)}-${n}`, kind: 'event', category, type, action, dataset: PROCFS_DATASET, sequence: n },
      host: { id: opts.hostId, os: { type: 'linux' } },
      process: processFields(p),
    };
    n++;
    if (opts.hostName !== undefined) e.host!.name = opts.hostName;
    if (p.uid !== undefined) {
      e.user = { id: p.uid };
      const name = users.get(p.uid);
      if (name !== undefined) e.user.name = name;
    }
    return e;
  };
  const processFields = (p: Proc): NonNullable<TelemetryEvent['process']> => {
    const f: NonNullable<TelemetryEvent['process']> = { pid: p.pid, entity_id: p.entityId, start: isoFromMs(p.startMs) };
    if (p.exe !== undefined) {
      f.executable = p.exe;
      f.name = baseName(p.exe);
    }
    if (p.args.length) {
      f.args = p.args;
      f.args_count = p.args.length;
      f.command_line = joinCommandLine(p.args);
    }
    if (p.cwd !== undefined) f.working_directory = p.cwd;
    const parent = procs.get(p.ppid);
    f.parent = { pid: p.ppid };
    if (parent) {
      f.parent.entity_id = parent.entityId;
      if (parent.exe !== undefined) {
        f.parent.executable = parent.exe;
        f.parent.name = baseName(parent.exe);
      }
      if (parent.args.length) f.parent.command_line = joinCommandLine(parent.args);
    }
    return f;
  };

  const listPids = (): number[] => {
    try {
      return readdirSync(root)
        .filter((d) => /^\d+$/.test(d))
        .map(Number);
    } catch {
      readErrors++;
      return [];
    }
  };

  const observe = (pid: number, emit: boolean): void => {
    const statText = read(`${root}/${pid}/stat`);
    const st = statText ? parseProcStat(statText) : undefined;
    if (!st) return; // exited between readdir and read
    const known = procs.get(pid);
    if (known && known.startTicks === st.startTicks) {
      known.alive = true;
      if (known.followed) checkExec(known);
      return;
    }
    const startMs = bootMs + (st.startTicks * 1000) / CLK_TCK;
    const parent = procs.get(st.ppid);
    const p: Proc = {
      pid,
      ppid: st.ppid,
      startTicks: st.startTicks,
      startMs,
      entityId: makeEntityId(opts.hostId, pid, startMs),
      args: parseCmdline(read(`${root}/${pid}/cmdline`) ?? ''),
      followed: pid === opts.rootPid || (parent?.followed ?? false) || (emit && st.ppid === 1),
      libs: new Set(),
      alive: true,
    };
    const exe = link(`${root}/${pid}/exe`);
    if (exe !== undefined) p.exe = exe;
    const cwd = link(`${root}/${pid}/cwd`);
    if (cwd !== undefined) p.cwd = cwd;
    const uids = parseStatusUids(read(`${root}/${pid}/status`) ?? '');
    if (uids) p.uid = uids.uid;
    procs.set(pid, p);
    if (!emit) return;
    // Seen before its exec: a fork still running the parent's image.
    const isFork = parent !== undefined && parent.exe === p.exe && parent.args.join('\0') === p.args.join('\0');
    out.push(event(startMs, 'process', 'start', isFork ? 'fork' : 'exec', p));
    if (p.followed) checkLibraries(p);
  };

  const checkExec = (p: Proc): void => {
    const exe = link(`${root}/${p.pid}/exe`);
    const args = parseCmdline(read(`${root}/${p.pid}/cmdline`) ?? '');
    if (exe === undefined || (exe === p.exe && args.join('\0') === p.args.join('\0'))) {
      checkLibraries(p);
      return;
    }
    if (!args.length) return; // zombie: cmdline is gone, not an exec
    const t = now();
    p.exe = exe;
    p.args = args;
    p.startMs = t;
    // One process keeps its entity id across exec (its id comes from its start time in /proc).
    p.libs = new Set();
    out.push(event(t, 'process', 'start', 'exec', p));
    checkLibraries(p);
  };

  const checkLibraries = (p: Proc): void => {
    const maps = read(`${root}/${p.pid}/maps`);
    if (!maps) return;
    for (const path of parseMapsPaths(maps)) {
      if (p.libs.has(path) || !isLinuxCryptoLibrary(path)) continue;
      p.libs.add(path);
      const e = event(now(), 'library', 'start', 'load', p);
      e.dll = { path, name: baseName(path) };
      e.file = { path, name: baseName(path) };
      out.push(e);
    }
  };

  const checkSockets = (): void => {
    const entries = [...parseProcNetTcp(read(`${root}/net/tcp`) ?? ''), ...parseProcNetTcp(read(`${root}/net/tcp6`) ?? '')];
    const listening = new Set(entries.filter((e) => e.state === '0A').map((e) => e.localPort));
    const fresh = entries.filter((e) => (e.state === '01' || e.state === '02') && e.inode !== 0 && !seenSockets.has(e.inode));
    if (!fresh.length) return;
    const owner = new Map<number, Proc>();
    for (const p of procs.values()) {
      if (!p.followed || !p.alive) continue;
      let fds: string[];
      try {
        fds = readdirSync(`${root}/${p.pid}/fd`);
      } catch {
        continue;
      }
      for (const fd of fds) {
        const m = /^socket:\[(\d+)\]$/.exec(link(`${root}/${p.pid}/fd/${fd}`) ?? '');
        if (m) owner.set(Number(m[1]), p);
      }
    }
    const t = now();
    for (const s of fresh) {
      seenSockets.add(s.inode);
      const p = owner.get(s.inode);
      if (!p || listening.has(s.localPort)) continue; // not ours, or the server side of an accept
      const e = event(t, 'network', 'connection', 'connect', p);
      e.event.outcome = s.state === '01' ? 'success' : 'unknown';
      e.destination = { ip: s.remoteIp, port: s.remotePort };
      e.source = { ip: s.localIp, port: s.localPort };
      e.network = { direction: 'egress', transport: 'tcp', type: s.remoteIp.includes(':') ? 'ipv6' : 'ipv4' };
      out.push(e);
    }
  };

  return {
    baseline() {
      bootMs = (parseBootTime(read(`${root}/stat`) ?? '') ?? 0) * 1000;
      for (const pid of listPids()) observe(pid, false);
      for (const s of [...parseProcNetTcp(read(`${root}/net/tcp`) ?? ''), ...parseProcNetTcp(read(`${root}/net/tcp6`) ?? '')]) seenSockets.add(s.inode);
      baselineDone = true;
    },
    poll() {
      if (!baselineDone) this.baseline();
      polls++;
      for (const p of procs.values()) p.alive = false;
      // Parents before children, so a child knows whether its parent is followed.
      for (const pid of listPids().sort((a, b) => a - b)) observe(pid, true);
      for (const [pid, p] of procs) if (!p.alive && pid !== opts.rootPid) procs.delete(pid);
      checkSockets();
    },
    events: () => [...out],
    stats: () => ({ polls, processes_seen: procs.size, read_errors: readErrors }),
  };
}

function readUsers(): Map<string, string> {
  const m = new Map<string, string>();
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const f = line.split(':');
      if (f.length > 2 && f[0]) m.set(f[2]!, f[0]);
    }
  } catch {
    /* no names then */
  }
  return m;
}
