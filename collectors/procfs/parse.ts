// Pure parsers of the /proc files the poller reads: /proc/<pid>/stat, status, cmdline, maps,
// and /proc/net/tcp{,6} (addresses as hex in host byte order, ports as hex).

import { formatIpv6 } from '../linux-audit/decode.js';

export interface ProcStat {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  /** Clock ticks since boot when the process started (field 22). */
  startTicks: number;
}

export function parseProcStat(text: string): ProcStat | undefined {
  // comm is in parentheses and may itself contain ") " — the last ')' ends it.
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const pid = Number(text.slice(0, open).trim());
  const rest = text.slice(close + 2).split(' ');
  // rest[0] is field 3 (state); field N is rest[N - 3].
  const state = rest[0];
  const ppid = Number(rest[1]);
  const startTicks = Number(rest[19]);
  if (!Number.isInteger(pid) || state === undefined || !Number.isFinite(ppid) || !Number.isFinite(startTicks)) return undefined;
  return { pid, comm: text.slice(open + 1, close), state, ppid, startTicks };
}

/** Real and effective uid from /proc/<pid>/status. */
export function parseStatusUids(text: string): { uid: string; euid: string } | undefined {
  const m = /^Uid:\s+(\d+)\s+(\d+)/m.exec(text);
  return m ? { uid: m[1]!, euid: m[2]! } : undefined;
}

/** NUL-separated argv; empty for kernel threads and zombies. */
export function parseCmdline(buf: Buffer | string): string[] {
  const s = typeof buf === 'string' ? buf : buf.toString('utf8');
  if (s === '') return [];
  const parts = s.split('\0');
  if (parts[parts.length - 1] === '') parts.pop();
  return parts;
}

/** The boot time (epoch seconds) from /proc/stat's btime line. */
export function parseBootTime(text: string): number | undefined {
  const m = /^btime\s+(\d+)/m.exec(text);
  return m ? Number(m[1]) : undefined;
}

/** Paths of file-backed mappings in /proc/<pid>/maps. */
export function parseMapsPaths(text: string): string[] {
  const out = new Set<string>();
  for (const line of text.split('\n')) {
    const i = line.indexOf('/');
    if (i > 0 && line.split(/\s+/).length >= 6) out.add(line.slice(i).replace(/ \(deleted\)$/, ''));
  }
  return [...out];
}

export interface TcpEntry {
  localIp: string;
  localPort: number;
  remoteIp: string;
  remotePort: number;
  /** Kernel TCP state: 01 ESTABLISHED, 02 SYN_SENT, 0A LISTEN, … */
  state: string;
  uid: number;
  inode: number;
}

export function decodeProcNetAddress(hex: string): { ip: string; port: number } | undefined {
  const [addr, port] = hex.split(':');
  if (!addr || !port) return undefined;
  const b = Buffer.from(addr, 'hex');
  if (b.length === 4) return { ip: `${b[3]}.${b[2]}.${b[1]}.${b[0]}`, port: parseInt(port, 16) };
  if (b.length === 16) {
    // Four 32-bit words, each in host (little-endian) order.
    const bytes = Buffer.alloc(16);
    for (let w = 0; w < 4; w++) bytes.writeUInt32BE(b.readUInt32LE(w * 4), w * 4);
    const ip = formatIpv6(bytes);
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(ip);
    return { ip: mapped ? mapped[1]! : ip, port: parseInt(port, 16) };
  }
  return undefined;
}

export function parseProcNetTcp(text: string): TcpEntry[] {
  const out: TcpEntry[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    const local = decodeProcNetAddress(f[1]!);
    const remote = decodeProcNetAddress(f[2]!);
    if (!local || !remote) continue;
    out.push({ localIp: local.ip, localPort: local.port, remoteIp: remote.ip, remotePort: remote.port, state: f[3]!, uid: Number(f[7]), inode: Number(f[9]) });
  }
  return out;
}
