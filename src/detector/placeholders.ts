// ${Name} placeholders in EQL rules: a site setting from the detector configuration, expanded at
// load time. `${Name}` becomes a list of EQL string literals ("a", "b") for use inside
// parentheses; `${Name|raw}` inserts a single plain token (e.g. a maxspan such as 60s).
// `${Name:-a,b}` gives a default (comma-separated; empty for an empty list) used when the
// configuration does not define Name; without one, an undefined name is an error.

import { PurpleError } from '../model/index.js';
import type { DetectorConfig } from './types.js';

/** Never equal to a real field value: what an empty list expands to, so it matches nothing. */
export const EMPTY_LIST_SENTINEL = '\u0000purple:empty-list';

export function quoteEql(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (c < 0x20) out += `\\u{${c.toString(16).padStart(2, '0')}}`;
    else out += ch;
  }
  return out + '"';
}

function locate(text: string, index: number): { line: number; column: number } {
  const before = text.slice(0, index);
  const line = before.split('\n').length;
  return { line, column: index - before.lastIndexOf('\n') };
}

/** Expands the placeholders of a query; `where.line` is the file line its first character is on. */
export function expandPlaceholders(query: string, config: DetectorConfig, where: { file: string; line: number }): string {
  return expandPlaceholdersMapped(query, config, where).text;
}

/**
 * Expansion plus a map from columns of the expanded text back to the file, so errors found in the
 * expanded query point at what the user wrote. Expansions never span lines.
 */
export function expandPlaceholdersMapped(
  query: string,
  config: DetectorConfig,
  where: { file: string; line: number },
): { text: string; mapColumn: (line: number, column: number) => number } {
  const spans: Array<{ line: number; origCol: number; origLen: number; newLen: number }> = [];
  const text = query.replace(/\$\{([^}]*)\}/g, (whole: string, inner: string, idx: number) => {
    const loc = locate(query, idx);
    const line = where.line + loc.line - 1;
    const out = expandOne(config, whole, inner, { file: where.file, line, column: loc.column });
    spans.push({ line, origCol: loc.column, origLen: whole.length, newLen: out.length });
    return out;
  });
  const mapColumn = (line: number, column: number): number => {
    let delta = 0;
    for (const sp of spans) {
      if (sp.line !== line) continue;
      const start = sp.origCol + delta;
      if (column < start) break;
      if (column < start + sp.newLen) return sp.origCol; // inside an expansion: point at the placeholder
      delta += sp.newLen - sp.origLen;
    }
    return column - delta;
  };
  return { text, mapColumn };
}

function expandOne(config: DetectorConfig, whole: string, inner: string, location: { file: string; line: number; column: number }): string {
  const m = /^\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*(\|\s*raw\s*)?(?::-(.*))?$/s.exec(inner);
  if (!m) throw new PurpleError('PARSE', `bad placeholder ${whole}`, { location, hint: 'write ${Name} for a list, ${Name|raw} for a single value, and :-default after either for a default' });
  const name = m[1]!;
  const fallback = m[3] === undefined ? undefined : m[3].split(',').map((x) => x.trim()).filter((x) => x !== '');
  const values = config.lists[name] ?? config.placeholders?.[name] ?? fallback;
  if (!values) {
    const known = [...new Set([...Object.keys(config.lists), ...Object.keys(config.placeholders ?? {})])].sort();
    throw new PurpleError('BAD_INPUT', `unknown placeholder \${${name}}`, {
      location,
      hint: known.length ? `define it in the detector configuration (rules/config/det0503.yaml); known: ${known.join(', ')}` : 'define it in the detector configuration (rules/config/det0503.yaml) and pass --config',
    });
  }
  if (m[2]) {
    if (values.length !== 1 || !/^[A-Za-z0-9_.]+$/.test(values[0]!)) {
      throw new PurpleError('BAD_INPUT', `\${${name}|raw} needs exactly one plain value (letters, digits, _ and .), got ${JSON.stringify(values)}`, { location, hint: `set ${name} to a single value such as 60s` });
    }
    return values[0]!;
  }
  if (values.length === 0) return quoteEql(EMPTY_LIST_SENTINEL);
  return values.map(quoteEql).join(', ');
}
