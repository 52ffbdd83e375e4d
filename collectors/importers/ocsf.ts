// OCSF JSON lines: Process Activity (class_uid 1007: Launch, Terminate), Network Activity (4001:
// Open) and Module Activity (1005: Load) mapped to the ECS event. Other classes are skipped.

import type { Importer, ImportSession, OsType, ProcessFields, ProcessParent, TelemetryEvent } from '../../src/model/index.js';
import { baseName, isRecord, makeEventId, pruneUndefined, splitCommandLine, toInt, toIsoMicros, toStr } from './fields.js';
import { applyLineResult, createStatsKeeper, parseJsonObject, type LineResult } from './import-stats.js';

export const OCSF_CLASS = { MODULE_ACTIVITY: 1005, PROCESS_ACTIVITY: 1007, NETWORK_ACTIVITY: 4001 } as const;

function osType(device: Record<string, unknown> | undefined): OsType | undefined {
  const os = device && isRecord(device.os) ? device.os : undefined;
  if (!os) return undefined;
  const typeId = toInt(os.type_id);
  const name = `${toStr(os.type) ?? ''} ${toStr(os.name) ?? ''}`.toLowerCase();
  if (typeId === 300 || /mac ?os|darwin/.test(name)) return 'macos';
  if (typeId === 200 || /linux/.test(name)) return 'linux';
  return undefined;
}

function processOf(p: unknown): (ProcessFields & ProcessParent) | undefined {
  if (!isRecord(p)) return undefined;
  const file = isRecord(p.file) ? p.file : undefined;
  const executable = toStr(file?.path) ?? toStr(p.path);
  const cmd = toStr(p.cmd_line);
  const args = cmd !== undefined ? splitCommandLine(cmd) : undefined;
  return pruneUndefined({
    pid: toInt(p.pid),
    entity_id: toStr(p.uid),
    name: toStr(p.name) ?? (executable ? baseName(executable) : undefined),
    executable,
    command_line: cmd,
    args,
    args_count: args?.length,
    start: p.created_time !== undefined ? toIsoMicros(toInt(p.created_time)) : undefined,
    working_directory: toStr(p.working_directory),
  }) as ProcessFields & ProcessParent;
}

function userOf(u: unknown): TelemetryEvent['user'] {
  if (!isRecord(u)) return undefined;
  return pruneUndefined({ name: toStr(u.name), id: toStr(u.uid) });
}

export function mapOcsfLine(line: string): LineResult {
  const parsed = parseJsonObject(line);
  if (!parsed.ok) return { kind: 'malformed', message: parsed.message };
  const v = parsed.value;
  const cls = toInt(v.class_uid);
  if (cls === undefined) return { kind: 'malformed', message: 'no "class_uid": not OCSF' };
  const activity = toInt(v.activity_id);
  const timestamp = toIsoMicros(toInt(v.time) ?? v.time_dt);
  if (!timestamp) return { kind: 'malformed', message: 'missing or unparseable "time"' };
  const device = isRecord(v.device) ? v.device : undefined;
  const actor = isRecord(v.actor) ? v.actor : undefined;
  const meta = isRecord(v.metadata) ? v.metadata : undefined;
  const base = (category: TelemetryEvent['event']['category'], type: string, action: string): TelemetryEvent =>
    pruneUndefined({
      '@timestamp': timestamp,
      event: { id: toStr(meta?.uid) ?? makeEventId('ocsf', line), kind: 'event' as const, category, type, action, dataset: 'ocsf' },
      host: { name: toStr(device?.hostname) ?? toStr(device?.name), id: toStr(device?.uid), os: { type: osType(device) } },
    }) as TelemetryEvent;

  if (cls === OCSF_CLASS.PROCESS_ACTIVITY) {
    if (activity !== 1 && activity !== 2) return { kind: 'skipped' };
    const proc = processOf(v.process);
    if (!proc) return { kind: 'malformed', message: 'Process Activity without "process"' };
    // For a Launch, the actor's process is the parent that started it.
    const parent = processOf(isRecord(v.process) ? v.process.parent_process : undefined) ?? (activity === 1 ? processOf(actor?.process) : undefined);
    const e = base('process', activity === 1 ? 'start' : 'end', activity === 1 ? 'exec' : 'exit');
    e.process = pruneUndefined({ ...proc, parent: parent ? pruneUndefined({ pid: parent.pid, entity_id: parent.entity_id, name: parent.name, executable: parent.executable, command_line: parent.command_line }) : undefined });
    if (activity === 1 && !e.process.start) e.process.start = timestamp;
    const user = userOf(isRecord(v.process) ? v.process.user : undefined) ?? userOf(actor?.user);
    if (user) e.user = user;
    return { kind: 'events', events: [e] };
  }

  if (cls === OCSF_CLASS.NETWORK_ACTIVITY) {
    if (activity !== 1) return { kind: 'skipped' };
    const src = isRecord(v.src_endpoint) ? v.src_endpoint : undefined;
    const dst = isRecord(v.dst_endpoint) ? v.dst_endpoint : undefined;
    if (!dst || toStr(dst.ip) === undefined) return { kind: 'malformed', message: 'Network Activity without "dst_endpoint.ip"' };
    const conn = isRecord(v.connection_info) ? v.connection_info : undefined;
    const dirId = toInt(conn?.direction_id);
    const protoNum = toInt(conn?.protocol_num);
    const transport = toStr(conn?.protocol_name)?.toLowerCase() ?? (protoNum === 6 ? 'tcp' : protoNum === 17 ? 'udp' : undefined);
    const e = base('network', 'connection', 'connect');
    const proc = processOf(actor?.process);
    if (proc) e.process = proc;
    const user = userOf(actor?.user);
    if (user) e.user = user;
    e.source = pruneUndefined({ ip: toStr(src?.ip), port: toInt(src?.port) });
    e.destination = pruneUndefined({ ip: toStr(dst.ip), port: toInt(dst.port), domain: toStr(dst.hostname) });
    const dip = toStr(dst.ip) ?? '';
    e.network = pruneUndefined({
      transport,
      // OCSF: 1 inbound, 2 outbound, 3 lateral (inside to inside: still leaves this host), 4 local.
      direction: dirId === 2 || dirId === 3 ? ('egress' as const) : dirId === 1 ? ('ingress' as const) : ('unknown' as const),
      type: dip.includes(':') ? ('ipv6' as const) : ('ipv4' as const),
    });
    return { kind: 'events', events: [e] };
  }

  if (cls === OCSF_CLASS.MODULE_ACTIVITY) {
    if (activity !== 1) return { kind: 'skipped' };
    const mod = isRecord(v.module) ? v.module : undefined;
    const file = mod && isRecord(mod.file) ? mod.file : undefined;
    const path = toStr(file?.path);
    if (!path) return { kind: 'malformed', message: 'Module Activity without "module.file.path"' };
    const e = base('library', 'start', 'load');
    const proc = processOf(actor?.process);
    if (proc) e.process = proc;
    e.dll = { path, name: toStr(file?.name) ?? baseName(path) };
    return { kind: 'events', events: [e] };
  }
  return { kind: 'skipped' };
}

export function createOcsfImporter(): Importer {
  return {
    id: 'ocsf',
    description: 'OCSF JSON lines: Process Activity 1007, Network Activity 4001, Module Activity 1005',
    sniff: (firstLines) =>
      firstLines.some((l) => {
        const p = parseJsonObject(l);
        return p.ok && toInt(p.value.class_uid) !== undefined && 'activity_id' in p.value;
      }),
    create(): ImportSession {
      const stats = createStatsKeeper();
      return {
        push(line, lineNo) {
          if (line.trim() === '') return [];
          stats.line();
          return applyLineResult(stats, lineNo, mapOcsfLine(line));
        },
        end: () => [],
        stats: () => stats.snapshot(),
      };
    },
  };
}
