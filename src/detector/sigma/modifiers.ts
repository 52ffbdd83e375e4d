// Value modifiers: turns one detection item (`Field|mod1|mod2: values`) into a predicate over
// an event. Every modifier of the specification (v2.1.0 appendix) is handled here; anything
// else, and every combination whose meaning the spec does not define, is rejected with the
// reason instead of being guessed.

import { cidrContains, parseCidr } from './cidr.js';
import { base64, base64offsets, toUtf8Bytes, utf16be, utf16bom, utf16le } from './encoding.js';
import { allLeafValues, readField, scalarText } from './event-fields.js';
import { compileSafeRegex, RegexSyntaxError } from '../common/safe-regex.js';
import { compileMultiPattern, type PatternLists } from '../common/multi-pattern.js';
import { applyWindash, compileGlob, formatSigmaString, hasWildcards, literal, parseSigmaString, plainText, type SigmaString } from './sigma-string.js';

export type EventPredicate = (event: unknown) => boolean;

/** Thrown by the compiler; the rule loader adds file and line. */
export class ModifierError extends Error {
  constructor(
    message: string,
    readonly unsupported: boolean,
    /** Index of the offending value in the item's value list, when one value is to blame. */
    readonly valueIndex?: number,
  ) {
    super(message);
  }
}

export interface ItemContext {
  /** Sigma name → ECS path (already merged with the defaults); identity when absent. */
  mapField(name: string): string;
  /** Rule value translation for a field (Initiated: true → egress), lowercased keys. */
  valueMap(name: string): Record<string, string> | undefined;
  /** Values of `%name%`, or undefined when the placeholder is not configured. */
  placeholder(name: string): string[] | undefined;
}

const TRANSFORMS = ['expand', 'windash', 'utf16le', 'utf16be', 'utf16', 'wide', 'base64', 'base64offset', 'contains', 'startswith', 'endswith'] as const;
const COMPARE = ['lt', 'lte', 'gt', 'gte'] as const;
const TIME_PARTS = ['minute', 'hour', 'day', 'week', 'month', 'year'] as const;
const FLAGS = ['all', 'cased', 'neq'] as const;
const RE_FLAGS = ['i', 'm', 's'] as const;
const TYPES = ['re', 'cidr', 'exists', 'fieldref'] as const;

export const KNOWN_MODIFIERS: ReadonlySet<string> = new Set<string>([...TRANSFORMS, ...COMPARE, ...TIME_PARTS, ...FLAGS, ...RE_FLAGS, ...TYPES]);

const has = (mods: string[], ...names: string[]): boolean => names.some((n) => mods.includes(n));

/**
 * @param field Sigma field name, or null for a keyword (field-less) item.
 * @param mods  modifiers in the order written.
 * @param raw   the value(s) as parsed from YAML (a list means OR, or AND with `all`).
 */
export function compileItem(field: string | null, mods: string[], raw: unknown, ctx: ItemContext): EventPredicate {
  for (const m of mods) {
    if (!KNOWN_MODIFIERS.has(m)) throw new ModifierError(`unknown modifier '${m}'`, true);
  }
  const dup = mods.find((m, i) => mods.indexOf(m) !== i);
  if (dup) throw new ModifierError(`modifier '${dup}' is given twice`, false);
  const values: unknown[] = Array.isArray(raw) ? raw : [raw];
  if (values.length === 0) throw new ModifierError('an empty list of values matches nothing; remove the item or give values', false);
  values.forEach((v, i) => {
    if (v !== null && typeof v === 'object') throw new ModifierError('a value must be a string, number, boolean or null, not a map or list', false, i);
  });
  const all = has(mods, 'all');
  if (all && values.length < 2) throw new ModifierError("'all' needs a list of at least two values (the spec forbids it on a single value)", false);
  for (const f of RE_FLAGS) {
    if (mods.includes(f) && !mods.includes('re')) throw new ModifierError(`'${f}' is a sub-modifier of 're' and needs 're' before it`, false);
  }
  const timePart = TIME_PARTS.filter((t) => mods.includes(t));
  if (timePart.length > 1) throw new ModifierError(`only one time modifier per item (got ${timePart.join(', ')})`, false);

  const ecs = field === null ? null : ctx.mapField(field);
  const read = (ev: unknown): { present: boolean; texts: string[]; raw: unknown[] } => {
    if (ecs === null) return { present: true, texts: allLeafValues(ev), raw: [] };
    const r = readField(ev, ecs);
    const rawVals = r.values;
    let texts = rawVals.map(scalarText).filter((x): x is string => x !== undefined);
    if (timePart[0]) texts = texts.map((t) => extractTimePart(t, timePart[0]!)).filter((x): x is string => x !== undefined);
    return { present: r.present, texts, raw: rawVals };
  };

  // exists: a presence test only.
  if (mods.includes('exists')) {
    if (field === null) throw new ModifierError("'exists' needs a field", false);
    if (mods.length > 1) throw new ModifierError("'exists' cannot be combined with other modifiers", false);
    if (values.length !== 1 || typeof values[0] !== 'boolean') throw new ModifierError("'exists' takes true or false", false, 0);
    const want = values[0];
    return (ev) => readField(ev, ecs!).present === want;
  }

  const neq = mods.includes('neq');
  const combine = (tests: Array<(text: string) => boolean>): EventPredicate => {
    if (neq) {
      // neq: the field has a value and it equals none of the listed values.
      return (ev) => {
        const r = read(ev);
        return r.texts.length > 0 && !r.texts.some((t) => tests.some((f) => f(t)));
      };
    }
    if (all) return (ev) => {
      const r = read(ev);
      return tests.every((f) => r.texts.some((t) => f(t)));
    };
    return (ev) => {
      const r = read(ev);
      return r.texts.some((t) => tests.some((f) => f(t)));
    };
  };

  const typeMods = TYPES.filter((t) => mods.includes(t));
  if (typeMods.length > 1) throw new ModifierError(`'${typeMods[0]}' and '${typeMods[1]}' cannot be combined`, false);
  const cased = mods.includes('cased');

  if (mods.includes('fieldref')) {
    if (field === null) throw new ModifierError("'fieldref' needs a field", false);
    const allowed = new Set(['fieldref', 'contains', 'startswith', 'endswith', 'cased', 'neq', 'all']);
    const bad = mods.find((m) => !allowed.has(m));
    if (bad) throw new ModifierError(`'fieldref' cannot be combined with '${bad}'`, true);
    const refs = values.map((v, i) => {
      if (typeof v !== 'string' || !v) throw new ModifierError("'fieldref' takes field names", false, i);
      return ctx.mapField(v);
    });
    const shape = mods.includes('contains') ? 'contains' : mods.includes('startswith') ? 'startswith' : mods.includes('endswith') ? 'endswith' : 'eq';
    const fold = (s: string): string => (cased ? s : s.toLowerCase());
    const cmp = (a: string, b: string): boolean => {
      const x = fold(a);
      const y = fold(b);
      return shape === 'eq' ? x === y : shape === 'contains' ? x.includes(y) : shape === 'startswith' ? x.startsWith(y) : x.endsWith(y);
    };
    return (ev) => {
      const mine = read(ev).texts;
      const results = refs.map((ref) => {
        const other = readField(ev, ref).values.map(scalarText).filter((x): x is string => x !== undefined);
        if (mine.length === 0 || other.length === 0) return neq ? false : false;
        const eq = mine.some((a) => other.some((b) => cmp(a, b)));
        return neq ? !eq : eq;
      });
      return all ? results.every(Boolean) : results.some(Boolean);
    };
  }

  if (mods.includes('re')) {
    const allowed = new Set(['re', 'i', 'm', 's', 'all', 'neq', ...TIME_PARTS]);
    const bad = mods.find((m) => !allowed.has(m));
    if (bad) throw new ModifierError(`'re' cannot be combined with '${bad}' (the pattern is used as written)`, true);
    const tests = values.map((v, i) => {
      if (typeof v !== 'string') throw new ModifierError("'re' takes a string pattern", false, i);
      try {
        const rx = compileSafeRegex(v, { i: mods.includes('i'), m: mods.includes('m'), s: mods.includes('s') });
        return (t: string) => rx.test(t);
      } catch (e) {
        if (e instanceof RegexSyntaxError) throw new ModifierError(`regular expression rejected: ${e.message}`, true, i);
        throw e;
      }
    });
    return combine(tests);
  }

  if (mods.includes('cidr')) {
    const allowed = new Set(['cidr', 'all', 'neq']);
    const bad = mods.find((m) => !allowed.has(m));
    if (bad) throw new ModifierError(`'cidr' cannot be combined with '${bad}'`, true);
    const tests = values.map((v, i) => {
      const net = typeof v === 'string' ? parseCidr(v) : undefined;
      if (!net) throw new ModifierError(`'${String(v)}' is not an IPv4 or IPv6 network (write e.g. 10.0.0.0/8 or fd00::/8)`, false, i);
      return (t: string) => cidrContains(net, t);
    });
    return combine(tests);
  }

  const cmp = COMPARE.filter((c) => mods.includes(c));
  if (cmp.length > 0) {
    if (cmp.length > 1) throw new ModifierError(`only one of lt/lte/gt/gte per item (got ${cmp.join(', ')}); use two items for a range`, false);
    const allowed = new Set<string>([...cmp, 'all', ...TIME_PARTS]);
    const bad = mods.find((m) => !allowed.has(m));
    if (bad) throw new ModifierError(`'${cmp[0]}' cannot be combined with '${bad}'`, true);
    const op = cmp[0]!;
    const tests = values.map((v, i) => {
      const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
      if (!Number.isFinite(n)) throw new ModifierError(`'${op}' takes a number`, false, i);
      return (t: string) => {
        const x = Number(t);
        if (t.trim() === '' || !Number.isFinite(x)) return false;
        return op === 'lt' ? x < n : op === 'lte' ? x <= n : op === 'gt' ? x > n : x >= n;
      };
    });
    return combine(tests);
  }

  // Plain values through the transformation chain.
  const valueMap = field === null ? undefined : ctx.valueMap(field);
  const nullWanted: boolean[] = [];
  const tests: Array<(t: string) => boolean> = [];
  const perValue: SigmaString[][] = [];
  values.forEach((v, i) => {
    if (v === null) {
      if (mods.some((m) => m !== 'neq' && m !== 'all')) throw new ModifierError('null cannot take value modifiers', false, i);
      nullWanted.push(true);
      return;
    }
    let text = scalarText(v)!;
    if (valueMap && !mods.some((m) => (TRANSFORMS as readonly string[]).includes(m))) text = valueMap[text.toLowerCase()] ?? text;
    let strings: SigmaString[] = [typeof v === 'string' ? parseSigmaString(text, { placeholders: mods.includes('expand') }) : literal(text)];
    let bytes = false;
    for (const m of mods) {
      switch (m) {
        case 'expand':
          strings = strings.flatMap((s) => expandPlaceholders(s, ctx, i));
          break;
        case 'windash':
          strings = strings.map(applyWindash);
          break;
        case 'utf16le':
        case 'wide':
        case 'utf16be':
        case 'utf16': {
          if (bytes) throw new ModifierError(`'${m}' after another encoding modifier`, false, i);
          const enc = m === 'utf16be' ? utf16be : m === 'utf16' ? utf16bom : utf16le;
          strings = strings.map((s) => literal(enc(requirePlain(s, m, i))));
          bytes = true;
          break;
        }
        case 'base64':
        case 'base64offset': {
          const toBytes = (s: SigmaString): string => (bytes ? requirePlain(s, m, i) : toUtf8Bytes(requirePlain(s, m, i)));
          strings = m === 'base64' ? strings.map((s) => literal(base64(toBytes(s)))) : strings.flatMap((s) => base64offsets(toBytes(s)).map(literal));
          bytes = false;
          break;
        }
        case 'contains':
          strings = strings.map((s) => [{ k: 'star' }, ...s, { k: 'star' }] as SigmaString);
          break;
        case 'startswith':
          strings = strings.map((s) => [...s, { k: 'star' }] as SigmaString);
          break;
        case 'endswith':
          strings = strings.map((s) => [{ k: 'star' }, ...s] as SigmaString);
          break;
      }
    }
    if (field === null) strings = strings.map((s) => [{ k: 'star' }, ...s, { k: 'star' }] as SigmaString);
    perValue.push(strings);
  });
  const flat = perValue.flat();
  if (!all && flat.length >= MULTI_PATTERN_MIN) tests.push(compileValueList(flat, cased));
  else {
    for (const strings of perValue) {
      const globs = strings.map((s) => compileGlob(s, cased));
      tests.push((t) => globs.some((g) => g(t)));
    }
  }
  if (nullWanted.length > 0 && field === null) throw new ModifierError('null needs a field', false);
  const positive = tests.length > 0 ? combine(tests) : undefined;
  if (nullWanted.length === 0) return positive!;
  // null: the field is missing or null. neq null: the field has a value.
  const isNull: EventPredicate = (ev) => readField(ev, ecs!).values.every((x) => x === null);
  if (neq) return (ev) => !isNull(ev) && (positive ? positive(ev) : true);
  if (!positive) return isNull;
  if (all) return (ev) => isNull(ev) && positive(ev);
  return (ev) => isNull(ev) || positive(ev);
}

/** From this many values (after modifiers) on, the plain ones of an OR list share one matcher. */
export const MULTI_PATTERN_MIN = 16;

/** A plain value's shape: literal text with wildcards only at its ends (what contains/startswith/endswith make). */
function plainShape(s: SigmaString): { kind: keyof PatternLists; text: string } | undefined {
  let a = 0;
  let b = s.length;
  while (a < b && s[a]!.k === 'star') a++;
  while (b > a && s[b - 1]!.k === 'star') b--;
  let text = '';
  for (let i = a; i < b; i++) {
    const p = s[i]!;
    if (p.k !== 'lit') return undefined;
    text += p.s;
  }
  if (a === b && a > 0) return undefined; // only stars: matches every text, leave it to the glob
  const lead = a > 0;
  const trail = b < s.length;
  return { kind: lead && trail ? 'contains' : lead ? 'suffixes' : trail ? 'prefixes' : 'exact', text };
}

/**
 * An OR list of values as one test: the plain ones (exact, prefix, suffix, contains) in one
 * linear-time multi-pattern matcher, the rest (inner wildcards, windash) as globs. Same answers
 * as testing each value's glob in turn (test/detector/sigma-multi-pattern.test.ts).
 */
function compileValueList(strings: SigmaString[], cased: boolean): (t: string) => boolean {
  const fold = (x: string): string => (cased ? x : x.toLowerCase());
  const lists: Required<{ [K in keyof PatternLists]: string[] }> = { exact: [], prefixes: [], suffixes: [], contains: [] };
  const globs: Array<(t: string) => boolean> = [];
  for (const s of strings) {
    const shape = plainShape(s);
    if (shape) lists[shape.kind].push(fold(shape.text));
    else globs.push(compileGlob(s, cased));
  }
  const multi = compileMultiPattern(lists);
  if (!globs.length) return (t) => multi(fold(t));
  return (t) => multi(fold(t)) || globs.some((g) => g(t));
}

function requirePlain(s: SigmaString, mod: string, i: number): string {
  if (hasWildcards(s))
    throw new ModifierError(`'${mod}' encodes bytes, so the value cannot hold wildcards ('${formatSigmaString(s)}'); put contains/startswith/endswith after it`, false, i);
  return plainText(s);
}

function expandPlaceholders(s: SigmaString, ctx: ItemContext, i: number): SigmaString[] {
  let outs: SigmaString[] = [[]];
  for (const p of s) {
    if (p.k !== 'ph') {
      outs = outs.map((o) => [...o, p]);
      continue;
    }
    const vals = ctx.placeholder(p.name);
    if (vals === undefined)
      throw new ModifierError(`placeholder '%${p.name}%' is not defined: add it to rules/config/sigma-placeholders.yaml (or the detector config lists)`, false, i);
    if (vals.length === 0) return [];
    outs = outs.flatMap((o) => vals.map((v) => [...o, ...parseSigmaString(v)]));
    if (outs.length > 10_000) throw new ModifierError(`placeholders expand to more than 10000 values`, true, i);
  }
  return outs;
}

/** Time modifiers read a number out of an ISO 8601 timestamp (UTC; no zone conversion, per spec). */
function extractTimePart(text: string, part: (typeof TIME_PARTS)[number]): string | undefined {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) return undefined;
  const d = new Date(ms);
  switch (part) {
    case 'minute':
      return String(d.getUTCMinutes());
    case 'hour':
      return String(d.getUTCHours());
    case 'day':
      return String(d.getUTCDate());
    case 'month':
      return String(d.getUTCMonth() + 1);
    case 'year':
      return String(d.getUTCFullYear());
    case 'week': {
      // ISO 8601 week number: the week with the year's first Thursday is week 1.
      const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
      const dow = t.getUTCDay() || 7;
      t.setUTCDate(t.getUTCDate() + 4 - dow);
      const yearStart = Date.UTC(t.getUTCFullYear(), 0, 1);
      return String(Math.ceil(((t.getTime() - yearStart) / 86_400_000 + 1) / 7));
    }
  }
}
