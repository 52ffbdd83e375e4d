// JUnit XML for CI: one test case per variant, grouped in one suite per scenario. The semantics CI
// systems expect: skipped is <skipped>, an unmet expectation is <failure>, an emulation that
// could not run is <error>; a known gap passes and says so in <system-out>.

import type { RunReport, Verdict } from '../model/index.js';
import { escapeXml } from './escape.js';
import { renderControlJunitSuites } from './controls.js';
import { describeReason, formatMs } from './summary.js';

function seconds(ms: number | undefined): string {
  return ((ms ?? 0) / 1000).toFixed(3);
}

function variantName(v: Verdict): string {
  const prefix = `${v.scenario_id}/`;
  return v.variant_id.startsWith(prefix) ? v.variant_id.slice(prefix.length) : v.variant_id;
}

function caseBody(v: Verdict): { kind: 'pass' | 'skipped' | 'failure' | 'error'; xml: string } {
  const axes = Object.entries(v.axes)
    .map(([k, val]) => `${k}=${String(val)}`)
    .join(' ');
  const facts = [`expect: ${v.expect}`, `outcome: ${v.outcome}`, `axes: ${axes}`];
  if (v.rules_fired.length) facts.push(`rules fired: ${v.rules_fired.join(', ')}`);
  if (v.strongest_join) facts.push(`strongest join: ${v.strongest_join}`);
  if (v.latency_ms !== undefined) facts.push(`latency: ${formatMs(v.latency_ms)}`);
  const detail = escapeXml([v.explanation, ...facts].join('\n'));
  switch (v.outcome) {
    case 'skipped':
      return { kind: 'skipped', xml: `<skipped message="${escapeXml(v.reason ?? v.explanation)}"/>` };
    case 'error': {
      const out = v.stderr_tail ? `\n<system-err>${escapeXml(v.stderr_tail)}</system-err>` : '';
      return { kind: 'error', xml: `<error message="${escapeXml(v.explanation)}" type="${escapeXml(v.reason ?? 'error')}">${detail}</error>${out}` };
    }
    case 'missed':
      if (v.expectation_met) {
        return { kind: 'pass', xml: `<system-out>${escapeXml(`known gap: ${v.known_gap ?? ''}\n`)}${detail}</system-out>` };
      }
      return { kind: 'failure', xml: `<failure message="${escapeXml(`missed: ${describeReason(v)}`)}" type="${escapeXml(v.reason ?? 'missed')}">${detail}</failure>` };
    case 'false-positive':
      return { kind: 'failure', xml: `<failure message="${escapeXml(`false positive: ${v.rules_fired.join(', ')} fired on a negative control`)}" type="false-positive">${detail}</failure>` };
    default:
      if (!v.expectation_met) return { kind: 'failure', xml: `<failure message="${escapeXml(v.explanation)}" type="${escapeXml(v.outcome)}">${detail}</failure>` };
      return { kind: 'pass', xml: `<system-out>${detail}</system-out>` };
  }
}

/** The whole run as a JUnit XML document (the Jenkins/Surefire dialect GitHub, GitLab and Jenkins read). */
export function renderJunit(report: RunReport): string {
  const byScenario = new Map<string, Verdict[]>();
  for (const v of report.verdicts) {
    const list = byScenario.get(v.scenario_id) ?? [];
    list.push(v);
    byScenario.set(v.scenario_id, list);
  }
  const totals = { tests: 0, failures: 0, errors: 0, skipped: 0, ms: 0 };
  const suites: string[] = [];
  for (const [scenario, verdicts] of byScenario) {
    const counts = { failures: 0, errors: 0, skipped: 0, ms: 0 };
    const cases: string[] = [];
    for (const v of verdicts) {
      const body = caseBody(v);
      if (body.kind === 'failure') counts.failures++;
      if (body.kind === 'error') counts.errors++;
      if (body.kind === 'skipped') counts.skipped++;
      counts.ms += v.duration_ms ?? 0;
      cases.push(`    <testcase name="${escapeXml(variantName(v))}" classname="${escapeXml(scenario)}" time="${seconds(v.duration_ms)}">\n      ${body.xml}\n    </testcase>`);
    }
    totals.tests += verdicts.length;
    totals.failures += counts.failures;
    totals.errors += counts.errors;
    totals.skipped += counts.skipped;
    totals.ms += counts.ms;
    const props = [
      ['run_id', report.run.id],
      ['host', report.host.name],
      ['os', `${report.host.os} ${report.host.os_version}`],
      ['collectors', report.collectors.map((c) => c.id).join(',')],
      ['tool_version', report.tool.version],
    ]
      .map(([n, val]) => `      <property name="${escapeXml(n)}" value="${escapeXml(val)}"/>`)
      .join('\n');
    suites.push(
      `  <testsuite name="${escapeXml(scenario)}" tests="${verdicts.length}" failures="${counts.failures}" errors="${counts.errors}" skipped="${counts.skipped}" time="${seconds(counts.ms)}" timestamp="${escapeXml(report.run.started_at)}" hostname="${escapeXml(report.host.name)}">\n    <properties>\n${props}\n    </properties>\n${cases.join('\n')}\n  </testsuite>`,
    );
  }
  const controls = renderControlJunitSuites(report);
  if (controls.xml) {
    suites.push(controls.xml);
    totals.tests += controls.tests;
    totals.failures += controls.failures;
    totals.errors += controls.errors;
    totals.skipped += controls.skipped;
  }
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<testsuites name="purple-harness ${escapeXml(report.run.id)}" tests="${totals.tests}" failures="${totals.failures}" errors="${totals.errors}" skipped="${totals.skipped}" time="${seconds(totals.ms)}">\n` +
    suites.join('\n') +
    `\n</testsuites>\n`
  );
}
