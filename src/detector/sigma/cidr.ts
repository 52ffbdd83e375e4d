// The `cidr` modifier: IPv4 and IPv6 networks. An IPv4-mapped IPv6 address (::ffff:a.b.c.d)
// matches IPv4 networks too, because sockets on dual-stack hosts report peers that way.

export interface Cidr {
  v: 4 | 6;
  bytes: Uint8Array;
  prefix: number;
}

export function parseIp(text: string): { v: 4 | 6; bytes: Uint8Array } | undefined {
  const s = text.trim().replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (s.includes(':')) {
    const b = parseIpv6(s);
    return b ? { v: 6, bytes: b } : undefined;
  }
  const b = parseIpv4(s);
  return b ? { v: 4, bytes: b } : undefined;
}

function parseIpv4(s: string): Uint8Array | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    out[i] = Number(p);
  }
  return out;
}

function parseIpv6(s: string): Uint8Array | undefined {
  let tail4: Uint8Array | undefined;
  let str = s;
  const lastColon = str.lastIndexOf(':');
  if (str.slice(lastColon + 1).includes('.')) {
    tail4 = parseIpv4(str.slice(lastColon + 1));
    if (!tail4) return undefined;
    str = str.slice(0, lastColon + 1) + '0:0';
  }
  const halves = str.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string): string[] => (h === '' ? [] : h.split(':'));
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    const g = all[i]!;
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    const n = parseInt(g, 16);
    out[i * 2] = n >> 8;
    out[i * 2 + 1] = n & 0xff;
  }
  if (tail4) out.set(tail4, 12);
  return out;
}

export function parseCidr(text: string): Cidr | undefined {
  const [addr, len, extra] = text.split('/');
  if (addr === undefined || extra !== undefined) return undefined;
  const ip = parseIp(addr);
  if (!ip) return undefined;
  const max = ip.v === 4 ? 32 : 128;
  const prefix = len === undefined ? max : /^\d{1,3}$/.test(len) ? Number(len) : NaN;
  if (!(prefix >= 0 && prefix <= max)) return undefined;
  return { v: ip.v, bytes: ip.bytes, prefix };
}

export function cidrContains(net: Cidr, ipText: string): boolean {
  const ip = parseIp(ipText);
  if (!ip) return false;
  let bytes = ip.bytes;
  if (ip.v !== net.v) {
    const mapped = ip.v === 6 && bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
    if (!(net.v === 4 && mapped)) return false;
    bytes = bytes.slice(12);
  }
  let bits = net.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((bytes[i]! & mask) !== (net.bytes[i]! & mask)) return false;
  }
  return true;
}
