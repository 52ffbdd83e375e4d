// osquery results for es_process_events (macOS EndpointSecurity) and socket_events: the
// differential log (`{"name", "hostIdentifier", "columns", "action"}`), batched diffs
// (`diffResults.added`), snapshot logs (`"snapshot": [rows]`) and osqueryi --json arrays (one row
// per line between `[` and `]`). Values arrive as strings unless osquery ran with --numerics.

import { makeEntityId } from '../../src/model/index.js';
import type { Importer, ImportSession, TelemetryEvent } from '../../src/model/index.js';
import { baseName, isRecord, joinCommandLine, makeEventId, pruneUndefined, splitCommandLine, toInt, toStr, tryEpochToIso } from './fields.js';
import { createStatsKeeper, parseJsonObject } from './import-stats.js';

type Row = Record<string, unknown>;

interface RowContext {
  hostName?: string;
  hostId: string;
  queryName?: string;
  unixTime?: number;
}

function table(row: Row, queryName: string | undefined): 'es_process_events' | 'socket_events' | undefined {
  if (queryName?.includes('es_process_events')) return 'es_process_events';
  if (queryName?.includes('socket_events')) return 'socket_events';
  if ('event_type' in row && ('cmdline' in row || 'path' in row)) return 'es_process_events';
  if ('remote_address' in row && 'action' in row) return 'socket_events';
  return undefined;
}

/** One result row → events; undefined = the row is not one we map. */
export function mapOsqueryRow(row: Row, ctx: RowContext): TelemetryEvent[] | undefined {
  const t = table(row, ctx.queryName);
  const secs = toInt(row.time) ?? ctx.unixTime;
  if (t === undefined || secs === undefined) return undefined;
  const timestamp = tryEpochToIso(secs);
  if (timestamp === undefined) return undefined;
  const hostName = ctx.hostName;
  const id = makeEventId('osquery', ctx.hostId, JSON.stringify(row));
  const host = pruneUndefined({ name: hostName, id: ctx.hostId, os: t === 'es_process_events' ? { type: 'macos' as const } : undefined });

  if (t === 'es_process_events') {
    const kind = String(row.event_type ?? '').toLowerCase();
    if (kind !== 'exec' && kind !== 'fork' && kind !== 'exit') return [];
    const pid = toInt(row.pid);
    if (pid === undefined) return undefined;
    const path = toStr(row.path);
    const cmd = toStr(row.cmdline);
    const args = cmd !== undefined ? splitCommandLine(cmd) : undefined;
    const parentPid = toInt(row.parent);
    // osquery has no pidversion; the exec time (whole seconds) is the next best id input.
    const startMs = secs * 1000;
    const user = pruneUndefined({ id: toStr(row.uid), name: toStr(row.username), effective: { id: toStr(row.euid) } });
    const signing = pruneUndefined({
      signing_id: toStr(row.signing_id),
      team_id: toStr(row.team_id),
      platform_binary: row.platform_binary === undefined || row.platform_binary === '' ? undefined : String(row.platform_binary) === '1' || row.platform_binary === true,
    });
    const procBase = pruneUndefined({
      name: path ? baseName(path) : undefined,
      executable: path,
      args,
      args_count: toInt(row.cmdline_count) ?? args?.length,
      command_line: args ? joinCommandLine(args) : undefined,
      working_directory: toStr(row.cwd),
      code_signature: signing,
    });
    if (kind === 'fork') {
      // es_process_events describes the forking process; the child is only child_pid.
      const child = toInt(row.child_pid);
      if (child === undefined) return undefined;
      return [
        pruneUndefined({
          '@timestamp': timestamp,
          event: { id, kind: 'event' as const, category: 'process' as const, type: 'start', action: 'fork', dataset: 'osquery' },
          host,
          user,
          process: { ...procBase, pid: child, entity_id: makeEntityId(ctx.hostId, child, startMs), start: timestamp, parent: pruneUndefined({ pid, name: procBase.name, executable: path }) },
        }) as TelemetryEvent,
      ];
    }
    const isExec = kind === 'exec';
    return [
      pruneUndefined({
        '@timestamp': timestamp,
        event: { id, kind: 'event' as const, category: 'process' as const, type: isExec ? 'start' : 'end', action: kind, dataset: 'osquery' },
        host,
        user,
        process: {
          ...procBase,
          pid,
          entity_id: isExec ? makeEntityId(ctx.hostId, pid, startMs) : undefined,
          start: isExec ? timestamp : undefined,
          parent: parentPid !== undefined ? { pid: parentPid } : undefined,
        },
        osquery: { exit_code: toInt(row.exit_code), eid: toStr(row.eid) },
      }) as TelemetryEvent,
    ];
  }

  const action = String(row.action ?? '');
  if (action !== 'connect' && action !== 'accept') return [];
  const remote = toStr(row.remote_address);
  if (!remote) return undefined;
  const family = toInt(row.family);
  const proto = toInt(row.protocol);
  const path = toStr(row.path);
  const status = toStr(row.status) ?? (toInt(row.success) === 0 ? 'failed' : undefined);
  return [
    pruneUndefined({
      '@timestamp': timestamp,
      event: {
        id,
        kind: 'event' as const,
        category: 'network' as const,
        type: 'connection',
        action,
        dataset: 'osquery',
        outcome: status === 'failed' ? ('failure' as const) : status ? ('success' as const) : undefined,
      },
      host,
      user: { id: toStr(row.auid) },
      process: { pid: toInt(row.pid), executable: path, name: path ? baseName(path) : undefined },
      source: { ip: toStr(row.local_address), port: toInt(row.local_port) },
      destination: { ip: remote, port: toInt(row.remote_port) },
      network: {
        transport: proto === 6 ? 'tcp' : proto === 17 ? 'udp' : undefined,
        direction: action === 'connect' ? ('egress' as const) : ('ingress' as const),
        // AF_INET6 is 10 on Linux and 30 on macOS.
        type: family === 10 || family === 30 || remote.includes(':') ? ('ipv6' as const) : ('ipv4' as const),
      },
      osquery: { status, fd: toStr(row.fd) },
    }) as TelemetryEvent,
  ];
}

export function createOsqueryImporter(): Importer {
  return {
    id: 'osquery',
    description: 'osquery es_process_events / socket_events results (differential, batched, snapshot logs; osqueryi --json)',
    sniff: (firstLines) =>
      firstLines.some((l) => {
        const p = parseJsonObject(l.trim().replace(/,$/, ''));
        if (!p.ok) return false;
        const v = p.value;
        if ('hostIdentifier' in v && ('columns' in v || 'snapshot' in v || 'diffResults' in v)) return true;
        return table(v, undefined) !== undefined;
      }),
    create(opts): ImportSession {
      const stats = createStatsKeeper();
      const hostId = opts.hostId;
      return {
        push(line, lineNo) {
          const trimmed = line.trim();
          if (trimmed === '') return [];
          stats.line();
          if (trimmed === '[' || trimmed === ']' || trimmed === '[]') {
            stats.skipped();
            return [];
          }
          const p = parseJsonObject(trimmed.replace(/,$/, ''));
          if (!p.ok) {
            stats.malformed(lineNo, p.message);
            return [];
          }
          const v = p.value;
          const isLog = 'hostIdentifier' in v || 'columns' in v || 'snapshot' in v || 'diffResults' in v;
          const hostName = opts.hostName ?? toStr(v.hostIdentifier);
          const ctx: RowContext = {
            hostId: hostId ?? hostName ?? 'imported',
            ...(hostName !== undefined ? { hostName } : {}),
            ...(toStr(v.name) !== undefined ? { queryName: toStr(v.name) as string } : {}),
            ...(toInt(v.unixTime) !== undefined ? { unixTime: toInt(v.unixTime) as number } : {}),
          };
          let rows: Row[];
          if (!isLog) rows = [v];
          else if (isRecord(v.columns)) {
            if (v.action === 'removed') {
              stats.skipped(); // a row leaving the result set is not an event
              return [];
            }
            rows = [v.columns];
          } else if (Array.isArray(v.snapshot)) rows = v.snapshot.filter(isRecord);
          else if (isRecord(v.diffResults) && Array.isArray(v.diffResults.added)) rows = v.diffResults.added.filter(isRecord);
          else {
            stats.malformed(lineNo, 'osquery log line without columns, snapshot or diffResults');
            return [];
          }
          const out: TelemetryEvent[] = [];
          let unreadable = 0;
          for (const row of rows) {
            const mapped = mapOsqueryRow(row, ctx);
            if (mapped === undefined) unreadable++;
            else out.push(...mapped);
          }
          if (unreadable && out.length === 0) stats.malformed(lineNo, `${unreadable} row(s) not es_process_events or socket_events, or without pid/time`);
          else if (out.length === 0) stats.skipped();
          else stats.events(out.length);
          return out;
        },
        end: () => [],
        stats: () => stats.snapshot(),
      };
    },
  };
}
