// Sigma documents in a file → typed definitions: detection rules, correlation rules and
// filters, each with its position so every later error can name file:line:column.

import { JOIN_STRENGTH_ORDER, PurpleError, type JoinStrength, type RuleMeta, type Severity, type TelemetryEvent } from '../../model/index.js';
import { parseCondition, ConditionError, type CondNode } from './condition.js';
import { compileDetection } from './detection.js';
import { auditRecords, routeLogsource, type Route } from './logsource.js';
import type { EventPredicate, ItemContext } from './modifiers.js';
import { readYamlDocuments, scalarContentShift, type YamlDoc } from './yaml-source.js';

export interface RuleDef {
  kind: 'rule';
  file: string;
  doc: YamlDoc;
  id?: string;
  name?: string;
  title: string;
  route: Route;
  match: (ev: TelemetryEvent) => boolean;
  meta: RuleMeta;
}

export type CorrelationType = 'event_count' | 'value_count' | 'value_sum' | 'value_avg' | 'temporal' | 'temporal_ordered';
export type CmpOp = 'gt' | 'gte' | 'lt' | 'lte' | 'eq' | 'neq';

export interface CorrelationDef {
  kind: 'correlation';
  file: string;
  doc: YamlDoc;
  id?: string;
  name?: string;
  title: string;
  type: CorrelationType;
  rules: string[];
  groupBy: string[];
  /** alias → (rule name or id → field). */
  aliases: Record<string, Record<string, string>>;
  timespanMs: number;
  /** Numeric criteria (AND). Empty for temporal types without a condition (= all rules). */
  criteria: Array<{ op: CmpOp; value: number }>;
  field?: string;
  /** The string boolean condition of temporal correlations (identifiers are rule references). */
  expr?: CondNode;
  generate: boolean;
  meta: RuleMeta;
}

export interface FilterDef {
  kind: 'filter';
  file: string;
  doc: YamlDoc;
  id?: string;
  title: string;
  rules: string[];
  route: Route;
  match: EventPredicate;
}

export type SigmaDef = RuleDef | CorrelationDef | FilterDef;

const LEVELS: Record<string, Severity> = { informational: 'low', low: 'low', medium: 'medium', high: 'high', critical: 'critical' };
const TYPES: readonly CorrelationType[] = ['event_count', 'value_count', 'value_sum', 'value_avg', 'temporal', 'temporal_ordered'];
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseTimespan(text: unknown): number | undefined {
  const m = typeof text === 'string' ? /^(\d+)([smhd])$/.exec(text) : null;
  return m ? Number(m[1]) * UNIT_MS[m[2]!]! : undefined;
}

export function readSigmaFile(path: string, text: string, ctx: ItemContext): SigmaDef[] {
  const docs = readYamlDocuments(text, path);
  const out: SigmaDef[] = [];
  let global: Record<string, unknown> | undefined;
  for (const doc of docs) {
    const v = doc.value;
    if (!v || typeof v !== 'object' || Array.isArray(v))
      throw new PurpleError('PARSE', 'a Sigma document must be a YAML map', { location: { file: path, ...doc.locate([]) }, hint: 'start the document with title:' });
    const d = v as Record<string, unknown>;
    if (d.action !== undefined) {
      // Sigma 1 multi-document collections (action: global/reset/repeat) predate correlations.
      if (d.action === 'global') {
        global = d;
        continue;
      }
      throw err('UNSUPPORTED', `'action: ${String(d.action)}' collections are not supported`, doc, path, ['action'], 'write each rule as its own document');
    }
    const merged = global ? { ...global, ...d } : d;
    delete (merged as { action?: unknown }).action;
    if (merged.correlation !== undefined) out.push(parseCorrelation(merged, doc, path));
    else if (merged.filter !== undefined) out.push(parseFilter(merged, doc, path, ctx));
    else out.push(parseRule(merged, doc, path, ctx));
  }
  return out;
}

function err(code: 'PARSE' | 'UNSUPPORTED' | 'SCHEMA', msg: string, doc: YamlDoc, file: string, path: Array<string | number>, hint: string, key = true): PurpleError {
  return new PurpleError(code, msg, { location: { file, ...doc.locate(path, { key }) }, hint });
}

function optString(d: Record<string, unknown>, key: string, doc: YamlDoc, file: string): string | undefined {
  const v = d[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !v) throw err('PARSE', `'${key}' must be a non-empty string`, doc, file, [key], `give ${key} as text`, false);
  return v;
}

function baseMeta(d: Record<string, unknown>, doc: YamlDoc, file: string, fallbackId: string): Omit<RuleMeta, 'platforms'> {
  const title = d.title;
  if (typeof title !== 'string' || !title.trim()) throw err('PARSE', "a Sigma rule needs a 'title'", doc, file, [], 'add title: <what the rule detects>');
  const level = d.level === undefined ? 'medium' : String(d.level);
  const severity = LEVELS[level];
  if (!severity) throw err('PARSE', `level '${level}' is not one of ${Object.keys(LEVELS).join(', ')}`, doc, file, ['level'], 'use a Sigma level', false);
  const tags = Array.isArray(d.tags) ? d.tags.map(String) : [];
  const techniques = tags
    .map((t) => /^attack\.(t\d{4}(?:\.\d{3})?)$/i.exec(t)?.[1]?.toUpperCase())
    .filter((x): x is string => x !== undefined);
  const purple = readPurpleCustom(d, doc, file);
  const meta: Omit<RuleMeta, 'platforms'> = {
    id: (typeof d.id === 'string' && d.id) || (typeof d.name === 'string' && d.name) || fallbackId,
    name: title,
    language: 'sigma',
    file,
    severity,
    attack: {
      techniques,
      ...(purple.detection_strategy ? { detection_strategy: purple.detection_strategy } : {}),
      ...(purple.analytics ? { analytics: purple.analytics } : {}),
    },
    ...(typeof d.description === 'string' ? { description: d.description } : {}),
    ...(purple.join_strength ? { join_strength: purple.join_strength } : {}),
    ...(purple.risk_score !== undefined ? { risk_score: purple.risk_score } : {}),
  };
  return meta;
}

/**
 * Project metadata lives under `custom.purple` (Sigma allows arbitrary custom attributes):
 * join_strength, detection_strategy, analytics, risk_score.
 */
function readPurpleCustom(
  d: Record<string, unknown>,
  doc: YamlDoc,
  file: string,
): { join_strength?: JoinStrength; detection_strategy?: string; analytics?: string[]; risk_score?: number } {
  const custom = d.custom as Record<string, unknown> | undefined;
  const p = custom && typeof custom === 'object' ? (custom.purple as Record<string, unknown> | undefined) : undefined;
  if (!p || typeof p !== 'object') return {};
  const out: { join_strength?: JoinStrength; detection_strategy?: string; analytics?: string[]; risk_score?: number } = {};
  if (p.join_strength !== undefined) {
    if (!(JOIN_STRENGTH_ORDER as readonly unknown[]).includes(p.join_strength))
      throw err('PARSE', `custom.purple.join_strength must be one of ${JOIN_STRENGTH_ORDER.join(', ')}`, doc, file, ['custom', 'purple', 'join_strength'], 'pick the link the correlation proves', false);
    out.join_strength = p.join_strength as JoinStrength;
  }
  if (typeof p.detection_strategy === 'string') out.detection_strategy = p.detection_strategy;
  if (Array.isArray(p.analytics)) out.analytics = p.analytics.map(String);
  if (typeof p.risk_score === 'number') out.risk_score = p.risk_score;
  return out;
}

function parseRule(d: Record<string, unknown>, doc: YamlDoc, file: string, ctx: ItemContext): RuleDef {
  const meta = baseMeta(d, doc, file, `${file}#${doc.index + 1}`);
  const taxonomy = d.taxonomy === undefined ? 'sigma' : String(d.taxonomy);
  if (taxonomy !== 'sigma' && taxonomy !== 'ecs')
    throw err('UNSUPPORTED', `taxonomy '${taxonomy}' is not supported (sigma or ecs)`, doc, file, ['taxonomy'], 'use the Sigma taxonomy field names, or ECS names with taxonomy: ecs', false);
  if (d.logsource === undefined) throw err('PARSE', "a Sigma rule needs 'logsource'", doc, file, [], 'add logsource: { product: macos|linux, category: … }');
  const route = routeLogsource(d.logsource);
  if ('reason' in route)
    throw err('UNSUPPORTED', route.reason, doc, file, route.key ? ['logsource', route.key] : ['logsource'], 'the embedded detector evaluates macOS and Linux telemetry normalised to ECS', false);
  // auditd rules name the records' own keys (type, syscall, exe, a0, …): no mapping to ECS.
  const itemCtx: ItemContext =
    taxonomy === 'ecs' || route.service === 'auditd' ? { ...ctx, mapField: (n) => n, valueMap: () => undefined } : ctx;
  if (d.detection === undefined) throw err('PARSE', "a Sigma rule needs 'detection'", doc, file, [], 'add detection: with search identifiers and a condition');
  const pred = compileDetection(d.detection, doc, file, itemCtx);
  const id = optString(d, 'id', doc, file);
  const name = optString(d, 'name', doc, file);
  return {
    kind: 'rule',
    file,
    doc,
    ...(id ? { id } : {}),
    ...(name ? { name } : {}),
    title: meta.name,
    route,
    // An auditd rule fires when one record of the event matches it (as a backend over audit.log would).
    match: route.service === 'auditd' ? (ev) => route.accepts(ev) && auditRecords(ev).some((r) => pred(r)) : (ev) => route.accepts(ev) && pred(ev),
    meta: { ...meta, ...(route.product ? { platforms: [route.product] } : {}) },
  };
}

function parseFilter(d: Record<string, unknown>, doc: YamlDoc, file: string, ctx: ItemContext): FilterDef {
  const f = d.filter as Record<string, unknown>;
  if (!f || typeof f !== 'object' || Array.isArray(f)) throw err('PARSE', "'filter' must be a map with 'rules' and a detection", doc, file, ['filter'], 'see the Sigma filters specification');
  const rules = f.rules;
  if (!Array.isArray(rules) || rules.length === 0 || !rules.every((r) => typeof r === 'string'))
    throw err('PARSE', "'filter.rules' must list the ids or names of the rules to filter", doc, file, ['filter', 'rules'], 'list rule ids or names', false);
  const route = routeLogsource(d.logsource);
  if ('reason' in route) throw err('UNSUPPORTED', route.reason, doc, file, ['logsource'], 'filters route like rules', false);
  const { rules: _r, ...det } = f;
  // The filter's detection is written like a rule's, with paths under 'filter'.
  const shifted: YamlDoc = { ...doc, locate: (p, o) => doc.locate(p[0] === 'detection' ? ['filter', ...p.slice(1)] : p, o) };
  const match = compileDetection(det, shifted, file, ctx);
  const id = optString(d, 'id', doc, file);
  return { kind: 'filter', file, doc, ...(id ? { id } : {}), title: String(d.title ?? ''), rules: rules as string[], route, match };
}

function parseCorrelation(d: Record<string, unknown>, doc: YamlDoc, file: string): CorrelationDef {
  const meta = baseMeta(d, doc, file, `${file}#${doc.index + 1}`);
  const c = d.correlation as Record<string, unknown>;
  const P = (...p: Array<string | number>): Array<string | number> => ['correlation', ...p];
  if (!c || typeof c !== 'object' || Array.isArray(c)) throw err('PARSE', "'correlation' must be a map", doc, file, ['correlation'], 'see the Sigma correlation specification');
  const type = c.type as CorrelationType;
  if (c.type === 'value_percentile')
    throw err('UNSUPPORTED', "correlation type 'value_percentile' is not supported by the embedded detector", doc, file, P('type'), `use one of ${TYPES.join(', ')}`, false);
  if (!TYPES.includes(type)) throw err('PARSE', `correlation type '${String(c.type)}' is not one of ${TYPES.join(', ')}`, doc, file, c.type === undefined ? P() : P('type'), 'set correlation.type', false);
  const rules = c.rules;
  if (!Array.isArray(rules) || rules.length === 0 || !rules.every((r) => typeof r === 'string' && r))
    throw err('PARSE', "'correlation.rules' must list rule ids or names", doc, file, c.rules === undefined ? P() : P('rules'), 'list the rules to correlate', false);
  if (new Set(rules).size !== rules.length) throw err('PARSE', "'correlation.rules' lists a rule twice", doc, file, P('rules'), 'list each rule once', false);
  const timespanMs = parseTimespan(c.timespan);
  if (timespanMs === undefined)
    throw err('PARSE', `timespan '${String(c.timespan)}' must be a number and one of s, m, h, d (e.g. 90m)`, doc, file, c.timespan === undefined ? P() : P('timespan'), 'write e.g. timespan: 5m', false);
  const groupBy = c['group-by'] === undefined ? [] : c['group-by'];
  if (!Array.isArray(groupBy) || !groupBy.every((g) => typeof g === 'string')) throw err('PARSE', "'group-by' must be a list of field names", doc, file, P('group-by'), 'list fields', false);
  const aliases: Record<string, Record<string, string>> = {};
  if (c.aliases !== undefined) {
    if (!c.aliases || typeof c.aliases !== 'object' || Array.isArray(c.aliases)) throw err('PARSE', "'aliases' must be a map", doc, file, P('aliases'), 'alias: { rule_name: field }', false);
    for (const [alias, m] of Object.entries(c.aliases as Record<string, unknown>)) {
      if (!m || typeof m !== 'object' || Array.isArray(m) || !Object.values(m).every((x) => typeof x === 'string'))
        throw err('PARSE', `alias '${alias}' must map rule names to field names`, doc, file, P('aliases', alias), 'alias: { rule_name: field }', false);
      for (const ruleRef of Object.keys(m))
        if (!rules.includes(ruleRef))
          throw err('PARSE', `alias '${alias}' names rule '${ruleRef}', which is not in correlation.rules`, doc, file, P('aliases', alias, ruleRef), 'alias keys are the names of the correlated rules', true);
      aliases[alias] = m as Record<string, string>;
    }
  }
  const criteria: Array<{ op: CmpOp; value: number }> = [];
  let field: string | undefined;
  let expr: CondNode | undefined;
  const cond = c.condition;
  const temporal = type === 'temporal' || type === 'temporal_ordered';
  if (typeof cond === 'string') {
    if (type !== 'temporal')
      throw err(
        type === 'temporal_ordered' ? 'UNSUPPORTED' : 'PARSE',
        type === 'temporal_ordered'
          ? 'a boolean condition on temporal_ordered is not supported (the order of optional rules is undefined); use temporal, or list the rules in order without a condition'
          : `a string condition is only allowed for temporal correlations, not ${type}`,
        doc, file, P('condition'), 'use a map such as { gte: 10 }', false,
      );
    try {
      expr = parseCondition(cond);
    } catch (e) {
      if (!(e instanceof ConditionError)) throw e;
      const at = doc.locate(P('condition'));
      throw new PurpleError('PARSE', `correlation condition: ${e.message}`, {
        location: { file, ...(at ? { line: at.line, column: at.column + scalarContentShift(doc, P('condition')) + e.offset } : {}) },
        hint: 'combine the names of the correlated rules with and/or/not',
      });
    }
  } else if (cond !== undefined) {
    if (!cond || typeof cond !== 'object' || Array.isArray(cond)) throw err('PARSE', "'condition' must be a map like { gte: 10 }", doc, file, P('condition'), 'gt/gte/lt/lte/eq/neq and field', false);
    for (const [k, v] of Object.entries(cond as Record<string, unknown>)) {
      if (k === 'field') {
        if (typeof v !== 'string' || !v) throw err('PARSE', "'condition.field' must be a field name", doc, file, P('condition', 'field'), 'name the field to count', false);
        field = v;
      } else if (['gt', 'gte', 'lt', 'lte', 'eq', 'neq'].includes(k)) {
        if (typeof v !== 'number' || !Number.isFinite(v)) throw err('PARSE', `'condition.${k}' must be a number`, doc, file, P('condition', k), 'e.g. gte: 10', false);
        criteria.push({ op: k as CmpOp, value: v });
      } else throw err('PARSE', `unknown condition key '${k}'`, doc, file, P('condition', k), 'use gt/gte/lt/lte/eq/neq and field');
    }
    if (criteria.length === 0) throw err('PARSE', 'the condition has no comparison', doc, file, P('condition'), 'e.g. gte: 10', false);
  }
  if (!temporal && criteria.length === 0) throw err('PARSE', `a ${type} correlation needs a condition such as { gte: 10 }`, doc, file, P(), 'add correlation.condition', true);
  if (['value_count', 'value_sum', 'value_avg'].includes(type) && !field)
    throw err('PARSE', `a ${type} correlation needs condition.field`, doc, file, P('condition'), 'name the field whose values are counted or summed', false);
  if (type === 'temporal_ordered' && criteria.length > 0) {
    const n = rules.length;
    const allRules = criteria.every((k) => (k.op === 'gte' || k.op === 'eq') && k.value === n);
    if (!allRules)
      throw err('UNSUPPORTED', `temporal_ordered supports only the default condition (all ${n} rules, in order)`, doc, file, P('condition'), `remove the condition or write gte: ${n}`, false);
  }
  if (d.generate !== undefined && typeof d.generate !== 'boolean') throw err('PARSE', "'generate' must be true or false", doc, file, ['generate'], 'generate: true makes the referenced rules alert on their own', false);
  const id = optString(d, 'id', doc, file);
  const name = optString(d, 'name', doc, file);
  return {
    kind: 'correlation',
    file,
    doc,
    ...(id ? { id } : {}),
    ...(name ? { name } : {}),
    title: meta.name,
    type,
    rules: rules as string[],
    groupBy: groupBy as string[],
    aliases,
    timespanMs,
    criteria,
    ...(field ? { field } : {}),
    ...(expr ? { expr } : {}),
    generate: d.generate === true || c.generate === true,
    meta,
  };
}
