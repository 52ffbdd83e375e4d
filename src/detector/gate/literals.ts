// What text a raw NDJSON line must contain for an EQL condition to be able to match the event it
// holds: a set of literals, at least one of which must occur in the line (compared ignoring ASCII
// case). Derived from the condition's string constants, so a line without any of them can be
// skipped before JSON.parse. Conservative by construction: whenever a condition could match
// without one of its constants appearing verbatim in the line, the answer is "no requirement".

import type { Expr } from '../eql/ast.js';

/** Literals (lowercase), one of which a matching line contains; [] = cannot match; null = no requirement. */
export type Need = { lits: string[]; pattern: boolean } | null;

export interface NeedContext {
  /** Fields whose value in the event may not be in the raw line (filled by enrichment, rewritten by the importer). */
  unsafeField(name: string): boolean;
  /** Process events always reach the rules anyway (enrichment needs them): a condition that only process events satisfy needs nothing from other lines. */
  assumeNotProcess: boolean;
}

export const IMPOSSIBLE: Need = { lits: [], pattern: true };
const MIN_LITERAL = 3;

/**
 * Runs of characters that every JSON encoder writes verbatim and that the importers copy as they
 * are: ASCII letters, digits and a few marks. Everything else (space: command lines are rebuilt
 * from args; `/`: may be written `\/`; quotes, backslash, `<>&'`, non-ASCII) splits the text.
 */
export function safePieces(s: string): string[] {
  return s.split(/[^A-Za-z0-9\-_.:,;=+@#%()[\]{}!?~^|]+/).filter((p) => p.length > 0);
}

/** The longest safe piece of a constant, lowercased; null when no piece is long enough to help. */
export function bestPiece(s: string): string | null {
  let best = '';
  for (const p of safePieces(s)) if (p.length > best.length) best = p;
  return best.length >= MIN_LITERAL ? best.toLowerCase() : null;
}

/** Pieces of a wildcard pattern (`*`, `?` split it; `\` escapes make it unsafe to split, so give up). */
function patternPiece(p: string): string | null {
  if (p.includes('\\')) return null;
  let best: string | null = null;
  for (const part of p.split(/[*?]/)) {
    const b = bestPiece(part);
    if (b && (!best || b.length > best.length)) best = b;
  }
  return best;
}

function minimise(lits: string[]): string[] {
  const uniq = [...new Set(lits)].sort((a, b) => a.length - b.length);
  const out: string[] = [];
  // A line that contains "openssl enc" also contains "openssl": keep the shorter only.
  for (const l of uniq) if (!out.some((o) => l.includes(o))) out.push(l);
  return out;
}

function or(a: Need, b: Need): Need {
  if (a === null || b === null) return null;
  return { lits: minimise([...a.lits, ...b.lits]), pattern: a.pattern && b.pattern };
}

/** A better requirement prunes more lines: constants an analyst wrote as patterns beat enumerations, then longer beats shorter. */
function score(n: { lits: string[]; pattern: boolean }): number {
  const shortest = Math.min(...n.lits.map((l) => l.length));
  return (n.pattern ? 1000 : 0) + shortest - n.lits.length / 100;
}

function and(a: Need, b: Need): Need {
  if (a && a.lits.length === 0) return a;
  if (b && b.lits.length === 0) return b;
  if (a === null) return b;
  if (b === null) return a;
  return score(a) >= score(b) ? a : b;
}

function fieldName(e: Expr): string | null {
  return e.k === 'field' ? e.name : null;
}

function strLit(e: Expr): string | null {
  return e.k === 'lit' && typeof e.v === 'string' ? e.v : null;
}

function constants(values: string[], pattern: boolean, wildcard: boolean): Need {
  const lits: string[] = [];
  for (const v of values) {
    const p = wildcard ? patternPiece(v) : bestPiece(v);
    if (!p) return null;
    lits.push(p);
  }
  return { lits: minimise(lits), pattern };
}

/** A condition on event.category: impossible on non-process lines if it admits only "process". */
function categoryNeed(values: string[], ctx: NeedContext): Need {
  return ctx.assumeNotProcess && values.length > 0 && values.every((v) => v.toLowerCase() === 'process') ? IMPOSSIBLE : null;
}

export function needOf(e: Expr, ctx: NeedContext): Need {
  switch (e.k) {
    case 'lit':
      return e.v === false || e.v === null ? IMPOSSIBLE : null;
    case 'and':
      return and(needOf(e.l, ctx), needOf(e.r, ctx));
    case 'or':
      return or(needOf(e.l, ctx), needOf(e.r, ctx));
    case 'cmp': {
      if (e.op !== '==') return null;
      const f = fieldName(e.l) ?? fieldName(e.r);
      const v = strLit(e.r) ?? strLit(e.l);
      if (f === null || v === null) return null;
      if (f === 'event.category') return categoryNeed([v], ctx);
      if (ctx.unsafeField(f)) return null;
      return constants([v], false, false);
    }
    case 'match': {
      if (e.negated) return null;
      const f = fieldName(e.l);
      if (f === null) return null;
      const values = e.patterns.map(strLit);
      if (values.some((v) => v === null)) return null;
      const vs = values as string[];
      if (f === 'event.category') return e.kind === 'in' || !vs.some((v) => /[*?]/.test(v)) ? categoryNeed(vs, ctx) : null;
      if (ctx.unsafeField(f) || e.kind === 'regex') return null;
      return constants(vs, e.kind !== 'in', e.kind === 'wildcard' || e.kind === 'like');
    }
    case 'call': {
      const name = e.name.toLowerCase();
      if (!['startswith', 'endswith', 'stringcontains'].includes(name)) return null;
      const f = e.args[0] ? fieldName(e.args[0]) : null;
      const vals = e.args.slice(1).map(strLit);
      if (f === null || vals.length === 0 || vals.some((v) => v === null) || ctx.unsafeField(f)) return null;
      return constants(vals as string[], true, false);
    }
    default:
      return null;
  }
}

/** Every field name a condition reads. */
export function fieldsOf(e: Expr, out: Set<string>): Set<string> {
  switch (e.k) {
    case 'field':
      out.add(e.name);
      break;
    case 'not':
    case 'neg':
      fieldsOf(e.e, out);
      break;
    case 'and':
    case 'or':
    case 'cmp':
    case 'arith':
      fieldsOf(e.l, out);
      fieldsOf(e.r, out);
      break;
    case 'match':
      fieldsOf(e.l, out);
      e.patterns.forEach((p) => fieldsOf(p, out));
      break;
    case 'call':
      e.args.forEach((a) => fieldsOf(a, out));
      break;
    case 'lit':
      break;
  }
  return out;
}
