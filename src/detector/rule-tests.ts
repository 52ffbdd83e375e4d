// Rules tested like code: a rule file carries its own test cases — events that must make the rule
// fire (optionally with the join strength its alert must have) and events that must not.
//
// - Elastic TOML rules: `[[tests]]` tables after the rule (`name`, `expect`, `join`, `events`: a
//   string of NDJSON lines or an array of inline tables).
// - Sigma YAML: a top-level `tests:` list in the rule's own document (Sigma's schemas allow
//   extra top-level keys), same fields, `events` a list of maps or an NDJSON string.
//
// Pure: files arrive as text, the case schema check is a function the caller compiles.

import { parse as parseToml } from 'smol-toml';
import { JOIN_STRENGTH_ORDER, PurpleError, type Alert, type JoinStrength, type TelemetryEvent } from '../model/index.js';
import { createDetector } from './engine.js';
import { loadRulesWithDiagnostics } from './load-rules.js';
import { readYamlDocuments } from './sigma/yaml-source.js';
import type { LoadContext, RuleSourceFile } from './types.js';

export type Expectation = 'alert' | 'no-alert';

export interface RuleTestCase {
  file: string;
  /** Line of the case in the file. */
  line?: number;
  ruleId: string;
  ruleName: string;
  name: string;
  expect: Expectation;
  join?: JoinStrength;
  events: TelemetryEvent[];
  /** Sigma: the rule's document alone, so a building block that only feeds correlations can alert on its own. */
  alone?: RuleSourceFile;
}

export interface RuleTestResult {
  case: RuleTestCase;
  got: Expectation;
  /** Join strengths of the rule's alerts. */
  joins: JoinStrength[];
  alerts: number;
  pass: boolean;
  /** Why it failed, in words. */
  detail?: string;
}

/** Checks one case object against the rule-tests JSON Schema; returns messages (empty = valid). */
export type CaseSchemaCheck = (testCase: unknown) => Array<{ path: string; message: string }>;

export interface ReadRuleTestsResult {
  cases: RuleTestCase[];
  errors: PurpleError[];
  /** Every rule the files define (id, name, file, line), tested or not. */
  rules: Array<{ id: string; name: string; file: string; line?: number }>;
}

function bad(file: string, line: number | undefined, message: string, hint: string): PurpleError {
  return new PurpleError('BAD_INPUT', message, { location: { file, ...(line !== undefined ? { line } : {}) }, hint });
}

const CASE_HINT = 'a test case has name, expect = "alert" | "no-alert", optional join (same-process, parent-child, siblings, same-user-host) and events (NDJSON text or a list of event objects); see docs/tuning-rules.md';

/** Events of a case: NDJSON text (line numbers from `firstLine`) or a list of objects. */
function readEvents(v: unknown, file: string, line: number | undefined, firstLine: number | undefined): TelemetryEvent[] {
  const checkOne = (e: unknown, at: number | undefined, what: string): TelemetryEvent => {
    if (!e || typeof e !== 'object' || Array.isArray(e)) throw bad(file, at, `${what} is not a JSON object`, 'one ECS event (a JSON object) per line');
    const ts = (e as Record<string, unknown>)['@timestamp'];
    if (typeof ts !== 'string' || Number.isNaN(Date.parse(ts))) throw bad(file, at, `${what} has no ISO 8601 @timestamp`, 'give every test event an "@timestamp": "2026-01-01T00:00:00.000Z"');
    return e as TelemetryEvent;
  };
  if (typeof v === 'string') {
    const out: TelemetryEvent[] = [];
    v.split('\n').forEach((text, i) => {
      if (!text.trim()) return;
      const at = firstLine !== undefined ? firstLine + i : line;
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (e) {
        throw bad(file, at, `test event is not valid JSON: ${(e as Error).message}`, 'write one JSON object per line in the events text');
      }
      out.push(checkOne(parsed, at, 'test event'));
    });
    return out;
  }
  if (Array.isArray(v)) return v.map((e, i) => checkOne(e, line, `test event ${i + 1}`));
  throw bad(file, line, "a test case's events must be NDJSON text or a list of events", CASE_HINT);
}

function readCase(raw: unknown, index: number, file: string, line: number | undefined, eventsLine: number | undefined, rule: { id: string; name: string }, check: CaseSchemaCheck | undefined): RuleTestCase {
  const problems = check ? check(raw) : [];
  if (problems.length) {
    const p = problems[0]!;
    throw bad(file, line, `test case ${index + 1} of rule ${rule.id}: ${p.path ? `${p.path} ` : ''}${p.message}`, CASE_HINT);
  }
  const c = (raw ?? {}) as Record<string, unknown>;
  if (typeof c.name !== 'string' || !c.name.trim()) throw bad(file, line, `test case ${index + 1} of rule ${rule.id} has no name`, CASE_HINT);
  if (c.expect !== 'alert' && c.expect !== 'no-alert') throw bad(file, line, `test case '${c.name}': expect must be "alert" or "no-alert"`, CASE_HINT);
  if (c.join !== undefined && !(JOIN_STRENGTH_ORDER as readonly unknown[]).includes(c.join)) throw bad(file, line, `test case '${c.name}': join must be one of ${JOIN_STRENGTH_ORDER.join(', ')}`, CASE_HINT);
  if (c.join !== undefined && c.expect !== 'alert') throw bad(file, line, `test case '${c.name}': join only applies to expect = "alert"`, CASE_HINT);
  const events = readEvents(c.events, file, line, eventsLine);
  if (!events.length) throw bad(file, line, `test case '${c.name}' has no events`, CASE_HINT);
  return {
    file,
    ...(line !== undefined ? { line } : {}),
    ruleId: rule.id,
    ruleName: rule.name,
    name: c.name,
    expect: c.expect,
    ...(c.join !== undefined ? { join: c.join as JoinStrength } : {}),
    events,
  };
}

/** Lines of `[[tests]]` headers and of the first line inside each case's `events` text. */
function tomlCaseLines(text: string): Array<{ line: number; eventsLine?: number }> {
  const lines = text.split('\n');
  const out: Array<{ line: number; eventsLine?: number }> = [];
  lines.forEach((l, i) => {
    if (/^\s*\[\[\s*tests\s*\]\]/.test(l)) out.push({ line: i + 1 });
    else if (out.length && /^\s*events\s*=\s*("""|''')\s*$/.test(l) && out[out.length - 1]!.eventsLine === undefined) out[out.length - 1]!.eventsLine = i + 2;
    else if (out.length && /^\s*events\s*=\s*("""|''')\S/.test(l) && out[out.length - 1]!.eventsLine === undefined) out[out.length - 1]!.eventsLine = i + 1;
  });
  return out;
}

/** Reads the test cases of rule files; a bad case is an error with its file and line, the rest still load. */
export function readRuleTests(files: readonly RuleSourceFile[], check?: CaseSchemaCheck): ReadRuleTestsResult {
  const cases: RuleTestCase[] = [];
  const errors: PurpleError[] = [];
  const rules: ReadRuleTestsResult['rules'] = [];
  for (const f of files) {
    const ext = /\.([A-Za-z]+)$/.exec(f.path)?.[1]?.toLowerCase();
    try {
      if (ext === 'toml') {
        const doc = parseToml(f.text) as { rule?: Record<string, unknown>; tests?: unknown };
        const rule = { id: String(doc.rule?.rule_id ?? f.path), name: String(doc.rule?.name ?? f.path) };
        rules.push({ ...rule, file: f.path });
        if (doc.tests === undefined) continue;
        if (!Array.isArray(doc.tests)) {
          errors.push(bad(f.path, undefined, "'tests' must be an array of tables ([[tests]])", CASE_HINT));
          continue;
        }
        const at = tomlCaseLines(f.text);
        doc.tests.forEach((raw, i) => {
          try {
            cases.push(readCase(raw, i, f.path, at[i]?.line, at[i]?.eventsLine, rule, check));
          } catch (e) {
            errors.push(e as PurpleError);
          }
        });
      } else if (ext === 'yml' || ext === 'yaml') {
        for (const doc of readYamlDocuments(f.text, f.path)) {
          const d = doc.value as Record<string, unknown> | null;
          if (!d || typeof d !== 'object' || Array.isArray(d) || d.filter !== undefined) continue;
          const id = typeof d.id === 'string' ? d.id : typeof d.name === 'string' ? d.name : `${f.path}#${doc.index + 1}`;
          const rule = { id, name: typeof d.title === 'string' ? d.title : id };
          const ruleLine = doc.locate([])?.line;
          rules.push({ ...rule, file: f.path, ...(ruleLine !== undefined ? { line: ruleLine } : {}) });
          if (d.tests === undefined) continue;
          if (!Array.isArray(d.tests)) {
            errors.push(bad(f.path, doc.locate(['tests'])?.line, "'tests' must be a list of test cases", CASE_HINT));
            continue;
          }
          const range = doc.doc.range;
          const alone: RuleSourceFile | undefined = d.correlation === undefined ? { path: f.path, text: f.text.slice(0, range[0]).replace(/[^\n]/g, '') + f.text.slice(range[0], range[2]) } : undefined;
          d.tests.forEach((raw, i) => {
            const line = doc.locate(['tests', i])?.line;
            const evLine = typeof (raw as Record<string, unknown> | null)?.events === 'string' ? doc.locate(['tests', i, 'events'])?.line : undefined;
            try {
              const c = readCase(raw, i, f.path, line, evLine !== undefined ? evLine + 1 : undefined, rule, check);
              if (alone) c.alone = alone;
              cases.push(c);
            } catch (e) {
              errors.push(e as PurpleError);
            }
          });
        }
      }
    } catch (e) {
      errors.push(e instanceof PurpleError ? e : bad(f.path, undefined, `cannot read the test cases: ${(e as Error).message}`, 'fix the file so it loads (purple validate says where)'));
    }
  }
  return { cases, errors, rules };
}

function byTime(a: TelemetryEvent, b: TelemetryEvent): number {
  return Date.parse(a['@timestamp']) - Date.parse(b['@timestamp']);
}

/**
 * Runs each case through a fresh detector holding the rules of the case's file (every rule of
 * `files` when that file names rules of others), with process-tree enrichment as in a real run, and
 * judges the case's rule's alerts.
 */
export function runRuleTests(cases: readonly RuleTestCase[], files: readonly RuleSourceFile[], ctx: LoadContext): RuleTestResult[] {
  const out: RuleTestResult[] = [];
  for (const c of cases) {
    // The case's own file when it loads alone (fast: rules hold state, so every case compiles
    // afresh); all the files when it names rules of others (a correlation over another file's rules).
    const own = files.find((f) => f.path === c.file);
    const alone = own ? loadRulesWithDiagnostics([own], ctx) : undefined;
    let rules = alone && !alone.errors.length ? alone.rules : loadRulesWithDiagnostics([...files], ctx).rules;
    if (!rules.some((r) => r.meta.id === c.ruleId) && c.alone) rules = loadRulesWithDiagnostics([c.alone], ctx).rules;
    const mine = rules.filter((r) => r.meta.id === c.ruleId);
    if (!mine.length) {
      out.push({ case: c, got: 'no-alert', joins: [], alerts: 0, pass: false, detail: `rule ${c.ruleId} did not load (purple validate says why)` });
      continue;
    }
    const detector = createDetector(rules, {});
    const alerts: Alert[] = [];
    for (const e of [...c.events].sort(byTime)) alerts.push(...detector.push(structuredClone(e)));
    alerts.push(...detector.finish());
    const hits = alerts.filter((a) => a.rule.id === c.ruleId);
    const joins = [...new Set(hits.map((a) => a.join_strength ?? a.rule.join_strength).filter((j): j is JoinStrength => j !== undefined))];
    const got: Expectation = hits.length ? 'alert' : 'no-alert';
    let pass = got === c.expect;
    let detail: string | undefined;
    if (!pass) detail = c.expect === 'alert' ? 'the rule did not fire' : `the rule fired ${hits.length} time${hits.length === 1 ? '' : 's'}`;
    else if (c.join && !joins.includes(c.join)) {
      pass = false;
      detail = `the rule fired with join ${joins.join(', ') || 'none'}, expected ${c.join}`;
    }
    out.push({ case: c, got, joins, alerts: hits.length, pass, ...(detail ? { detail } : {}) });
  }
  return out;
}

/** Rules without at least one `alert` and one `no-alert` case (the pack's bar: both kinds). */
export function untestedRules(read: ReadRuleTestsResult): Array<{ id: string; name: string; file: string; line?: number; missing: Expectation[] }> {
  const out: Array<{ id: string; name: string; file: string; line?: number; missing: Expectation[] }> = [];
  for (const r of read.rules) {
    const kinds = new Set(read.cases.filter((c) => c.ruleId === r.id && c.file === r.file).map((c) => c.expect));
    const missing = (['alert', 'no-alert'] as const).filter((k) => !kinds.has(k));
    if (missing.length) out.push({ ...r, missing });
  }
  return out;
}
