// eslogger JSON lines (es_message_t serialised) → TelemetryEvent. Shared by the live collector and
// the `eslogger` importer so a live run and an imported capture give identical events and ids.
//
// process.entity_id = makeEntityId(hostId, pid, pidversion): the kernel bumps pidversion on every
// exec and fork, so pid + pidversion names one process image, as Elastic's entity ids do.

import { makeEntityId } from '../../src/model/index.js';
import type { ProcessFields, ProcessParent, TelemetryEvent } from '../../src/model/index.js';
import { baseName, isRecord, joinCommandLine, makeEventId, pruneUndefined, toInt, toIsoMicros } from '../importers/fields.js';
import type { LineResult } from '../importers/import-stats.js';
import { parseJsonObject } from '../importers/import-stats.js';
import { readAuditToken, type AuditToken } from './audit-token.js';
import { isCryptoLibrary } from './crypto-libraries.js';

export const ESLOGGER_DATASET = 'eslogger';

/** es_event_type_t values of the events we map (EndpointSecurity ESTypes.h). */
export const ES_EVENT_TYPE = { NOTIFY_EXEC: 9, NOTIFY_FORK: 11, NOTIFY_EXIT: 15, NOTIFY_MMAP: 20 } as const;

export interface EsloggerParserOptions {
  hostId: string;
  hostName?: string;
  /** Keep event.exec.env (off by default: environments carry tokens and passwords). */
  keepEnv?: boolean;
  /** Map mmap of crypto libraries to `library` `load` events (default true). */
  libraryLoads?: boolean;
  /** Bound on remembered processes (for parent names and fork argv). */
  maxRemembered?: number;
}

export interface EsloggerParser {
  parse(line: string): LineResult;
  /** Messages eslogger dropped, from gaps in global_seq_num. */
  lostRecords(): number;
}

interface Remembered {
  pid: number;
  name?: string;
  executable?: string;
  args?: string[];
  command_line?: string;
}

interface ProcInfo {
  token: AuditToken;
  entityId: string;
  executable?: string;
  ppid?: number;
  parentToken?: AuditToken;
  groupId?: number;
  startTime?: string;
  signingId?: string;
  teamId?: string;
  platformBinary?: boolean;
  cdhash?: string;
}

export function createEsloggerParser(opts: EsloggerParserOptions): EsloggerParser {
  const libraryLoads = opts.libraryLoads ?? true;
  const maxRemembered = opts.maxRemembered ?? 100_000;
  const remembered = new Map<string, Remembered>();
  const latestByPid = new Map<number, string>();
  let lastGlobalSeq: number | undefined;
  let lost = 0;

  function remember(entityId: string, r: Remembered): void {
    remembered.delete(entityId);
    remembered.set(entityId, r);
    latestByPid.set(r.pid, entityId);
    if (remembered.size > maxRemembered) {
      const oldest = remembered.keys().next().value;
      if (oldest !== undefined) remembered.delete(oldest);
    }
  }

  function entityFor(token: AuditToken, startTime: string | undefined): string {
    if (token.pidversion !== undefined) return makeEntityId(opts.hostId, token.pid, token.pidversion);
    // Without pidversion (never seen in practice, but not API) the start time is the next best.
    const ms = startTime ? Date.parse(startTime) : NaN;
    return makeEntityId(opts.hostId, token.pid, Number.isNaN(ms) ? 0 : ms);
  }

  function readProcess(p: unknown): ProcInfo | undefined {
    if (!isRecord(p)) return undefined;
    const token = readAuditToken(p.audit_token);
    if (!token) return undefined;
    const startTime = toIsoMicros(p.start_time);
    const exe = isRecord(p.executable) && typeof p.executable.path === 'string' ? p.executable.path : undefined;
    const info: ProcInfo = { token, entityId: entityFor(token, startTime) };
    if (exe) info.executable = exe;
    const ppid = toInt(p.ppid);
    if (ppid !== undefined) info.ppid = ppid;
    const parentToken = readAuditToken(p.parent_audit_token);
    if (parentToken) info.parentToken = parentToken;
    const gid = toInt(p.group_id);
    if (gid !== undefined) info.groupId = gid;
    if (startTime) info.startTime = startTime;
    if (typeof p.signing_id === 'string' && p.signing_id) info.signingId = p.signing_id;
    if (typeof p.team_id === 'string' && p.team_id) info.teamId = p.team_id;
    if (typeof p.is_platform_binary === 'boolean') info.platformBinary = p.is_platform_binary;
    if (typeof p.cdhash === 'string' && p.cdhash) info.cdhash = p.cdhash;
    return info;
  }

  function parentOf(info: ProcInfo): ProcessParent | undefined {
    let entityId: string | undefined;
    let pid: number | undefined;
    if (info.parentToken) {
      pid = info.parentToken.pid;
      entityId = entityFor(info.parentToken, undefined);
    } else if (info.ppid !== undefined) {
      pid = info.ppid;
      entityId = latestByPid.get(info.ppid);
    }
    if (pid === undefined) return undefined;
    const known = entityId ? remembered.get(entityId) : undefined;
    return pruneUndefined({
      pid,
      entity_id: entityId,
      name: known?.name,
      executable: known?.executable,
      command_line: known?.command_line,
      args: known?.args,
    });
  }

  function baseProcess(info: ProcInfo): ProcessFields {
    const groupEntity = info.groupId !== undefined ? latestByPid.get(info.groupId) : undefined;
    return pruneUndefined({
      pid: info.token.pid,
      entity_id: info.entityId,
      name: info.executable ? baseName(info.executable) : undefined,
      executable: info.executable,
      start: info.startTime,
      parent: parentOf(info),
      group_leader: info.groupId !== undefined ? { pid: info.groupId, entity_id: groupEntity } : undefined,
      code_signature:
        info.signingId || info.teamId || info.platformBinary !== undefined
          ? { signing_id: info.signingId, team_id: info.teamId, platform_binary: info.platformBinary }
          : undefined,
    });
  }

  function userOf(t: AuditToken): TelemetryEvent['user'] {
    if (t.ruid === undefined && t.euid === undefined) return undefined;
    return pruneUndefined({
      id: t.ruid !== undefined ? String(t.ruid) : undefined,
      effective: t.euid !== undefined ? { id: String(t.euid) } : undefined,
    });
  }

  return {
    lostRecords: () => lost,

    parse(line: string): LineResult {
      const parsed = parseJsonObject(line);
      if (!parsed.ok) return { kind: 'malformed', message: parsed.message };
      const msg = parsed.value;
      const ev = msg.event;
      if (!isRecord(ev)) return { kind: 'malformed', message: 'no "event" object: not an eslogger message' };
      const timestamp = toIsoMicros(msg.time);
      if (!timestamp) return { kind: 'malformed', message: 'missing or unparseable "time"' };
      const actor = readProcess(msg.process);
      if (!actor) return { kind: 'malformed', message: 'missing "process" or its audit_token' };

      const globalSeq = toInt(msg.global_seq_num);
      if (globalSeq !== undefined) {
        if (lastGlobalSeq !== undefined && globalSeq > lastGlobalSeq + 1) lost += globalSeq - lastGlobalSeq - 1;
        lastGlobalSeq = globalSeq;
      }
      const eventType = toInt(msg.event_type);
      const hostName = opts.hostName ?? (isRecord(msg.host) ? (msg.host.hostname ?? msg.host.name) : undefined);
      const id = makeEventId(ESLOGGER_DATASET, opts.hostId, String(msg.time), toInt(msg.mach_time), globalSeq, eventType, actor.token.pid);
      const source = pruneUndefined({
        schema_version: toInt(msg.schema_version),
        version: toInt(msg.version),
        event_type: eventType,
        seq_num: toInt(msg.seq_num),
        global_seq_num: globalSeq,
      });
      const common = (category: TelemetryEvent['event']['category'], type: string, action: string): TelemetryEvent =>
        pruneUndefined({
          '@timestamp': timestamp,
          event: { id, kind: 'event' as const, category, type, action, dataset: ESLOGGER_DATASET, sequence: globalSeq },
          host: { name: typeof hostName === 'string' ? hostName : undefined, id: opts.hostId, os: { type: 'macos' as const } },
        });

      if (isRecord(ev.exec)) {
        const exec = ev.exec;
        const target = readProcess(exec.target);
        if (!target) return { kind: 'malformed', message: 'exec without "target" audit_token' };
        const args = Array.isArray(exec.args) ? exec.args.filter((a): a is string => typeof a === 'string') : [];
        const cwd = isRecord(exec.cwd) && typeof exec.cwd.path === 'string' ? exec.cwd.path : undefined;
        // The exec's image is event.exec.target; msg.process is the same pid before the exec.
        const process: ProcessFields = { ...baseProcess(target), start: timestamp };
        if (args.length) {
          process.args = args;
          process.command_line = joinCommandLine(args);
        }
        process.args_count = toInt(exec.argc) ?? args.length;
        if (cwd) process.working_directory = cwd;
        const out = common('process', 'start', 'exec');
        out.process = process;
        const user = userOf(target.token);
        if (user) out.user = user;
        const env = Array.isArray(exec.env) ? exec.env.filter((x): x is string => typeof x === 'string') : undefined;
        out.eslogger = pruneUndefined({
          ...source,
          previous_executable: actor.executable,
          script: isRecord(exec.script) && typeof exec.script.path === 'string' ? exec.script.path : undefined,
          cdhash: target.cdhash,
          env: opts.keepEnv ? env : undefined,
        });
        remember(target.entityId, pruneUndefined({ pid: target.token.pid, name: process.name, executable: process.executable, args: process.args, command_line: process.command_line }));
        return { kind: 'events', events: [out] };
      }

      if (isRecord(ev.fork)) {
        const child = readProcess(ev.fork.child);
        if (!child) return { kind: 'malformed', message: 'fork without "child" audit_token' };
        // The forking process is the child's parent even when the child record lacks parent_audit_token.
        if (!child.parentToken) child.parentToken = actor.token;
        const process = baseProcess(child);
        if (!process.start) process.start = timestamp;
        const parentKnown = remembered.get(actor.entityId);
        if (parentKnown?.args) {
          process.args = parentKnown.args;
          process.args_count = parentKnown.args.length;
        }
        if (parentKnown?.command_line) process.command_line = parentKnown.command_line;
        if (process.parent && !process.parent.executable && actor.executable) {
          process.parent.executable = actor.executable;
          process.parent.name = baseName(actor.executable);
        }
        const out = common('process', 'start', 'fork');
        out.process = process;
        const user = userOf(child.token);
        if (user) out.user = user;
        out.eslogger = source;
        remember(child.entityId, pruneUndefined({ pid: child.token.pid, name: process.name, executable: process.executable, args: process.args, command_line: process.command_line }));
        return { kind: 'events', events: [out] };
      }

      if (isRecord(ev.exit)) {
        const process = baseProcess(actor);
        const known = remembered.get(actor.entityId);
        if (known?.args) {
          process.args = known.args;
          process.args_count = known.args.length;
        }
        if (known?.command_line) process.command_line = known.command_line;
        const out = common('process', 'end', 'exit');
        out.process = process;
        const user = userOf(actor.token);
        if (user) out.user = user;
        out.eslogger = pruneUndefined({ ...source, exit_stat: toInt(ev.exit.stat) });
        return { kind: 'events', events: [out] };
      }

      if (isRecord(ev.mmap)) {
        if (!libraryLoads) return { kind: 'skipped' };
        const src = ev.mmap.source;
        const path = isRecord(src) && typeof src.path === 'string' ? src.path : undefined;
        if (!path) return { kind: 'malformed', message: 'mmap without "source.path"' };
        if (!isCryptoLibrary(path)) return { kind: 'skipped' };
        const process = baseProcess(actor);
        const known = remembered.get(actor.entityId);
        if (known?.command_line) process.command_line = known.command_line;
        if (known?.args) {
          process.args = known.args;
          process.args_count = known.args.length;
        }
        const out = common('library', 'start', 'load');
        out.process = process;
        out.dll = { path, name: baseName(path) };
        const user = userOf(actor.token);
        if (user) out.user = user;
        out.eslogger = source;
        return { kind: 'events', events: [out] };
      }

      return { kind: 'skipped' };
    },
  };
}
