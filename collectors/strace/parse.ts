// Parser of `strace -f -ttt -T -o FILE` output: joins `<unfinished ...>` / `<... NAME resumed>`
// halves per pid, splits a call into name, arguments and return value, and decodes strace's
// string escapes (\n, \", \\, \ooo octal, \xhh).

export interface StraceCall {
  pid: number;
  /** Epoch milliseconds (fractional: strace gives microseconds). */
  timeMs: number;
  name: string;
  /** Top-level arguments as written (strings still quoted). */
  args: string[];
  /** The return value: a number, or undefined for `?`. */
  ret: number | undefined;
  errno?: string;
}

export type StraceLine = { kind: 'call'; call: StraceCall } | { kind: 'pending' } | { kind: 'skipped'; why: string } | { kind: 'malformed'; message: string };

const PREFIX = /^(\d+)\s+(\d+\.\d+|\d{2}:\d{2}:\d{2}\.\d+)\s+(.*)$/;

/** -tt gives only the time of day; the caller supplies the local midnight it belongs to. */
function parseTime(t: string, dayStartMs: number | undefined): number | undefined {
  // Beyond what a Date holds (a damaged line): unusable, like any other bad time.
  if (/^\d+\.\d+$/.test(t)) return Number(t) * 1000 < 8.64e15 ? Number(t) * 1000 : undefined;
  const m = /^(\d{2}):(\d{2}):(\d{2})\.(\d+)$/.exec(t);
  if (!m || dayStartMs === undefined) return undefined;
  return dayStartMs + ((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3])) * 1000 + Number(`0.${m[4]}`) * 1000;
}

export interface StraceParser {
  push(line: string): StraceLine;
  /** pids whose call never resumed (killed mid-call). */
  unfinished(): number;
}

export function createStraceParser(opts: { dayStartMs?: number } = {}): StraceParser {
  const pending = new Map<number, { timeMs: number; text: string }>();
  return {
    push(line) {
      if (line.trim() === '') return { kind: 'skipped', why: 'empty' };
      const m = PREFIX.exec(line);
      if (!m) return { kind: 'malformed', message: 'expected "PID TIME call(…)" (strace -f -ttt)' };
      const pid = Number(m[1]);
      const timeMs = parseTime(m[2]!, opts.dayStartMs);
      if (timeMs === undefined) return { kind: 'malformed', message: `unusable timestamp ${m[2]}` };
      let body = m[3]!;
      if (body.startsWith('---') || body.startsWith('+++')) return { kind: 'skipped', why: 'signal or exit notice' };
      let at = timeMs;
      const resumed = /^<\.\.\. (\w+) resumed>\s?(.*)$/.exec(body);
      if (resumed) {
        const p = pending.get(pid);
        if (!p) return { kind: 'malformed', message: `"${resumed[1]} resumed" without its unfinished start` };
        pending.delete(pid);
        body = p.text + resumed[2];
        at = p.timeMs; // the call started when it was entered
      }
      const unf = body.lastIndexOf(' <unfinished ...>');
      if (unf >= 0 && unf === body.length - ' <unfinished ...>'.length) {
        pending.set(pid, { timeMs: at, text: body.slice(0, unf) });
        return { kind: 'pending' };
      }
      const call = splitCall(body);
      if ('error' in call) return { kind: 'malformed', message: call.error };
      const c: StraceCall = { pid, timeMs: at, name: call.name, args: call.args, ret: call.ret };
      if (call.errno !== undefined) c.errno = call.errno;
      return { kind: 'call', call: c };
    },
    unfinished: () => pending.size,
  };
}

/** `name(a, b, …) = RET [ERRNO (text)] [<dur>]` → parts, respecting quotes and brackets. */
export function splitCall(body: string): { name: string; args: string[]; ret: number | undefined; errno?: string } | { error: string } {
  const open = body.indexOf('(');
  if (open <= 0) return { error: 'no call' };
  const name = body.slice(0, open);
  if (!/^\w+$/.test(name)) return { error: `bad call name "${name.slice(0, 40)}"` };
  const args: string[] = [];
  let depth = 0;
  let cur = '';
  let i = open + 1;
  let closed = false;
  for (; i < body.length; i++) {
    const c = body[i]!;
    if (c === '"') {
      let j = i + 1;
      while (j < body.length && body[j] !== '"') j += body[j] === '\\' ? 2 : 1;
      if (j >= body.length) return { error: 'unterminated string (truncated line?)' };
      cur += body.slice(i, j + 1);
      i = j;
      continue;
    }
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ']' || c === '}') depth--;
    else if (c === ')') {
      if (depth === 0) {
        closed = true;
        break;
      }
      depth--;
    } else if (c === ',' && depth === 0) {
      args.push(cur.trim());
      cur = '';
      continue;
    } else if (c === '/' && body.startsWith('/*', i)) {
      // strace comments (/* 35 vars */) may hold commas
      const end = body.indexOf('*/', i + 2);
      if (end > 0) {
        cur += body.slice(i, end + 2);
        i = end + 1;
        continue;
      }
    }
    cur += c;
  }
  if (!closed) return { error: 'unbalanced parentheses (truncated line?)' };
  if (cur.trim() !== '' || args.length) args.push(cur.trim());
  const rest = body.slice(i + 1);
  const r = /^\s*=\s*(-?\d+|0x[0-9a-fA-F]+|\?)(?:\s+(E[A-Z0-9]+)\b)?/.exec(rest);
  if (!r) return { error: 'no return value' };
  const ret = r[1] === '?' ? undefined : Number(r[1]);
  return r[2] !== undefined ? { name, args, ret, errno: r[2] } : { name, args, ret };
}

/** A quoted strace string → its text (a trailing `...` marks truncation by -s). */
export function decodeStraceString(token: string): { text: string; truncated: boolean } | undefined {
  const t = token.trim();
  if (!t.startsWith('"')) return undefined;
  const bytes: number[] = [];
  let i = 1;
  for (; i < t.length; i++) {
    const c = t[i]!;
    if (c === '"') break;
    if (c !== '\\') {
      for (const b of Buffer.from(c, 'utf8')) bytes.push(b);
      continue;
    }
    const n = t[++i];
    if (n === undefined) break;
    const simple: Record<string, number> = { n: 10, t: 9, r: 13, v: 11, f: 12, a: 7, b: 8, e: 27, '"': 34, '\\': 92, "'": 39 };
    if (n in simple) bytes.push(simple[n]!);
    else if (n === 'x') {
      // strace always writes two hex digits; a bare \x (a damaged line) is kept as the letter.
      const h = /^[0-9a-fA-F]{1,2}/.exec(t.slice(i + 1))?.[0];
      if (h === undefined) bytes.push(0x78);
      else {
        bytes.push(parseInt(h, 16));
        i += h.length;
      }
    } else if (/[0-7]/.test(n)) {
      const o = /^[0-7]{1,3}/.exec(t.slice(i))![0];
      bytes.push(parseInt(o, 8));
      i += o.length - 1;
    } else for (const b of Buffer.from(n, 'utf8')) bytes.push(b);
  }
  return { text: Buffer.from(bytes).toString('utf8'), truncated: t.slice(i + 1).startsWith('...') };
}

/** `["a", "b"...]` → strings (an abbreviated array ends in `...`). */
export function decodeStraceStringArray(token: string): string[] | undefined {
  const t = token.trim();
  if (!t.startsWith('[')) return undefined;
  const out: string[] = [];
  let i = 1;
  while (i < t.length) {
    while (t[i] === ' ' || t[i] === ',') i++;
    if (t[i] !== '"') break;
    let j = i + 1;
    while (j < t.length && t[j] !== '"') j += t[j] === '\\' ? 2 : 1;
    const s = decodeStraceString(t.slice(i, j + 1));
    if (!s) break;
    out.push(s.text);
    i = j + 1;
    if (t.startsWith('...', i)) i += 3;
  }
  return out;
}

export type StraceSockaddr = { family: 'inet' | 'inet6'; ip: string; port: number } | { family: 'other'; name: string };

/** The sockaddr argument of connect(): {sa_family=AF_INET, sin_port=htons(P), sin_addr=inet_addr("A")}. */
export function parseStraceSockaddr(token: string): StraceSockaddr | undefined {
  const fam = /sa_family=(\w+)/.exec(token)?.[1];
  if (!fam) return undefined;
  if (fam === 'AF_INET') {
    const port = /sin_port=htons\((\d+)\)/.exec(token)?.[1];
    const ip = /sin_addr=inet_addr\("([^"]+)"\)/.exec(token)?.[1];
    return port && ip ? { family: 'inet', ip, port: Number(port) } : undefined;
  }
  if (fam === 'AF_INET6') {
    const port = /sin6_port=htons\((\d+)\)/.exec(token)?.[1];
    const ip = /inet_pton\(AF_INET6,\s*"([^"]+)"/.exec(token)?.[1];
    if (!port || !ip) return undefined;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
    return mapped ? { family: 'inet', ip: mapped[1]!, port: Number(port) } : { family: 'inet6', ip: ip.toLowerCase(), port: Number(port) };
  }
  return { family: 'other', name: fam };
}
