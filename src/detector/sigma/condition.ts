// The detection condition grammar, precedence from least to most binding:
// or < and < not < `1 of` / `all of` < ( … ). Also used for the boolean condition of
// temporal correlations, where identifiers are rule names.

export type CondNode =
  | { t: 'id'; name: string; offset: number }
  | { t: 'of'; q: 'one' | 'all'; pattern: string | null; offset: number }
  | { t: 'not'; e: CondNode }
  | { t: 'and'; items: CondNode[] }
  | { t: 'or'; items: CondNode[] };

export class ConditionError extends Error {
  constructor(
    message: string,
    readonly offset: number,
    readonly unsupported = false,
  ) {
    super(message);
  }
}

interface Tok {
  kind: 'lp' | 'rp' | 'word' | 'pipe' | 'end';
  text: string;
  offset: number;
}

function tokenize(src: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '(') toks.push({ kind: 'lp', text: c, offset: i++ });
    else if (c === ')') toks.push({ kind: 'rp', text: c, offset: i++ });
    else if (c === '|') {
      // Whatever follows a pipe is Sigma 1 aggregation syntax; the parser rejects it as such.
      toks.push({ kind: 'pipe', text: c, offset: i });
      i = src.length;
    }
    else {
      const m = /^[A-Za-z0-9_*.\-]+/.exec(src.slice(i));
      if (!m) throw new ConditionError(`unexpected character '${c}'`, i);
      toks.push({ kind: 'word', text: m[0], offset: i });
      i += m[0].length;
    }
  }
  toks.push({ kind: 'end', text: '', offset: src.length });
  return toks;
}

const KEYWORDS = new Set(['and', 'or', 'not', 'of', 'them']);
/** Parentheses and `not` nest at most this deep: deeper would overflow the stack (a RangeError, not a located error). */
const MAX_NESTING = 128;

export function parseCondition(src: string): CondNode {
  const toks = tokenize(src);
  let p = 0;
  let depth = 0;
  const peek = (): Tok => toks[p]!;
  const nested = <T>(f: () => T): T => {
    if (depth >= MAX_NESTING) throw new ConditionError(`the condition nests parentheses or 'not' more than ${MAX_NESTING} levels deep`, peek().offset);
    depth++;
    try {
      return f();
    } finally {
      depth--;
    }
  };
  const isKw = (t: Tok, kw: string): boolean => t.kind === 'word' && t.text.toLowerCase() === kw;
  const pipeCheck = (t: Tok): void => {
    if (t.kind === 'pipe')
      throw new ConditionError("aggregations after '|' (count(), near) are the obsolete Sigma 1 syntax; write a correlation rule instead", t.offset, true);
  };

  const parseOr = (): CondNode => {
    const items = [parseAnd()];
    while (isKw(peek(), 'or')) {
      p++;
      items.push(parseAnd());
    }
    return items.length === 1 ? items[0]! : { t: 'or', items };
  };
  const parseAnd = (): CondNode => {
    const items = [parseNot()];
    while (isKw(peek(), 'and')) {
      p++;
      items.push(parseNot());
    }
    return items.length === 1 ? items[0]! : { t: 'and', items };
  };
  const parseNot = (): CondNode => {
    if (isKw(peek(), 'not')) {
      p++;
      return { t: 'not', e: nested(parseNot) };
    }
    return parseAtom();
  };
  const parseAtom = (): CondNode => {
    const t = peek();
    pipeCheck(t);
    if (t.kind === 'lp') {
      p++;
      const e = nested(parseOr);
      const close = peek();
      pipeCheck(close);
      if (close.kind !== 'rp') throw new ConditionError(`expected ')' to close the '(' at offset ${t.offset}`, close.offset);
      p++;
      return e;
    }
    if (t.kind === 'rp') throw new ConditionError("unexpected ')'", t.offset);
    if (t.kind === 'end') throw new ConditionError('the condition ends where an identifier was expected', t.offset);
    const next = toks[p + 1]!;
    if (isKw(next, 'of')) {
      const q = t.text.toLowerCase();
      let quant: 'one' | 'all';
      if (q === '1' || q === 'any') quant = 'one';
      else if (q === 'all') quant = 'all';
      else if (/^\d+$/.test(q)) throw new ConditionError(`'${t.text} of' is not supported: only '1 of' and 'all of' are part of the specification`, t.offset, true);
      else throw new ConditionError(`'${t.text} of': expected '1 of' or 'all of'`, t.offset);
      p += 2;
      const target = peek();
      if (target.kind !== 'word' || (KEYWORDS.has(target.text.toLowerCase()) && target.text.toLowerCase() !== 'them'))
        throw new ConditionError("expected 'them' or an identifier pattern after 'of'", target.offset);
      p++;
      return { t: 'of', q: quant, pattern: target.text.toLowerCase() === 'them' ? null : target.text, offset: t.offset };
    }
    if (KEYWORDS.has(t.text.toLowerCase())) throw new ConditionError(`unexpected '${t.text}'`, t.offset);
    if (t.text.includes('*')) throw new ConditionError(`wildcard identifier '${t.text}' needs '1 of' or 'all of' in front`, t.offset);
    p++;
    return { t: 'id', name: t.text, offset: t.offset };
  };

  const e = parseOr();
  const rest = peek();
  pipeCheck(rest);
  if (rest.kind !== 'end') throw new ConditionError(`unexpected '${rest.text}' after a complete expression (missing 'and'/'or'?)`, rest.offset);
  return e;
}

/** Identifier pattern of `1 of x*`: only `*` is special, matched over the whole name. */
export function matchIdentifierPattern(pattern: string, name: string): boolean {
  const re = new RegExp('^' + pattern.split('*').map((s) => s.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')).join('.*') + '$');
  return re.test(name);
}

export type Resolved<T> = (node: CondNode) => T;

/**
 * Turns a parsed condition into a predicate over named inputs. `names` are the defined
 * identifiers; unknown references and empty patterns are reported through `onError`.
 */
export function compileCondition<C>(
  node: CondNode,
  names: string[],
  get: (name: string) => (ctx: C) => boolean,
  opts: { excludeUnderscoreFromThem: boolean },
): (ctx: C) => boolean {
  switch (node.t) {
    case 'id': {
      if (!names.includes(node.name)) throw new ConditionError(`'${node.name}' is not defined (defined: ${names.join(', ') || 'none'})`, node.offset);
      return get(node.name);
    }
    case 'of': {
      const picked =
        node.pattern === null
          ? names.filter((n) => !(opts.excludeUnderscoreFromThem && n.startsWith('_')))
          : names.filter((n) => matchIdentifierPattern(node.pattern!, n));
      if (picked.length === 0)
        throw new ConditionError(`'${node.pattern ?? 'them'}' matches no identifier (defined: ${names.join(', ') || 'none'})`, node.offset);
      const fns = picked.map(get);
      return node.q === 'one' ? (c) => fns.some((f) => f(c)) : (c) => fns.every((f) => f(c));
    }
    case 'not': {
      const f = compileCondition(node.e, names, get, opts);
      return (c) => !f(c);
    }
    case 'and': {
      const fns = node.items.map((n) => compileCondition(n, names, get, opts));
      return (c) => fns.every((f) => f(c));
    }
    case 'or': {
      const fns = node.items.map((n) => compileCondition(n, names, get, opts));
      return (c) => fns.some((f) => f(c));
    }
  }
}
