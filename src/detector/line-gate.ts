// The raw-line prefilter: decides, before JSON.parse, that an NDJSON line cannot change any rule's
// state or alert, so the caller may skip parsing it. Compiled from the rules (literals their
// conditions need, see gate/literals.ts) and consulted with the rules' live state (a line that
// could only advance a partial sequence is kept only while one is open, and only if it contains
// one of the open join-key values).
//
// What it assumes, and why the result is the same as without it:
// - The line holds one ECS event whose field values appear verbatim as JSON strings (the ECS
//   importer copies them; fields it rewrites are never used as literals: see REWRITTEN).
// - With enrichment on, process events always pass (the process table needs them), and fields
//   enrichment may fill (process.*, user.*) are never used as literals or key values.
// - Literals compare ignoring ASCII case; a line with non-ASCII text or a \u escape always passes
//   (Unicode case folding could make it match).
// - A line that only open state could use is not judged on arrival but at its turn in time order
//   (it waits in the reorder buffer like an event), so the state it is judged by is exactly the
//   state its event would meet. Every line's time moves the buffer's clock as its event would.
// - A line whose time is not written plainly (see rawTimestamp) is parsed.

import type { GateContext, RuleGate, StreamRule } from './types.js';

/** What the state-free half of the prefilter needs: plain data, so a worker thread can rebuild it. */
export interface ClassifierParams {
  enrich: boolean;
  /** Lowercase start literals. */
  literals: string[];
  /** Categories of each rule's follower steps (null = any). */
  followerCategories: Array<string[] | null>;
}

export type Verdict = 'parse' | 'drop' | 'wait';

/** The state-free half: what a line is on arrival (see LineGate.classify). */
export function createLineClassifier(p: ClassifierParams): (line: string) => { verdict: Verdict; cats: string[] | null } {
  // Any start literal or a \u escape; non-ASCII text is found apart (below), as counting UTF-8
  // bytes in native code is faster than a regex scan for it.
  const startRe = new RegExp([...p.literals.map(escapeRegExp), '\\\\u'].join('|'), 'i');
  const followers = p.followerCategories.map((c) => (c ? new Set(c) : null));
  const mayFollow = (cats: string[] | null): boolean => followers.some((f) => !f || !cats || cats.some((c) => f.has(c)));
  return (line) => {
    const cats = rawCategories(line);
    if ((p.enrich && (cats === null || cats.includes('process'))) || Buffer.byteLength(line, 'utf8') !== line.length || startRe.test(line)) return { verdict: 'parse', cats };
    return { verdict: mayFollow(cats) ? 'wait' : 'drop', cats };
  };
}

export interface LineGate {
  /** The state-free half as plain data (for createLineClassifier in another thread). */
  params(): ClassifierParams;
  /**
   * On arrival: `parse` it now; `drop` it (no rule can use it, whatever their state); or `wait`
   * (only partial state could use it: ask `usefulNow` when its turn comes in time order).
   */
  classify(line: string): 'parse' | 'drop' | 'wait';
  /** The categories `classify` read from the line it judged last (rawCategories). */
  lastCategories(): string[] | null;
  /** At the line's turn (every earlier event evaluated): could the rules' open state use it? */
  usefulNow(line: string, cats: string[] | null): boolean;
  stats(): { parsed: number; skipped: number; literals: string[] };
  /** Counts a line that `usefulNow` let through (for stats). */
  countParsed(): void;
  /** Counts a line dropped by a classifier in another thread. */
  countSkipped(): void;
}

/** Fields the ECS importer may rewrite (renamed actions, defaults, normalised times and directions). */
const REWRITTEN = new Set([
  '@timestamp',
  'event.id',
  'event.kind',
  'event.category',
  'event.type',
  'event.action',
  'event.dataset',
  'event.sequence',
  'network.direction',
  'process.start',
  'process.args_count',
]);

export function gateContext(enrich: boolean): GateContext {
  return {
    enrich,
    unsafeField: (name) => REWRITTEN.has(name) || (enrich && (name.startsWith('process.') || name.startsWith('user.'))),
  };
}

const WS = new Set([' ', '\t', '\r', '\n']);

/**
 * The values of every `…category": …` key in a raw line (event.category in nested, dotted or
 * `fields` form; other keys ending in "category" only add values). null = none found or not
 * plainly written: the category is then unknown.
 */
export function rawCategories(line: string): string[] | null {
  let i = nextCategoryKey(line, 0);
  if (i < 0) return null;
  const out: string[] = [];
  while (i >= 0) {
    let j = i + 9;
    while (WS.has(line[j]!)) j++;
    if (line[j] !== ':') return null;
    j++;
    while (WS.has(line[j]!)) j++;
    if (line[j] === '"') {
      j = readString(line, j, out);
      if (j < 0) return null;
    } else if (line[j] === '[') {
      j++;
      for (;;) {
        while (WS.has(line[j]!)) j++;
        if (line[j] === ']') break;
        if (line[j] !== '"') return null;
        j = readString(line, j, out);
        if (j < 0) return null;
        while (WS.has(line[j]!)) j++;
        if (line[j] === ',') j++;
        else if (line[j] !== ']') return null;
      }
    } else return null;
    i = nextCategoryKey(line, j);
  }
  return out;
}

/**
 * The next `category"` at or after `from`, or -1. Searching for `gory"` and checking the four
 * characters before is much faster when there is none (V8 trips on the common first letter).
 */
function nextCategoryKey(line: string, from: number): number {
  for (let k = line.indexOf('gory"', from + 4); k >= 0; k = line.indexOf('gory"', k + 1)) if (line.startsWith('cate', k - 4)) return k - 4;
  return -1;
}

/** The JSON string starting at `j` (a quote) into `out`; the index after it, or -1 if it has escapes. */
function readString(line: string, j: number, out: string[]): number {
  const end = line.indexOf('"', j + 1);
  if (end < 0) return -1;
  const s = line.slice(j + 1, end);
  if (s.includes('\\')) return -1;
  out.push(s);
  return end + 1;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** null when some rule cannot say what it needs (then every line must be parsed). */
export function createLineGate(rules: readonly StreamRule[], ctx: GateContext): LineGate | null {
  const infos: RuleGate[] = [];
  for (const r of rules) {
    const g = r.gate?.(ctx);
    if (!g || g.start === null) return null;
    infos.push(g);
  }
  const literals = [...new Set(infos.flatMap((g) => g.start!))].sort();
  const followers = infos.flatMap((g) => (g.follow ? [g.follow] : []));
  const params: ClassifierParams = { enrich: ctx.enrich, literals, followerCategories: followers.map((f) => (f.categories ? [...f.categories] : null)) };
  const classifier = createLineClassifier(params);
  let parsed = 0;
  let skipped = 0;
  let lastCats: string[] | null = null;
  // The followers with open state, rebuilt only when some rule's state changed.
  let openVersion = -1;
  let open: Array<{ categories: ReadonlySet<string> | null; values: string[] | null }> = [];
  const openFollowers = (): typeof open => {
    let v = 0;
    for (const f of followers) v += f.version();
    if (v === openVersion) return open;
    openVersion = v;
    // Followers of the same categories are merged and their values deduplicated: rules that join
    // on the same key (every DET0503 rule joins by host.id) would otherwise search a line for the
    // same value once per rule.
    const groups = new Map<string, { categories: ReadonlySet<string> | null; values: Set<string> | null }>();
    const add = (categories: ReadonlySet<string> | null, values: string[] | null): void => {
      const key = categories ? [...categories].sort().join('\n') : '*';
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { categories, values: new Set() }));
      if (values === null) g.values = null;
      else if (g.values) for (const x of values) g.values.add(x);
    };
    for (const f of followers) {
      const st = f.state();
      if (st.waiting) add(null, null);
      else if (st.open) add(f.categories, st.values);
    }
    open = [...groups.values()].map((g) => ({ categories: g.categories, values: g.values ? [...g.values] : null }));
    return open;
  };
  return {
    params: () => params,
    lastCategories: () => lastCats,
    classify(line) {
      const c = classifier(line);
      lastCats = c.cats;
      if (c.verdict === 'parse') parsed++;
      else if (c.verdict === 'drop') skipped++;
      return c.verdict;
    },
    countSkipped: () => void skipped++,
    usefulNow(line, cats) {
      const open = openFollowers();
      for (let k = 0; k < open.length; k++) {
        const o = open[k]!;
        if (o.categories && cats && !cats.some((c) => o.categories!.has(c))) continue;
        if (o.values === null) return true;
        for (let v = 0; v < o.values.length; v++) if (line.includes(o.values[v]!)) return true;
      }
      skipped++;
      return false;
    },
    countParsed: () => void parsed++,
    stats: () => ({ parsed, skipped, literals }),
  };
}

const TS_KEY = '"@timestamp"';
const CANONICAL_TS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?Z$/;

/**
 * The event time of a raw line in epoch ms, when it is written plainly (one "@timestamp", ISO 8601
 * UTC with at most microseconds, which every importer reads to the same millisecond); else null.
 */
export function rawTimestamp(line: string): number | null {
  const i = line.indexOf(TS_KEY);
  // A second key would win in JSON.parse. Most lines have no other '@' at all: a one-character
  // search is far cheaper than searching for the key.
  if (i < 0 || (line.indexOf('@', i + TS_KEY.length) >= 0 && line.indexOf(TS_KEY, i + TS_KEY.length) >= 0)) return null;
  let j = i + TS_KEY.length;
  while (WS.has(line[j]!)) j++;
  if (line[j] !== ':') return null;
  j++;
  while (WS.has(line[j]!)) j++;
  if (line[j] !== '"') return null;
  const end = line.indexOf('"', j + 1);
  if (end < 0 || end - j > 40) return null;
  const s = line.slice(j + 1, end);
  if (!CANONICAL_TS.test(s)) return null;
  // Lines in a row mostly share their second: its epoch is reused, the milliseconds read here.
  if (s.length === 27 && s.startsWith(lastSecond)) return lastSecondMs + Number(s.slice(20, 23));
  const t = Date.parse(s);
  if (Number.isNaN(t)) return null;
  if (s.length === 27) {
    lastSecond = s.slice(0, 19);
    lastSecondMs = t - (t % 1000 + 1000) % 1000;
  }
  return t;
}

// The second (YYYY-MM-DDTHH:MM:SS) rawTimestamp read last, and its epoch in ms.
let lastSecond = '\0';
let lastSecondMs = 0;
