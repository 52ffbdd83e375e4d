// A Sigma rule's `detection` section → one predicate over events: search identifiers (maps are
// AND, lists are OR, plain lists are keywords) combined by the condition.

import { PurpleError } from '../../model/index.js';
import { compileCondition, ConditionError, parseCondition } from './condition.js';
import { compileItem, ModifierError, type EventPredicate, type ItemContext } from './modifiers.js';
import { scalarContentShift, type YamlDoc } from './yaml-source.js';

export function compileDetection(detection: unknown, doc: YamlDoc, file: string, ctx: ItemContext): EventPredicate {
  const where = (path: Array<string | number>, key = false) => ({ file, ...doc.locate(path, { key }) });
  if (!detection || typeof detection !== 'object' || Array.isArray(detection))
    throw new PurpleError('PARSE', "'detection' must be a map of search identifiers plus 'condition'", {
      location: where(['detection']),
      hint: 'see the Sigma rules specification, section Detection',
    });
  const det = detection as Record<string, unknown>;
  const names = Object.keys(det).filter((k) => k !== 'condition' && k !== 'timeframe');
  if ('timeframe' in det)
    throw new PurpleError('UNSUPPORTED', "'timeframe' in detection is the obsolete Sigma 1 aggregation syntax", {
      location: where(['detection', 'timeframe'], true),
      hint: "use a correlation rule with 'timespan' instead",
    });
  const preds = new Map<string, EventPredicate>();
  for (const name of names) preds.set(name, compileIdentifier(det[name], ['detection', name], doc, file, ctx));

  const cond = det.condition;
  const conds: Array<{ text: string; path: Array<string | number> }> = [];
  if (typeof cond === 'string') conds.push({ text: cond, path: ['detection', 'condition'] });
  else if (Array.isArray(cond) && cond.length > 0 && cond.every((c) => typeof c === 'string'))
    cond.forEach((c: string, i) => conds.push({ text: c, path: ['detection', 'condition', i] }));
  else
    throw new PurpleError('PARSE', "'detection.condition' must be a string (or a list of strings, OR-ed)", {
      location: where(cond === undefined ? ['detection'] : ['detection', 'condition']),
      hint: 'e.g. condition: selection and not filter',
    });

  const compiled = conds.map(({ text, path }) => {
    try {
      const ast = parseCondition(text);
      return compileCondition<unknown>(ast, names, (n) => preds.get(n)!, { excludeUnderscoreFromThem: true });
    } catch (e) {
      if (!(e instanceof ConditionError)) throw e;
      const at = doc.locate(path);
      const multiline = text.includes('\n');
      const column = at && !multiline ? at.column + scalarContentShift(doc, path) + e.offset : at?.column;
      throw new PurpleError(e.unsupported ? 'UNSUPPORTED' : 'PARSE', `condition: ${e.message}`, {
        location: { file, ...(at ? { line: at.line } : {}), ...(column !== undefined ? { column } : {}) },
        hint: "conditions combine search identifiers with and/or/not, parentheses, '1 of x*' and 'all of them'",
      });
    }
  });
  return compiled.length === 1 ? (compiled[0] as EventPredicate) : (ev) => compiled.some((f) => f(ev));
}

function compileIdentifier(def: unknown, path: Array<string | number>, doc: YamlDoc, file: string, ctx: ItemContext): EventPredicate {
  if (Array.isArray(def)) {
    if (def.length === 0) throw parseErr('a search identifier cannot be an empty list', path, doc, file);
    const keywords = def.filter((x) => x === null || typeof x !== 'object');
    const maps = def.map((x, i) => ({ x, i })).filter(({ x }) => x !== null && typeof x === 'object');
    const parts: EventPredicate[] = [];
    if (keywords.length > 0) parts.push(compileAt(null, [], keywords, path, doc, file, ctx));
    for (const { x, i } of maps) {
      if (Array.isArray(x)) throw parseErr('a list inside a search identifier list is not allowed', [...path, i], doc, file);
      parts.push(compileMap(x as Record<string, unknown>, [...path, i], doc, file, ctx));
    }
    return parts.length === 1 ? parts[0]! : (ev) => parts.some((p) => p(ev));
  }
  if (def && typeof def === 'object') return compileMap(def as Record<string, unknown>, path, doc, file, ctx);
  throw parseErr('a search identifier must be a map (fields, AND) or a list (OR: keywords or maps)', path, doc, file);
}

function compileMap(map: Record<string, unknown>, path: Array<string | number>, doc: YamlDoc, file: string, ctx: ItemContext): EventPredicate {
  const keys = Object.keys(map);
  if (keys.length === 0) throw parseErr('an empty map matches every event; give at least one field', path, doc, file);
  const items = keys.map((key) => {
    const [field, ...mods] = key.split('|');
    return compileAt(field === '' ? null : field!, mods, map[key], [...path, key], doc, file, ctx, true);
  });
  return (ev) => items.every((f) => f(ev));
}

function compileAt(
  field: string | null,
  mods: string[],
  values: unknown,
  path: Array<string | number>,
  doc: YamlDoc,
  file: string,
  ctx: ItemContext,
  isKey = false,
): EventPredicate {
  try {
    return compileItem(field, mods, values, ctx);
  } catch (e) {
    if (!(e instanceof ModifierError)) throw e;
    const at =
      e.valueIndex !== undefined && Array.isArray(values) ? doc.locate([...path, e.valueIndex]) : doc.locate(path, { key: isKey && e.valueIndex === undefined });
    const label = field === null ? 'keywords' : [field, ...mods].join('|');
    throw new PurpleError(e.unsupported ? 'UNSUPPORTED' : 'PARSE', `${label}: ${e.message}`, {
      location: { file, ...at },
      hint: e.unsupported ? 'the embedded detector rejects this rather than evaluate it wrongly; rewrite the item' : 'see the Sigma modifiers appendix',
    });
  }
}

function parseErr(message: string, path: Array<string | number>, doc: YamlDoc, file: string): PurpleError {
  return new PurpleError('PARSE', message, { location: { file, ...doc.locate(path) }, hint: 'see the Sigma rules specification, section Detection' });
}
