// Field checking: every field a rule names must exist somewhere the detector can read it — an ECS
// field, a Sigma taxonomy field of the rule's log source that the mapping places in the event, or
// a field the site declares (`custom_fields:` in the detector configuration). A misspelt field
// (`process.comand_line`, Sigma `Commandline`) otherwise loads fine and silently never matches.
// Pure: the ECS field list and the declared fields are data passed in.

import { PurpleError } from '../model/index.js';
import { parseEql } from './eql/index.js';
import { expandPlaceholdersMapped } from './placeholders.js';
import { defaultSigmaMapping, mergeSigmaMapping } from './sigma/field-mapping.js';
import { AUDITD_FIELDS, SIGMA_CATEGORY_FIELDS } from './sigma/taxonomy.js';
import { readYamlDocuments, type YamlDoc } from './sigma/yaml-source.js';
import { parse as parseToml } from 'smol-toml';
import type { DetectorConfig, RuleSourceFile } from './types.js';

/** The fields a rule may name besides its language's own taxonomy. */
export interface FieldCatalog {
  /** ECS field names, flat (`process.command_line`); a name ending in `.*` admits any sub-field (`labels.*`). */
  ecs: readonly string[];
  /** Fields the site declares (non-ECS fields its telemetry carries). Same `.*` form. */
  custom?: readonly string[];
}

/** A compiled view of a catalog: fast membership and nearest-name suggestions. */
export interface FieldIndex {
  isKnown(name: string): boolean;
  nearest(name: string, extra?: readonly string[]): string | undefined;
}

export function indexFields(catalog: FieldCatalog): FieldIndex {
  const exact = new Set<string>();
  const prefixes: string[] = [];
  for (const n of [...catalog.ecs, ...(catalog.custom ?? [])]) {
    if (n.endsWith('.*')) prefixes.push(n.slice(0, -1));
    else exact.add(n);
  }
  const names = [...exact];
  return {
    isKnown: (name) => exact.has(name) || prefixes.some((p) => name.startsWith(p) && name.length > p.length),
    nearest: (name, extra = []) => nearestName(name, [...extra, ...names]),
  };
}

/** Levenshtein distance, case differences counting half (so `Commandline` is nearest `CommandLine`). */
export function editDistance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  for (let i = 1; i <= m; i++) {
    const cur = [i];
    for (let j = 1; j <= n; j++) {
      const ca = a[i - 1]!;
      const cb = b[j - 1]!;
      const sub = ca === cb ? 0 : ca.toLowerCase() === cb.toLowerCase() ? 0.5 : 1;
      cur.push(Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + sub));
    }
    prev = cur;
  }
  return prev[n]!;
}

function nearestName(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    if (Math.abs(c.length - name.length) >= bestD) continue;
    const d = editDistance(name, c);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  // Suggest only what is plausibly the intended name: a few edits, at most a third of the name.
  return best !== undefined && bestD <= Math.max(2, Math.ceil(name.length / 3)) ? best : undefined;
}

export interface FieldReference {
  file: string;
  line?: number;
  column?: number;
  field: string;
  language: 'eql' | 'sigma';
  /** Sigma: the rule's log source category, service and taxonomy. */
  logsource?: { category?: string; product?: string; service?: string };
  taxonomy?: 'sigma' | 'ecs';
}

/** The fields each rule file names, with positions. Files that do not parse yield nothing (loading reports them). */
export function collectFieldReferences(files: readonly RuleSourceFile[], config: DetectorConfig): FieldReference[] {
  const out: FieldReference[] = [];
  for (const f of files) {
    const ext = /\.([A-Za-z]+)$/.exec(f.path)?.[1]?.toLowerCase();
    try {
      if (ext === 'toml') out.push(...tomlRefs(f, config));
      else if (ext === 'eql') out.push(...eqlRefs(f.text, f.path, 1, config));
      else if (ext === 'yml' || ext === 'yaml') out.push(...sigmaRefs(f));
    } catch {
      // Not loadable: the loader reports why, with its location.
    }
  }
  return out;
}

function tomlRefs(f: RuleSourceFile, config: DetectorConfig): FieldReference[] {
  const doc = parseToml(f.text) as { rule?: { query?: unknown; language?: unknown } };
  if (typeof doc.rule?.query !== 'string' || doc.rule.language !== 'eql') return [];
  const qm = /^\s*query\s*=\s*('''|"""|'|")(\r?\n)?/m.exec(f.text);
  const line = qm ? f.text.slice(0, qm.index + qm[0].length).split('\n').length : 1;
  return eqlRefs(doc.rule.query, f.path, line, config);
}

function eqlRefs(query: string, file: string, line: number, config: DetectorConfig): FieldReference[] {
  const { text, mapColumn } = expandPlaceholdersMapped(query, config, { file, line });
  const ast = parseEql(text, { file, lineOffset: line });
  const out: FieldReference[] = [];
  const seen = new Set<unknown>();
  const walk = (node: unknown): void => {
    if (node === null || typeof node !== 'object' || seen.has(node)) return;
    seen.add(node);
    if (Array.isArray(node)) {
      node.forEach(walk);
      return;
    }
    const o = node as Record<string, unknown>;
    // Field expressions ({k:'field'}) and join keys (FieldRef: path + name + pos, no k).
    if (Array.isArray(o.path) && typeof o.name === 'string' && o.pos && (o.k === 'field' || o.k === undefined)) {
      const pos = o.pos as { line: number; column: number };
      out.push({ file, line: pos.line, column: mapColumn(pos.line, pos.column), field: o.name, language: 'eql' });
      return;
    }
    for (const v of Object.values(o)) walk(v);
  };
  walk(ast);
  return out;
}

function sigmaRefs(f: RuleSourceFile): FieldReference[] {
  const docs = readYamlDocuments(f.text, f.path);
  const out: FieldReference[] = [];
  const rules = new Map<string, { logsource: FieldReference['logsource']; taxonomy: 'sigma' | 'ecs' }>();
  const pending: Array<{ doc: YamlDoc; d: Record<string, unknown> }> = [];
  const add = (doc: YamlDoc, path: Array<string | number>, field: string, ls: FieldReference['logsource'], taxonomy: 'sigma' | 'ecs', key = true): void => {
    const at = doc.locate(path, { key });
    out.push({ file: f.path, ...(at ?? {}), field, language: 'sigma', ...(ls ? { logsource: ls } : {}), taxonomy });
  };
  const logsourceOf = (d: Record<string, unknown>): FieldReference['logsource'] => {
    const l = d.logsource as Record<string, unknown> | undefined;
    if (!l || typeof l !== 'object') return undefined;
    const pick = (k: string): Record<string, string> => (typeof l[k] === 'string' ? { [k]: l[k] as string } : {});
    return { ...pick('category'), ...pick('product'), ...pick('service') };
  };
  const detectionRefs = (doc: YamlDoc, det: unknown, base: Array<string | number>, ls: FieldReference['logsource'], taxonomy: 'sigma' | 'ecs'): void => {
    if (!det || typeof det !== 'object' || Array.isArray(det)) return;
    for (const [ident, def] of Object.entries(det as Record<string, unknown>)) {
      if (ident === 'condition' || ident === 'timeframe' || ident === 'rules') continue;
      const maps: Array<{ m: unknown; path: Array<string | number> }> = Array.isArray(def)
        ? def.map((m, i) => ({ m, path: [...base, ident, i] }))
        : [{ m: def, path: [...base, ident] }];
      for (const { m, path } of maps) {
        if (!m || typeof m !== 'object' || Array.isArray(m)) continue;
        for (const key of Object.keys(m as Record<string, unknown>)) {
          const field = key.split('|')[0]!;
          if (field !== '') add(doc, [...path, key], field, ls, taxonomy);
        }
      }
    }
  };
  for (const doc of docs) {
    const d = doc.value as Record<string, unknown> | null;
    if (!d || typeof d !== 'object' || Array.isArray(d)) continue;
    const taxonomy = d.taxonomy === 'ecs' ? 'ecs' : 'sigma';
    const ls = logsourceOf(d);
    if (d.correlation !== undefined) {
      pending.push({ doc, d });
      continue;
    }
    if (d.filter !== undefined) {
      detectionRefs(doc, d.filter, ['filter'], ls, taxonomy);
      continue;
    }
    for (const k of ['id', 'name']) if (typeof d[k] === 'string') rules.set(d[k] as string, { logsource: ls, taxonomy });
    detectionRefs(doc, d.detection, ['detection'], ls, taxonomy);
  }
  // Correlation fields are read from the events of the rules they correlate.
  for (const { doc, d } of pending) {
    const c = d.correlation as Record<string, unknown>;
    if (!c || typeof c !== 'object') continue;
    const refs = Array.isArray(c.rules) ? c.rules.filter((r): r is string => typeof r === 'string') : [];
    const aliases = c.aliases && typeof c.aliases === 'object' ? (c.aliases as Record<string, unknown>) : {};
    const targets = refs.map((r) => rules.get(r)).filter((x): x is NonNullable<typeof x> => x !== undefined);
    const each = (path: Array<string | number>, field: string, key: boolean): void => {
      if (!targets.length) add(doc, path, field, undefined, 'sigma', key);
      for (const t of targets) add(doc, path, field, t.logsource, t.taxonomy, key);
    };
    (Array.isArray(c['group-by']) ? c['group-by'] : []).forEach((g, i) => {
      if (typeof g === 'string' && !(g in aliases)) each(['correlation', 'group-by', i], g, false);
    });
    for (const [alias, byRule] of Object.entries(aliases)) {
      if (!byRule || typeof byRule !== 'object') continue;
      for (const [ruleRef, field] of Object.entries(byRule as Record<string, unknown>)) {
        if (typeof field !== 'string') continue;
        const t = rules.get(ruleRef);
        add(doc, ['correlation', 'aliases', alias, ruleRef], field, t?.logsource, t?.taxonomy ?? 'sigma', false);
      }
    }
    if (typeof c.field === 'string') each(['correlation', 'field'], c.field, false);
  }
  return out;
}

/**
 * Checks every field the rule files name; returns one warning per unknown field (code BAD_INPUT,
 * file:line:column, the nearest known name in the hint). `catalog.custom` is joined by the
 * configuration's `custom_fields` list.
 */
export function checkRuleFields(files: readonly RuleSourceFile[], config: DetectorConfig, catalog: FieldCatalog): PurpleError[] {
  const custom = [...(catalog.custom ?? []), ...(config.lists.custom_fields ?? [])];
  const index = indexFields({ ecs: catalog.ecs, custom });
  const mapping = mergeSigmaMapping(defaultSigmaMapping(), {
    ...(config.sigmaFieldMap ? { sigmaFieldMap: config.sigmaFieldMap } : {}),
  }).sigmaFieldMap;
  const out: PurpleError[] = [];
  const seen = new Set<string>();
  for (const r of collectFieldReferences(files, config)) {
    const problem = checkReference(r, index, mapping);
    if (!problem) continue;
    const key = `${r.file}:${r.line}:${r.column}:${r.field}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(
      new PurpleError('BAD_INPUT', problem.message, {
        location: { file: r.file, ...(r.line !== undefined ? { line: r.line } : {}), ...(r.column !== undefined ? { column: r.column } : {}) },
        hint: problem.hint,
      }),
    );
  }
  return out;
}

const DECLARE = 'or declare it under custom_fields: in the detector configuration (rules/config/det0503.yaml) if your telemetry carries it';

function checkReference(r: FieldReference, index: FieldIndex, mapping: Record<string, string>): { message: string; hint: string } | undefined {
  const { field } = r;
  const suggest = (extra: readonly string[] = []): string => {
    const n = index.nearest(field, extra);
    return n !== undefined && n !== field ? `did you mean '${n}'? ` : '';
  };
  if (r.language === 'eql' || r.taxonomy === 'ecs') {
    if (index.isKnown(field)) return undefined;
    return { message: `unknown field '${field}': not an ECS field and not declared`, hint: `${suggest()}check the name against ECS, ${DECLARE}` };
  }
  const ls = r.logsource ?? {};
  if (ls.service === 'auditd') {
    if (AUDITD_FIELDS.includes(field)) return undefined;
    return { message: `unknown field '${field}' for logsource service auditd`, hint: `${suggest(AUDITD_FIELDS)}auditd rules name audit record keys (type, syscall, exe, comm, a0…, key, name, …)` };
  }
  const taxonomy = ls.category ? (SIGMA_CATEGORY_FIELDS[ls.category] ?? []) : [...new Set(Object.values(SIGMA_CATEGORY_FIELDS).flat())];
  const where = ls.category ? `category ${ls.category}` : 'its log source';
  if (taxonomy.includes(field)) {
    const target = mapping[field];
    if (target === undefined) return { message: `Sigma field '${field}' maps to nothing: no event field carries it`, hint: `add '${field}: <ECS field>' to the Sigma mapping (rules/config/sigma-mapping.yaml or --sigma-mapping FILE)` };
    if (!index.isKnown(target)) return { message: `Sigma field '${field}' maps to '${target}', which is not an ECS field and not declared`, hint: `fix the mapping, ${DECLARE}` };
    return undefined;
  }
  if (index.isKnown(field)) return undefined;
  const inMapping = mapping[field] !== undefined;
  return {
    message: inMapping ? `field '${field}' is not in Sigma's taxonomy for ${where}` : `unknown field '${field}': not in Sigma's taxonomy for ${where}, not an ECS field, not declared`,
    hint: `${suggest(taxonomy)}use the taxonomy's name (SigmaHQ taxonomy: ${taxonomy.slice(0, 8).join(', ')}, …), an ECS field, ${DECLARE}`,
  };
}
