// Turns one grouped audit event (SYSCALL + EXECVE/CWD/PATH/SOCKADDR/PROCTITLE) into ECS events:
// exec → process start, fork/vfork/clone/clone3 → process start (action fork), connect to an
// inet/inet6 address → network connection, open of a crypto library → library load.
// Stateful only through the process table (pid → latest image), so events stay attributable.

import type { TelemetryEvent } from '../../src/model/index.js';
import { baseName, joinCommandLine } from '../importers/fields.js';
import { isLinuxCryptoLibrary } from './crypto-libraries.js';
import { decodeExecveArgs, decodeProctitle, decodeSockaddr, decodeValue } from './decode.js';
import type { AuditEventGroup } from './group.js';
import { createProcessTable, isoFromMs, type ExecImage, type ProcessImage, type ProcessTable } from './process-table.js';
import { fieldInt, fieldText, type AuditRecord } from './record.js';
import { resolveSyscallName, syscallKind } from './syscalls.js';

export const AUDIT_DATASET = 'linux-audit';

const EINPROGRESS = -115;
/** Threads are not processes: clone() with CLONE_THREAD makes a task of the same process. */
const CLONE_THREAD = 0x10000;

export interface AuditNormalizerOptions {
  hostId: string;
  hostName?: string;
  dataset?: string;
  /** Only events whose SYSCALL record carries one of these keys (the collector's run key). */
  keys?: string[];
}

export type NormalizeResult = { kind: 'events'; events: TelemetryEvent[] } | { kind: 'skipped'; why: string };

export interface AuditNormalizer {
  normalize(group: AuditEventGroup): NormalizeResult;
  table: ProcessTable;
}

/**
 * One record's key/values as written (quotes removed, hex left as auditd wrote it), plus `type` and,
 * in ENRICHED logs, the translated UPPERCASE fields after the 0x1D separator.
 */
export function rawRecord(r: AuditRecord): Record<string, string> {
  const out: Record<string, string> = { type: r.type };
  for (const [k, v] of r.fields) if (k !== 'type') out[k] = v.value;
  for (const [k, v] of r.enriched) if (!(k in out)) out[k] = v;
  return out;
}

export function createAuditNormalizer(opts: AuditNormalizerOptions): AuditNormalizer {
  const table = createProcessTable(opts.hostId);
  const dataset = opts.dataset ?? AUDIT_DATASET;
  const keys = opts.keys ? new Set(opts.keys) : undefined;

  const base = (g: AuditEventGroup, sc: AuditRecord, n: number, category: TelemetryEvent['event']['category'], type: string, action: string): TelemetryEvent => {
    const e: TelemetryEvent = {
      '@timestamp': isoFromMs(g.timeMs),
      event: { id: `audit-${opts.hostId.slice(0, 12)}-${g.time}-${g.serial}-${n}`, kind: 'event', category, type, action, dataset, sequence: g.serial },
      host: { id: opts.hostId, os: { type: 'linux' } },
    };
    const hostName = g.node ?? opts.hostName;
    if (hostName !== undefined) e.host!.name = hostName;
    const uid = fieldText(sc, 'uid');
    if (uid !== undefined) {
      e.user = { id: uid };
      const uname = sc.enriched.get('UID');
      if (uname !== undefined) e.user.name = uname;
      const euid = fieldText(sc, 'euid');
      if (euid !== undefined && euid !== uid) {
        e.user.effective = { id: euid };
        const ename = sc.enriched.get('EUID');
        if (ename !== undefined) e.user.effective.name = ename;
      }
    }
    const auid = fieldText(sc, 'auid');
    const audit: Record<string, unknown> = { serial: g.serial, syscall: sc.enriched.get('SYSCALL') ?? fieldText(sc, 'syscall'), exit: fieldInt(sc, 'exit') };
    if (auid !== undefined && auid !== '4294967295') audit.auid = auid;
    const key = fieldText(sc, 'key');
    if (key !== undefined) audit.key = key;
    // The event's records as auditd wrote them (not ECS): Sigma `service: auditd` rules match them
    // record by record, with auditd's own keys (type, syscall, exe, a0, …); docs/detector-sigma.md.
    audit.records = g.records.map(rawRecord);
    e.auditd = audit;
    return e;
  };

  const processFields = (img: ProcessImage | undefined, pid: number, sc: AuditRecord, proctitle: string[] | undefined): NonNullable<TelemetryEvent['process']> => {
    const exe = fieldText(sc, 'exe');
    const p: NonNullable<TelemetryEvent['process']> = { pid };
    if (img) p.entity_id = img.entityId;
    const executable = exe ?? img?.executable;
    if (executable !== undefined) {
      p.executable = executable;
      p.name = baseName(executable);
    } else {
      const comm = fieldText(sc, 'comm');
      if (comm !== undefined) p.name = comm;
    }
    const args = img?.args ?? proctitle;
    if (args && args.length) {
      p.args = args;
      p.args_count = args.length;
      p.command_line = img?.commandLine ?? joinCommandLine(args);
    }
    if (img?.workingDirectory !== undefined) p.working_directory = img.workingDirectory;
    if (img) p.start = isoFromMs(img.startMs);
    const parent = table.parentOf(fieldInt(sc, 'ppid') ?? img?.ppid);
    if (parent) p.parent = parent;
    return p;
  };

  return {
    table,
    normalize(g) {
      const sc = g.records.find((r) => r.type === 'SYSCALL');
      if (!sc) return { kind: 'skipped', why: `no SYSCALL record (${g.records[0]?.type ?? 'empty'})` };
      if (keys) {
        const key = fieldText(sc, 'key');
        if (key === undefined || !keys.has(key)) return { kind: 'skipped', why: 'other audit key' };
      }
      const name = resolveSyscallName(fieldText(sc, 'arch'), fieldText(sc, 'syscall'), sc.enriched.get('SYSCALL'));
      const kind = syscallKind(name);
      if (!kind) return { kind: 'skipped', why: `syscall ${name ?? fieldText(sc, 'syscall') ?? '?'} not normalised` };
      const pid = fieldInt(sc, 'pid');
      if (pid === undefined) return { kind: 'skipped', why: 'SYSCALL without pid' };
      const success = fieldText(sc, 'success') === 'yes';
      const exit = fieldInt(sc, 'exit');
      const ppid = fieldInt(sc, 'ppid');
      const pt = g.records.find((r) => r.type === 'PROCTITLE');
      const ptv = pt?.fields.get('proctitle');
      const proctitle = ptv ? decodeProctitle(ptv) : undefined;

      if (kind === 'exec') {
        // execvp() tries each PATH entry; only the exec that worked started a process.
        if (!success) return { kind: 'skipped', why: 'failed exec' };
        const execve = g.records.filter((r) => r.type === 'EXECVE');
        const decoded = execve.length ? decodeExecveArgs(execve) : undefined;
        const args = decoded && decoded.args.length ? decoded.args : (proctitle ?? []);
        const cwdRec = g.records.find((r) => r.type === 'CWD');
        const cwdVal = cwdRec?.fields.get('cwd');
        const exe = fieldText(sc, 'exe');
        const image: ExecImage = { args, commandLine: joinCommandLine(args) };
        if (exe !== undefined) {
          image.executable = exe;
          image.name = baseName(exe);
        } else if (args[0] !== undefined) image.name = baseName(args[0]);
        if (cwdVal) image.workingDirectory = decodeValue(cwdVal);
        const img = table.exec(pid, ppid, g.timeMs, image);
        const e = base(g, sc, 0, 'process', 'start', 'exec');
        e.process = processFields(img, pid, sc, proctitle);
        if (decoded?.missing) (e.auditd as Record<string, unknown>).args_missing = decoded.missing;
        return { kind: 'events', events: [e] };
      }

      if (kind === 'fork') {
        if (!success || exit === undefined || exit <= 0) return { kind: 'skipped', why: 'failed fork' };
        if (name === 'clone') {
          const flags = fieldText(sc, 'a0');
          if (flags !== undefined && (parseInt(flags, 16) & CLONE_THREAD) !== 0) return { kind: 'skipped', why: 'thread' };
        }
        const img = table.fork(pid, exit, g.timeMs);
        const e = base(g, sc, 0, 'process', 'start', 'fork');
        const p = processFields(img, exit, sc, proctitle);
        // The SYSCALL record is the parent's: its ppid is the grandparent.
        p.parent = table.parentOf(pid) ?? { pid };
        e.process = p;
        return { kind: 'events', events: [e] };
      }

      if (kind === 'connect') {
        const sa = g.records.find((r) => r.type === 'SOCKADDR');
        const hex = sa ? fieldText(sa, 'saddr') : undefined;
        const addr = hex ? decodeSockaddr(hex) : undefined;
        if (!addr) return { kind: 'skipped', why: 'connect without a readable SOCKADDR' };
        if (addr.family !== 'inet' && addr.family !== 'inet6') return { kind: 'skipped', why: `connect to ${addr.family} socket` };
        // A non-blocking connect returns EINPROGRESS: the attempt is on the wire, its result unknown.
        const outcome = success && exit === 0 ? 'success' : exit === EINPROGRESS ? 'unknown' : 'failure';
        const e = base(g, sc, 0, 'network', 'connection', 'connect');
        e.event.outcome = outcome;
        e.process = processFields(table.get(pid), pid, sc, proctitle);
        e.destination = { ip: addr.ip, port: addr.port };
        e.network = { direction: 'egress', type: addr.family === 'inet' ? 'ipv4' : 'ipv6' };
        if (exit === EINPROGRESS) e.network.transport = 'tcp'; // only stream sockets report EINPROGRESS
        return { kind: 'events', events: [e] };
      }

      // open/openat/openat2 of a watched file: crypto library loads.
      if (!success) return { kind: 'skipped', why: 'failed open' };
      const cwdRec = g.records.find((r) => r.type === 'CWD');
      const cwd = cwdRec?.fields.get('cwd') ? decodeValue(cwdRec.fields.get('cwd')!) : undefined;
      const events: TelemetryEvent[] = [];
      for (const r of g.records) {
        if (r.type !== 'PATH') continue;
        const nv = r.fields.get('name');
        if (!nv) continue;
        const nt = fieldText(r, 'nametype');
        if (nt !== undefined && nt !== 'NORMAL') continue;
        let path = decodeValue(nv);
        if (!path.startsWith('/') && cwd) path = `${cwd.replace(/\/$/, '')}/${path}`;
        if (!isLinuxCryptoLibrary(path)) continue;
        const e = base(g, sc, events.length, 'library', 'start', 'load');
        e.process = processFields(table.get(pid), pid, sc, proctitle);
        e.dll = { path, name: baseName(path) };
        e.file = { path, name: baseName(path) };
        events.push(e);
      }
      return events.length ? { kind: 'events', events } : { kind: 'skipped', why: 'open of a file that is not a crypto library' };
    },
  };
}
