// Runtime values of EQL and the Elasticsearch rules for them: field lookup into nested or flat
// dotted documents, multi-valued fields (a test matches if any value matches), wildcard and
// version comparison, and the key form used to join sequences.

import { compileSafeRegex, RegexSyntaxError } from '../common/safe-regex.js';

export type Value = null | boolean | number | string | Value[] | { [k: string]: unknown };

export type FieldType = 'keyword' | 'date' | 'version' | 'ip' | 'long' | 'double' | 'boolean';

/**
 * Reads a dotted path from a document. ECS on disk is nested (`{process: {pid: 1}}`), exports are
 * sometimes flat (`{"process.pid": 1}`), and some mix both; every split of the path is tried,
 * nested first. Arrays met on the way are flattened, as Elasticsearch does for object arrays.
 */
export function getPath(doc: unknown, path: readonly string[], from = 0): unknown {
  if (doc === null || doc === undefined) return undefined;
  if (Array.isArray(doc)) {
    const out: unknown[] = [];
    for (const d of doc) {
      const v = getPath(d, path, from);
      if (v === undefined) continue;
      if (Array.isArray(v)) out.push(...v);
      else out.push(v);
    }
    return out.length ? out : undefined;
  }
  if (typeof doc !== 'object') return undefined;
  const o = doc as Record<string, unknown>;
  const head = path[from]!;
  if (from === path.length - 1) return o[head];
  const nested = o[head];
  if (nested !== undefined && nested !== null && typeof nested === 'object') {
    const v = getPath(nested, path, from + 1);
    if (v !== undefined) return v;
  }
  // Flat dotted keys: try "a.b.c", then "a.b" + nested "c", …
  let key = head;
  for (let j = from + 1; j < path.length; j++) {
    key += '.' + path[j]!;
    const v = o[key];
    if (v === undefined) continue;
    if (j === path.length - 1) return v;
    const deeper = getPath(v, path, j + 1);
    if (deeper !== undefined) return deeper;
  }
  return undefined;
}

/** Builds a fast getter for a path; the common one-segment and nested cases skip the general walk. */
export function makeGetter(path: readonly string[]): (doc: unknown) => unknown {
  if (path.length === 1) {
    const k = path[0]!;
    return (doc) => (doc !== null && typeof doc === 'object' && !Array.isArray(doc) ? (doc as Record<string, unknown>)[k] : getPath(doc, path));
  }
  const flat = path.join('.');
  return (doc) => {
    // Fast path: plain nested objects all the way down.
    let cur: unknown = doc;
    for (let i = 0; i < path.length; i++) {
      if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return getPath(doc, path);
      const next: unknown = (cur as Record<string, unknown>)[path[i]!];
      if (next === undefined) {
        const f = (doc as Record<string, unknown>)[flat];
        return f !== undefined ? f : getPath(doc, path);
      }
      cur = next;
    }
    return cur;
  };
}

/** Normalises a raw field value: undefined → null; objects stay (only truthiness and null tests use them). */
export function toValue(v: unknown): Value {
  if (v === undefined) return null;
  return v as Value;
}

/** The non-null scalar values of a possibly multi-valued field. */
export function valuesOf(v: unknown): unknown[] {
  if (v === null || v === undefined) return [];
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    for (const x of v) {
      if (Array.isArray(x)) out.push(...valuesOf(x));
      else if (x !== null && x !== undefined) out.push(x);
    }
    return out;
  }
  return [v];
}

export function isNullish(v: unknown): boolean {
  return v === null || v === undefined || (Array.isArray(v) && valuesOf(v).length === 0);
}

/** Epoch milliseconds of a date value: a number (ms), a numeric string (ms) or an ISO 8601 string. */
export function toDateMs(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string') {
    if (/^-?\d+(\.\d+)?$/.test(v)) return Number(v);
    const ms = Date.parse(v);
    return Number.isNaN(ms) ? null : ms;
  }
  return null;
}

/**
 * Elasticsearch `version` ordering: numeric dot parts, a pre-release (`-SNAPSHOT`) sorts before
 * its release, and strings that are not versions sort after every valid version.
 */
export function compareVersions(a: string, b: string): number {
  const pa = parseVersion(a);
  const pb = parseVersion(b);
  if (!pa || !pb) {
    if (pa) return -1;
    if (pb) return 1;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  const n = Math.max(pa.nums.length, pb.nums.length);
  for (let i = 0; i < n; i++) {
    const x = pa.nums[i] ?? 0;
    const y = pb.nums[i] ?? 0;
    if (x !== y) return x < y ? -1 : 1;
  }
  if (pa.pre === pb.pre) return 0;
  if (pa.pre === null) return 1;
  if (pb.pre === null) return -1;
  return pa.pre < pb.pre ? -1 : 1;
}

function parseVersion(s: string): { nums: number[]; pre: string | null } | null {
  const m = /^(\d+(?:\.\d+)*)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/.exec(s);
  if (!m) return null;
  return { nums: m[1]!.split('.').map(Number), pre: m[2] ?? null };
}

/** Compiles an EQL wildcard pattern (`*` any run, `?` one character) to a matcher. */
export function compileWildcard(pattern: string, caseInsensitive: boolean): (s: string) => boolean {
  const p = caseInsensitive ? pattern.toLowerCase() : pattern;
  if (!p.includes('*') && !p.includes('?')) {
    return caseInsensitive ? (s) => s.length === p.length && s.toLowerCase() === p : (s) => s === p;
  }
  const parts = p.split('*');
  if (!p.includes('?')) {
    // Only stars: prefix, suffix and ordered substrings, no regular expression needed.
    const first = parts[0]!;
    const last = parts[parts.length - 1]!;
    const middle = parts.slice(1, -1).filter((x) => x.length > 0);
    const minLen = first.length + last.length;
    return (s0) => {
      const s = caseInsensitive ? s0.toLowerCase() : s0;
      if (s.length < minLen || !s.startsWith(first) || !s.endsWith(last)) return false;
      let at = first.length;
      const end = s.length - last.length;
      for (const m of middle) {
        const k = s.indexOf(m, at);
        if (k < 0 || k + m.length > end) return false;
        at = k + m.length;
      }
      return true;
    };
  }
  // `?` needs a real walk; the two-pointer glob below is O(n·m) whatever the pattern (a RegExp
  // with several `[\s\S]*` would backtrack polynomially on a long value).
  const fold = caseInsensitive ? foldUnit : (c: number) => c;
  const pat = Array.from(p, (c) => (c === '*' ? STAR : c === '?' ? ONE : fold(c.charCodeAt(0))));
  return (s) => globUnits(pat, s, fold);
}

const STAR = -1;
const ONE = -2;

/** JavaScript's case folding for one UTF-16 unit in a non-unicode `i` RegExp (upper-case, if it stays one unit). */
function foldUnit(c: number): number {
  if (c < 128) return c >= 97 && c <= 122 ? c - 32 : c;
  const u = String.fromCharCode(c).toUpperCase();
  if (u.length !== 1) return c;
  const uc = u.charCodeAt(0);
  return uc < 128 ? c : uc;
}

function globUnits(pat: number[], s: string, fold: (c: number) => number): boolean {
  let pi = 0;
  let si = 0;
  let starPi = -1;
  let starSi = 0;
  const n = s.length;
  while (si < n) {
    const a = pat[pi];
    if (a === STAR) {
      starPi = pi++;
      starSi = si;
    } else if (a !== undefined && (a === ONE || a === fold(s.charCodeAt(si)))) {
      pi++;
      si++;
    } else if (starPi >= 0) {
      pi = starPi + 1;
      si = ++starSi;
    } else return false;
  }
  while (pat[pi] === STAR) pi++;
  return pi === pat.length;
}

/**
 * Compiles a Lucene-style regular expression (whole-value match, `.` matches newlines) to a
 * matcher on the linear-time engine shared with Sigma's `re`: no rule can make the detector
 * backtrack. Returns the reason when the pattern is outside the supported grammar (back
 * references, lookaround and the like are refused at load time).
 */
export function compileRegex(pattern: string, caseInsensitive: boolean): ((s: string) => boolean) | { error: string } {
  try {
    const re = compileSafeRegex(pattern, { i: caseInsensitive, m: false, s: true }, { fullMatch: true });
    return (s) => re.test(s);
  } catch (e) {
    if (e instanceof RegexSyntaxError) return { error: e.message };
    throw e;
  }
}

/** String form of a value for keys and string functions (numbers without a trailing .0). */
export function stringify(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/** A join-key component as a map key: the type is part of it, so 1 and "1" do not join. */
export function keyPart(v: unknown): string {
  if (v === null || v === undefined) return '\u0000null';
  if (typeof v === 'number') return 'n' + v;
  if (typeof v === 'boolean') return 'b' + v;
  if (typeof v === 'string') return 's' + v;
  return 'j' + JSON.stringify(v);
}

/** The distinct non-null values of a join-key field, in document order; [null] when it has none. */
export function keyValues(v: unknown): unknown[] {
  const vals = valuesOf(v);
  if (vals.length === 0) return [null];
  if (vals.length === 1) return vals;
  const seen = new Set<string>();
  const out: unknown[] = [];
  for (const x of vals) {
    const k = keyPart(x);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(x);
  }
  return out;
}
