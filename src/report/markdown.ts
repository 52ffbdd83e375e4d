// Markdown summary for CI pages (GitHub's job summary renders it): headline, outcome counts,
// what needs attention with the reason in plain words, coverage per axis, collectors.

import { an1391LogSources } from './log-sources.js';
import type { RunReport } from '../model/index.js';
import { escapeMarkdownCell as cell } from './escape.js';
import { renderControlsMarkdown } from './controls.js';
import { OUTCOMES, axisNames, countOutcomes, describeReason, formatMs, formatPercent, problemVerdicts } from './summary.js';

export function renderMarkdown(report: RunReport): string {
  const c = report.coverage;
  const ok = report.exit_code === 0;
  const lines: string[] = [];
  const regressions = report.baseline?.regressions ?? [];
  const verdictFailed = report.verdicts.some((v) => !v.expectation_met);
  const headline = ok ? '\u2705 all expectations met' : regressions.length && !verdictFailed ? `\u274c ${regressions.length} baseline regression(s)` : regressions.length ? `\u274c an expectation failed, ${regressions.length} baseline regression(s)` : '\u274c an expectation failed';
  lines.push(`## purple-harness ${headline}`);
  lines.push('');
  lines.push(`Run \`${cell(report.run.id)}\` on **${cell(report.host.name)}** (${cell(report.host.os)} ${cell(report.host.os_version)}, ${cell(report.host.arch)}), collectors: ${report.collectors.map((x) => `\`${cell(x.id)}\``).join(', ') || 'none'}.`);
  lines.push('');
  lines.push(`| Coverage | False-positive rate | Positives detected | Negative controls alerting | Skipped | Errors |`);
  lines.push(`|---:|---:|---:|---:|---:|---:|`);
  lines.push(`| **${formatPercent(c.coverage)}** | **${formatPercent(c.false_positive_rate)}** | ${c.detected} / ${c.positives} | ${c.false_positives} / ${c.negatives} | ${c.skipped} | ${c.errors} |`);
  lines.push('');
  const counts = countOutcomes(report.verdicts);
  lines.push(`| ${OUTCOMES.join(' | ')} |`);
  lines.push(`|${OUTCOMES.map(() => '---:').join('|')}|`);
  lines.push(`| ${OUTCOMES.map((o) => counts[o]).join(' | ')} |`);
  lines.push('');

  if (report.baseline) lines.push(...baselineSection(report.baseline));

  const problems = problemVerdicts(report);
  if (problems.length) {
    lines.push(`### Needs attention (${problems.length})`);
    lines.push('');
    lines.push('| Variant | Outcome | Why | Counts against the run |');
    lines.push('|---|---|---|---|');
    for (const v of problems) {
      const why = v.outcome === 'false-positive' ? `fired: ${v.rules_fired.join(', ')}` : describeReason(v) + (v.known_gap ? ` (known gap: ${v.known_gap})` : '');
      lines.push(`| \`${cell(v.variant_id)}\` | ${cell(v.outcome)} | ${cell(why)} | ${v.expectation_met ? 'no' : '**yes**'} |`);
    }
    lines.push('');
  }

  const detected = report.verdicts.filter((v) => v.outcome === 'detected');
  if (detected.length) {
    lines.push('<details><summary>Detected variants</summary>');
    lines.push('');
    lines.push('| Variant | Strongest join | Latency | Rules |');
    lines.push('|---|---|---:|---|');
    for (const v of detected) lines.push(`| \`${cell(v.variant_id)}\` | ${cell(v.strongest_join ?? '')} | ${formatMs(v.latency_ms)} | ${cell(v.rules_fired.join(', '))} |`);
    lines.push('');
    lines.push('</details>');
    lines.push('');
  }

  const controls = renderControlsMarkdown(report);
  if (controls) lines.push(controls);

  lines.push('<details><summary>Coverage by axis</summary>');
  lines.push('');
  lines.push('| Axis | Value | Detected / positives | Coverage | False positives / negatives |');
  lines.push('|---|---|---:|---:|---:|');
  for (const axis of axisNames(report.verdicts)) {
    const values = c.by_axis[axis] ?? {};
    for (const [value, cellv] of Object.entries(values)) {
      lines.push(`| ${cell(axis)} | ${cell(value)} | ${cellv.detected} / ${cellv.positives} | ${formatPercent(cellv.positives ? cellv.detected / cellv.positives : null)} | ${cellv.false_positives} / ${cellv.negatives} |`);
    }
  }
  lines.push('');
  lines.push('</details>');
  lines.push('');

  lines.push('| Collector | Exec | Args | Network | Attribution | Library loads | Lost records | Errors |');
  lines.push('|---|:-:|:-:|:-:|:-:|:-:|---:|---:|');
  const yn = (b: boolean) => (b ? 'yes' : 'no');
  for (const col of report.collectors) {
    const f = col.fidelity;
    lines.push(`| ${cell(col.id)} | ${yn(f.process_exec)} | ${yn(f.process_args)} | ${yn(f.network)} | ${yn(f.network_attribution)} | ${yn(f.library_loads)} | ${col.lost_records} | ${col.errors.length} |`);
  }
  lines.push('');
  const sources = an1391LogSources(report);
  if (sources.length) {
    lines.push(`AN1391 log sources: ${sources.map((s) => `\`${s.source}\` ${s.covered ? `covered (${s.by.map(cell).join(', ')})` : 'not covered'}`).join('; ')}.`);
    lines.push('');
  }
  return lines.join('\n');
}

function baselineSection(b: NonNullable<RunReport['baseline']>): string[] {
  const out: string[] = [];
  out.push(`### Against the baseline \`${cell(b.run_id)}\` (${b.regressions.length} regression(s), ${b.fixed.length} fixed, ${b.unchanged} unchanged, ${b.not_comparable.length} not comparable)`);
  out.push('');
  if (!b.regressions.length && !b.fixed.length) {
    out.push('No variant changed its outcome.');
    out.push('');
    return out;
  }
  out.push('| Variant | Baseline | Now | |');
  out.push('|---|---|---|---|');
  for (const r of b.regressions) out.push(`| \`${cell(r.variant_id)}\` | ${cell(r.before)} | ${cell(r.after)} | **regression** |`);
  for (const r of b.fixed) out.push(`| \`${cell(r.variant_id)}\` | ${cell(r.before)} | ${cell(r.after)} | fixed |`);
  out.push('');
  return out;
}
