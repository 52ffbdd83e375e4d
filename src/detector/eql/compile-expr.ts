// Compiles an EQL expression tree once into a closure over an event. Follows Elasticsearch:
// `==`/`!=` are null-safe and case-sensitive; `:`, `in~`, `like~`, `regex~` and the `~`
// functions ignore case; comparisons and functions given null yield null; and/or/not read null
// as false (a predicate on a missing field is false and its negation true, as a Lucene query).

import { PurpleError } from '../../model/index.js';
import type { Expr, Pos } from './ast.js';
import {
  compareVersions,
  compileRegex,
  compileWildcard,
  isNullish,
  makeGetter,
  stringify,
  toDateMs,
  valuesOf,
  type FieldType,
} from './values.js';

export type Fn = (ev: unknown) => unknown;

export interface CompileOptions {
  file?: string;
  /** Field name → type, for dates (compared as instants) and versions (compared as versions). */
  fieldTypes?: Record<string, FieldType>;
  /** When given, a non-optional field outside this set is an error, as Elasticsearch checks its mapping. */
  knownFields?: ReadonlySet<string>;
  /**
   * Legacy request-level case-insensitivity (Elasticsearch 7.9's `case_sensitive: false`): every
   * string comparison, `in`, `like`, `regex` and string function ignores case. Off by default.
   */
  caseInsensitive?: boolean;
  /**
   * Shared across the rules of one load: identical step conditions compile to one predicate that
   * remembers its last event, so rules sharing a condition evaluate it once per event. Events
   * must not be changed in place while they pass through the rules.
   */
  predicateCache?: Map<string, (ev: unknown) => boolean>;
}

interface Compiled {
  fn: Fn;
  /** Statically a floating-point number (a literal with a decimal point, or math on one). */
  float: boolean;
  type: FieldType | undefined;
  /** Set for literals. */
  lit?: { v: unknown };
}

function fail(code: 'PARSE' | 'UNSUPPORTED' | 'BAD_INPUT', msg: string, pos: Pos, opts: CompileOptions, hint?: string): never {
  throw new PurpleError(code, msg, { location: { ...(opts.file ? { file: opts.file } : {}), line: pos.line, column: pos.column }, ...(hint ? { hint } : {}) });
}

/** A boolean predicate over an event: true only when the expression is exactly true. */
export function compilePredicate(e: Expr, opts: CompileOptions = {}): (ev: unknown) => boolean {
  const cache = opts.predicateCache;
  if (!cache) return compilePredicateUncached(e, opts);
  const key = JSON.stringify([e, opts.fieldTypes ?? null, opts.caseInsensitive === true], (k, v) => (k === 'pos' ? undefined : v));
  let p = cache.get(key);
  if (!p) {
    const f = compilePredicateUncached(e, opts);
    let lastEv: unknown = undefined;
    let lastRes = false;
    p = (ev) => {
      if (ev === lastEv) return lastRes;
      lastRes = f(ev);
      lastEv = ev;
      return lastRes;
    };
    cache.set(key, p);
  }
  return p;
}

function compilePredicateUncached(e: Expr, opts: CompileOptions): (ev: unknown) => boolean {
  const c = compile(e, opts);
  if (c.lit) {
    const v = c.lit.v === true;
    return () => v;
  }
  const fn = c.fn;
  return (ev) => fn(ev) === true;
}

export function compileValue(e: Expr, opts: CompileOptions = {}): Fn {
  return compile(e, opts).fn;
}

function truthy(v: unknown): boolean {
  return v === true;
}

function compile(e: Expr, opts: CompileOptions): Compiled {
  switch (e.k) {
    case 'lit': {
      const v = e.v;
      return { fn: () => v, float: e.float === true || (typeof v === 'number' && !Number.isInteger(v)), type: undefined, lit: { v } };
    }
    case 'field': {
      if (opts.knownFields && !e.optional && !opts.knownFields.has(e.name)) {
        fail('BAD_INPUT', `unknown field '${e.name}'`, e.pos, opts, `check the name, or write ?${e.name} to treat a missing field as null`);
      }
      const get = makeGetter(e.path);
      const type = opts.fieldTypes?.[e.name];
      if (type === 'date') {
        return { fn: (ev) => dateOf(get(ev)), float: false, type };
      }
      return { fn: (ev) => normalize(get(ev)), float: false, type };
    }
    case 'not': {
      const c = compile(e.e, opts).fn;
      return { fn: (ev) => !truthy(c(ev)), float: false, type: 'boolean' };
    }
    case 'and': {
      const l = compile(e.l, opts).fn;
      const r = compile(e.r, opts).fn;
      return { fn: (ev) => truthy(l(ev)) && truthy(r(ev)), float: false, type: 'boolean' };
    }
    case 'or': {
      const l = compile(e.l, opts).fn;
      const r = compile(e.r, opts).fn;
      return { fn: (ev) => truthy(l(ev)) || truthy(r(ev)), float: false, type: 'boolean' };
    }
    case 'cmp':
      return compileCmp(e, opts);
    case 'match':
      return compileMatch(e, opts);
    case 'neg': {
      const c = compile(e.e, opts);
      const f = c.fn;
      return {
        fn: (ev) => {
          const v = scalar(f(ev));
          return typeof v === 'number' ? -v : null;
        },
        float: c.float,
        type: undefined,
      };
    }
    case 'arith': {
      const l = compile(e.l, opts);
      const r = compile(e.r, opts);
      return arith(e.op, l, r);
    }
    case 'call':
      return compileCall(e, opts);
  }
}

function normalize(v: unknown): unknown {
  if (v === undefined) return null;
  if (Array.isArray(v)) {
    const vals = valuesOf(v);
    if (vals.length === 0) return null;
    if (vals.length === 1) return vals[0];
    return vals;
  }
  return v;
}

function dateOf(v: unknown): unknown {
  const n = normalize(v);
  if (Array.isArray(n)) return n.map((x) => toDateMs(x));
  return n === null ? null : toDateMs(n);
}

/** One value of a possibly multi-valued operand, for functions and math (Elasticsearch scripts read the first). */
function scalar(v: unknown): unknown {
  if (Array.isArray(v)) return v.length ? v[0] : null;
  return v;
}

function eqScalar(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const ta = typeof a;
  const tb = typeof b;
  if (ta === 'number' && tb === 'string') return (b as string).trim() !== '' && Number(b) === a;
  if (ta === 'string' && tb === 'number') return (a as string).trim() !== '' && Number(a) === b;
  return false;
}

function cmpScalar(a: unknown, b: unknown, mode: 'plain' | 'version'): number | null {
  if (a === null || a === undefined || b === null || b === undefined) return null;
  if (mode === 'version' && typeof a === 'string' && typeof b === 'string') return compareVersions(a, b);
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'number' && typeof b === 'string') {
    const n = Number(b);
    return b.trim() === '' || Number.isNaN(n) ? null : a < n ? -1 : a > n ? 1 : 0;
  }
  if (typeof a === 'string' && typeof b === 'number') {
    const n = Number(a);
    return a.trim() === '' || Number.isNaN(n) ? null : n < b ? -1 : n > b ? 1 : 0;
  }
  if (typeof a === 'boolean' && typeof b === 'boolean') return a === b ? 0 : a ? 1 : -1;
  return null;
}

function compileCmp(e: Extract<Expr, { k: 'cmp' }>, opts: CompileOptions): Compiled {
  let l = compile(e.l, opts);
  let r = compile(e.r, opts);
  // A date field against a string literal: compare instants, not text.
  const dateSide = l.type === 'date' || r.type === 'date';
  if (dateSide) {
    const conv = (c: Compiled): Compiled => {
      if (c.lit && typeof c.lit.v === 'string') {
        const ms = toDateMs(c.lit.v);
        if (ms === null) fail('PARSE', `'${c.lit.v}' is not a date`, e.pos, opts, 'write an ISO 8601 date such as "2024-05-01T12:00:00Z" or epoch milliseconds');
        return { fn: () => ms, float: false, type: 'date', lit: { v: ms } };
      }
      return c;
    };
    l = conv(l);
    r = conv(r);
  }
  const mode = l.type === 'version' || r.type === 'version' ? 'version' : 'plain';
  const lower = (f: Fn): Fn => (ev) => {
    const v = f(ev);
    if (typeof v === 'string') return v.toLowerCase();
    if (Array.isArray(v)) return v.map((x) => (typeof x === 'string' ? x.toLowerCase() : x));
    return v;
  };
  const lf = opts.caseInsensitive ? lower(l.fn) : l.fn;
  const rf = opts.caseInsensitive ? lower(r.fn) : r.fn;
  const op = e.op;
  if ((op === '==' || op === '!=') && r.lit && r.lit.v !== null && !opts.caseInsensitive) {
    // The hot case in rules: field == constant.
    const lit = r.lit.v;
    const eqLit = (ev: unknown): boolean => {
      const a = lf(ev);
      if (a === lit) return true;
      if (a === null || a === undefined) return false;
      if (Array.isArray(a)) return a.some((x) => eqScalar(x, lit));
      return eqScalar(a, lit);
    };
    return { fn: op === '==' ? eqLit : (ev) => !eqLit(ev), float: false, type: 'boolean' };
  }
  if (op === '==' || op === '!=') {
    const eq = (ev: unknown): boolean => {
      const a = lf(ev);
      const b = rf(ev);
      const an = isNullish(a);
      const bn = isNullish(b);
      if (an || bn) return an && bn;
      if (Array.isArray(a) || Array.isArray(b)) {
        const av = Array.isArray(a) ? a : [a];
        const bv = Array.isArray(b) ? b : [b];
        return av.some((x) => bv.some((y) => eqScalar(x, y)));
      }
      return eqScalar(a, b);
    };
    return { fn: op === '==' ? eq : (ev) => !eq(ev), float: false, type: 'boolean' };
  }
  const test = op === '<' ? (c: number) => c < 0 : op === '<=' ? (c: number) => c <= 0 : op === '>' ? (c: number) => c > 0 : (c: number) => c >= 0;
  return {
    fn: (ev) => {
      const a = lf(ev);
      const b = rf(ev);
      if (Array.isArray(a) || Array.isArray(b)) {
        const av = Array.isArray(a) ? a : [a];
        const bv = Array.isArray(b) ? b : [b];
        let sawNull = true;
        for (const x of av)
          for (const y of bv) {
            const c = cmpScalar(x, y, mode);
            if (c === null) continue;
            sawNull = false;
            if (test(c)) return true;
          }
        return sawNull ? null : false;
      }
      const c = cmpScalar(a, b, mode);
      return c === null ? null : test(c);
    },
    float: false,
    type: 'boolean',
  };
}

function compileMatch(e0: Extract<Expr, { k: 'match' }>, opts: CompileOptions): Compiled {
  const e = opts.caseInsensitive ? { ...e0, ci: true } : e0;
  const l = compile(e.l, opts).fn;
  const neg = e.negated;
  const wrap = (any: (v: unknown) => boolean | null): Compiled => ({
    fn: (ev) => {
      const v = l(ev);
      if (isNullish(v)) {
        // `field : null` and `field in (null)` test for absence, like ==.
        const r = any(null);
        return r === null ? null : neg ? !r : r;
      }
      let r: boolean;
      if (Array.isArray(v)) r = v.some((x) => any(x) === true);
      else r = any(v) === true;
      return neg ? !r : r;
    },
    float: false,
    type: 'boolean',
  });

  if (e.kind === 'in') {
    const items = e.patterns.map((p) => compile(p, opts));
    if (items.every((c) => c.lit)) {
      const lits = items.map((c) => c.lit!.v);
      const hasNull = lits.some((x) => x === null);
      if (e.ci) {
        const set = new Set(lits.filter((x) => x !== null).map((x) => stringify(x).toLowerCase()));
        return wrap((v) => (v === null ? (hasNull ? true : null) : typeof v === 'string' ? set.has(v.toLowerCase()) : lits.some((x) => eqScalar(v, x))));
      }
      const strs = new Set(lits.filter((x): x is string => typeof x === 'string'));
      const others = lits.filter((x) => typeof x !== 'string' && x !== null);
      return wrap((v) => {
        if (v === null) return hasNull ? true : null;
        if (typeof v === 'string' && strs.has(v)) return true;
        for (const x of others) if (eqScalar(v, x)) return true;
        if (typeof v === 'number') for (const s of strs) if (eqScalar(v, s)) return true;
        return false;
      });
    }
    const fns = items.map((c) => c.fn);
    // Values in the list that come from fields: evaluate per event.
    return {
      fn: (ev) => {
        const v = l(ev);
        const candidates = fns.map((f) => f(ev));
        const one = (x: unknown): boolean =>
          candidates.some((c) => {
            if (isNullish(c)) return false;
            const cs = Array.isArray(c) ? c : [c];
            return cs.some((y) => (e.ci && typeof x === 'string' && typeof y === 'string' ? x.toLowerCase() === y.toLowerCase() : eqScalar(x, y)));
          });
        if (isNullish(v)) return null;
        const r = Array.isArray(v) ? v.some(one) : one(v);
        return neg ? !r : r;
      },
      float: false,
      type: 'boolean',
    };
  }

  const pats = e.patterns.map((p) => (p.k === 'lit' ? p.v : null));
  const ciWild = e.kind === 'wildcard' || (e.kind === 'like' && e.ci);
  if (ciWild && pats.length > 1 && pats.every((p) => typeof p === 'string')) {
    // Many case-insensitive patterns (site lists): lowercase the value once, not once per pattern.
    const ms = (pats as string[]).map((p) => compileWildcard(p.toLowerCase(), false));
    const n = ms.length;
    return wrap((v) => {
      if (v === null) return null;
      const s = (typeof v === 'string' ? v : stringify(v)).toLowerCase();
      for (let i = 0; i < n; i++) if (ms[i]!(s)) return true;
      return false;
    });
  }
  const matchers: Array<(v: unknown) => boolean | null> = pats.map((p, idx) => {
    if (typeof p !== 'string') {
      // `x : 1`, `x : true`, `x : null`: plain (null-safe) equality.
      return (v) => (v === null ? (p === null ? true : null) : p === null ? false : eqScalar(v, p));
    }
    if (e.kind === 'regex') {
      const re = compileRegex(p, e.ci);
      if (typeof re !== 'function') fail('PARSE', `bad regular expression ${JSON.stringify(p)}: ${re.error}`, e.patterns[idx]!.pos, opts, 'regex takes a Lucene-style pattern without back references or lookaround; check brackets and escapes');
      return (v) => (v === null ? null : typeof v === 'string' ? re(v) : re(stringify(v)));
    }
    // `:` ignores case; `like` is case-sensitive unless written like~.
    const ci = e.kind === 'wildcard' ? true : e.ci;
    const w = compileWildcard(p, ci);
    return (v) => (v === null ? null : typeof v === 'string' ? w(v) : w(stringify(v)));
  });
  if (matchers.length === 1) return wrap(matchers[0]!);
  return wrap((v) => {
    let sawNull = false;
    for (const m of matchers) {
      const r = m(v);
      if (r === true) return true;
      if (r === null) sawNull = true;
    }
    return sawNull ? null : false;
  });
}

function arith(op: '+' | '-' | '*' | '/' | '%', l: Compiled, r: Compiled): Compiled {
  const lf = l.fn;
  const rf = r.fn;
  const float = l.float || r.float;
  const num = (v: unknown): number | null => {
    const s = scalar(v);
    if (typeof s === 'number') return s;
    return null;
  };
  let f: (a: number, b: number) => number | null;
  switch (op) {
    case '+': f = (a, b) => a + b; break;
    case '-': f = (a, b) => a - b; break;
    case '*': f = (a, b) => a * b; break;
    case '/':
      // Integer operands divide as integers (Elasticsearch's long arithmetic): 83 / 2 == 41.
      f = (a, b) => (b === 0 ? null : !float && Number.isInteger(a) && Number.isInteger(b) ? Math.trunc(a / b) : a / b);
      break;
    case '%': f = (a, b) => (b === 0 ? null : a % b); break;
  }
  if (l.lit && r.lit) {
    const a = num(l.lit.v);
    const b = num(r.lit.v);
    const v = a === null || b === null ? null : f(a, b);
    return { fn: () => v, float, type: undefined, lit: { v } };
  }
  return {
    fn: (ev) => {
      const a = num(lf(ev));
      if (a === null) return null;
      const b = num(rf(ev));
      if (b === null) return null;
      return f(a, b);
    },
    float,
    type: undefined,
  };
}

// ---- functions ----

type Impl = (args: unknown[], ci: boolean) => unknown;

interface FnSpec {
  min: number;
  max: number;
  /** Accepts the `~` case-insensitive form. */
  ci: boolean;
  impl: Impl;
  /** Produces a float when any argument is statically a float. */
  floaty?: boolean;
}

const str = (v: unknown): string | null => {
  const s = scalar(v);
  if (s === null || s === undefined) return null;
  return typeof s === 'string' ? s : stringify(s);
};
const numArg = (v: unknown): number | null => {
  const s = scalar(v);
  return typeof s === 'number' ? s : null;
};

function mathFn(f: (a: number, b: number) => number | null): Impl {
  return ([a, b]) => {
    const x = numArg(a);
    const y = numArg(b);
    return x === null || y === null ? null : f(x, y);
  };
}

function parseIp(s: string): { v6: boolean; bytes: number[] } | null {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(s)) {
    const b = s.split('.').map(Number);
    return b.every((x) => x <= 255) ? { v6: false, bytes: b } : null;
  }
  if (!s.includes(':')) return null;
  let t = s;
  let tail: number[] = [];
  const v4 = /(\d{1,3}(?:\.\d{1,3}){3})$/.exec(t);
  if (v4) {
    const p = parseIp(v4[1]!);
    if (!p) return null;
    tail = p.bytes;
    t = t.slice(0, -v4[1]!.length) + '0:0';
  }
  const halves = t.split('::');
  if (halves.length > 2) return null;
  const parse = (h: string): number[] | null => (h === '' ? [] : h.split(':').map((x) => (/^[0-9a-fA-F]{1,4}$/.test(x) ? parseInt(x, 16) : NaN)));
  const a = parse(halves[0]!);
  const b = halves.length === 2 ? parse(halves[1]!) : [];
  if (!a || !b || a.some(Number.isNaN) || b.some(Number.isNaN)) return null;
  const fill = halves.length === 2 ? 8 - a.length - b.length : 0;
  if (fill < 0 || (halves.length === 1 && a.length !== 8)) return null;
  const groups = [...a, ...new Array(fill).fill(0), ...b];
  const bytes: number[] = [];
  for (const g of groups) bytes.push(g >> 8, g & 255);
  if (tail.length) bytes.splice(12, 4, ...tail);
  return { v6: true, bytes };
}

interface Net {
  v6: boolean;
  bytes: number[];
  bits: number;
}

// IPv4-mapped IPv6 addresses compare as IPv4.
function normIp(x: { v6: boolean; bytes: number[] }): { v6: boolean; bytes: number[] } {
  return x.v6 && x.bytes.slice(0, 10).every((b) => b === 0) && x.bytes[10] === 255 && x.bytes[11] === 255 ? { v6: false, bytes: x.bytes.slice(12) } : x;
}

function parseCidr(cidr: string): Net | null {
  const [net, bitsS] = cidr.split('/');
  const n0 = parseIp(net ?? '');
  if (!n0) return null;
  const n = normIp(n0);
  const total = n.bytes.length * 8;
  const bits = bitsS === undefined ? total : Number(bitsS);
  if (!Number.isInteger(bits) || bits < 0 || bits > total) return null;
  return { v6: n.v6, bytes: n.bytes, bits };
}

function inNet(a: { v6: boolean; bytes: number[] }, n: Net): boolean {
  if (a.v6 !== n.v6) return false;
  const full = n.bits >> 3;
  for (let i = 0; i < full; i++) if (a.bytes[i] !== n.bytes[i]) return false;
  const rest = n.bits & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (a.bytes[full]! & mask) === (n.bytes[full]! & mask);
}

// Addresses repeat a lot in telemetry: remember the parsed form of recent ones.
const ipCache = new Map<string, { v6: boolean; bytes: number[] } | null>();
function parseIpCached(s: string): { v6: boolean; bytes: number[] } | null {
  let v = ipCache.get(s);
  if (v === undefined) {
    const p = parseIp(s);
    v = p ? normIp(p) : null;
    if (ipCache.size > 10_000) ipCache.clear();
    ipCache.set(s, v);
  }
  return v;
}

function cidrContains(ip: string, cidr: string): boolean {
  const a = parseIpCached(ip);
  const n = parseCidr(cidr);
  return !!a && !!n && inNet(a, n);
}

/** Python-style slice indices: negative counts from the end. */
function sliceIndex(i: number, len: number): number {
  if (i < 0) return Math.max(0, len + i);
  return Math.min(i, len);
}

const FUNCTIONS: Record<string, FnSpec> = {
  add: { min: 2, max: 2, ci: false, floaty: true, impl: mathFn((a, b) => a + b) },
  subtract: { min: 2, max: 2, ci: false, floaty: true, impl: mathFn((a, b) => a - b) },
  multiply: { min: 2, max: 2, ci: false, floaty: true, impl: mathFn((a, b) => a * b) },
  divide: { min: 2, max: 2, ci: false, floaty: true, impl: mathFn((a, b) => (b === 0 ? null : a / b)) },
  modulo: { min: 2, max: 2, ci: false, impl: mathFn((a, b) => (b === 0 ? null : a % b)) },
  between: {
    min: 3,
    max: 4,
    ci: true,
    impl: ([s0, l0, r0, g0], ci) => {
      const s = str(s0);
      const l = str(l0);
      const r = str(r0);
      if (s === null || l === null || r === null) return null;
      const greedy = scalar(g0) === true;
      const hs = ci ? s.toLowerCase() : s;
      const hl = ci ? l.toLowerCase() : l;
      const hr = ci ? r.toLowerCase() : r;
      const a = hs.indexOf(hl);
      if (a < 0) return '';
      const start = a + hl.length;
      const end = greedy ? hs.lastIndexOf(hr) : hs.indexOf(hr, start);
      if (end < start) return '';
      return s.slice(start, end);
    },
  },
  cidrmatch: {
    min: 2,
    max: Infinity,
    ci: false,
    impl: ([ip0, ...cidrs]) => {
      const ips = valuesOf(ip0).map((x) => str(x)).filter((x): x is string => x !== null);
      if (ips.length === 0) return null;
      return ips.some((ip) => cidrs.some((c) => {
        const cs = str(c);
        return cs !== null && cidrContains(ip, cs);
      }));
    },
  },
  concat: {
    min: 1,
    max: Infinity,
    ci: false,
    impl: (args) => {
      let out = '';
      for (const a of args) {
        const s = str(a);
        if (s === null) return null;
        out += s;
      }
      return out;
    },
  },
  endswith: {
    min: 2,
    max: 2,
    ci: true,
    impl: ([a, b], ci) => {
      const s = str(a);
      const t = str(b);
      if (s === null || t === null) return null;
      return ci ? s.toLowerCase().endsWith(t.toLowerCase()) : s.endsWith(t);
    },
  },
  startswith: {
    min: 2,
    max: 2,
    ci: true,
    impl: ([a, b], ci) => {
      const s = str(a);
      const t = str(b);
      if (s === null || t === null) return null;
      return ci ? s.toLowerCase().startsWith(t.toLowerCase()) : s.startsWith(t);
    },
  },
  stringcontains: {
    min: 2,
    max: 2,
    ci: true,
    impl: ([a, b], ci) => {
      const s = str(a);
      const t = str(b);
      if (s === null || t === null) return null;
      return ci ? s.toLowerCase().includes(t.toLowerCase()) : s.includes(t);
    },
  },
  indexof: {
    min: 2,
    max: 3,
    ci: true,
    impl: ([a, b, c], ci) => {
      const s = str(a);
      const t = str(b);
      if (s === null || t === null) return null;
      const from = c === undefined || scalar(c) === null ? 0 : numArg(c);
      if (from === null) return null;
      const start = Math.max(0, from);
      if (start > s.length) return null;
      const k = ci ? s.toLowerCase().indexOf(t.toLowerCase(), start) : s.indexOf(t, start);
      return k < 0 ? null : k;
    },
  },
  length: {
    min: 1,
    max: 1,
    ci: false,
    impl: ([a]) => {
      if (Array.isArray(a)) return a.length;
      const s = str(a);
      return s === null ? null : s.length;
    },
  },
  number: {
    min: 1,
    max: 2,
    ci: false,
    impl: ([a, b]) => {
      const s0 = scalar(a);
      if (s0 === null || s0 === undefined) return null;
      if (typeof s0 === 'number') return s0;
      const s = String(s0).trim();
      const base = b === undefined || scalar(b) === null ? 10 : numArg(b);
      if (base === null || base < 2 || base > 36) return null;
      if (base === 10) {
        if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return null;
        return Number(s);
      }
      let t = s.toLowerCase();
      let sign = 1;
      if (t.startsWith('-')) {
        sign = -1;
        t = t.slice(1);
      }
      if (base === 16 && t.startsWith('0x')) t = t.slice(2);
      const digits = '0123456789abcdefghijklmnopqrstuvwxyz'.slice(0, base);
      if (!t || [...t].some((ch) => !digits.includes(ch))) return null;
      return sign * parseInt(t, base);
    },
  },
  string: {
    min: 1,
    max: 1,
    ci: false,
    impl: ([a]) => str(a),
  },
  substring: {
    min: 2,
    max: 3,
    ci: false,
    impl: ([a, b, c]) => {
      const s = str(a);
      const st = numArg(b);
      if (s === null || st === null) return null;
      const en = c === undefined || scalar(c) === null ? s.length : numArg(c);
      if (en === null) return null;
      const i = sliceIndex(st, s.length);
      const j = sliceIndex(en, s.length);
      return j > i ? s.slice(i, j) : '';
    },
  },
  wildcard: {
    min: 2,
    max: Infinity,
    ci: true,
    impl: ([a, ...pats], ci) => {
      const vals = valuesOf(a).map((x) => str(x)).filter((x): x is string => x !== null);
      if (vals.length === 0) return null;
      return pats.some((p) => {
        const ps = str(p);
        if (ps === null) return false;
        const w = compileWildcard(ps, ci);
        return vals.some((v) => w(v));
      });
    },
  },
};

function compileCall(e: Extract<Expr, { k: 'call' }>, opts: CompileOptions): Compiled {
  const name = e.name.toLowerCase();
  const spec = FUNCTIONS[name];
  if (!spec) fail('UNSUPPORTED', `not supported: function ${e.name}()`, e.pos, opts, `supported functions: ${Object.keys(FUNCTIONS).join(', ')}`);
  if (e.ci && !spec.ci) fail('PARSE', `${e.name}() has no case-insensitive ~ form`, e.pos, opts, `write ${e.name}( … ) without ~`);
  if (e.args.length < spec.min || e.args.length > spec.max) {
    const want = spec.min === spec.max ? `${spec.min}` : spec.max === Infinity ? `at least ${spec.min}` : `${spec.min} to ${spec.max}`;
    fail('PARSE', `${e.name}() takes ${want} argument${spec.min === 1 && spec.max === 1 ? '' : 's'}, got ${e.args.length}`, e.pos, opts);
  }
  const args = e.args.map((a) => compile(a, opts));
  const float = spec.floaty === true && args.some((a) => a.float);
  const fns = args.map((a) => a.fn);
  const impl = spec.impl;
  const ci = e.ci || (opts.caseInsensitive === true && spec.ci);
  // divide() of two integers is integer division, like `/`.
  const run: Impl =
    name === 'divide'
      ? ([a, b]) => {
          const x = numArg(a);
          const y = numArg(b);
          if (x === null || y === null || y === 0) return null;
          return !float && Number.isInteger(x) && Number.isInteger(y) ? Math.trunc(x / y) : x / y;
        }
      : impl;
  if (name === 'cidrmatch' && args.slice(1).every((a) => a.lit) && !args[0]!.lit) {
    // The common case: literal networks, parsed once.
    const nets = args.slice(1).map((a) => (typeof a.lit!.v === 'string' ? parseCidr(a.lit!.v) : null)).filter((x): x is Net => x !== null);
    const ipf = fns[0]!;
    const one = (x: unknown): boolean => {
      if (typeof x !== 'string') return false;
      const a = parseIpCached(x);
      if (!a) return false;
      for (const n of nets) if (inNet(a, n)) return true;
      return false;
    };
    return {
      fn: (ev) => {
        const v = ipf(ev);
        if (v === null || v === undefined) return null;
        if (Array.isArray(v)) return v.length ? v.some(one) : null;
        return one(v);
      },
      float: false,
      type: undefined,
    };
  }
  if (args.every((a) => a.lit)) {
    const v = run(args.map((a) => a.lit!.v), ci);
    return { fn: () => v, float, type: undefined, lit: { v } };
  }
  const n = fns.length;
  return {
    fn: (ev) => {
      const vals = new Array<unknown>(n);
      for (let i = 0; i < n; i++) vals[i] = fns[i]!(ev);
      return run(vals, ci);
    },
    float,
    type: undefined,
  };
}

export const SUPPORTED_FUNCTIONS = Object.keys(FUNCTIONS);
