// macOS tcpdump text over the PKTAP pseudo-interface (`tcpdump -i pktap,all -k NPD -n -tt -l`):
//   1722700000.123456 (en0, proc curl:4243, svc BE, out) IP 192.168.1.5.53211 > 93.184.216.34.443: Flags [S], …
// The parenthesised metadata is Apple's (-k: I interface, N process name, P pid, S service class,
// D direction, C comment); each TCP flow's SYN from the host becomes one connection event.

import { tryEpochToIso } from '../importers/fields.js';
import type { LineResult } from '../importers/import-stats.js';
import { makeConnectionEvent, splitDottedEndpoint, type Endpoint } from './network-event.js';

export const PKTAP_DATASET = 'pktap';

export interface PktapMeta {
  ifname?: string;
  procName?: string;
  pid?: number;
  eprocName?: string;
  epid?: number;
  svc?: string;
  dir?: 'in' | 'out';
}

export interface PktapPacket {
  timestamp: string;
  meta: PktapMeta;
  family: 'ipv4' | 'ipv6';
  transport: 'tcp' | 'udp';
  src: Endpoint;
  dst: Endpoint;
  /** tcpdump's flag letters: S syn, F fin, R rst, P push, . ack, E/W ecn. */
  tcpFlags?: string;
}

/** The text between the parentheses that open at `start`, honouring nesting (names like "Codex (Service)"). */
function readParenthesised(s: string, start: number): { inner: string; end: number } | undefined {
  let depth = 0;
  for (let i = start; i < s.length; i++) {
    if (s[i] === '(') depth++;
    else if (s[i] === ')') {
      depth--;
      if (depth === 0) return { inner: s.slice(start + 1, i), end: i + 1 };
    }
  }
  return undefined;
}

export function parsePktapMeta(inner: string): PktapMeta {
  const meta: PktapMeta = {};
  for (const raw of inner.split(', ')) {
    const item = raw.trim();
    let m: RegExpExecArray | null;
    if ((m = /^proc (.*):(\d+)(?::[0-9A-Fa-f-]{36})?$/.exec(item))) {
      meta.procName = m[1] as string;
      meta.pid = Number(m[2]);
    } else if ((m = /^eproc (.*):(\d+)(?::[0-9A-Fa-f-]{36})?$/.exec(item))) {
      meta.eprocName = m[1] as string;
      meta.epid = Number(m[2]);
    } else if ((m = /^svc (\S+)$/.exec(item))) {
      meta.svc = m[1] as string;
    } else if (item === 'in' || item === 'out') {
      meta.dir = item;
    } else if (/^[a-z]+\d+$/.test(item) && meta.ifname === undefined) {
      meta.ifname = item;
    }
  }
  return meta;
}

const PACKET_RE = /^(IP6?) (\S+) > (\S+): (.*)$/;

/**
 * One tcpdump line. `skipped` for lines that are not IP packets with ports (ARP, ICMP, tcpdump's
 * own banner); `malformed` when the line has tcpdump's packet shape but cannot be read.
 */
export function parseTcpdumpLine(line: string): { packet: PktapPacket } | { skipped: string } | { malformed: string } {
  const ts = /^(\d+\.\d+) /.exec(line);
  if (!ts) {
    if (/^(tcpdump|listening on|\d+ packets)/.test(line) || line.trim() === '') return { skipped: 'tcpdump banner' };
    return { malformed: 'no epoch timestamp (tcpdump must run with -tt)' };
  }
  const timestamp = tryEpochToIso(Number(ts[1]));
  if (timestamp === undefined) return { malformed: `timestamp ${ts[1]} is out of range` };
  let rest = line.slice((ts[0] as string).length);
  let meta: PktapMeta = {};
  if (rest.startsWith('(')) {
    const p = readParenthesised(rest, 0);
    if (!p) return { malformed: 'unbalanced PKTAP metadata parentheses' };
    meta = parsePktapMeta(p.inner);
    rest = rest.slice(p.end).trimStart();
  }
  const m = PACKET_RE.exec(rest);
  if (!m) return { skipped: 'not an IP packet' };
  const [, ipv, srcS, dstS, payload] = m as unknown as [string, string, string, string, string];
  if (/^(ICMP|ICMP6|igmp|IGMP)/.test(payload)) return { skipped: 'no ports (ICMP/IGMP)' };
  const src = splitDottedEndpoint(srcS);
  const dst = splitDottedEndpoint(dstS);
  if (!src || !dst) return { skipped: 'no ports' };
  const flags = /^Flags \[([^\]]*)\]/.exec(payload);
  const packet: PktapPacket = {
    timestamp,
    meta,
    family: ipv === 'IP6' ? 'ipv6' : 'ipv4',
    transport: flags ? 'tcp' : 'udp',
    src,
    dst,
  };
  if (flags) packet.tcpFlags = flags[1] as string;
  return { packet };
}

export interface PktapFlowTracker {
  push(line: string): LineResult;
}

/**
 * Keeps the flows already reported: a TCP flow starts at a SYN without ACK, a UDP flow at its
 * first packet; loopback shows the same SYN leaving and arriving, and only the first counts.
 */
export function createPktapFlowTracker(opts: { hostId: string; hostName?: string; maxFlows?: number }): PktapFlowTracker {
  const seen = new Set<string>();
  const maxFlows = opts.maxFlows ?? 200_000;
  let seq = 0;
  return {
    push(line) {
      const r = parseTcpdumpLine(line);
      if ('skipped' in r) return { kind: 'skipped' };
      if ('malformed' in r) return { kind: 'malformed', message: r.malformed };
      const p = r.packet;
      seq++;
      if (p.meta.dir === 'in') return { kind: 'skipped' };
      if (p.transport === 'tcp') {
        const f = p.tcpFlags ?? '';
        if (!f.includes('S') || f.includes('.')) return { kind: 'skipped' };
      }
      const key = `${p.transport} ${p.src.ip} ${p.src.port} ${p.dst.ip} ${p.dst.port}`;
      if (seen.has(key)) return { kind: 'skipped' };
      seen.add(key);
      if (seen.size > maxFlows) seen.delete(seen.values().next().value as string);
      const event = makeConnectionEvent({
        dataset: PKTAP_DATASET,
        hostId: opts.hostId,
        ...(opts.hostName !== undefined ? { hostName: opts.hostName } : {}),
        timestamp: p.timestamp,
        ...(p.meta.pid !== undefined ? { pid: p.meta.pid } : {}),
        ...(p.meta.procName !== undefined ? { processName: p.meta.procName } : {}),
        source: p.src,
        destination: p.dst,
        transport: p.transport,
        direction: p.meta.dir === 'out' ? 'egress' : 'unknown',
        sequence: seq,
        extra: { interface: p.meta.ifname, tcp_flags: p.tcpFlags, svc: p.meta.svc, effective_pid: p.meta.epid, effective_name: p.meta.eprocName },
      });
      return { kind: 'events', events: [event] };
    },
  };
}
