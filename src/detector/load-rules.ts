// Rule files → StreamRules. Dispatch by extension: `.toml` (Elastic detection-rules format with
// a [rule.purple] table of ours), `.eql` (a bare query with `// key: value` metadata lines), and
// `.yml`/`.yaml` (Sigma, compiled by ./sigma). Errors are collected per file, with locations, so
// one bad file never hides the good ones.

import { parse as parseToml } from 'smol-toml';
import { JOIN_STRENGTH_ORDER, PurpleError, isPurpleError, type JoinStrength, type RuleMeta, type Severity } from '../model/index.js';
import { prepareEqlRule } from './eql/stream-rule.js';
import { expandPlaceholdersMapped } from './placeholders.js';
import { looksLikeSigma, prepareSigmaRules } from './sigma/index.js';
import { checkRuleFields } from './field-check.js';
import type { CompiledRule, LoadContext, RuleSourceFile, StreamRule } from './types.js';

const SEVERITIES: Severity[] = ['low', 'medium', 'high', 'critical'];
const PLATFORMS = ['macos', 'linux'] as const;

type PredicateCache = Map<string, (ev: unknown) => boolean>;

export interface LoadResult {
  rules: StreamRule[];
  errors: PurpleError[];
  /** Problems that do not stop a rule from loading: unknown fields (when `ctx.fields` is given). */
  warnings: PurpleError[];
}

export interface CompileResult {
  rules: CompiledRule[];
  errors: PurpleError[];
  /** Problems that do not stop a rule from loading: unknown fields (when `ctx.fields` is given). */
  warnings: PurpleError[];
}

function bad(file: string, message: string, hint?: string, line?: number): PurpleError {
  return new PurpleError('BAD_INPUT', message, { location: { file, ...(line ? { line } : {}) }, ...(hint ? { hint } : {}) });
}

function lineOf(text: string, re: RegExp): number | undefined {
  const m = re.exec(text);
  if (!m) return undefined;
  return text.slice(0, m.index).split('\n').length;
}

function checkSeverity(v: unknown, file: string, line?: number): Severity {
  if (typeof v === 'string' && (SEVERITIES as string[]).includes(v.toLowerCase())) return v.toLowerCase() as Severity;
  throw bad(file, `severity must be one of ${SEVERITIES.join(', ')}, got ${JSON.stringify(v)}`, 'set severity = "high" (or low, medium, critical)', line);
}

function checkJoin(v: unknown, file: string, line?: number): JoinStrength {
  if (typeof v === 'string' && (JOIN_STRENGTH_ORDER as readonly string[]).includes(v)) return v as JoinStrength;
  throw bad(file, `join_strength must be one of ${JOIN_STRENGTH_ORDER.join(', ')}, got ${JSON.stringify(v)}`, undefined, line);
}

function checkPlatforms(v: unknown, file: string, line?: number): Array<'macos' | 'linux'> {
  const xs = Array.isArray(v) ? v : [v];
  for (const x of xs) if (!(PLATFORMS as readonly unknown[]).includes(x)) throw bad(file, `platforms must be a list of ${PLATFORMS.join(', ')}, got ${JSON.stringify(v)}`, undefined, line);
  return xs as Array<'macos' | 'linux'>;
}

function strList(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  return (Array.isArray(v) ? v : [v]).map(String);
}

/** ATT&CK technique ids from Elastic's [[rule.threat]] blocks: sub-techniques where given. */
function techniquesOf(threat: unknown): string[] {
  const out: string[] = [];
  for (const t of Array.isArray(threat) ? threat : []) {
    for (const tech of Array.isArray((t as { technique?: unknown }).technique) ? ((t as { technique: unknown[] }).technique) : []) {
      const te = tech as { id?: string; subtechnique?: Array<{ id?: string }> };
      const subs = (te.subtechnique ?? []).map((s) => s.id).filter((x): x is string => !!x);
      if (subs.length) out.push(...subs);
      else if (te.id) out.push(te.id);
    }
  }
  return [...new Set(out)];
}

function loadToml(f: RuleSourceFile, ctx: LoadContext, cache: PredicateCache): CompiledRule {
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(f.text) as Record<string, unknown>;
  } catch (e) {
    const te = e as { line?: number; column?: number; message?: string };
    throw new PurpleError('PARSE', `not valid TOML: ${String(te.message ?? e).split('\n')[0]}`, { location: { file: f.path, ...(te.line ? { line: te.line } : {}), ...(te.column ? { column: te.column } : {}) }, hint: 'fix the TOML syntax' });
  }
  const rule = doc.rule as Record<string, unknown> | undefined;
  if (!rule || typeof rule !== 'object') throw bad(f.path, 'no [rule] table', 'an Elastic detection rule has a [rule] table with name, rule_id, severity, language and query');
  const need = (k: string): unknown => {
    if (rule[k] === undefined) throw bad(f.path, `[rule] has no ${k}`, `add ${k} = … to the [rule] table`, lineOf(f.text, /^\[rule\]/m));
    return rule[k];
  };
  const language = need('language');
  if (language !== 'eql') throw bad(f.path, `language ${JSON.stringify(language)} is not supported here`, 'only language = "eql" rules run in the embedded detector', lineOf(f.text, /^\s*language\s*=/m));
  const query = String(need('query'));
  const qm = /^\s*query\s*=\s*('''|"""|'|")(\r?\n)?/m.exec(f.text);
  const queryLine = qm ? f.text.slice(0, qm.index + qm[0].length).split('\n').length : 1;
  const purple = (rule.purple ?? {}) as Record<string, unknown>;
  const purpleLine = lineOf(f.text, /^\[rule\.purple\]/m);
  const meta: RuleMeta = {
    id: String(need('rule_id')),
    name: String(need('name')),
    language: 'eql',
    file: f.path,
    severity: checkSeverity(need('severity'), f.path, lineOf(f.text, /^\s*severity\s*=/m)),
    attack: { techniques: techniquesOf(rule.threat) },
  };
  if (typeof rule.risk_score === 'number') meta.risk_score = rule.risk_score;
  if (typeof rule.description === 'string') meta.description = rule.description;
  if (purple.join_strength !== undefined) meta.join_strength = checkJoin(purple.join_strength, f.path, purpleLine);
  if (purple.detection_strategy !== undefined) meta.attack.detection_strategy = String(purple.detection_strategy);
  if (purple.analytics !== undefined) meta.attack.analytics = strList(purple.analytics);
  if (purple.platforms !== undefined) meta.platforms = checkPlatforms(purple.platforms, f.path, purpleLine);
  return compileMapped(query, meta, ctx, f.path, queryLine, cache);
}

function loadEqlFile(f: RuleSourceFile, ctx: LoadContext, cache: PredicateCache): CompiledRule {
  const lines = f.text.split('\n');
  const kv: Record<string, { value: string; line: number }> = {};
  let i = 0;
  for (; i < lines.length; i++) {
    const l = lines[i]!.trim();
    if (l === '') continue;
    const m = /^\/\/\s*([A-Za-z_]+)\s*:\s*(.*)$/.exec(l);
    if (m) kv[m[1]!.toLowerCase()] = { value: m[2]!.trim(), line: i + 1 };
    else if (!l.startsWith('//')) break;
  }
  const base = f.path.replace(/^.*\//, '').replace(/\.eql$/, '');
  const list = (k: string): string[] => (kv[k]?.value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const meta: RuleMeta = {
    id: kv.id?.value ?? kv.rule_id?.value ?? base,
    name: kv.name?.value ?? base,
    language: 'eql',
    file: f.path,
    severity: kv.severity ? checkSeverity(kv.severity.value, f.path, kv.severity.line) : 'medium',
    attack: { techniques: list('techniques') },
  };
  if (kv.risk_score) meta.risk_score = Number(kv.risk_score.value);
  if (kv.description) meta.description = kv.description.value;
  if (kv.join_strength) meta.join_strength = checkJoin(kv.join_strength.value, f.path, kv.join_strength.line);
  if (kv.detection_strategy) meta.attack.detection_strategy = kv.detection_strategy.value;
  if (kv.analytics) meta.attack.analytics = list('analytics');
  if (kv.platforms) meta.platforms = checkPlatforms(list('platforms'), f.path, kv.platforms.line);
  return compileMapped(f.text, meta, ctx, f.path, 1, cache);
}

/** Expands placeholders and compiles; errors in the expanded text point back at the file's columns. */
function compileMapped(query: string, meta: RuleMeta, ctx: LoadContext, file: string, line: number, cache: PredicateCache): CompiledRule {
  const { text, mapColumn } = expandPlaceholdersMapped(query, ctx.config, { file, line });
  try {
    return prepareEqlRule(text, meta, { maxOpenSequences: ctx.maxOpenSequences, file, lineOffset: line, predicateCache: cache });
  } catch (e) {
    if (isPurpleError(e) && e.location.line !== undefined && e.location.column !== undefined) {
      const column = mapColumn(e.location.line, e.location.column);
      throw new PurpleError(e.code, e.message, { location: { ...e.location, column }, ...(e.hint ? { hint: e.hint } : {}) });
    }
    throw e;
  }
}

function asPurple(e: unknown, file: string): PurpleError {
  if (isPurpleError(e)) {
    if (e.location.file) return e;
    return new PurpleError(e.code, e.message, { location: { ...e.location, file }, ...(e.hint ? { hint: e.hint } : {}) });
  }
  return new PurpleError('INTERNAL', `loading ${file} failed: ${(e as Error)?.message ?? String(e)}`, { location: { file } });
}

export function loadRulesWithDiagnostics(files: RuleSourceFile[], ctx: LoadContext): LoadResult {
  const { rules, errors, warnings } = compileRulesWithDiagnostics(files, ctx);
  return { rules: rules.map((r) => r.instantiate()), errors, warnings };
}

/**
 * Parses and compiles every rule file once (errors collected per file, with locations); each
 * CompiledRule gives fresh instances, e.g. one detector per variant of a run.
 */
export function compileRulesWithDiagnostics(files: RuleSourceFile[], ctx: LoadContext): CompileResult {
  const rules: CompiledRule[] = [];
  const errors: PurpleError[] = [];
  const sigma: RuleSourceFile[] = [];
  const cache: PredicateCache = new Map();
  for (const f of files) {
    const ext = /\.([A-Za-z]+)$/.exec(f.path)?.[1]?.toLowerCase();
    try {
      if (ext === 'toml') rules.push(loadToml(f, ctx, cache));
      else if (ext === 'eql') rules.push(loadEqlFile(f, ctx, cache));
      else if (ext === 'yml' || ext === 'yaml') {
        if (looksLikeSigma(f.text)) sigma.push(f);
        else errors.push(bad(f.path, 'YAML file is not a Sigma rule (no title and detection/correlation)', 'keep configuration files out of the rules folder, or pass them with --config'));
      } else errors.push(bad(f.path, `unknown rule file type .${ext ?? '?'}`, 'rule files end in .toml (Elastic), .eql or .yml (Sigma)'));
    } catch (e) {
      errors.push(asPurple(e, f.path));
    }
  }
  if (sigma.length) {
    try {
      rules.push(...prepareSigmaRules(sigma, ctx));
    } catch (e) {
      // Correlations may reference rules in other files: retry file by file to keep the good ones.
      errors.push(asPurple(e, sigma[0]!.path));
      if (sigma.length > 1) {
        for (const f of sigma) {
          try {
            rules.push(...prepareSigmaRules([f], ctx));
          } catch (e2) {
            const pe = asPurple(e2, f.path);
            if (!errors.some((x) => x.message === pe.message && x.location.file === pe.location.file)) errors.push(pe);
          }
        }
      }
    }
  }
  // Rule ids must be unique: alerts and reports name rules by id.
  const seen = new Map<string, string>();
  const unique: CompiledRule[] = [];
  for (const r of rules) {
    const prev = seen.get(r.meta.id);
    if (prev !== undefined) {
      errors.push(bad(r.meta.file, `rule id ${r.meta.id} is also used by ${prev}`, 'give every rule its own rule_id'));
      continue;
    }
    seen.set(r.meta.id, r.meta.file);
    unique.push(r);
  }
  const warnings = ctx.fields ? checkRuleFields(files, ctx.config, ctx.fields) : [];
  return { rules: unique, errors, warnings };
}

/** Like loadRulesWithDiagnostics, but throws the first error (after loading everything). */
export function loadRules(files: RuleSourceFile[], ctx: LoadContext): StreamRule[] {
  const { rules, errors } = loadRulesWithDiagnostics(files, ctx);
  if (errors.length) throw errors[0]!;
  return rules;
}
