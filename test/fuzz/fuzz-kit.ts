// Shared pieces of the fuzz suites: how many cases (bounded in `npm test`, FUZZ_RUNS for `npm run
// fuzz`), mutators that start from real inputs (a random string rarely gets past the first
// character of a parser), and the properties every parser must keep: it returns or throws a
// PurpleError that says where, it never throws anything else, and it never takes long.

import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isPurpleError, type TelemetryEvent } from '../../src/model/index.js';

/** Cases per property: the suite's default, or FUZZ_RUNS (the long run sets it). */
export function fuzzRuns(defaultRuns: number): number {
  const n = Number(process.env.FUZZ_RUNS);
  return Number.isInteger(n) && n > 0 ? n : defaultRuns;
}

/** fast-check parameters: FUZZ_SEED replays a reported failure. */
export function fuzzParams(defaultRuns: number): fc.Parameters<unknown> {
  const seed = Number(process.env.FUZZ_SEED);
  return { numRuns: fuzzRuns(defaultRuns), includeErrorInReport: true, ...(Number.isInteger(seed) ? { seed } : {}) };
}

/** One case may take this long; a parser that goes super-linear on some input fails here. */
export const CASE_BUDGET_MS = Number(process.env.FUZZ_CASE_MS) || 3000;

export function withinBudget<T>(label: string, input: unknown, f: () => T): T {
  const t = performance.now();
  try {
    return f();
  } finally {
    const ms = performance.now() - t;
    if (ms > CASE_BUDGET_MS) assert.fail(`${label} took ${ms.toFixed(0)} ms (budget ${CASE_BUDGET_MS}) on ${JSON.stringify(input).slice(0, 400)}`);
  }
}

/**
 * Runs f; a thrown error must be a PurpleError with a location (at least a file or a line) and a
 * message. Anything else — TypeError, RangeError, a plain Error — is a bug in the parser.
 */
export function expectOkOrLocatedError<T>(label: string, input: unknown, f: () => T, opts: { needLine?: boolean } = {}): T | undefined {
  return withinBudget(label, input, () => {
    try {
      return f();
    } catch (e) {
      if (!isPurpleError(e)) {
        assert.fail(`${label} threw ${(e as Error)?.name ?? typeof e}: ${(e as Error)?.message ?? String(e)}\n  on ${JSON.stringify(input).slice(0, 400)}\n${(e as Error)?.stack ?? ''}`);
      }
      assert.ok(e.message.length > 0, `${label}: empty error message`);
      const { file, line } = e.location;
      if (opts.needLine) assert.ok(line !== undefined && line >= 1, `${label}: error without a line: ${e.message} on ${JSON.stringify(input).slice(0, 200)}`);
      else assert.ok(file !== undefined || line !== undefined, `${label}: error without a location: ${e.message}`);
      return undefined;
    }
  });
}

type Mutation =
  | { op: 'delete'; at: number; len: number }
  | { op: 'insert'; at: number; text: string }
  | { op: 'duplicate'; at: number; len: number; to: number }
  | { op: 'truncate'; at: number }
  | { op: 'swap'; a: number; b: number; len: number };

function applyMutation(s: string, m: Mutation): string {
  const n = s.length;
  const pos = (x: number): number => (n === 0 ? 0 : x % (n + 1));
  switch (m.op) {
    case 'delete': {
      const at = pos(m.at);
      return s.slice(0, at) + s.slice(at + m.len);
    }
    case 'insert': {
      const at = pos(m.at);
      return s.slice(0, at) + m.text + s.slice(at);
    }
    case 'duplicate': {
      const at = pos(m.at);
      const piece = s.slice(at, at + m.len);
      const to = pos(m.to);
      return s.slice(0, to) + piece + s.slice(to);
    }
    case 'truncate':
      return s.slice(0, pos(m.at));
    case 'swap': {
      const a = pos(m.a);
      const b = pos(m.b);
      const [x, y] = a < b ? [a, b] : [b, a];
      if (y - x < m.len) return s;
      return s.slice(0, x) + s.slice(y, y + m.len) + s.slice(x + m.len, y) + s.slice(x, x + m.len) + s.slice(y + m.len);
    }
  }
}

/** Text from a seed with a few edits; inserted text comes from the format's own tokens or is arbitrary. */
export function mutatedText(seeds: readonly string[], tokens: readonly string[], opts: { maxEdits?: number } = {}): fc.Arbitrary<string> {
  const piece = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...tokens) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 6 }) },
    { weight: 1, arbitrary: fc.constantFrom('\n', '\r\n', '\0', '\\', '"', "'", '\u2028', '\ud800', '😀', ' ', '\t') },
  );
  const mutation: fc.Arbitrary<Mutation> = fc.oneof(
    fc.record({ op: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 24 }) }),
    fc.record({ op: fc.constant('insert' as const), at: fc.nat(), text: piece }),
    fc.record({ op: fc.constant('insert' as const), at: fc.nat(), text: fc.array(piece, { minLength: 1, maxLength: 6 }).map((x) => x.join('')) }),
    fc.record({ op: fc.constant('duplicate' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 60 }), to: fc.nat() }),
    fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
    fc.record({ op: fc.constant('swap' as const), a: fc.nat(), b: fc.nat(), len: fc.integer({ min: 1, max: 12 }) }),
  );
  return fc
    .tuple(fc.constantFrom(...seeds), fc.array(mutation, { minLength: 1, maxLength: opts.maxEdits ?? 5 }))
    .map(([seed, ms]) => ms.reduce(applyMutation, seed));
}

/** Token soup: the format's tokens in random order (for grammars: deep nesting, odd orders). */
export function tokenSoup(tokens: readonly string[], maxLength = 30): fc.Arbitrary<string> {
  return fc.array(fc.constantFrom(...tokens), { maxLength }).map((x) => x.join(''));
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function pathsOf(v: Json, prefix: Array<string | number> = [], out: Array<Array<string | number>> = []): Array<Array<string | number>> {
  out.push(prefix);
  if (Array.isArray(v)) v.forEach((x, i) => pathsOf(x, [...prefix, i], out));
  else if (v !== null && typeof v === 'object') for (const k of Object.keys(v)) pathsOf(v[k] as Json, [...prefix, k], out);
  return out;
}

function getAt(root: Json, path: Array<string | number>): Json | undefined {
  let cur: Json | undefined = root;
  for (const k of path) cur = cur !== null && typeof cur === 'object' ? (cur as Record<string, Json>)[k as string] : undefined;
  return cur;
}

function setAt(root: Json, path: Array<string | number>, value: Json | undefined): Json {
  if (path.length === 0) return value === undefined ? null : value;
  const copy: Json = structuredClone(root);
  let cur: Json = copy;
  for (const k of path.slice(0, -1)) cur = (cur as Record<string, Json>)[k as string] as Json;
  const last = path[path.length - 1]!;
  if (value === undefined) {
    if (Array.isArray(cur)) cur.splice(last as number, 1);
    else delete (cur as Record<string, Json>)[last as string];
  } else (cur as Record<string, Json>)[last as string] = value;
  return copy;
}

/** Nasty values for a JSON field: other types, extremes, odd strings. */
const oddJson: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(null, true, false, 0, -1, 1e308, -1e308, 2 ** 53 + 1, 0.5, '', ' ', '0', '-1', 'NaN', '1e999', '2024-13-45T99:99:99Z', '::', '256.1.1.1', '[]', '{}', [], {}, [null], { '': null }, 'x'.repeat(5000)),
  fc.integer({ min: -(2 ** 31), max: 2 ** 33 }),
  fc.double({ noNaN: true }).filter(Number.isFinite),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>,
);

/**
 * A JSON line from a seed object with a few fields replaced by values of other types, deleted, or
 * added: the type confusion that breaks field mappers (args that are a number, a pid that is an
 * object, a timestamp that is not a date).
 */
export function mutatedJsonLine(seeds: readonly string[]): fc.Arbitrary<string> {
  const objs = seeds.map((s) => JSON.parse(s) as Json);
  const edit = fc.record({ pick: fc.nat(), kind: fc.constantFrom('replace', 'replace', 'replace', 'delete', 'add'), value: oddJson, key: fc.constantFrom('x', 'args', 'pid', 'name', 'path', 'event', 'process', '@timestamp', 'time') });
  return fc.tuple(fc.nat({ max: objs.length - 1 }), fc.array(edit, { minLength: 1, maxLength: 4 })).map(([i, edits]) => {
    let v = objs[i]!;
    for (const e of edits) {
      const paths = pathsOf(v);
      const path = paths[e.pick % paths.length]!;
      if (e.kind === 'delete') v = setAt(v, path, undefined);
      else if (e.kind === 'add') {
        // Add a field to the object at the chosen path, or to the root when that is not an object.
        const at = getAt(v, path);
        const target = at !== null && typeof at === 'object' && !Array.isArray(at) ? path : [];
        const root = getAt(v, target);
        if (root !== null && typeof root === 'object' && !Array.isArray(root)) v = setAt(v, [...target, e.key], e.value);
      } else v = setAt(v, path, e.value);
    }
    try {
      return JSON.stringify(v);
    } catch {
      return '{}';
    }
  });
}

/** Invariants of a normalised event every consumer relies on. */
export function checkEvent(label: string, ev: TelemetryEvent, input: unknown): void {
  const where = `${label}: event ${JSON.stringify(ev).slice(0, 300)} from ${JSON.stringify(input).slice(0, 300)}`;
  const ts = (ev as { '@timestamp'?: unknown })['@timestamp'];
  assert.equal(typeof ts, 'string', `${where}: @timestamp is not a string`);
  assert.ok(!Number.isNaN(Date.parse(ts as string)), `${where}: @timestamp ${String(ts)} is not a date`);
  const cat = (ev as { event?: { category?: unknown } }).event?.category;
  assert.ok(typeof cat === 'string' || (Array.isArray(cat) && cat.every((c) => typeof c === 'string')), `${where}: event.category missing`);
  // Must survive NDJSON output.
  assert.doesNotThrow(() => JSON.stringify(ev), `${where}: not serialisable`);
}
