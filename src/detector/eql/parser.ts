// Recursive-descent parser for the EQL subset of DESIGN.md §6. Valid EQL the embedded detector
// does not implement is rejected with code UNSUPPORTED ("not supported: …"), never guessed at,
// so a rule can never silently give a wrong answer.

import { PurpleError } from '../../model/index.js';
import type { Expr, FieldRef, Pipe, Pos, Query, SequenceStep } from './ast.js';
import { tokenize, type Token } from './lexer.js';

const KEYWORDS = new Set([
  'and', 'or', 'not', 'where', 'sequence', 'sample', 'join', 'by', 'with', 'until', 'in', 'like', 'regex',
  'true', 'false', 'null', 'any', 'of', 'descendant', 'child',
]);

// Bounds that keep hostile or generated rules from overflowing the stack (a RangeError is not an
// error with a location): parentheses/not/minus nesting while parsing, and the depth of the tree
// (long `or` chains are left-deep) that the compiler and evaluator walk recursively.
const MAX_NESTING = 128;
const MAX_TREE_DEPTH = 2000;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export interface ParseOptions {
  /** File the query came from, for error locations. */
  file?: string;
  /** Line of the query's first character inside that file (queries embedded in TOML). */
  lineOffset?: number;
}

export function parseEql(src: string, opts: ParseOptions = {}): Query {
  return new Parser(src, opts).parseQuery();
}

/** Parses a bare boolean expression (used by tests and by `filter`-style helpers). */
export function parseEqlExpression(src: string, opts: ParseOptions = {}): Expr {
  const p = new Parser(src, opts);
  const e = p.parseExpr();
  p.expectEof();
  return e;
}

class Parser {
  private toks: Token[];
  private i = 0;
  private nesting = 0;

  constructor(
    private readonly src: string,
    private readonly opts: ParseOptions,
  ) {
    try {
      this.toks = tokenize(src, opts.file === undefined ? {} : { file: opts.file });
    } catch (e) {
      throw this.shift(e);
    }
  }

  private shift(e: unknown): unknown {
    if (e instanceof PurpleError && this.opts.lineOffset && e.location.line) {
      return new PurpleError(e.code, e.message, { location: { ...e.location, line: e.location.line + this.opts.lineOffset - 1 }, ...(e.hint ? { hint: e.hint } : {}) });
    }
    return e;
  }

  private get t(): Token {
    return this.toks[this.i]!;
  }
  private peek(n = 1): Token {
    return this.toks[Math.min(this.i + n, this.toks.length - 1)]!;
  }
  private pos(t: Token = this.t): Pos {
    return { line: t.line + (this.opts.lineOffset ? this.opts.lineOffset - 1 : 0), column: t.column };
  }
  private err(code: 'PARSE' | 'UNSUPPORTED', msg: string, t: Token = this.t, hint?: string): PurpleError {
    const p = this.pos(t);
    return new PurpleError(code, msg, { location: { ...(this.opts.file ? { file: this.opts.file } : {}), line: p.line, column: p.column }, ...(hint ? { hint } : {}) });
  }
  private expected(what: string, hint?: string): PurpleError {
    const t = this.t;
    const got = t.kind === 'eof' ? 'the end of the query' : t.kind === 'string' ? `string "${t.text}"` : `'${t.text}'`;
    return this.err('PARSE', `expected ${what}, found ${got}`, t, hint);
  }
  private unsupported(what: string, t: Token = this.t, hint?: string): PurpleError {
    return this.err('UNSUPPORTED', `not supported: ${what}`, t, hint ?? 'rewrite the query without it; docs/detector-eql.md lists what the embedded detector implements');
  }

  private isKw(word: string, t: Token = this.t): boolean {
    return t.kind === 'ident' && !t.quoted && t.text === word;
  }
  private isOp(op: string, t: Token = this.t): boolean {
    return t.kind === 'op' && t.text === op;
  }
  private eatKw(word: string): boolean {
    if (this.isKw(word)) {
      this.i++;
      return true;
    }
    return false;
  }
  private eatOp(op: string): boolean {
    if (this.isOp(op)) {
      this.i++;
      return true;
    }
    return false;
  }
  private expectKw(word: string, hint?: string): Token {
    if (!this.isKw(word)) throw this.expected(`'${word}'`, hint);
    return this.toks[this.i++]!;
  }
  private expectOp(op: string, hint?: string): Token {
    if (!this.isOp(op)) throw this.expected(`'${op}'`, hint);
    return this.toks[this.i++]!;
  }
  expectEof(): void {
    if (this.t.kind !== 'eof') throw this.expected('the end of the query or a pipe |');
  }

  parseQuery(): Query {
    try {
      return this.query();
    } catch (e) {
      throw e;
    }
  }

  private query(): Query {
    if (this.t.kind === 'eof') throw this.expected("a query ('<category> where …' or 'sequence …')");
    if (this.isKw('join')) throw this.unsupported('join queries', this.t, 'use a sequence query: sequence by <key> [ … ] [ … ]');
    if (this.isKw('sample')) throw this.unsupported('sample queries');
    if (this.isKw('sequence')) return this.sequence();
    const filter = this.eventFilter();
    const pipes = this.pipes(false);
    this.expectEof();
    return { k: 'event', filter, pipes };
  }

  private eventFilter(): { category: string | null; cond: Expr } {
    const t = this.t;
    let category: string | null;
    if (this.isKw('any')) {
      category = null;
      this.i++;
    } else if (t.kind === 'string' || (t.kind === 'ident' && (t.quoted || !KEYWORDS.has(t.text)))) {
      category = t.text;
      this.i++;
    } else throw this.expected("an event category (e.g. process, network) or 'any'");
    this.expectKw('where', "an event query reads '<category> where <condition>'");
    const cond = this.parseExpr();
    return { category, cond };
  }

  private sequence(): Query {
    this.expectKw('sequence');
    let by: FieldRef[] = [];
    let maxspanMs: number | null = null;
    if (this.isKw('by')) {
      this.i++;
      by = this.joinKeys();
    }
    if (this.isKw('with')) {
      this.i++;
      maxspanMs = this.maxspan();
      if (this.isKw('by')) throw this.err('PARSE', "'by' must come before 'with maxspan=…'", this.t, 'write: sequence by <keys> with maxspan=…');
    }
    const steps: SequenceStep[] = [];
    let until: SequenceStep | null = null;
    while (this.isOp('[') || this.isOp('!')) {
      steps.push(...this.sequenceTerm(true));
    }
    if (steps.length === 0) throw this.expected("'[' to start a sequence step");
    if (this.isKw('until')) {
      this.i++;
      const u = this.sequenceTerm(false);
      until = u[0]!;
    }
    const positive = steps.filter((s) => !s.missing).length;
    if (steps.length < 2) throw this.err('PARSE', 'a sequence needs at least two steps', this.t, 'add another [ … ] step, or write an event query');
    if (positive === 0) throw this.err('PARSE', 'a sequence needs at least one step that is not a missing event ![ … ]', this.t);
    const pipes = this.pipes(true);
    this.expectEof();
    return { k: 'sequence', by, maxspanMs, steps, until, pipes };
  }

  private maxspan(): number {
    const nameTok = this.t;
    if (!this.isKw('maxspan')) {
      if (this.t.kind === 'ident') throw this.unsupported(`sequence parameter '${this.t.text}'`, this.t);
      throw this.expected("'maxspan'");
    }
    this.i++;
    this.expectOp('=');
    const n = this.t;
    if (n.kind !== 'number') throw this.expected('a number for maxspan (e.g. maxspan=30s)');
    this.i++;
    let unit = 's';
    const u = this.t;
    if (u.kind === 'ident' && !u.quoted && UNIT_MS[u.text] !== undefined && u.line === n.line && u.pos === n.pos + n.text.length) {
      unit = u.text;
      this.i++;
    } else if (u.kind === 'ident' && u.pos === n.pos + n.text.length) {
      throw this.err('PARSE', `unknown time unit '${u.text}' in maxspan`, u, 'use ms, s, m, h or d (e.g. maxspan=5m)');
    } else {
      throw this.err('PARSE', 'maxspan needs a time unit', u, 'use ms, s, m, h or d (e.g. maxspan=5m)');
    }
    void nameTok;
    const ms = n.num! * UNIT_MS[unit]!;
    if (!(ms > 0)) throw this.err('PARSE', 'maxspan must be greater than zero', n);
    return ms;
  }

  private sequenceTerm(allowMissing: boolean): SequenceStep[] {
    const start = this.t;
    let missing = false;
    if (this.isOp('!')) {
      if (!allowMissing) throw this.err('PARSE', 'an until step cannot be a missing event', this.t);
      missing = true;
      this.i++;
    }
    this.expectOp('[', 'a sequence step reads [ <category> where <condition> ]');
    const filter = this.eventFilter();
    if (this.isKw('descendant') || this.isKw('child') || this.isKw('event')) throw this.unsupported(`'${this.t.text} of' lineage filters`);
    this.expectOp(']', "close the step with ']'");
    let by: FieldRef[] = [];
    if (this.isKw('by')) {
      this.i++;
      by = this.joinKeys();
    }
    let runs = 1;
    if (this.isKw('with')) {
      this.i++;
      const p = this.t;
      if (this.isKw('runs')) {
        this.i++;
        this.expectOp('=');
        const n = this.t;
        if (n.kind !== 'number' || !Number.isInteger(n.num) || n.num! < 1) throw this.expected('a whole number of runs (e.g. runs=2)');
        this.i++;
        runs = n.num!;
        if (runs > 100) throw this.err('PARSE', 'runs must be at most 100', n);
      } else if (p.kind === 'ident') {
        throw this.unsupported(`step parameter '${p.text}'`, p);
      } else throw this.expected("'runs'");
    } else if (this.t.kind === 'ident' && !this.t.quoted && this.peek().kind === 'op' && this.peek().text === '=' && !KEYWORDS.has(this.t.text)) {
      throw this.unsupported(`step parameter '${this.t.text}'`, this.t);
    }
    const step: SequenceStep = { category: filter.category, cond: filter.cond, by, missing, pos: this.pos(start) };
    return Array.from({ length: runs }, () => step);
  }

  private joinKeys(): FieldRef[] {
    const keys: FieldRef[] = [];
    do {
      const t = this.t;
      const e = this.parseExpr();
      if (e.k !== 'field') throw this.unsupported('join keys that are expressions (only field names)', t);
      keys.push({ path: e.path, name: e.name, optional: e.optional, pos: e.pos });
    } while (this.eatOp(','));
    return keys;
  }

  private pipes(isSequence: boolean): Pipe[] {
    const out: Pipe[] = [];
    while (this.eatOp('|')) {
      const t = this.t;
      if (t.kind !== 'ident') throw this.expected('a pipe name (head, tail, filter, unique, sort)');
      this.i++;
      const pos = this.pos(t);
      switch (t.text) {
        case 'head':
        case 'tail': {
          const n = this.t;
          if (n.kind !== 'number' || !Number.isInteger(n.num) || n.num! < 0) throw this.expected(`a whole number after ${t.text}`);
          this.i++;
          out.push({ k: t.text, n: n.num!, pos });
          break;
        }
        case 'filter':
        case 'unique':
        case 'sort': {
          if (isSequence) throw this.unsupported(`the ${t.text} pipe on sequences`, t);
          if (t.text === 'filter') {
            out.push({ k: 'filter', cond: this.parseExpr(), pos });
          } else {
            const fields: FieldRef[] = [];
            do {
              const ft = this.t;
              const e = this.parseExpr();
              if (e.k !== 'field') throw this.unsupported(`${t.text} by an expression (only field names)`, ft);
              fields.push({ path: e.path, name: e.name, optional: e.optional, pos: e.pos });
              this.eatOp(',');
            } while (this.t.kind !== 'eof' && !this.isOp('|'));
            out.push({ k: t.text, fields, pos });
          }
          break;
        }
        default:
          throw this.unsupported(`the ${t.text} pipe`, t);
      }
    }
    return out;
  }

  // Expressions, loosest first: or < and < not < comparison/predicate < + - < * / % < unary < primary.
  parseExpr(): Expr {
    const outer = this.nesting === 0;
    const start = this.t;
    const e = this.nested(() => this.orExpr());
    if (outer) this.checkTreeDepth(e, start);
    return e;
  }

  private nested<T>(f: () => T): T {
    if (this.nesting >= MAX_NESTING) throw this.err('PARSE', `expression nested more than ${MAX_NESTING} levels deep`, this.t, 'flatten the parentheses, not and minus signs');
    this.nesting++;
    try {
      return f();
    } finally {
      this.nesting--;
    }
  }

  /** Iterative, so that checking a deep tree cannot itself overflow. */
  private checkTreeDepth(root: Expr, start: Token): void {
    const stack: Array<[Expr, number]> = [[root, 1]];
    while (stack.length) {
      const [e, d] = stack.pop()!;
      if (d > MAX_TREE_DEPTH) {
        throw this.err('PARSE', `expression more than ${MAX_TREE_DEPTH} operators deep`, start, 'write long lists of alternatives as `field in (…)` or `field : (…)` instead of chains of or');
      }
      switch (e.k) {
        case 'not':
        case 'neg':
          stack.push([e.e, d + 1]);
          break;
        case 'and':
        case 'or':
        case 'cmp':
        case 'arith':
          stack.push([e.l, d + 1], [e.r, d + 1]);
          break;
        case 'match':
          stack.push([e.l, d + 1], ...e.patterns.map((x): [Expr, number] => [x, d + 1]));
          break;
        case 'call':
          for (const a of e.args) stack.push([a, d + 1]);
          break;
        default:
          break;
      }
    }
  }

  private orExpr(): Expr {
    let l = this.andExpr();
    while (this.isKw('or')) {
      const pos = this.pos();
      this.i++;
      l = { k: 'or', l, r: this.andExpr(), pos };
    }
    return l;
  }

  private andExpr(): Expr {
    let l = this.notExpr();
    while (this.isKw('and')) {
      const pos = this.pos();
      this.i++;
      l = { k: 'and', l, r: this.notExpr(), pos };
    }
    return l;
  }

  private notExpr(): Expr {
    if (this.isKw('not')) {
      const pos = this.pos();
      this.i++;
      return { k: 'not', e: this.nested(() => this.notExpr()), pos };
    }
    if ((this.isKw('descendant') || this.isKw('child') || (this.t.kind === 'ident' && this.t.text === 'event')) && this.isKw('of', this.peek())) {
      throw this.unsupported(`'${this.t.text} of' lineage filters`);
    }
    return this.predicate();
  }

  private predicate(): Expr {
    const l = this.additive();
    const t = this.t;
    const pos = this.pos(t);
    if (t.kind === 'op' && ['==', '!=', '<', '<=', '>', '>='].includes(t.text)) {
      this.i++;
      const r = this.additive();
      if (this.t.kind === 'op' && ['==', '!=', '<', '<=', '>', '>=', ':'].includes(this.t.text)) {
        throw this.err('PARSE', 'comparisons cannot be chained', this.t, 'combine them with and: a < b and b < c');
      }
      return { k: 'cmp', op: t.text as '==', l, r, pos };
    }
    if (this.isOp(':') || this.isOp('!:')) {
      const negated = t.text === '!:';
      this.i++;
      return { k: 'match', kind: 'wildcard', ci: true, negated, l, patterns: this.patternList(), pos };
    }
    let negated = false;
    if (this.isKw('not') && (this.isKw('in', this.peek()) || this.isKw('like', this.peek()) || this.isKw('regex', this.peek()))) {
      negated = true;
      this.i++;
    }
    const kw = this.t;
    if (this.isKw('in') || this.isKw('like') || this.isKw('regex')) {
      this.i++;
      const ci = this.isOp('~') && this.t.pos === kw.pos + kw.text.length ? (this.i++, true) : false;
      if (kw.text === 'in') {
        this.expectOp('(', "in takes a list: field in (\"a\", \"b\")");
        const items: Expr[] = [];
        do items.push(this.additive());
        while (this.eatOp(','));
        this.expectOp(')');
        return { k: 'match', kind: 'in', ci, negated, l, patterns: items, pos };
      }
      return { k: 'match', kind: kw.text as 'like' | 'regex', ci, negated, l, patterns: this.patternList(), pos };
    }
    if (negated) throw this.expected("'in', 'like' or 'regex' after 'not'");
    return l;
  }

  /** The right side of `:`, like, regex: one constant or a parenthesised list of constants. */
  private patternList(): Expr[] {
    const one = (): Expr => {
      const t = this.t;
      const e = this.additive();
      if (e.k !== 'lit') throw this.unsupported('a pattern that is not a constant (compare two fields with ==)', t);
      return e;
    };
    if (this.isOp('(')) {
      this.i++;
      const items: Expr[] = [];
      do items.push(one());
      while (this.eatOp(','));
      this.expectOp(')');
      return items;
    }
    return [one()];
  }

  private additive(): Expr {
    let l = this.multiplicative();
    while (this.isOp('+') || this.isOp('-')) {
      const t = this.toks[this.i++]!;
      l = { k: 'arith', op: t.text as '+', l, r: this.multiplicative(), pos: this.pos(t) };
    }
    return l;
  }

  private multiplicative(): Expr {
    let l = this.unary();
    while (this.isOp('*') || this.isOp('/') || this.isOp('%')) {
      const t = this.toks[this.i++]!;
      l = { k: 'arith', op: t.text as '*', l, r: this.unary(), pos: this.pos(t) };
    }
    return l;
  }

  private unary(): Expr {
    if (this.isOp('-')) {
      const t = this.toks[this.i++]!;
      const e = this.nested(() => this.unary());
      if (e.k === 'lit' && typeof e.v === 'number') return e.float ? { k: 'lit', v: -e.v, pos: this.pos(t), float: true } : { k: 'lit', v: -e.v, pos: this.pos(t) };
      return { k: 'neg', e, pos: this.pos(t) };
    }
    if (this.isOp('+')) {
      this.i++;
      return this.nested(() => this.unary());
    }
    return this.primary();
  }

  private primary(): Expr {
    const t = this.t;
    const pos = this.pos(t);
    if (t.kind === 'number') {
      this.i++;
      return /[.eE]/.test(t.text) ? { k: 'lit', v: t.num!, pos, float: true } : { k: 'lit', v: t.num!, pos };
    }
    if (t.kind === 'string') {
      this.i++;
      return { k: 'lit', v: t.text, pos };
    }
    if (this.isOp('(')) {
      this.i++;
      const e = this.parseExpr();
      this.expectOp(')', "close the parenthesis with ')'");
      return e;
    }
    if (this.isOp('?')) {
      this.i++;
      const f = this.t;
      if (f.kind !== 'ident') throw this.expected('a field name after ?');
      this.i++;
      return this.fieldAccess(f, true);
    }
    if (t.kind === 'ident') {
      if (!t.quoted) {
        if (t.text === 'true' || t.text === 'false') {
          this.i++;
          return { k: 'lit', v: t.text === 'true', pos };
        }
        if (t.text === 'null') {
          this.i++;
          return { k: 'lit', v: null, pos };
        }
        // A function call: name( or name~(
        const next = this.peek();
        const tilde = next.kind === 'op' && next.text === '~' && next.pos === t.pos + t.text.length;
        const open = tilde ? this.peek(2) : next;
        if (open.kind === 'op' && open.text === '(' && !KEYWORDS.has(t.text)) {
          this.i += tilde ? 2 : 1;
          this.expectOp('(');
          const args: Expr[] = [];
          if (!this.isOp(')')) {
            do args.push(this.parseExpr());
            while (this.eatOp(','));
          }
          this.expectOp(')', "close the function's arguments with ')'");
          return { k: 'call', name: t.text, ci: tilde, args, pos };
        }
        if (KEYWORDS.has(t.text)) throw this.expected('a value, field or function', `'${t.text}' is a keyword; write \`${t.text}\` in backquotes to use it as a field name`);
      }
      this.i++;
      return this.fieldAccess(t, false);
    }
    throw this.expected('a value, field or function');
  }

  private fieldAccess(t: Token, optional: boolean): Expr {
    const first = t;
    // Elastic's grammar: a field is dotted parts, each a plain name or an `escaped name` (which may
    // hold dots and spaces and stays one part): `a`.b, a.`b`, process.`name with space`.
    const path: string[] = [];
    const addPart = (tok: Token): void => {
      if (tok.quoted) {
        if (tok.text === '') throw this.err('PARSE', 'empty `` field name', tok, 'write the name between the backquotes');
        path.push(tok.text);
        return;
      }
      const parts = tok.text.split('.');
      if (parts.some((p) => p === '')) throw this.err('PARSE', `bad field name '${[...path, tok.text].join('.')}'`, tok);
      path.push(...parts);
    };
    addPart(t);
    const end = (x: Token): number => x.pos + (x.quoted ? x.text.length + 2 : x.text.length);
    while (this.isOp('.') && this.t.pos === end(t)) {
      const dot = this.t;
      this.i++;
      const n = this.t;
      if (n.kind !== 'ident' || n.pos !== dot.pos + 1) throw this.err('PARSE', `bad field name '${path.join('.')}.'`, first, 'a dot in a field name is followed by a name or an `escaped name`');
      this.i++;
      addPart(n);
      t = n;
    }
    if (this.isOp('[') && this.t.pos === end(t)) throw this.unsupported('array index access (field[n])');
    return { k: 'field', path, name: path.join('.'), optional, pos: this.pos(first) };
  }
}
