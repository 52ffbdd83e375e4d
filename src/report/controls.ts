// The real controls in every output: the side-by-side matrix (embedded pack and each control), the
// control's alerts on each variant's timeline, a JUnit suite per control, the Markdown section,
// one Navigator layer per control, and baseline regressions per control. Kept in one file of its
// own so the reporters' other owners can change theirs without touching it.

import type { ControlAlert, ControlVariantVerdict, ControlsSection, RunReport, Verdict } from '../model/index.js';
import { escapeHtml as esc, escapeMarkdownCell as cell, escapeXml } from './escape.js';
import { formatMs, formatPercent } from './summary.js';
import type { NavigatorLayer } from './navigator.js';

const STATUS_LABEL: Record<ControlVariantVerdict['status'], string> = {
  alerted: 'alerted',
  'not-alerted': 'not alerted',
  pending: 'pending',
  unavailable: 'unavailable',
};

function controlNames(c: ControlsSection): string[] {
  return c.sources.map((s) => s.control);
}

function verdictOf(c: ControlsSection, variant: string, control: string): ControlVariantVerdict | undefined {
  return c.verdicts.find((v) => v.variant_id === variant && v.control === control);
}

/** alerted / positives, false positives / negatives, per control. */
export function controlCoverage(c: ControlsSection, control: string): { positives: number; alerted: number; negatives: number; false_positives: number; pending: number; unavailable: number; coverage: number | null } {
  const vs = c.verdicts.filter((v) => v.control === control);
  const pos = vs.filter((v) => v.expect === 'positive');
  const neg = vs.filter((v) => v.expect === 'negative');
  const alerted = pos.filter((v) => v.status === 'alerted').length;
  const decided = pos.filter((v) => v.status === 'alerted' || v.status === 'not-alerted').length;
  return {
    positives: pos.length,
    alerted,
    negatives: neg.length,
    false_positives: neg.filter((v) => v.false_positive).length,
    pending: vs.filter((v) => v.status === 'pending').length,
    unavailable: vs.filter((v) => v.status === 'unavailable').length,
    coverage: decided ? alerted / decided : null,
  };
}

function embeddedCell(v: Verdict): string {
  return v.outcome;
}

function describeControlCell(x: ControlVariantVerdict | undefined): string {
  if (!x) return '—';
  const parts = [STATUS_LABEL[x.status]];
  if (x.latency_ms !== undefined) parts.push(formatMs(x.latency_ms));
  if (x.false_positive) parts.push('false positive');
  return parts.join(', ');
}

// ---------------------------------------------------------------- HTML

/** The side-by-side section: the embedded pack and each real control per variant. Empty without controls. */
export function renderControlsHtml(report: RunReport): string {
  const c = report.controls;
  if (!c) return '';
  const names = controlNames(c);
  const head = `<tr><th>variant</th><th>expect</th><th>embedded pack</th>${names.map((n) => `<th>${esc(n)}</th>`).join('')}</tr>`;
  const rows = report.verdicts
    .filter((v) => v.outcome !== 'skipped')
    .map((v) => {
      const cells = names
        .map((n) => {
          const x = verdictOf(c, v.variant_id, n);
          const title = x?.reason ?? (x?.matched_by ? `matched by ${x.matched_by}` : '');
          return `<td class="cs cs-${esc(x?.status ?? 'none')}${x && x.expectation_met === false ? ' unmet' : ''}" data-control="${esc(n)}" title="${esc(title)}">${esc(describeControlCell(x))}</td>`;
        })
        .join('');
      return `<tr data-variant="${esc(v.variant_id)}"><td><a href="#v-${esc(v.variant_id)}" class="vlink">${esc(v.variant_id)}</a></td><td>${esc(v.expect)}</td><td class="o-${esc(v.outcome)}">${esc(embeddedCell(v))}</td>${cells}</tr>`;
    })
    .join('\n');
  const totals = names
    .map((n) => {
      const k = controlCoverage(c, n);
      return `<td>${k.alerted} / ${k.positives} (${esc(formatPercent(k.coverage))})${k.false_positives ? `, ${k.false_positives} FP` : ''}${k.pending ? `, ${k.pending} pending` : ''}</td>`;
    })
    .join('');
  const sources = c.sources
    .map(
      (s) =>
        `<li class="${s.status === 'failed' ? 'fail' : ''}"><b>${esc(s.control)}</b> (${esc(s.kind)}, ${esc(s.format)}, ${esc(s.target)}): ${esc(s.status)}, ${s.alerts_received} alert(s), asked ${esc(s.asked_at)} \u2192 ${esc(s.finished_at)}${s.error ? ` \u2014 ${esc(s.error)}` : ''}${s.warnings.length ? `<div class="muted">${s.warnings.slice(0, 10).map(esc).join('<br>')}${s.warnings.length > 10 ? `<br>\u2026 ${s.warnings.length - 10} more` : ''}</div>` : ''}</li>`,
    )
    .join('');
  const byId = new Map(c.alerts.map((a) => [a.id, a]));
  const unexpected = c.unexpected_alert_ids
    .map((id) => byId.get(id))
    .filter((a): a is ControlAlert => a !== undefined)
    .map((a) => `<li>${esc(a.control)}: ${esc(a.rule_name ?? a.vendor_id ?? a.id)} at ${esc(a.event_time ?? a.created_at)}${a.process?.command_line ? ` \u2014 <code>${esc(a.process.command_line)}</code>` : ''} <span class="muted">(${esc(a.source_ref)})</span></li>`)
    .join('');
  const fps = c.verdicts.filter((v) => v.false_positive);
  return `<section id="controls">
<h2>Real controls side by side</h2>
<p class="muted">The embedded pack says what <i>could</i> be caught from the telemetry; each control column says what the team's own EDR or SIEM <i>did</i> catch. Latency: from the upload to the control's alert.</p>
<table class="controls-matrix"><thead>${head}</thead><tbody>
${rows}
<tr class="total"><th colspan="2">alerted / positives</th><td>${report.coverage.detected} / ${report.coverage.positives} (${esc(formatPercent(report.coverage.coverage))})</td>${totals}</tr>
</tbody></table>
<h4>Sources asked</h4><ul class="control-sources">${sources}</ul>
<h4>Alerts on negative controls (the controls' false positives)</h4>${fps.length ? `<ul>${fps.map((v) => `<li>${esc(v.control)} on <a href="#v-${esc(v.variant_id)}">${esc(v.variant_id)}</a></li>`).join('')}</ul>` : '<p class="muted">none</p>'}
<h4>Unexpected alerts (in the run window, matching nothing purple did)</h4>${unexpected ? `<ul id="unexpected-alerts">${unexpected}</ul>` : '<p class="muted">none</p>'}
<h4>Markers to search for</h4><p class="muted">Each variant's marker appears in file paths, the working directory, the command line, the upload URL (purple_marker=), PURPLE_MARKER in the environment and the User-Agent (docs/controls.md).</p>
<table><tbody>${c.markers.map((m) => `<tr><td>${esc(m.variant_id)}</td><td><code>${esc(m.marker)}</code></td></tr>`).join('')}</tbody></table>
</section>`;
}

/** Timeline rows of a variant's real-control alerts (time = the control's creation time). */
export function controlTimelineRows(report: RunReport, variantId: string): Array<{ t: number; label: string; html: string }> {
  const c = report.controls;
  if (!c) return [];
  const byId = new Map(c.alerts.map((a) => [a.id, a]));
  const rows: Array<{ t: number; label: string; html: string }> = [];
  for (const v of c.verdicts.filter((x) => x.variant_id === variantId)) {
    for (const id of v.alert_ids) {
      const a = byId.get(id);
      const t = a ? Date.parse(a.created_at) : NaN;
      if (!a || !Number.isFinite(t)) continue;
      rows.push({
        t,
        label: `control ${a.control}`,
        html: `<b>${esc(a.rule_name ?? 'alert')}</b>${a.severity ? ` (${esc(a.severity)})` : ''} created by ${esc(a.control)} (${esc(a.format)})${v.latency_ms !== undefined ? `, ${esc(formatMs(v.latency_ms))} after the upload` : ''}; matched by ${esc(v.matched_by ?? 'marker')}<div class="muted">${esc(a.source_ref)}</div>`,
      });
    }
  }
  return rows;
}

/** The variant's control verdicts as a line for its header (empty without controls). */
export function controlBadges(report: RunReport, variantId: string): string {
  const c = report.controls;
  if (!c) return '';
  return controlNames(c)
    .map((n) => {
      const x = verdictOf(c, variantId, n);
      return x ? `<span class="cbadge cs-${esc(x.status)}" title="${esc(n)}">${esc(n)}: ${esc(STATUS_LABEL[x.status])}</span>` : '';
    })
    .join(' ');
}

export const CONTROLS_CSS = `
.controls-matrix td.cs-alerted{background:#e3f4e8}.controls-matrix td.cs-not-alerted{background:#fbe5e1}.controls-matrix td.cs-pending{background:#fff4d6}.controls-matrix td.cs-unavailable{background:#eee;color:#666}
.controls-matrix td.unmet{font-weight:600}.cbadge{font-size:12px;border:1px solid var(--line);border-radius:8px;padding:0 6px;margin-left:4px}
.cbadge.cs-alerted{border-color:var(--det)}.cbadge.cs-not-alerted{border-color:var(--miss)}.tl-control td{background:#f1ecfb}`;

// ---------------------------------------------------------------- Markdown

export function renderControlsMarkdown(report: RunReport): string {
  const c = report.controls;
  if (!c) return '';
  const names = controlNames(c);
  const lines: string[] = ['### Real controls', ''];
  lines.push('| Control | Source | Status | Alerted / positives | False positives / negatives | Pending | Unexpected alerts |');
  lines.push('|---|---|---|---:|---:|---:|---:|');
  for (const s of c.sources) {
    const k = controlCoverage(c, s.control);
    const unexpected = c.unexpected_alert_ids.filter((id) => c.alerts.find((a) => a.id === id)?.control === s.control).length;
    lines.push(`| ${cell(s.control)} | ${cell(`${s.kind} (${s.format})`)} | ${cell(s.status === 'failed' ? `failed: ${s.error ?? ''}` : s.status)} | ${k.alerted} / ${k.positives} | ${k.false_positives} / ${k.negatives} | ${k.pending} | ${unexpected} |`);
  }
  lines.push('');
  lines.push('<details><summary>Per variant: embedded pack and each control</summary>');
  lines.push('');
  lines.push(`| Variant | Expect | Embedded pack | ${names.map(cell).join(' | ')} |`);
  lines.push(`|---|---|---|${names.map(() => '---').join('|')}|`);
  for (const v of report.verdicts.filter((x) => x.outcome !== 'skipped')) {
    lines.push(`| \`${cell(v.variant_id)}\` | ${cell(v.expect)} | ${cell(v.outcome)} | ${names.map((n) => cell(describeControlCell(verdictOf(c, v.variant_id, n)))).join(' | ')} |`);
  }
  lines.push('');
  lines.push('</details>');
  lines.push('');
  return lines.join('\n');
}

// ---------------------------------------------------------------- JUnit

/** One <testsuite> per control, a test case per variant: not alerted on a positive or alerted on a negative fails, pending is skipped, unavailable is an error. */
export function renderControlJunitSuites(report: RunReport): { xml: string; tests: number; failures: number; errors: number; skipped: number } {
  const c = report.controls;
  const out = { xml: '', tests: 0, failures: 0, errors: 0, skipped: 0 };
  if (!c) return out;
  const suites: string[] = [];
  for (const s of c.sources) {
    const vs = c.verdicts.filter((v) => v.control === s.control);
    let failures = 0;
    let errors = 0;
    let skipped = 0;
    const cases = vs.map((v) => {
      const name = escapeXml(`${v.variant_id} [${s.control}]`);
      const facts = escapeXml([`control: ${s.control}`, `expect: ${v.expect}`, `status: ${v.status}`, ...(v.matched_by ? [`matched by: ${v.matched_by}`] : []), ...(v.latency_ms !== undefined ? [`latency: ${formatMs(v.latency_ms)}`] : []), ...(v.alert_ids.length ? [`alerts: ${v.alert_ids.join(', ')}`] : [])].join('\n'));
      let body: string;
      if (v.status === 'unavailable') {
        errors++;
        body = `<error message="${escapeXml(`${s.control} unavailable: ${v.reason ?? ''}`)}" type="unavailable">${facts}</error>`;
      } else if (v.status === 'pending') {
        skipped++;
        body = `<skipped message="${escapeXml(`${s.control}: no alert yet when the wait timed out`)}"/>`;
      } else if (v.expectation_met === false) {
        failures++;
        body = `<failure message="${escapeXml(v.false_positive ? `${s.control} alerted on a negative control` : `${s.control} did not alert`)}" type="${v.false_positive ? 'false-positive' : 'not-alerted'}">${facts}</failure>`;
      } else body = `<system-out>${facts}</system-out>`;
      return `    <testcase name="${name}" classname="${escapeXml(`control.${s.control}`)}" time="0.000">\n      ${body}\n    </testcase>`;
    });
    suites.push(`  <testsuite name="${escapeXml(`control: ${s.control}`)}" tests="${vs.length}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="0.000" timestamp="${escapeXml(s.asked_at)}" hostname="${escapeXml(report.host.name)}">\n${cases.join('\n')}\n  </testsuite>`);
    out.tests += vs.length;
    out.failures += failures;
    out.errors += errors;
    out.skipped += skipped;
  }
  out.xml = suites.join('\n');
  return out;
}

// ---------------------------------------------------------------- Navigator

/** One layer per control: each technique scored by the share of its positive variants the control alerted on. */
export function renderControlNavigatorLayers(report: RunReport, base: NavigatorLayer): Array<{ control: string; layer: NavigatorLayer }> {
  const c = report.controls;
  if (!c) return [];
  const techniquesOf = (variant: string): string[] => {
    const v = report.verdicts.find((x) => x.variant_id === variant);
    return v?.attack?.techniques.length ? v.attack.techniques : ['T1048.001'];
  };
  return c.sources.map((s) => {
    const by = new Map<string, ControlVariantVerdict[]>();
    for (const v of c.verdicts.filter((x) => x.control === s.control)) for (const t of techniquesOf(v.variant_id)) by.set(t, [...(by.get(t) ?? []), v]);
    const techniques = [...by].sort(([a], [b]) => a.localeCompare(b)).map(([id, vs]) => {
      const pos = vs.filter((v) => v.expect === 'positive' && (v.status === 'alerted' || v.status === 'not-alerted'));
      const hit = pos.filter((v) => v.status === 'alerted');
      const missed = pos.filter((v) => v.status === 'not-alerted').map((v) => v.variant_id);
      const fps = vs.filter((v) => v.false_positive).map((v) => v.variant_id);
      const t: NavigatorLayer['techniques'][number] = {
        techniqueID: id,
        comment: pos.length
          ? [`${s.control} alerted on ${hit.length}/${pos.length} positive variants.`, missed.length ? `Not alerted: ${missed.join(', ')}.` : '', fps.length ? `False positives: ${fps.join(', ')}.` : ''].filter(Boolean).join(' ')
          : `${s.control}: no decided positive variant (pending or unavailable).`,
        enabled: true,
        metadata: [
          { name: 'alerted', value: String(hit.length) },
          { name: 'not alerted', value: String(missed.length) },
        ],
      };
      if (pos.length) t.score = Math.round((100 * hit.length) / pos.length);
      else t.color = '#d9d9d9';
      return t;
    });
    const k = controlCoverage(c, s.control);
    return {
      control: s.control,
      layer: {
        ...base,
        name: `purple-harness ${report.run.id} \u2014 control ${s.control}`,
        description: `What the real control ${s.control} (${s.kind}, ${s.format}) alerted on in run ${report.run.id}: ${k.alerted} of ${k.positives} positive variants, ${k.false_positives} of ${k.negatives} negative controls. Score = % of a technique's decided positive variants alerted.`,
        techniques,
        legendItems: [
          { label: `0% alerted by ${s.control}`, color: '#ff6666' },
          { label: `100% alerted by ${s.control}`, color: '#8ec843' },
          { label: 'pending or unavailable', color: '#d9d9d9' },
        ],
        metadata: [...base.metadata, { name: 'control', value: s.control }, { name: 'control source', value: `${s.kind} ${s.target}` }],
      },
    };
  });
}

/** navigator-layer-<control>.json */
export function controlLayerFile(control: string): string {
  return `navigator-layer-${control.replace(/[^A-Za-z0-9._-]/g, '_')}.json`;
}

// ---------------------------------------------------------------- Baseline

export interface ControlChange {
  control: string;
  variant_id: string;
  before: ControlVariantVerdict['status'];
  after: ControlVariantVerdict['status'];
}

/**
 * Per control: alerted before and not alerted now on a positive, or quiet before and alerting now
 * on a negative. Pending and unavailable are not regressions (nothing is known yet); they are listed.
 */
export function compareControlsToBaseline(previous: RunReport, current: RunReport): { regressions: ControlChange[]; fixed: ControlChange[]; undecided: ControlChange[] } {
  const out = { regressions: [] as ControlChange[], fixed: [] as ControlChange[], undecided: [] as ControlChange[] };
  const before = new Map((previous.controls?.verdicts ?? []).map((v) => [`${v.control}\u0000${v.variant_id}`, v]));
  for (const a of current.controls?.verdicts ?? []) {
    const b = before.get(`${a.control}\u0000${a.variant_id}`);
    if (!b) continue;
    const change = { control: a.control, variant_id: a.variant_id, before: b.status, after: a.status };
    if (b.expectation_met === true && a.expectation_met === false) out.regressions.push(change);
    else if (b.expectation_met === false && a.expectation_met === true) out.fixed.push(change);
    else if (b.expectation_met === true && a.expectation_met === undefined) out.undecided.push(change);
  }
  return out;
}

export function describeControlComparison(c: ReturnType<typeof compareControlsToBaseline>): string {
  const lines: string[] = [];
  if (c.regressions.length) {
    lines.push(`${c.regressions.length} control regression(s) against the baseline:`);
    for (const r of c.regressions) lines.push(`  ${r.control} on ${r.variant_id}: ${r.before} -> ${r.after}`);
  }
  if (c.fixed.length) lines.push(`${c.fixed.length} control verdict(s) fixed since the baseline`);
  if (c.undecided.length) lines.push(`${c.undecided.length} control verdict(s) met in the baseline are pending or unavailable now (not counted as regressions)`);
  return lines.length ? lines.join('\n') + '\n' : '';
}

/** Console lines after a run or `purple alerts`. */
export function describeControls(report: RunReport): string {
  const c = report.controls;
  if (!c) return '';
  const lines = ['real controls:'];
  for (const s of c.sources) {
    const k = controlCoverage(c, s.control);
    if (s.status === 'failed') lines.push(`  ${s.control}: unavailable \u2014 ${s.error ?? ''}`);
    else lines.push(`  ${s.control}: alerted on ${k.alerted}/${k.positives} positive variant(s)${k.false_positives ? `, ${k.false_positives} false positive(s)` : ''}${k.pending ? `, ${k.pending} pending (timed out)` : ''}, ${s.alerts_received} alert(s) received`);
    for (const v of c.verdicts.filter((x) => x.control === s.control && x.status === 'pending')) lines.push(`    pending: ${v.variant_id}`);
  }
  if (c.unexpected_alert_ids.length) lines.push(`  ${c.unexpected_alert_ids.length} unexpected alert(s) in the run window (see the report)`);
  return lines.join('\n') + '\n';
}
