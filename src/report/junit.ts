// JUnit XML for CI: one test case per variant, grouped in one suite per scenario. The semantics CI
// systems expect: skipped is <skipped>, an unmet expectation is <failure>, an emulation that
// could not run is <error>. A known-gap miss meets its expectation, yet it is a miss people must
// see in the test tab, so it is <skipped> with the gap as the message (GitHub, GitLab, Jenkins and
// Azure list skipped cases with their message; a plain pass would hide it). A baseline regression
// is a <failure> of the variant that regressed. Valid against the Jenkins xUnit plugin's
// junit-10.xsd (kept in test/ci/junit-xsd/), which has `file`/`line` on <testcase> and no
// `skipped` on <testsuites>.

import type { RunReport, Verdict } from '../model/index.js';
import { regressionsOf } from './baseline.js';
import { escapeXml } from './escape.js';
import { renderControlJunitSuites } from './controls.js';
import { describeReason, formatMs } from './summary.js';

type CaseKind = 'pass' | 'skipped' | 'failure' | 'error';

function seconds(ms: number | undefined): string {
  return ((ms ?? 0) / 1000).toFixed(3);
}

function variantName(v: Verdict): string {
  const prefix = `${v.scenario_id}/`;
  return v.variant_id.startsWith(prefix) ? v.variant_id.slice(prefix.length) : v.variant_id;
}

/** Rule ids as people know them: the rule's name (the id stays findable in report.json). */
export function ruleNamer(report: RunReport): (id: string) => string {
  const names = new Map(report.rules.map((r) => [r.id, r.name]));
  return (id) => names.get(id) ?? id;
}

function caseBody(v: Verdict, ruleName: (id: string) => string, regression: { before: string; after: string } | undefined): { kind: CaseKind; xml: string } {
  const axes = Object.entries(v.axes)
    .map(([k, val]) => `${k}=${String(val)}`)
    .join(' ');
  const fired = v.rules_fired.map(ruleName);
  const facts = [`expect: ${v.expect}`, `outcome: ${v.outcome}`, `axes: ${axes}`];
  if (v.known_gap) facts.push(`known gap: ${v.known_gap}`);
  if (fired.length) facts.push(`rules fired: ${fired.join(', ')}`);
  if (v.strongest_join) facts.push(`strongest join: ${v.strongest_join}`);
  if (v.latency_ms !== undefined) facts.push(`latency: ${formatMs(v.latency_ms)}`);
  if (v.source) facts.push(`defined at: ${v.source.file}${v.source.line ? `:${v.source.line}` : ''}`);
  const detail = escapeXml([v.explanation, ...facts].join('\n'));
  const out = `<system-out>${detail}</system-out>`;
  if (regression && v.outcome !== 'skipped' && v.outcome !== 'error') {
    const msg = `baseline regression: ${regression.before} in the baseline, ${regression.after} now${v.outcome === 'missed' ? ` (${describeReason(v)})` : ''}`;
    return { kind: 'failure', xml: `<failure message="${escapeXml(msg)}" type="baseline-regression">${detail}</failure>` };
  }
  switch (v.outcome) {
    case 'skipped':
      return { kind: 'skipped', xml: `<skipped message="${escapeXml(v.reason ?? v.explanation)}"/>` };
    case 'error': {
      const err = v.stderr_tail ? `\n      <system-err>${escapeXml(v.stderr_tail)}</system-err>` : '';
      return { kind: 'error', xml: `<error message="${escapeXml(v.explanation)}" type="${escapeXml(v.reason ?? 'error')}">${detail}</error>${err}` };
    }
    case 'missed':
      if (v.expectation_met) {
        const msg = `known gap (missed, expected): ${v.known_gap ?? ''} \u2014 ${describeReason(v)}`;
        return { kind: 'skipped', xml: `<skipped type="known-gap" message="${escapeXml(msg)}"/>\n      ${out}` };
      }
      return { kind: 'failure', xml: `<failure message="${escapeXml(`missed: ${describeReason(v)}`)}" type="${escapeXml(v.reason ?? 'missed')}">${detail}</failure>` };
    case 'false-positive':
      return { kind: 'failure', xml: `<failure message="${escapeXml(`false positive: ${fired.join(', ')} fired on a negative control`)}" type="false-positive">${detail}</failure>` };
    default:
      if (!v.expectation_met) return { kind: 'failure', xml: `<failure message="${escapeXml(v.explanation)}" type="${escapeXml(v.outcome)}">${detail}</failure>` };
      return { kind: 'pass', xml: out };
  }
}

function locationAttrs(v: Verdict): string {
  if (!v.source) return '';
  return ` file="${escapeXml(v.source.file)}"${v.source.line ? ` line="${v.source.line}"` : ''}`;
}

/** The whole run as a JUnit XML document (the Jenkins/Surefire dialect GitHub, GitLab and Jenkins read). */
export function renderJunit(report: RunReport): string {
  const byScenario = new Map<string, Verdict[]>();
  for (const v of report.verdicts) {
    const list = byScenario.get(v.scenario_id) ?? [];
    list.push(v);
    byScenario.set(v.scenario_id, list);
  }
  const ruleName = ruleNamer(report);
  const regressions = regressionsOf(report);
  const scenarioFile = new Map(report.scenarios.map((s) => [s.id, s.file]));
  const totals = { tests: 0, failures: 0, errors: 0, ms: 0 };
  const suites: string[] = [];
  for (const [scenario, verdicts] of byScenario) {
    const counts = { failures: 0, errors: 0, skipped: 0, ms: 0 };
    const cases: string[] = [];
    for (const v of verdicts) {
      const body = caseBody(v, ruleName, regressions.get(v.variant_id));
      if (body.kind === 'failure') counts.failures++;
      if (body.kind === 'error') counts.errors++;
      if (body.kind === 'skipped') counts.skipped++;
      counts.ms += v.duration_ms ?? 0;
      cases.push(`    <testcase name="${escapeXml(variantName(v))}" classname="${escapeXml(scenario)}" time="${seconds(v.duration_ms)}"${locationAttrs(v)}>\n      ${body.xml}\n    </testcase>`);
    }
    totals.tests += verdicts.length;
    totals.failures += counts.failures;
    totals.errors += counts.errors;
    totals.ms += counts.ms;
    const props = [
      ['run_id', report.run.id],
      ['host', report.host.name],
      ['os', `${report.host.os} ${report.host.os_version}`],
      ['collectors', report.collectors.map((c) => c.id).join(',')],
      ['tool_version', report.tool.version],
      ...(report.baseline ? [['baseline_run_id', report.baseline.run_id], ['baseline_regressions', String(report.baseline.regressions.length)]] : []),
    ]
      .map(([n, val]) => `      <property name="${escapeXml(n!)}" value="${escapeXml(val!)}"/>`)
      .join('\n');
    const file = scenarioFile.get(scenario);
    suites.push(
      `  <testsuite name="${escapeXml(scenario)}" tests="${verdicts.length}" failures="${counts.failures}" errors="${counts.errors}" skipped="${counts.skipped}" time="${seconds(counts.ms)}" timestamp="${escapeXml(report.run.started_at)}" hostname="${escapeXml(report.host.name)}"${file ? ` file="${escapeXml(file)}"` : ''}>\n    <properties>\n${props}\n    </properties>\n${cases.join('\n')}\n  </testsuite>`,
    );
  }
  const controls = renderControlJunitSuites(report);
  if (controls.xml) {
    suites.push(controls.xml);
    totals.tests += controls.tests;
    totals.failures += controls.failures;
    totals.errors += controls.errors;
  }
  // <testsuites> has no `skipped` attribute in the Jenkins schema; each <testsuite> carries it.
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<testsuites name="purple-harness ${escapeXml(report.run.id)}" tests="${totals.tests}" failures="${totals.failures}" errors="${totals.errors}" time="${seconds(totals.ms)}">\n` +
    suites.join('\n') +
    `\n</testsuites>\n`
  );
}
