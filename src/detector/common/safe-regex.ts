// The `re` modifier's regular expressions, run by a Thompson-NFA simulation instead of a
// backtracking engine: time is O(pattern × input) for every pattern, so no rule can hang the
// detector (catastrophic backtracking is impossible by construction). The grammar is the
// spec's PCRE subset (. ^ $ * + ? {n,m} [..] [^..] ( ) |) plus the escapes rules commonly use
// (\d \w \s \D \W \S \b \B, \t \n \r, \xHH, escaped punctuation). Anything else — back
// references, lookaround, possessive quantifiers, POSIX classes — is rejected with the reason.
// Assertion-free programs (the usual rule, once a leading ^ / trailing $ become anchoring) run on
// a lazily built, size-capped DFA: one table lookup per character once warm. The EQL `regex`
// operator uses the same engine in full-match mode.

export class RegexSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

export interface RegexFlags {
  i: boolean;
  m: boolean;
  s: boolean;
}

type ClassItem = { lo: number; hi: number } | { esc: 'd' | 'w' | 's' | 'D' | 'W' | 'S' };
type CharPred = { kind: 'any' } | { kind: 'set'; neg: boolean; items: ClassItem[] };

type Node =
  | { t: 'char'; p: CharPred }
  | { t: 'seq'; items: Node[] }
  | { t: 'alt'; alts: Node[] }
  | { t: 'rep'; node: Node; min: number; max: number }
  | { t: 'assert'; a: '^' | '$' | 'b' | 'B' };

type Inst =
  | { op: 'char'; p: CharPred }
  | { op: 'split'; x: number; y: number }
  | { op: 'jmp'; x: number }
  | { op: 'assert'; a: '^' | '$' | 'b' | 'B' }
  | { op: 'match' };

/** Beyond this many NFA instructions (after expanding {n,m}) a pattern is rejected. */
const MAX_PROGRAM = 20_000;
/** Cached DFA states per pattern; past it the cache starts over (memory stays bounded). */
const MAX_DFA_STATES = 2_000;

export interface SafeRegex {
  test(input: string): boolean;
  source: string;
}

export interface SafeRegexOptions {
  /**
   * The whole input must match (EQL's Lucene-style `regex`), as if written `^(?:…)$` with a `$`
   * that matches at the very end only. Default: search anywhere (Sigma's `re`).
   */
  fullMatch?: boolean;
}

type EndMode = 'none' | 'strict' | 'pcre';

export function compileSafeRegex(source: string, flags: RegexFlags, opts: SafeRegexOptions = {}): SafeRegex {
  const parser = new Parser(source, { ...flags });
  let ast = parser.parseAll();
  const f = parser.flags;
  let anchoredStart = opts.fullMatch === true;
  let end: EndMode = opts.fullMatch ? 'strict' : 'none';
  // A top-level leading ^ / trailing $ (without m) become anchoring, not assertions: the common
  // anchored rule then runs on the DFA, which only takes assertion-free programs.
  if (!opts.fullMatch && !f.m && ast.t === 'seq') {
    const items = [...ast.items];
    if (items[0]?.t === 'assert' && items[0].a === '^') {
      items.shift();
      anchoredStart = true;
    }
    const last = items[items.length - 1];
    if (last?.t === 'assert' && last.a === '$') {
      items.pop();
      end = 'pcre';
    }
    ast = { t: 'seq', items };
  }
  const prog: Inst[] = [];
  emit(ast, prog);
  prog.push({ op: 'match' });
  if (prog.some((i) => i.op === 'assert')) return { source, test: (input: string) => run(prog, Array.from(input), f, anchoredStart, end) };
  const dfa = new LazyDfa(prog, f, anchoredStart);
  return { source, test: (input: string) => dfa.test(input, end) };
}

class Parser {
  private i = 0;
  constructor(
    private readonly src: string,
    readonly flags: RegexFlags,
  ) {}

  parseAll(): Node {
    // Leading inline flags such as (?i) are common in published rules; anywhere else they are not.
    const lead = /^\(\?([ims]+)\)/.exec(this.src);
    if (lead) {
      for (const ch of lead[1]!) this.flags[ch as keyof RegexFlags] = true;
      this.i = lead[0].length;
    }
    const n = this.parseAlt();
    if (this.i < this.src.length) throw new RegexSyntaxError(`unbalanced ')' at offset ${this.i}`, this.i);
    return n;
  }

  private peek(): string | undefined {
    return this.src[this.i];
  }

  private parseAlt(): Node {
    const alts = [this.parseSeq()];
    while (this.peek() === '|') {
      this.i++;
      alts.push(this.parseSeq());
    }
    return alts.length === 1 ? alts[0]! : { t: 'alt', alts };
  }

  private parseSeq(): Node {
    const items: Node[] = [];
    while (this.i < this.src.length && this.peek() !== '|' && this.peek() !== ')') {
      const atomStart = this.i;
      let atom = this.parseAtom();
      atom = this.parseQuantifiers(atom, atomStart);
      items.push(atom);
    }
    return { t: 'seq', items };
  }

  private parseQuantifiers(atom: Node, atomStart: number): Node {
    for (;;) {
      const c = this.peek();
      let min: number;
      let max: number;
      if (c === '*') [min, max] = [0, Infinity];
      else if (c === '+') [min, max] = [1, Infinity];
      else if (c === '?') [min, max] = [0, 1];
      else if (c === '{') {
        const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.i));
        if (!m) return atom; // PCRE reads a '{' that is not a quantifier as a literal
        min = Number(m[1]);
        max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
        if (max < min) throw new RegexSyntaxError(`quantifier {${m[1]},${m[3]}} has max < min`, this.i);
        if (min > 1000 || (max !== Infinity && max > 1000)) throw new RegexSyntaxError('quantifier bound above 1000', this.i);
        this.i += m[0].length - 1;
      } else return atom;
      this.i++;
      if (atom.t === 'assert') throw new RegexSyntaxError(`quantifier after an anchor at offset ${atomStart}`, atomStart);
      if (this.peek() === '+') throw new RegexSyntaxError('possessive quantifiers are not supported', this.i);
      if (this.peek() === '?') this.i++; // lazy: same yes/no answer for a match test
      atom = { t: 'rep', node: atom, min, max };
    }
  }

  private parseAtom(): Node {
    const start = this.i;
    const c = this.src[this.i++]!;
    switch (c) {
      case '.':
        return { t: 'char', p: { kind: 'any' } };
      case '^':
        return { t: 'assert', a: '^' };
      case '$':
        return { t: 'assert', a: '$' };
      case '(': {
        if (this.peek() === '?') {
          const rest = this.src.slice(this.i);
          const named = /^\?P?<([A-Za-z_][A-Za-z0-9_]*)>/.exec(rest);
          if (rest.startsWith('?:')) this.i += 2;
          else if (named) this.i += named[0].length;
          else if (/^\?<?[=!]/.test(rest)) throw new RegexSyntaxError('lookaround assertions are not supported', start);
          else throw new RegexSyntaxError(`group construct '(${rest.slice(0, 3)}' is not supported`, start);
        }
        const inner = this.parseAlt();
        if (this.peek() !== ')') throw new RegexSyntaxError(`missing ')' for the group at offset ${start}`, start);
        this.i++;
        return inner;
      }
      case ')':
        throw new RegexSyntaxError(`unbalanced ')' at offset ${start}`, start);
      case '[':
        return { t: 'char', p: this.parseClass(start) };
      case '*':
      case '+':
      case '?':
        throw new RegexSyntaxError(`quantifier '${c}' has nothing to repeat (offset ${start})`, start);
      case '\\':
        return this.parseEscape(start, false) as Node;
      default:
        return lit(c.codePointAt(0)!, this.surrogate(c));
    }
  }

  /** Keeps astral characters whole (the input is matched per code point). */
  private surrogate(c: string): number {
    const cp = c.codePointAt(0)!;
    if (cp >= 0xd800 && cp <= 0xdbff) {
      const full = this.src.codePointAt(this.i - 1)!;
      this.i++;
      return full;
    }
    return cp;
  }

  private parseEscape(start: number, inClass: boolean): Node | ClassItem {
    const e = this.src[this.i++];
    if (e === undefined) throw new RegexSyntaxError('pattern ends with a lone backslash', start);
    if ('dwsDWS'.includes(e)) {
      const item: ClassItem = { esc: e as 'd' };
      return inClass ? item : { t: 'char', p: { kind: 'set', neg: false, items: [item] } };
    }
    if (!inClass && (e === 'b' || e === 'B')) return { t: 'assert', a: e };
    const simple: Record<string, number> = { t: 9, n: 10, r: 13, f: 12, v: 11, '0': 0, a: 7, e: 27 };
    let cp: number | undefined = simple[e];
    if (e === 'x') {
      const m = /^([0-9A-Fa-f]{2})|^\{([0-9A-Fa-f]{1,6})\}/.exec(this.src.slice(this.i));
      if (!m) throw new RegexSyntaxError('\\x needs two hex digits or {hex}', start);
      cp = parseInt(m[1] ?? m[2]!, 16);
      this.i += m[0].length;
    } else if (cp === undefined) {
      if (/[A-Za-z0-9]/.test(e)) {
        const why = /[1-9]/.test(e) ? 'back references are not supported' : `escape '\\${e}' is not supported`;
        throw new RegexSyntaxError(why, start);
      }
      cp = e.codePointAt(0)!;
    }
    return inClass ? { lo: cp, hi: cp } : lit(cp, cp);
  }

  private parseClass(start: number): CharPred {
    let neg = false;
    if (this.peek() === '^') {
      neg = true;
      this.i++;
    }
    const items: ClassItem[] = [];
    let first = true;
    for (;;) {
      const c = this.src[this.i];
      if (c === undefined) throw new RegexSyntaxError(`missing ']' for the class at offset ${start}`, start);
      if (c === ']' && !first) {
        this.i++;
        break;
      }
      first = false;
      if (c === '[' && this.src[this.i + 1] === ':') throw new RegexSyntaxError('POSIX character classes are not supported', this.i);
      let item: ClassItem;
      if (c === '\\') {
        const s = this.i++;
        item = this.parseEscape(s, true) as ClassItem;
      } else {
        this.i++;
        const cp = this.surrogate(c);
        item = { lo: cp, hi: cp };
      }
      if ('lo' in item && this.src[this.i] === '-' && this.src[this.i + 1] !== undefined && this.src[this.i + 1] !== ']') {
        this.i++;
        const hc = this.src[this.i]!;
        let hi: ClassItem;
        if (hc === '\\') {
          const s = this.i++;
          hi = this.parseEscape(s, true) as ClassItem;
        } else {
          this.i++;
          const cp = this.surrogate(hc);
          hi = { lo: cp, hi: cp };
        }
        if (!('lo' in hi)) throw new RegexSyntaxError('a class escape cannot end a range', this.i);
        if (hi.lo < item.lo) throw new RegexSyntaxError('character range is out of order', this.i);
        item = { lo: item.lo, hi: hi.lo };
      }
      items.push(item);
    }
    return { kind: 'set', neg, items };
  }
}

function lit(cp: number, _full: number): Node {
  return { t: 'char', p: { kind: 'set', neg: false, items: [{ lo: cp, hi: cp }] } };
}

function emit(n: Node, prog: Inst[]): void {
  if (prog.length > MAX_PROGRAM) throw new RegexSyntaxError(`pattern expands to more than ${MAX_PROGRAM} states`, 0);
  switch (n.t) {
    case 'char':
      prog.push({ op: 'char', p: n.p });
      return;
    case 'assert':
      prog.push({ op: 'assert', a: n.a });
      return;
    case 'seq':
      for (const it of n.items) emit(it, prog);
      return;
    case 'alt': {
      const jumps: number[] = [];
      n.alts.forEach((alt, idx) => {
        if (idx < n.alts.length - 1) {
          const split = prog.length;
          prog.push({ op: 'split', x: split + 1, y: -1 });
          emit(alt, prog);
          jumps.push(prog.length);
          prog.push({ op: 'jmp', x: -1 });
          (prog[split] as { y: number }).y = prog.length;
        } else emit(alt, prog);
      });
      for (const j of jumps) (prog[j] as { x: number }).x = prog.length;
      return;
    }
    case 'rep': {
      for (let k = 0; k < n.min; k++) emit(n.node, prog);
      if (n.max === Infinity) {
        const split = prog.length;
        prog.push({ op: 'split', x: split + 1, y: -1 });
        emit(n.node, prog);
        prog.push({ op: 'jmp', x: split });
        (prog[split] as { y: number }).y = prog.length;
      } else {
        const splits: number[] = [];
        for (let k = n.min; k < n.max; k++) {
          splits.push(prog.length);
          prog.push({ op: 'split', x: prog.length + 1, y: -1 });
          emit(n.node, prog);
        }
        for (const s of splits) (prog[s] as { y: number }).y = prog.length;
      }
      return;
    }
  }
}

function isWord(cp: number | undefined): boolean {
  return cp !== undefined && ((cp >= 48 && cp <= 57) || (cp >= 65 && cp <= 90) || (cp >= 97 && cp <= 122) || cp === 95);
}

function escMatches(esc: string, cp: number): boolean {
  switch (esc) {
    case 'd':
      return cp >= 48 && cp <= 57;
    case 'D':
      return !(cp >= 48 && cp <= 57);
    case 'w':
      return isWord(cp);
    case 'W':
      return !isWord(cp);
    case 's':
      return cp === 32 || (cp >= 9 && cp <= 13);
    default:
      return !(cp === 32 || (cp >= 9 && cp <= 13));
  }
}

function predMatches(p: CharPred, cp: number, flags: RegexFlags): boolean {
  if (p.kind === 'any') return flags.s || cp !== 10;
  const test = (c: number): boolean => p.items.some((it) => ('esc' in it ? escMatches(it.esc, c) : c >= it.lo && c <= it.hi));
  let hit = test(cp);
  if (!hit && flags.i) {
    const ch = String.fromCodePoint(cp);
    const lo = ch.toLowerCase().codePointAt(0)!;
    const up = ch.toUpperCase().codePointAt(0)!;
    hit = (lo !== cp && test(lo)) || (up !== cp && test(up));
  }
  return p.neg ? !hit : hit;
}

function assertHolds(a: '^' | '$' | 'b' | 'B', cps: number[], pos: number, flags: RegexFlags): boolean {
  const prev = pos > 0 ? cps[pos - 1] : undefined;
  const next = pos < cps.length ? cps[pos] : undefined;
  switch (a) {
    case '^':
      return pos === 0 || (flags.m && prev === 10);
    case '$':
      // PCRE: end of subject, or before a final newline; with m, before any newline.
      return pos === cps.length || (next === 10 && (flags.m || pos === cps.length - 1));
    case 'b':
      return isWord(prev) !== isWord(next);
    case 'B':
      return isWord(prev) === isWord(next);
  }
}

function endHolds(end: EndMode, cps: number[], pos: number): boolean {
  if (end === 'none' || pos === cps.length) return true;
  return end === 'pcre' && pos === cps.length - 1 && cps[pos] === 10;
}

/** Thompson NFA simulation, for programs with assertions (\b, inner ^ or $, multiline). */
function run(prog: Inst[], chars: string[], flags: RegexFlags, anchoredStart: boolean, end: EndMode): boolean {
  const cps = chars.map((c) => c.codePointAt(0)!);
  let clist: number[] = [];
  const mark = new Int32Array(prog.length).fill(-1);
  let gen = 0;
  const add = (list: number[], pc: number, pos: number): boolean => {
    // Iterative closure over jmp/split/assert; returns true when 'match' is reachable.
    const stack = [pc];
    let matched = false;
    while (stack.length) {
      const p = stack.pop()!;
      if (mark[p] === gen) continue;
      mark[p] = gen;
      const inst = prog[p]!;
      switch (inst.op) {
        case 'jmp':
          stack.push(inst.x);
          break;
        case 'split':
          stack.push(inst.y, inst.x);
          break;
        case 'assert':
          if (assertHolds(inst.a, cps, pos, flags)) stack.push(p + 1);
          break;
        case 'match':
          matched = true;
          break;
        case 'char':
          list.push(p);
      }
    }
    return matched && endHolds(end, cps, pos);
  };
  for (let pos = 0; ; pos++) {
    // Unanchored search: a new thread starts at every position.
    if ((pos === 0 || !anchoredStart) && add(clist, 0, pos)) return true;
    if (pos === cps.length) return false;
    if (clist.length === 0 && anchoredStart) return false;
    const cp = cps[pos]!;
    const nlist: number[] = [];
    gen++;
    let hit = false;
    for (const pc of clist) {
      const inst = prog[pc] as { op: 'char'; p: CharPred };
      if (predMatches(inst.p, cp, flags) && add(nlist, pc + 1, pos + 1)) hit = true;
    }
    if (hit) return true;
    clist = nlist;
  }
}

interface DState {
  /** The NFA's char instructions live in this state (sorted). */
  pcs: number[];
  /** 'match' is reachable without consuming more input. */
  accept: boolean;
  ascii: Array<DState | undefined>;
  other: Map<number, DState>;
}

/**
 * Subset construction done lazily, one transition at a time, and cached: after warm-up a test is
 * one table lookup per character. Only for assertion-free programs, where a state's closure does
 * not depend on the position.
 */
class LazyDfa {
  private states = new Map<string, DState>();
  private start: DState;
  private startEpoch = 0;
  private epoch = 0;
  private readonly mark: Int32Array;
  private gen = 0;

  constructor(
    private readonly prog: Inst[],
    private readonly flags: RegexFlags,
    private readonly anchoredStart: boolean,
  ) {
    this.mark = new Int32Array(prog.length).fill(-1);
    this.start = this.intern([0]);
  }

  /** The state whose threads are the closures of `roots` (plus a fresh start thread when searching). */
  private intern(roots: number[]): DState {
    this.gen++;
    const pcs: number[] = [];
    let accept = false;
    const stack = roots.slice().reverse();
    while (stack.length) {
      const p = stack.pop()!;
      if (this.mark[p] === this.gen) continue;
      this.mark[p] = this.gen;
      const inst = this.prog[p]!;
      if (inst.op === 'jmp') stack.push(inst.x);
      else if (inst.op === 'split') stack.push(inst.y, inst.x);
      else if (inst.op === 'match') accept = true;
      else if (inst.op === 'char') pcs.push(p);
    }
    pcs.sort((a, b) => a - b);
    const key = (accept ? '+' : '-') + pcs.join(',');
    let st = this.states.get(key);
    if (!st) {
      if (this.states.size >= MAX_DFA_STATES) {
        // Start over; states still referenced by a running test stay valid, and the start state
        // is renewed before the next test so the old states can be collected.
        this.states = new Map();
        this.epoch++;
      }
      st = { pcs, accept, ascii: [], other: new Map() };
      this.states.set(key, st);
    }
    return st;
  }

  private step(st: DState, cp: number): DState {
    const roots: number[] = [];
    for (const pc of st.pcs) {
      const inst = this.prog[pc] as { op: 'char'; p: CharPred };
      if (predMatches(inst.p, cp, this.flags)) roots.push(pc + 1);
    }
    if (!this.anchoredStart) roots.push(0);
    const next = this.intern(roots);
    if (cp < 128) st.ascii[cp] = next;
    else st.other.set(cp, next);
    return next;
  }

  test(input: string, end: EndMode): boolean {
    if (this.startEpoch !== this.epoch) {
      this.startEpoch = this.epoch;
      this.start = this.intern([0]);
    }
    let st = this.start;
    const search = end === 'none';
    if (st.accept && (search || input.length === 0)) return true;
    const n = input.length;
    let beforeLast = false;
    for (let i = 0; i < n; i++) {
      let cp = input.charCodeAt(i);
      if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < n) {
        const lo = input.charCodeAt(i + 1);
        if (lo >= 0xdc00 && lo <= 0xdfff) {
          cp = (cp - 0xd800) * 0x400 + (lo - 0xdc00) + 0x10000;
          i++;
        }
      }
      if (i === n - 1) beforeLast = st.accept;
      st = (cp < 128 ? st.ascii[cp] : st.other.get(cp)) ?? this.step(st, cp);
      if (st.accept && search) return true;
      if (st.pcs.length === 0 && !st.accept && this.anchoredStart) break; // dead: nothing can match any more
    }
    if (search) return false;
    return st.accept || (end === 'pcre' && beforeLast && input.charCodeAt(n - 1) === 10);
  }
}
