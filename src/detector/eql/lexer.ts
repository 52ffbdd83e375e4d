// Tokenizer for the EQL subset. Positions are kept on every token so parse errors can point at
// the line and column the user has to fix.

import { PurpleError } from '../../model/index.js';

export type TokenKind = 'ident' | 'string' | 'number' | 'op' | 'eof';

export interface Token {
  kind: TokenKind;
  /** Identifier name, operator text, decoded string or the number's source text. */
  text: string;
  /** Numbers only. */
  num?: number;
  /** Identifier written in backquotes (never a keyword). */
  quoted?: boolean;
  /** Index in the source, line and column (1-based). */
  pos: number;
  line: number;
  column: number;
}

// Longest first, so `<=` wins over `<`.
const OPERATORS = ['==', '!=', '<=', '>=', '!:', '<', '>', ':', '+', '-', '*', '/', '%', '(', ')', '[', ']', ',', '|', '~', '=', '!', '?', '.'];

export interface LexOptions {
  file?: string;
}

function isIdentStart(c: string): boolean {
  return /[A-Za-z_@$]/.test(c);
}
// Dots belong to names: `process.parent.name` is one field reference.
function isIdentPart(c: string): boolean {
  return /[A-Za-z0-9_@$.]/.test(c);
}

export function tokenize(src: string, opts: LexOptions = {}): Token[] {
  const out: Token[] = [];
  let i = 0;
  // Line starts, so each token's line and column is a binary search (queries with long expanded lists).
  const starts = [0];
  for (let k = 0; k < src.length; k++) if (src.charCodeAt(k) === 10) starts.push(k + 1);
  const locate = (at: number): { line: number; column: number } => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= at) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: at - starts[lo]! + 1 };
  };
  const fail = (code: 'PARSE' | 'UNSUPPORTED', msg: string, at: number, hint?: string): never => {
    const loc = locate(at);
    throw new PurpleError(code, msg, { location: { ...(opts.file ? { file: opts.file } : {}), line: loc.line, column: loc.column }, ...(hint ? { hint } : {}) });
  };
  const push = (kind: TokenKind, text: string, start: number, extra: Partial<Token> = {}): void => {
    const loc = locate(start);
    out.push({ kind, text, pos: start, line: loc.line, column: loc.column, ...extra });
  };
  while (i < src.length) {
    const c = src[i]!;
    if (c === '\n' || c === ' ' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    if (c === '/' && src[i + 1] === '/') {
      while (i < src.length && src[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && src[i + 1] === '*') {
      const end = src.indexOf('*/', i + 2);
      if (end < 0) fail('PARSE', 'unterminated /* comment', i, 'close the comment with */');
      i = end + 2;
      continue;
    }
    const start = i;
    if (c === '"' && src.startsWith('"""', i)) {
      const end = src.indexOf('"""', i + 3);
      if (end < 0) fail('PARSE', 'unterminated """raw string"""', i, 'close the raw string with """');
      push('string', src.slice(i + 3, end), start);
      i = end + 3;
      continue;
    }
    if (c === '"') {
      i++;
      let s = '';
      for (;;) {
        if (i >= src.length || src[i] === '\n') fail('PARSE', 'unterminated string', start, 'close the string with "');
        const ch = src[i]!;
        if (ch === '"') {
          i++;
          break;
        }
        if (ch === '\\') {
          const n = src[i + 1];
          i += 2;
          switch (n) {
            case 'n': s += '\n'; break;
            case 't': s += '\t'; break;
            case 'r': s += '\r'; break;
            case '"': s += '"'; break;
            case "'": s += "'"; break;
            case '\\': s += '\\'; break;
            case 'u': {
              const m = /^\{([0-9A-Fa-f]{2,8})\}/.exec(src.slice(i));
              if (!m) fail('PARSE', 'bad unicode escape, expected \\u{hex}', i - 2);
              s += String.fromCodePoint(parseInt(m![1]!, 16));
              i += m![0].length;
              break;
            }
            default:
              fail('PARSE', `unknown escape \\${n ?? ''} in string`, i - 2, 'write a backslash as \\\\ or use a """raw string"""');
          }
          continue;
        }
        s += ch;
        i++;
      }
      push('string', s, start);
      continue;
    }
    if (c === "'") fail('PARSE', "single-quoted strings are not EQL", i, 'use double quotes "…" or a """raw string"""');
    if (c === '?' && src[i + 1] === '"') fail('UNSUPPORTED', 'not supported: legacy ?"raw string" literals', i, 'use a """raw string""" instead');
    if (c === '`') {
      const end = src.indexOf('`', i + 1);
      if (end < 0) fail('PARSE', 'unterminated `escaped name`', i, 'close the name with `');
      push('ident', src.slice(i + 1, end), start, { quoted: true });
      i = end + 1;
      continue;
    }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(src[i + 1] ?? ''))) {
      let j = i;
      while (j < src.length && /[0-9]/.test(src[j]!)) j++;
      if (src[j] === '.' && /[0-9]/.test(src[j + 1] ?? '')) {
        j++;
        while (j < src.length && /[0-9]/.test(src[j]!)) j++;
      } else if (src[j] === '.' && j === i) {
        j++;
      }
      if ((src[j] === 'e' || src[j] === 'E') && /[0-9+-]/.test(src[j + 1] ?? '') && /[0-9]/.test(src[j + 1] === '+' || src[j + 1] === '-' ? (src[j + 2] ?? '') : (src[j + 1] ?? ''))) {
        j += src[j + 1] === '+' || src[j + 1] === '-' ? 2 : 1;
        while (j < src.length && /[0-9]/.test(src[j]!)) j++;
      }
      const text = src.slice(i, j);
      push('number', text, start, { num: Number(text) });
      i = j;
      continue;
    }
    if (isIdentStart(c)) {
      let j = i + 1;
      while (j < src.length && isIdentPart(src[j]!)) j++;
      // `process.`name with space``: the dot before an escaped part is the parser's separator.
      if (src[j] === '`' && src[j - 1] === '.') j--;
      push('ident', src.slice(i, j), start);
      i = j;
      continue;
    }
    const op = OPERATORS.find((o) => src.startsWith(o, i));
    if (!op) fail('PARSE', `unexpected character '${c}'`, i);
    push('op', op!, start);
    i += op!.length;
  }
  const loc = locate(src.length);
  out.push({ kind: 'eof', text: '<end of query>', pos: src.length, line: loc.line, column: loc.column });
  return out;
}
