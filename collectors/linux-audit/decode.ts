// Decoding of the values the kernel hex-encodes: EXECVE arguments and PROCTITLE (whenever they hold
// a space, a quote, a control or non-ASCII byte, or are split into chunks), and SOCKADDR's saddr,
// the raw struct sockaddr bytes.

import type { AuditRecord, AuditValue } from './record.js';

const HEX = /^(?:[0-9A-Fa-f]{2})+$/;

/** Bytes of a value: hex when unquoted and hex-shaped, literal text when quoted. */
export function valueBytes(v: AuditValue): Buffer {
  if (!v.quoted && HEX.test(v.value)) return Buffer.from(v.value, 'hex');
  return Buffer.from(v.value, 'utf8');
}

export function decodeValue(v: AuditValue): string {
  return valueBytes(v).toString('utf8');
}

/** PROCTITLE: the process's argv area, NUL-separated (the kernel caps it at 128 bytes). */
export function decodeProctitle(v: AuditValue): string[] {
  const s = decodeValue(v);
  const parts = s.split('\0');
  while (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

/** More arguments than an execve can carry (ARG_MAX is 2 MiB; each argument takes at least 2 bytes). */
const MAX_ARGS = 1 << 20;

/**
 * The argv of an EXECVE event, from all its EXECVE records: `argc=N a0=… a1=…`, with long arguments
 * split into `aK_len=L aK[0]=… aK[1]=…` chunks that may continue in the next EXECVE record.
 * Returns what is there when records are missing, plus how many arguments could not be rebuilt.
 */
export function decodeExecveArgs(records: AuditRecord[]): { args: string[]; argc: number | undefined; missing: number } {
  let argc: number | undefined;
  const whole = new Map<number, Buffer>();
  const chunks = new Map<number, Map<number, Buffer>>();
  for (const r of records) {
    for (const [key, v] of r.fields) {
      if (key === 'argc') {
        argc = Number(v.value);
        continue;
      }
      const m = /^a(\d+)(?:\[(\d+)\])?$/.exec(key);
      if (!m) continue;
      const idx = Number(m[1]);
      if (m[2] === undefined) whole.set(idx, valueBytes(v));
      else {
        let parts = chunks.get(idx);
        if (!parts) chunks.set(idx, (parts = new Map()));
        parts.set(Number(m[2]), valueBytes(v));
      }
    }
  }
  for (const [idx, parts] of chunks) {
    const order = [...parts.keys()].sort((a, b) => a - b);
    whole.set(idx, Buffer.concat(order.map((k) => parts.get(k)!)));
  }
  // argc and the indices come from the log: a damaged or hostile line can claim billions of
  // arguments. Only the arguments present are materialised (gaps inside become ''); the rest are
  // counted as missing. No real argv has more entries than ARG_MAX bytes allow.
  if (argc !== undefined && !(Number.isInteger(argc) && argc >= 0 && argc <= MAX_ARGS)) argc = undefined;
  let highest = -1;
  for (const i of whole.keys()) if (i < MAX_ARGS && (argc === undefined || i < argc) && i > highest) highest = i;
  const args: string[] = [];
  let present = 0;
  for (let i = 0; i <= highest; i++) {
    const b = whole.get(i);
    if (b !== undefined) present++;
    args.push(b === undefined ? '' : b.toString('utf8'));
  }
  const missing = (argc ?? highest + 1) - present;
  return { args, argc, missing };
}

export type SockAddr =
  | { family: 'inet' | 'inet6'; ip: string; port: number }
  | { family: 'unix'; path: string }
  | { family: 'other'; code: number };

/** Decodes SOCKADDR's saddr (hex of struct sockaddr; family in host byte order, port big-endian). */
export function decodeSockaddr(hex: string): SockAddr | undefined {
  if (!HEX.test(hex)) return undefined;
  const b = Buffer.from(hex, 'hex');
  if (b.length < 2) return undefined;
  let family = b.readUInt16LE(0);
  if (family > 0xff) family = b.readUInt16BE(0); // big-endian hosts
  if (family === 2) {
    if (b.length < 8) return undefined;
    return { family: 'inet', port: b.readUInt16BE(2), ip: `${b[4]}.${b[5]}.${b[6]}.${b[7]}` };
  }
  if (family === 10) {
    if (b.length < 24) return undefined;
    const ip = formatIpv6(b.subarray(8, 24));
    const port = b.readUInt16BE(2);
    // An IPv4-mapped destination is an IPv4 connection on the wire; rules match it as one.
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(ip);
    return mapped ? { family: 'inet', ip: mapped[1]!, port } : { family: 'inet6', ip, port };
  }
  if (family === 1) {
    const raw = b.subarray(2);
    const nul = raw.indexOf(0);
    // Abstract sockets start with a NUL; show them with the conventional '@'.
    if (nul === 0) return { family: 'unix', path: '@' + raw.subarray(1).toString('utf8').replace(/\0+$/, '') };
    return { family: 'unix', path: raw.subarray(0, nul < 0 ? raw.length : nul).toString('utf8') };
  }
  return { family: 'other', code: family };
}

/** RFC 5952 text form: lower case, longest run of zero groups (>= 2) as "::", IPv4-mapped dotted. */
export function formatIpv6(bytes: Uint8Array): string {
  if (bytes.length !== 16) throw new RangeError('formatIpv6: need 16 bytes');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i]! << 8) | bytes[i + 1]!);
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `::ffff:${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`;
  }
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestLen < 2) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}
