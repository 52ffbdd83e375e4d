// `nettop -L 1 -n -x -J time,interface,state,bytes_in,bytes_out` CSV: a header (`time,,interface,…`
// in nettop's own column order, the unnamed second column being the "provenance"), then per
// process a summary row `Name.pid,…` followed by its sockets `tcp4 10.0.0.2:51234<->1.2.3.4:443,…`
// (IPv6 as `addr.port`). Every line ends with a comma.

import { epochToIso } from '../importers/fields.js';
import { splitColonEndpoint, splitDottedEndpoint, type Endpoint } from './network-event.js';

export interface SnapshotConnection {
  pid: number;
  name?: string;
  ppid?: number;
  userId?: string;
  userName?: string;
  transport: 'tcp' | 'udp' | 'quic';
  family: 'ipv4' | 'ipv6';
  local: Endpoint;
  remote: Endpoint;
  state?: string;
  /** ISO time the source gave the row (nettop), else the snapshot's. */
  timestamp?: string;
  extra: Record<string, unknown>;
}

export interface SnapshotParse {
  connections: SnapshotConnection[];
  /** Rows that carry no connection (process summaries, listeners, wildcards). */
  skipped: number;
  problems: Array<{ line: number; message: string }>;
}

const HALF_DAY_MS = 12 * 3600 * 1000;

/** nettop's `HH:MM:SS.ffffff` is local wall-clock time without a date: place it next to the snapshot. */
export function placeLocalTime(hms: string, snapshotMs: number): string | undefined {
  const m = /^(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/.exec(hms);
  if (!m) return undefined;
  const d = new Date(snapshotMs);
  d.setHours(Number(m[1]), Number(m[2]), Number(m[3]), 0);
  let ms = d.getTime();
  if (ms - snapshotMs > HALF_DAY_MS) ms -= 2 * HALF_DAY_MS;
  else if (snapshotMs - ms > HALF_DAY_MS) ms += 2 * HALF_DAY_MS;
  const micros = Number(((m[4] ?? '') + '000000').slice(0, 6));
  return epochToIso(ms * 1000 + micros);
}

const CONN_RE = /^(tcp|udp|quic)([46]) (.+)<->(.+)$/;

export function parseNettopCsv(text: string, snapshotMs: number): SnapshotParse {
  const lines = text.split('\n');
  const out: SnapshotParse = { connections: [], skipped: 0, problems: [] };
  const header = (lines[0] ?? '').split(',');
  if (header[0] !== 'time' || header[1] !== '') {
    out.problems.push({ line: 1, message: 'no `time,,…` CSV header: nettop printed something else (usage text means a bad -J column list)' });
    return out;
  }
  const col = (name: string): number => header.indexOf(name);
  const iIface = col('interface');
  const iState = col('state');
  const iIn = col('bytes_in');
  const iOut = col('bytes_out');
  let current: { pid: number; name: string } | undefined;

  for (let n = 1; n < lines.length; n++) {
    const line = lines[n] as string;
    if (line.trim() === '') continue;
    const f = line.split(',');
    const prov = f[1] ?? '';
    const conn = CONN_RE.exec(prov);
    if (!conn) {
      const proc = /^(.*)\.(\d+)$/.exec(prov);
      if (proc) {
        current = { name: proc[1] as string, pid: Number(proc[2]) };
        out.skipped++;
      } else {
        out.problems.push({ line: n + 1, message: `unreadable nettop row: ${JSON.stringify(prov.slice(0, 80))}` });
      }
      continue;
    }
    const [, proto, fam, localS, remoteS] = conn as unknown as [string, string, string, string, string];
    if (localS.includes('*') || remoteS.includes('*')) {
      out.skipped++; // listeners and unconnected sockets
      continue;
    }
    if (!current) {
      out.problems.push({ line: n + 1, message: 'connection row before any process row' });
      continue;
    }
    const split = fam === '6' ? splitDottedEndpoint : splitColonEndpoint;
    const local = split(localS);
    const remote = split(remoteS);
    if (!local || !remote) {
      out.problems.push({ line: n + 1, message: `unreadable endpoints (name resolution on? run nettop with -n): ${localS}<->${remoteS}` });
      continue;
    }
    const num = (i: number): number | undefined => (i >= 0 && f[i] && /^\d+$/.test(f[i] as string) ? Number(f[i]) : undefined);
    const c: SnapshotConnection = {
      pid: current.pid,
      name: current.name,
      transport: proto as SnapshotConnection['transport'],
      family: fam === '6' ? 'ipv6' : 'ipv4',
      local,
      remote,
      extra: { interface: iIface >= 0 ? f[iIface] || undefined : undefined, bytes_in: num(iIn), bytes_out: num(iOut) },
    };
    const state = iState >= 0 ? f[iState] : undefined;
    if (state) c.state = state;
    const ts = placeLocalTime(f[0] ?? '', snapshotMs);
    if (ts) c.timestamp = ts;
    out.connections.push(c);
  }
  return out;
}
