// A Sigma string value: literal characters plus the two wildcards, after the spec's backslash
// escaping. Kept as parts (not a RegExp) so that modifiers can add wildcards, swap dashes or
// expand placeholders without re-escaping, and so matching stays linear-ish (no regex engine).

export type Part =
  | { k: 'lit'; s: string }
  | { k: 'star' }
  | { k: 'one' }
  /** Any of the five dash characters the `windash` modifier makes interchangeable. */
  | { k: 'dash' }
  /** `%name%` inside a value with the `expand` modifier. */
  | { k: 'ph'; name: string };

export type SigmaString = Part[];

export const WINDASH_CHARS = ['-', '/', '\u2013', '\u2014', '\u2015'] as const;

/**
 * Parses a rule value the way the spec's escaping section defines it: `\*` and `\?` are literal
 * wildcards, `\\` is one backslash, and a backslash before anything else (or at the end) is
 * itself literal. With `placeholders`, `%name%` is a placeholder and `\%` a literal percent.
 */
export function parseSigmaString(raw: string, opts: { placeholders?: boolean } = {}): SigmaString {
  const parts: SigmaString = [];
  let lit = '';
  const flush = (): void => {
    if (lit) parts.push({ k: 'lit', s: lit });
    lit = '';
  };
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === '\\') {
      const n = raw[i + 1];
      if (n === '*' || n === '?' || n === '\\' || (opts.placeholders && n === '%')) {
        lit += n;
        i++;
      } else {
        lit += '\\';
      }
    } else if (c === '*') {
      flush();
      parts.push({ k: 'star' });
    } else if (c === '?') {
      flush();
      parts.push({ k: 'one' });
    } else if (opts.placeholders && c === '%') {
      const end = raw.indexOf('%', i + 1);
      if (end > i + 1) {
        flush();
        parts.push({ k: 'ph', name: raw.slice(i + 1, end) });
        i = end;
      } else {
        lit += c;
      }
    } else {
      lit += c;
    }
  }
  flush();
  return parts;
}

export function hasWildcards(s: SigmaString): boolean {
  return s.some((p) => p.k !== 'lit');
}

/** The plain text of a wildcard-free value (callers check hasWildcards first). */
export function plainText(s: SigmaString): string {
  return s.map((p) => (p.k === 'lit' ? p.s : '')).join('');
}

export function literal(text: string): SigmaString {
  return text ? [{ k: 'lit', s: text }] : [];
}

/** Renders a value back to Sigma syntax, for messages. */
export function formatSigmaString(s: SigmaString): string {
  return s
    .map((p) => {
      switch (p.k) {
        case 'lit':
          return p.s.replace(/[\\*?]/g, (m) => `\\${m}`);
        case 'star':
          return '*';
        case 'one':
          return '?';
        case 'dash':
          return '-';
        case 'ph':
          return `%${p.name}%`;
      }
    })
    .join('');
}

/** `windash`: every dash-like character in the literal text becomes "any of the five". */
export function applyWindash(s: SigmaString): SigmaString {
  const out: SigmaString = [];
  for (const p of s) {
    if (p.k !== 'lit') {
      out.push(p);
      continue;
    }
    let lit = '';
    for (const ch of p.s) {
      if ((WINDASH_CHARS as readonly string[]).includes(ch)) {
        if (lit) out.push({ k: 'lit', s: lit });
        lit = '';
        out.push({ k: 'dash' });
      } else lit += ch;
    }
    if (lit) out.push({ k: 'lit', s: lit });
  }
  return out;
}

type Atom = { t: 'c'; c: string } | { t: 'star' } | { t: 'one' } | { t: 'dash' };

/**
 * Compiles a value to a whole-string matcher. Case-insensitive unless `cased`. The matcher is
 * the classic two-pointer glob walk with one backtrack point: O(n·m) worst case, never
 * exponential, whatever the rule says.
 */
export function compileGlob(s: SigmaString, cased: boolean): (input: string) => boolean {
  const fold = (x: string): string => (cased ? x : x.toLowerCase());
  if (s.some((p) => p.k === 'ph')) throw new Error('compileGlob: unexpanded placeholder');
  if (!hasWildcards(s)) {
    const want = fold(plainText(s));
    return (input) => fold(input) === want;
  }
  // Fast paths for the shapes contains/startswith/endswith produce.
  const only = s.every((p) => p.k === 'lit' || p.k === 'star');
  if (only) {
    const lits = s.filter((p): p is { k: 'lit'; s: string } => p.k === 'lit').map((p) => fold(p.s));
    const first = s[0];
    const last = s[s.length - 1];
    if (s.length === 2 && first?.k === 'star' && last?.k === 'lit') return (i) => fold(i).endsWith(lits[0]!);
    if (s.length === 2 && first?.k === 'lit' && last?.k === 'star') return (i) => fold(i).startsWith(lits[0]!);
    if (s.length === 3 && first?.k === 'star' && last?.k === 'star' && s[1]?.k === 'lit') return (i) => fold(i).includes(lits[0]!);
  }
  const atoms: Atom[] = [];
  for (const p of s) {
    if (p.k === 'lit') for (const ch of fold(p.s)) atoms.push({ t: 'c', c: ch });
    else if (p.k === 'star') {
      if (atoms[atoms.length - 1]?.t !== 'star') atoms.push({ t: 'star' });
    } else if (p.k === 'one') atoms.push({ t: 'one' });
    else if (p.k === 'dash') atoms.push({ t: 'dash' });
  }
  return (input) => globMatch(atoms, Array.from(fold(input)));
}

function atomMatches(a: Atom, ch: string): boolean {
  switch (a.t) {
    case 'c':
      return a.c === ch;
    case 'one':
      return true;
    case 'dash':
      return (WINDASH_CHARS as readonly string[]).includes(ch);
    case 'star':
      return false;
  }
}

function globMatch(atoms: Atom[], chars: string[]): boolean {
  let ai = 0;
  let ci = 0;
  let starAi = -1;
  let starCi = 0;
  while (ci < chars.length) {
    const a = atoms[ai];
    if (a && a.t === 'star') {
      starAi = ai++;
      starCi = ci;
    } else if (a && atomMatches(a, chars[ci]!)) {
      ai++;
      ci++;
    } else if (starAi >= 0) {
      ai = starAi + 1;
      ci = ++starCi;
    } else return false;
  }
  while (atoms[ai]?.t === 'star') ai++;
  return ai === atoms.length;
}
