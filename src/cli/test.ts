// purple test: runs the test cases rule files carry ([[tests]] in Elastic TOML, tests: in Sigma
// YAML) through the embedded detector and prints rule, case, expected, got, pass/fail; --junit
// writes the same as JUnit XML for CI.

import type { Command } from 'commander';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { loadRulesWithDiagnostics, readRuleTests, runRuleTests, untestedRules, type CaseSchemaCheck, type RuleSourceFile, type RuleTestResult } from '../detector/index.js';
import { PurpleError } from '../model/index.js';
import { escapeXml } from '../report/escape.js';
import { collectRuleFiles, loadFieldCatalog, readDetectorConfig } from '../pipeline/index.js';
import { EXIT_BAD_INPUT, EXIT_EXPECTATION_FAILED, EXIT_OK, action, packageRoot } from './common.js';

interface TestOpts {
  config?: string;
  sigmaMapping?: string;
  junit?: string;
  json?: boolean;
  requireCases?: boolean;
}

function caseSchemaCheck(root: string): CaseSchemaCheck {
  const schema = JSON.parse(readFileSync(join(root, 'schemas', 'rule-tests.schema.json'), 'utf8')) as object;
  const validate = new Ajv2020({ allErrors: true, strict: true }).compile(schema);
  return (c) => (validate(c) ? [] : (validate.errors ?? []).map((e) => ({ path: e.instancePath.replace(/^\//, '').replace(/\//g, '.'), message: e.message ?? 'is not valid' })));
}

function show(abs: string): string {
  const r = relative(process.cwd(), abs);
  return r === '' || r.startsWith('..') ? abs : r;
}

function pad(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s.padEnd(n);
}

export function formatTestTable(results: readonly RuleTestResult[]): string {
  const rows = results.map((r) => ({
    rule: r.case.ruleName,
    name: r.case.name,
    expected: r.case.expect + (r.case.join ? ` (${r.case.join})` : ''),
    got: r.got + (r.got === 'alert' && r.joins.length ? ` (${r.joins.join(', ')})` : ''),
    result: r.pass ? 'pass' : 'FAIL',
  }));
  const w = {
    rule: Math.min(60, Math.max(4, ...rows.map((r) => r.rule.length))),
    name: Math.min(50, Math.max(4, ...rows.map((r) => r.name.length))),
    expected: Math.max(8, ...rows.map((r) => r.expected.length)),
    got: Math.min(40, Math.max(3, ...rows.map((r) => r.got.length))),
  };
  const line = (r: { rule: string; name: string; expected: string; got: string; result: string }): string =>
    [pad(r.rule, w.rule), pad(r.name, w.name), pad(r.expected, w.expected), pad(r.got, w.got), r.result].join('  ');
  const out = [line({ rule: 'rule', name: 'case', expected: 'expected', got: 'got', result: 'result' })];
  for (const r of rows) out.push(line(r));
  for (const r of results) if (!r.pass) out.push(`${r.case.file}${r.case.line ? `:${r.case.line}` : ''}: FAIL ${r.case.ruleName} / ${r.case.name}: ${r.detail ?? ''}`);
  return out.join('\n');
}

export function formatTestJunit(results: readonly RuleTestResult[]): string {
  const byFile = new Map<string, RuleTestResult[]>();
  for (const r of results) {
    const list = byFile.get(r.case.file) ?? [];
    list.push(r);
    byFile.set(r.case.file, list);
  }
  const failures = results.filter((r) => !r.pass).length;
  const suites = [...byFile].map(([file, rs]) => {
    const cases = rs.map((r) => {
      const facts = `expected: ${r.case.expect}${r.case.join ? ` (${r.case.join})` : ''}\ngot: ${r.got}${r.joins.length ? ` (${r.joins.join(', ')})` : ''}\nalerts: ${r.alerts}\nat: ${file}${r.case.line ? `:${r.case.line}` : ''}`;
      const body = r.pass ? `<system-out>${escapeXml(facts)}</system-out>` : `<failure message="${escapeXml(r.detail ?? 'failed')}" type="rule-test">${escapeXml(facts)}</failure>`;
      return `    <testcase classname="${escapeXml(r.case.ruleName)}" name="${escapeXml(r.case.name)}" file="${escapeXml(file)}" time="0">${body}</testcase>`;
    });
    return `  <testsuite name="${escapeXml(file)}" tests="${rs.length}" failures="${rs.filter((r) => !r.pass).length}" errors="0" skipped="0">\n${cases.join('\n')}\n  </testsuite>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="purple test" tests="${results.length}" failures="${failures}" errors="0">\n${suites.join('\n')}\n</testsuites>\n`;
}

export function register(program: Command): void {
  program
    .command('test')
    .description('run the test cases rule files carry (events that must and must not make each rule fire); table, JUnit, exit 1 on a failing case')
    .argument('[paths...]', 'rule files or folders (searched recursively; config/ folders skipped); default: the shipped rules/')
    .option('-c, --config <file>', 'detector configuration (default: rules/config/det0503.yaml)')
    .option('--sigma-mapping <file>', 'Sigma field mapping to use instead of the sigma-mapping.yaml beside the configuration')
    .option('--junit <file>', 'also write the results as JUnit XML')
    .option('--json', 'machine-readable output')
    .option('--require-cases', 'exit 1 when a rule has no "alert" case or no "no-alert" case')
    .addHelpText(
      'after',
      `
Test cases live in the rule files (docs/tuning-rules.md#testing-rules):
  Elastic TOML   [[tests]] tables: name, expect = "alert" | "no-alert", join = "parent-child" (optional),
                 events = """one ECS event per line"""
  Sigma YAML     a top-level tests: list in the rule's document, same keys, events a list of maps
Every case runs through a fresh detector with the rules of its file (all the files of the paths when
it names rules of other files) and the process-tree enrichment of a real run.

Examples:
  purple test                          the shipped rules
  purple test site-rules/ --junit reports/rule-tests.xml
  purple test rules/eql/det0503_linux_parent_child.toml

Exit codes: 0 every case passed, 1 a case failed (or --require-cases and a rule lacks one),
2 bad input (a rule or case that does not load, printed as file:line).`,
    )
    .action(
      action(async (paths: string[], opts: TestOpts) => {
        const root = packageRoot();
        const targets = paths.length ? paths : [join(root, 'rules')];
        const files: RuleSourceFile[] = [];
        for (const t of targets) {
          if (!existsSync(t)) throw new PurpleError('NOT_FOUND', `${t} does not exist`, { hint: 'pass rule files or folders of rules' });
          // Paths relative to the working folder, so messages point at real files.
          const abs = resolve(t);
          const isFile = statSync(abs).isFile();
          for (const f of collectRuleFiles(t)) files.push({ path: show(isFile ? abs : join(abs, f.path)), text: f.text });
        }
        if (!files.length) throw new PurpleError('NOT_FOUND', `no rule files under ${targets.join(', ')}`, { hint: 'rule files end in .toml, .eql, .yml or .yaml' });
        const config = readDetectorConfig(opts.config ?? join(root, 'rules', 'config', 'det0503.yaml'), opts.sigmaMapping !== undefined ? { sigmaMapping: opts.sigmaMapping } : {});
        const fields = loadFieldCatalog(root);
        const ctx = { config, maxOpenSequences: 10_000 };
        const loaded = loadRulesWithDiagnostics(files, { ...ctx, ...(fields ? { fields } : {}) });
        for (const w of loaded.warnings) process.stderr.write(`purple: warning: ${w.format()}\n`);
        const read = readRuleTests(files, caseSchemaCheck(root));
        const errors = [...loaded.errors, ...read.errors];
        if (errors.length) {
          for (const e of errors) process.stderr.write(`purple: ${e.format()}\n`);
          return EXIT_BAD_INPUT;
        }
        const results = runRuleTests(read.cases, files, ctx);
        const untested = untestedRules(read);
        if (opts.junit) {
          mkdirSync(dirname(resolve(opts.junit)), { recursive: true });
          writeFileSync(opts.junit, formatTestJunit(results));
        }
        const failed = results.filter((r) => !r.pass).length;
        if (opts.json) {
          const json = {
            ok: failed === 0 && !(opts.requireCases && untested.length),
            cases: results.map((r) => ({ file: r.case.file, line: r.case.line, rule_id: r.case.ruleId, rule: r.case.ruleName, case: r.case.name, expected: r.case.expect, join: r.case.join, got: r.got, joins: r.joins, alerts: r.alerts, pass: r.pass, ...(r.detail ? { detail: r.detail } : {}) })),
            untested: untested.map((u) => ({ file: u.file, rule_id: u.id, rule: u.name, missing: u.missing })),
            summary: { cases: results.length, passed: results.length - failed, failed, rules: read.rules.length, rules_missing_cases: untested.length },
          };
          process.stdout.write(JSON.stringify(json, null, 2) + '\n');
        } else {
          const out: string[] = [];
          if (results.length) out.push(formatTestTable(results));
          for (const u of untested) out.push(`${u.file}${u.line ? `:${u.line}` : ''}: rule ${u.name} has no ${u.missing.map((m) => `"${m}"`).join(' and no ')} test case`);
          out.push(`purple test: ${results.length} case${results.length === 1 ? '' : 's'} of ${read.rules.length} rule${read.rules.length === 1 ? '' : 's'}: ${results.length - failed} passed, ${failed} failed${untested.length ? `; ${untested.length} rule${untested.length === 1 ? '' : 's'} without both kinds of case` : ''}`);
          process.stdout.write(out.join('\n') + '\n');
        }
        return failed || (opts.requireCases && untested.length) ? EXIT_EXPECTATION_FAILED : EXIT_OK;
      }),
    );
}
