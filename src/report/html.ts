// The HTML coverage report: one self-contained file (inline CSS and JS, no fetches, works from
// file://). Everything is rendered on the server side so the page reads and prints without
// JavaScript; the script only adds the axis pickers of the matrix, filters and search.
// Every value from the report is escaped: event data is attacker-shaped text.

import { an1391LogSources } from './log-sources.js';
import type { Alert, RunReport, TelemetryEvent, Verdict } from '../model/index.js';
import { escapeHtml as esc, jsonForScript } from './escape.js';
import { CONTROLS_CSS, controlBadges, controlTimelineRows, renderControlsHtml } from './controls.js';
import { OUTCOMES, axisNames, countOutcomes, describeReason, formatMs, formatPercent, problemVerdicts } from './summary.js';

export interface HtmlOptions {
  /** Title override (the fleet report says "fleet"). */
  title?: string;
}

const OUTCOME_LABEL: Record<string, string> = {
  detected: 'detected',
  missed: 'missed',
  'false-positive': 'false positive',
  'true-negative': 'true negative',
  skipped: 'skipped',
  error: 'error',
};

function eventTime(e: TelemetryEvent): number {
  return Date.parse(e['@timestamp']);
}

function isoOf(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : '';
}

/** Events that belong to each variant: referenced by its actions and alerts, or labelled with it. */
function indexEvents(report: RunReport): { byVariant: Map<string, TelemetryEvent[]>; byId: Map<string, TelemetryEvent> } {
  const byId = new Map<string, TelemetryEvent>();
  for (const e of report.events) byId.set(e.event.id, e);
  const alertsById = new Map(report.alerts.map((a) => [a.id, a]));
  const byVariant = new Map<string, TelemetryEvent[]>();
  const labelled = new Map<string, TelemetryEvent[]>();
  for (const e of report.events) {
    const vid = e.labels?.purple_variant_id;
    if (vid === undefined) continue;
    const list = labelled.get(vid) ?? [];
    list.push(e);
    labelled.set(vid, list);
  }
  for (const v of report.verdicts) {
    const ids = new Set<string>();
    const list: TelemetryEvent[] = [];
    const add = (e: TelemetryEvent | undefined) => {
      if (e && !ids.has(e.event.id)) {
        ids.add(e.event.id);
        list.push(e);
      }
    };
    for (const e of labelled.get(v.variant_id) ?? []) add(e);
    for (const a of v.actions) for (const id of a.event_ids) add(byId.get(id));
    for (const aid of v.alert_ids) for (const id of alertsById.get(aid)?.event_ids ?? []) add(byId.get(id));
    list.sort((a, b) => eventTime(a) - eventTime(b));
    byVariant.set(v.variant_id, list);
  }
  return { byVariant, byId };
}

function describeEvent(e: TelemetryEvent): string {
  const p = e.process;
  const who = p ? `${p.name ?? p.executable ?? '?'}${p.pid !== undefined ? ` [${p.pid}]` : ''}` : 'unattributed';
  const parts = [`<span class="ev-kind">${esc(e.event.category)}/${esc(e.event.action)}</span> <b>${esc(who)}</b>`];
  if (p?.parent?.pid !== undefined || p?.parent?.name) parts.push(`<span class="muted">parent ${esc(p.parent?.name ?? '')}${p.parent?.pid !== undefined ? ` [${esc(p.parent.pid)}]` : ''}</span>`);
  if (e.destination?.ip || e.destination?.port !== undefined) parts.push(`\u2192 ${esc(e.destination.ip ?? '?')}:${esc(e.destination.port ?? '?')}`);
  if (e.dll?.path) parts.push(`loads ${esc(e.dll.path)}`);
  let html = parts.join(' ');
  const cmd = p?.command_line ?? (p?.args ? p.args.join(' ') : undefined);
  if (cmd) html += `<div class="cmd"><code>${esc(cmd)}</code></div>`;
  return html;
}

function describeAlert(a: Alert, v: Verdict): string {
  const join = a.join_strength ?? a.rule.join_strength;
  const bits = [
    `<b>${esc(a.rule.name)}</b> <span class="muted">(${esc(a.rule.id)}, ${esc(a.rule.language)}, ${esc(a.rule.severity)})</span>`,
    `<div>linked by <b class="join">${esc(join ?? 'an unnamed join')}</b>${a.join_key?.length ? ` on key <code>${esc(JSON.stringify(a.join_key))}</code>` : ''}: events ${a.event_ids.map((id) => `<a href="#ev-${esc(id)}" class="evref">${esc(id)}</a>`).join(' \u2192 ')}; span ${esc(formatMs(a.span_ms))}</div>`,
  ];
  if (v.latency_ms !== undefined) bits.push(`<div>latency from the upload to the alert: <b class="latency">${esc(formatMs(v.latency_ms))}</b></div>`);
  return bits.join('');
}

interface TimelineRow {
  t: number;
  kind: 'truth' | 'telemetry' | 'alert' | 'sink' | 'control';
  label: string;
  html: string;
  id?: string;
}

function renderTimeline(v: Verdict, events: TelemetryEvent[], alerts: Alert[], controlRows: ReadonlyArray<{ t: number; label: string; html: string }> = []): string {
  const rows: TimelineRow[] = [];
  for (const r of controlRows) rows.push({ ...r, kind: 'control' });
  for (const a of v.actions) {
    const vis = a.visibility === 'seen' ? 'seen by telemetry' : a.visibility === 'seen-unattributed' ? 'seen, but without the process that did it' : 'NOT seen by any collector';
    const details = Object.entries(a.details)
      .map(([k, val]) => `${esc(k)}=${esc(typeof val === 'string' ? val : JSON.stringify(val))}`)
      .join(', ');
    rows.push({
      t: a.time_ms,
      kind: 'truth',
      label: `ground truth: ${a.action}`,
      html: `<b>${esc(a.action)}</b> by pid ${esc(a.pid)} <span class="vis vis-${esc(a.visibility)}">${esc(vis)}</span>${a.event_ids.length ? ` as ${a.event_ids.map((id) => `<a href="#ev-${esc(id)}" class="evref">${esc(id)}</a>`).join(', ')}` : ''}<div class="muted">${details}</div>`,
    });
  }
  for (const e of events) rows.push({ t: eventTime(e), kind: 'telemetry', label: `telemetry (${e.event.dataset})`, html: describeEvent(e), id: e.event.id });
  for (const a of alerts) rows.push({ t: Date.parse(a.timestamp), kind: 'alert', label: 'alert', html: describeAlert(a, v) });
  for (const r of v.receipts) {
    rows.push({
      t: r.time_ms,
      kind: 'sink',
      label: 'sink received',
      html: `${esc(r.bytes)} bytes over ${esc(r.protocol)} from ${esc(r.peer)}; ${r.ciphertext_verified ? 'decrypted with the run key: the encryption was real' : r.plaintext ? 'plaintext upload' : 'could not be decrypted'}${r.note ? ` (${esc(r.note)})` : ''}`,
    });
  }
  if (!rows.length) return '<p class="muted">Nothing ran for this variant, so there is no timeline.</p>';
  rows.sort((a, b) => a.t - b.t || order(a.kind) - order(b.kind));
  const t0 = rows[0]!.t;
  const body = rows
    .map(
      (r) =>
        `<tr class="tl-${r.kind}"${r.id ? ` id="ev-${esc(r.id)}"` : ''}><td class="t" title="${esc(isoOf(r.t))}">+${esc(formatMs(r.t - t0) || '0 ms')}</td><td class="k">${esc(r.label)}</td><td>${r.html}</td></tr>`,
    )
    .join('\n');
  return `<table class="timeline"><thead><tr><th>time</th><th>source</th><th>what happened</th></tr></thead><tbody>\n${body}\n</tbody></table>`;
}

function order(kind: TimelineRow['kind']): number {
  return ['truth', 'telemetry', 'sink', 'alert', 'control'].indexOf(kind);
}

function renderVariant(v: Verdict, events: TelemetryEvent[], alerts: Alert[], report?: RunReport): string {
  const axes = Object.entries(v.axes)
    .map(([k, val]) => `<span class="axis"><span class="muted">${esc(k)}</span> ${esc(String(val))}</span>`)
    .join(' ');
  const short = v.outcome === 'detected' ? `${v.strongest_join ?? ''} ${v.latency_ms !== undefined ? formatMs(v.latency_ms) : ''}` : v.outcome === 'missed' ? (v.reason ?? '') : v.outcome === 'false-positive' ? v.rules_fired.join(', ') : (v.reason ?? '');
  const why =
    v.outcome === 'missed'
      ? `<p class="why"><b>Why it was missed:</b> ${esc(describeReason(v))}.${v.known_gap ? ` <span class="gap">Known gap: ${esc(v.known_gap)}</span>` : ''}</p>`
      : v.outcome === 'false-positive'
        ? `<p class="why"><b>Why this is a false positive:</b> ${esc(v.rules_fired.join(', '))} fired on a negative control (expected no alert).</p>`
        : v.outcome === 'error'
          ? `<p class="why"><b>Why it errored:</b> ${esc(v.reason ?? v.explanation)}</p>`
          : v.outcome === 'skipped'
            ? `<p class="why"><b>Why it was skipped:</b> ${esc(v.reason ?? v.explanation)}</p>`
            : '';
  const stderr = v.stderr_tail ? `<h4>stderr (last lines)</h4><pre class="stderr">${esc(v.stderr_tail)}</pre>` : '';
  const attrs = [
    `class="variant collapsed" id="v-${esc(v.variant_id)}"`,
    `data-variant="${esc(v.variant_id)}"`,
    `data-outcome="${esc(v.outcome)}"`,
    `data-met="${v.expectation_met ? 'yes' : 'no'}"`,
    ...Object.entries(v.axes).map(([k, val]) => `data-axis-${esc(k.toLowerCase().replace(/[^a-z0-9_-]/g, '_'))}="${esc(String(val))}"`),
  ].join(' ');
  return `<section ${attrs}>
<div class="vhead"><button type="button" class="toggle" aria-expanded="false" title="show the timeline">\u25b8</button>
<span class="badge o-${esc(v.outcome)}">${esc(OUTCOME_LABEL[v.outcome] ?? v.outcome)}</span>
<span class="vid">${esc(v.variant_id)}</span> <span class="muted">expect ${esc(v.expect)}${v.expectation_met ? '' : ' \u2014 <b class="unmet">expectation not met</b>'}</span>
<span class="short">${esc(short.trim())}</span>${report ? controlBadges(report, v.variant_id) : ''}</div>
<div class="vbody">
<p>${esc(v.explanation)}</p>${why}
<div class="axes">${axes}</div>
${v.started_at ? `<p class="muted">ran ${esc(v.started_at)}${v.duration_ms !== undefined ? ` for ${esc(formatMs(v.duration_ms))}` : ''}${v.exit_code !== undefined ? `, exit code ${esc(String(v.exit_code))}` : ''}${v.timed_out ? ', <b>timed out</b>' : ''}</p>` : ''}
<h4>Timeline</h4>
${renderTimeline(v, events, alerts, report ? controlTimelineRows(report, v.variant_id) : [])}
${stderr}
</div>
</section>`;
}

function renderCollectors(report: RunReport): string {
  const yn = (b: boolean) => `<td class="${b ? 'yes' : 'no'}">${b ? 'yes' : 'no'}</td>`;
  const rows = report.collectors
    .map((c) => {
      const f = c.fidelity;
      const blind = c.blind_spots.length ? `<ul>${c.blind_spots.map((b) => `<li>${esc(b)}</li>`).join('')}</ul>` : '<span class="muted">none declared</span>';
      const errs = c.errors.length ? `<ul class="errors">${c.errors.map((e) => `<li>${esc(e)}</li>`).join('')}</ul>` : '';
      const details = Object.entries(c.details)
        .map(([k, v]) => `${esc(k)}=${esc(typeof v === 'string' ? v : JSON.stringify(v))}`)
        .join(', ');
      return `<tr data-collector="${esc(c.id)}"><th>${esc(c.id)}</th>${yn(f.process_exec)}${yn(f.process_args)}${yn(f.network)}${yn(f.network_attribution)}${yn(f.library_loads)}<td class="${c.lost_records ? 'no' : 'yes'} lost">${esc(c.lost_records)}</td><td>${blind}${errs}<div class="muted">${details}</div></td></tr>`;
    })
    .join('\n');
  const sources = an1391LogSources(report);
  const an1391 = sources.length
    ? `<p class="log-sources">AN1391 log sources: ${sources.map((s) => `<span data-log-source="${esc(s.source)}" class="${s.covered ? 'yes' : 'no'}">${esc(s.source)} ${s.covered ? `covered (${esc(s.by.join(', '))})` : `not covered: ${esc(s.note ?? '')}`}</span>`).join('; ')}</p>`
    : '';
  return `${an1391}<table class="collectors"><thead><tr><th>collector</th><th>process exec</th><th>arguments</th><th>network</th><th>network \u2192 process</th><th>library loads</th><th>lost records</th><th>blind spots, errors, details</th></tr></thead><tbody>${rows || '<tr><td colspan="8">no collector ran</td></tr>'}</tbody></table>`;
}

function renderHostTable(report: RunReport): string {
  const hosts = report.coverage.by_axis['host'];
  if (!hosts) return '';
  const rows = Object.entries(hosts)
    .map(([h, c]) => `<tr data-host="${esc(h)}"><th>${esc(h)}</th><td>${c.detected} / ${c.positives}</td><td class="pct">${esc(formatPercent(c.positives ? c.detected / c.positives : null))}</td><td>${c.false_positives} / ${c.negatives}</td></tr>`)
    .join('');
  return `<section id="hosts"><h2>Coverage per host</h2><table class="hosts"><thead><tr><th>host</th><th>detected / positives</th><th>coverage</th><th>false positives / negatives</th></tr></thead><tbody>${rows}<tr class="total"><th>overall</th><td>${report.coverage.detected} / ${report.coverage.positives}</td><td class="pct">${esc(formatPercent(report.coverage.coverage))}</td><td>${report.coverage.false_positives} / ${report.coverage.negatives}</td></tr></tbody></table></section>`;
}

function renderMisses(report: RunReport): string {
  const problems = problemVerdicts(report);
  if (!problems.length) return '<p>Every positive variant that ran was detected and no negative control alerted.</p>';
  return `<ul class="misses">${problems
    .map((v) => {
      const why = v.outcome === 'false-positive' ? `false positive: ${v.rules_fired.join(', ')} fired on a negative control` : v.outcome === 'error' ? `error: ${v.reason ?? v.explanation}` : describeReason(v);
      return `<li data-variant="${esc(v.variant_id)}"><a href="#v-${esc(v.variant_id)}" class="vlink">${esc(v.variant_id)}</a> \u2014 <span class="badge o-${esc(v.outcome)}">${esc(OUTCOME_LABEL[v.outcome] ?? v.outcome)}</span> ${esc(why)}${v.known_gap ? ` <span class="gap">(known gap: ${esc(v.known_gap)})</span>` : ''}</li>`;
    })
    .join('\n')}</ul>`;
}

function resultWords(report: RunReport): string {
  const reg = report.baseline?.regressions.length ?? 0;
  const failed = report.verdicts.some((v) => !v.expectation_met);
  if (report.exit_code === 0) return 'all expectations met';
  if (reg && !failed) return `${reg} baseline regression(s)`;
  return reg ? `an expectation failed; ${reg} baseline regression(s)` : 'an expectation failed';
}

function renderBaseline(report: RunReport): string {
  const b = report.baseline;
  if (!b) return '';
  const row = (r: { variant_id: string; before: string; after: string }, what: string) =>
    `<tr class="${what === 'regression' ? 'regression' : 'fixed'}" data-variant="${esc(r.variant_id)}"><td><a href="#v-${esc(r.variant_id)}" class="vlink">${esc(r.variant_id)}</a></td><td>${esc(r.before)}</td><td>${esc(r.after)}</td><td class="${what === 'regression' ? 'fail' : 'pass'}">${esc(what)}</td></tr>`;
  const rows = [...b.regressions.map((r) => row(r, 'regression')), ...b.fixed.map((r) => row(r, 'fixed'))].join('');
  return `<section id="baseline">
<h2>Against the baseline</h2>
<p>baseline run <code>${esc(b.run_id)}</code> (${esc(b.file)}): <b class="${b.regressions.length ? 'fail' : 'pass'}" id="baseline-regressions">${b.regressions.length} regression(s)</b>, ${b.fixed.length} fixed, ${b.unchanged} unchanged, ${b.not_comparable.length} not comparable (new, removed, skipped or errored).</p>
${rows ? `<table class="baseline"><thead><tr><th>variant</th><th>baseline</th><th>now</th><th></th></tr></thead><tbody>${rows}</tbody></table>` : '<p>No variant changed its outcome.</p>'}
</section>`;
}

const CSS = `
:root{--fg:#1d1d24;--muted:#676775;--bg:#fff;--line:#ddd;--det:#1f8a4c;--miss:#c0392b;--fp:#8e44ad;--tn:#2e7d6b;--skip:#8a8a8a;--err:#c77c02}
*{box-sizing:border-box}body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:var(--fg);background:var(--bg);margin:0 auto;max-width:1200px;padding:16px 24px}
h1{font-size:22px;margin:8px 0}h2{font-size:18px;margin:28px 0 8px;border-bottom:2px solid #6d3fc0;padding-bottom:4px}h4{margin:12px 0 4px}
.muted{color:var(--muted)}code,pre{font:12px/1.4 ui-monospace,Menlo,Consolas,monospace;word-break:break-all;white-space:pre-wrap}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:12px 0}.card{border:1px solid var(--line);border-radius:8px;padding:10px 14px;min-width:150px}.card .big{font-size:28px;font-weight:700}
.badge{display:inline-block;border-radius:10px;padding:0 8px;color:#fff;font-size:12px;font-weight:600;white-space:nowrap}
.o-detected{background:var(--det)}.o-missed{background:var(--miss)}.o-false-positive{background:var(--fp)}.o-true-negative{background:var(--tn)}.o-skipped{background:var(--skip)}.o-error{background:var(--err)}
table{border-collapse:collapse;width:100%;margin:6px 0}th,td{border:1px solid var(--line);padding:4px 6px;text-align:left;vertical-align:top}thead th{background:#f4f2f9}
td.yes{color:var(--det)}td.no{color:var(--miss);font-weight:600}
#matrix td.cell{text-align:center;min-width:80px}#matrix td.cell .pct{font-size:11px;display:block}#matrix td.empty{background:#fafafa;color:#bbb}
.controls{display:flex;flex-wrap:wrap;gap:10px;align-items:center;margin:8px 0;padding:8px;background:#f7f6fb;border-radius:8px}.controls label{font-size:12px;color:var(--muted)}
.variant{border:1px solid var(--line);border-radius:8px;margin:6px 0;padding:6px 10px}.vhead{display:flex;gap:8px;align-items:baseline;flex-wrap:wrap}.vid{font-weight:600}.short{margin-left:auto;color:var(--muted);font-size:12px}
.toggle{border:0;background:none;cursor:pointer;font-size:14px;width:20px}.unmet{color:var(--miss)}.why{background:#fff6f4;border-left:3px solid var(--miss);padding:4px 8px}.gap{color:var(--err)}
.axis{display:inline-block;border:1px solid var(--line);border-radius:6px;padding:0 6px;margin:2px;font-size:12px}
.timeline td.t{white-space:nowrap;width:80px}.timeline td.k{white-space:nowrap;width:150px;font-size:12px}.tl-truth{background:#f3f0fb}.tl-alert{background:#fff4e0}.tl-sink{background:#eef7f1}
.vis-not-seen{color:var(--miss);font-weight:600}.vis-seen-unattributed{color:var(--err)}.vis-seen{color:var(--det)}
.cmd{margin-top:2px}.ev-kind{font-size:11px;color:var(--muted)}.stderr{background:#1d1d24;color:#eee;padding:8px;border-radius:6px}
.errors{color:var(--miss)}.pass{color:var(--det)}.fail{color:var(--miss)}
@media screen{.variant.collapsed .vbody{display:none}.filtered-out{display:none}}
@media print{
 .controls,.toggle,select,input,button,noscript{display:none!important}
 body{max-width:none;padding:0;font-size:11px}
 .variant{break-inside:avoid-page;page-break-inside:avoid}.variant .vbody{display:block!important}
 .filtered-out{display:block!important}
 a{color:inherit;text-decoration:none}
 .badge{border:1px solid #000;color:#000;background:none!important}
 #matrix td.cell{background:none!important;border:1px solid #000}
 h2{break-after:avoid}
}`;

const SCRIPT = `
(function(){
'use strict';
var report=JSON.parse(document.getElementById('report-data').textContent);
var verdicts=report.verdicts;
var axes=JSON.parse(document.getElementById('axes-data').textContent);
function el(tag,text,cls){var e=document.createElement(tag);if(text!==undefined&&text!==null)e.textContent=String(text);if(cls)e.className=cls;return e;}
function values(axis){var s=[];verdicts.forEach(function(v){var x=String(v.axes[axis]);if(s.indexOf(x)<0)s.push(x);});return s.sort(function(a,b){var na=Number(a),nb=Number(b);return (!isNaN(na)&&!isNaN(nb))?na-nb:a.localeCompare(b);});}
var selX=document.getElementById('axis-x'),selY=document.getElementById('axis-y');
axes.forEach(function(a){selX.appendChild(new Option(a,a));selY.appendChild(new Option(a,a));});
selX.value=document.body.getAttribute('data-default-x');selY.value=document.body.getAttribute('data-default-y');
function heat(p){return 'hsl('+Math.round(p*120)+',65%,'+(88-Math.round(p*20))+'%)';}
function drawMatrix(){
 var ax=selX.value,ay=selY.value,xs=values(ax),ys=values(ay);
 var t=document.getElementById('matrix');t.textContent='';
 var thead=el('thead'),hr=el('tr');hr.appendChild(el('th',ay+' \\\\ '+ax));
 xs.forEach(function(x){hr.appendChild(el('th',x));});thead.appendChild(hr);t.appendChild(thead);
 var tb=el('tbody');
 ys.forEach(function(y){
  var tr=el('tr');tr.appendChild(el('th',y));
  xs.forEach(function(x){
   var c={p:0,d:0,n:0,fp:0,other:0};
   verdicts.forEach(function(v){if(String(v.axes[ax])!==x||String(v.axes[ay])!==y)return;
    if(v.outcome==='detected'||v.outcome==='missed'){c.p++;if(v.outcome==='detected')c.d++;}
    else if(v.outcome==='true-negative'||v.outcome==='false-positive'){c.n++;if(v.outcome==='false-positive')c.fp++;}
    else c.other++;});
   var td=el('td',null,'cell');td.setAttribute('data-x',x);td.setAttribute('data-y',y);
   td.setAttribute('data-detected',c.d);td.setAttribute('data-positives',c.p);td.setAttribute('data-negatives',c.n);td.setAttribute('data-false-positives',c.fp);
   if(c.p){td.appendChild(el('span',c.d+'/'+c.p,'frac'));td.appendChild(el('span',Math.round(100*c.d/c.p)+'%','pct'));td.style.background=heat(c.d/c.p);}
   if(c.n){td.appendChild(el('span','FP '+c.fp+'/'+c.n,'pct'));if(!c.p)td.style.background=c.fp?'#ecd5f5':'#e3f3ee';}
   if(!c.p&&!c.n){td.className+=' empty';td.appendChild(el('span',c.other?'not run':'\\u2014'));}
   td.title=ay+'='+y+', '+ax+'='+x+': '+c.d+' of '+c.p+' positives detected, '+c.fp+' of '+c.n+' negatives alerted'+(c.other?', '+c.other+' skipped or errored':'');
   td.addEventListener('click',function(){setFilter(ax,x);setFilter(ay,y);applyFilters();document.getElementById('variants').scrollIntoView();});
   tr.appendChild(td);});
  tb.appendChild(tr);});
 t.appendChild(tb);
}
selX.addEventListener('change',drawMatrix);selY.addEventListener('change',drawMatrix);
var filterBox=document.getElementById('axis-filters');
function key(a){return a.toLowerCase().replace(/[^a-z0-9_-]/g,'_');}
axes.forEach(function(a){var l=el('label',a+' ');var s=el('select');s.id='filter-axis-'+key(a);s.setAttribute('data-axis',a);s.appendChild(new Option('any',''));values(a).forEach(function(v){s.appendChild(new Option(v,v));});s.addEventListener('change',applyFilters);l.appendChild(s);filterBox.appendChild(l);});
function setFilter(a,v){var s=document.getElementById('filter-axis-'+key(a));if(s)s.value=v;}
var outcomeSel=document.getElementById('filter-outcome'),search=document.getElementById('search');
function applyFilters(){
 var o=outcomeSel.value,q=search.value.trim().toLowerCase(),shown=0,all=0;
 var sels=Array.prototype.slice.call(filterBox.querySelectorAll('select'));
 document.querySelectorAll('.variant').forEach(function(sec){all++;
  var ok=true,oc=sec.getAttribute('data-outcome');
  if(o==='problems')ok=(oc==='missed'||oc==='false-positive'||oc==='error');else if(o==='unmet')ok=sec.getAttribute('data-met')==='no';else if(o)ok=oc===o;
  sels.forEach(function(s){if(ok&&s.value&&sec.getAttribute('data-axis-'+key(s.getAttribute('data-axis')))!==s.value)ok=false;});
  if(ok&&q)ok=sec.textContent.toLowerCase().indexOf(q)>=0;
  sec.classList.toggle('filtered-out',!ok);if(ok)shown++;});
 document.getElementById('shown-count').textContent='showing '+shown+' of '+all+' variants';
}
outcomeSel.addEventListener('change',applyFilters);search.addEventListener('input',applyFilters);
document.getElementById('clear-filters').addEventListener('click',function(){outcomeSel.value='';search.value='';filterBox.querySelectorAll('select').forEach(function(s){s.value='';});applyFilters();});
function setOpen(sec,open){sec.classList.toggle('collapsed',!open);var b=sec.querySelector('.toggle');b.setAttribute('aria-expanded',String(open));b.textContent=open?'\\u25be':'\\u25b8';}
document.querySelectorAll('.variant').forEach(function(sec){sec.querySelector('.vhead').addEventListener('click',function(){setOpen(sec,sec.classList.contains('collapsed'));});});
document.getElementById('expand-all').addEventListener('click',function(){document.querySelectorAll('.variant').forEach(function(s){setOpen(s,true);});});
document.getElementById('collapse-all').addEventListener('click',function(){document.querySelectorAll('.variant').forEach(function(s){setOpen(s,false);});});
function openHash(){var id=decodeURIComponent(location.hash.slice(1));if(!id)return;var t=document.getElementById(id);if(!t)return;var sec=t.closest('.variant');if(sec){sec.classList.remove('filtered-out');setOpen(sec,true);}t.scrollIntoView();}
window.addEventListener('hashchange',openHash);
drawMatrix();applyFilters();openHash();
document.documentElement.setAttribute('data-ready','1');
})();`;

/** Renders the report as one self-contained HTML document. */
export function renderHtml(report: RunReport, opts: HtmlOptions = {}): string {
  const c = report.coverage;
  const counts = countOutcomes(report.verdicts);
  const { byVariant } = indexEvents(report);
  const alertsById = new Map(report.alerts.map((a) => [a.id, a]));
  const axes = axisNames(report.verdicts);
  const defaultY = axes.includes('interpreter') ? 'interpreter' : (axes[0] ?? '');
  const defaultX = axes.includes('host') ? 'host' : axes.includes('lineage') ? 'lineage' : (axes.find((a) => a !== defaultY) ?? defaultY);
  const title = opts.title ?? `purple-harness report \u2014 ${report.run.id}`;
  const ok = report.exit_code === 0;
  const variants = report.verdicts.map((v) => renderVariant(v, byVariant.get(v.variant_id) ?? [], v.alert_ids.map((id) => alertsById.get(id)).filter((a): a is Alert => a !== undefined), report)).join('\n');
  const outcomeOptions = OUTCOMES.map((o) => `<option value="${o}">${esc(OUTCOME_LABEL[o])} (${counts[o]})</option>`).join('');
  const listRows = <T,>(items: T[], f: (x: T) => string) => items.map(f).join('');

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'">
<meta name="referrer" content="no-referrer">
<title>${esc(title)}</title>
<style>${CSS}${report.controls ? CONTROLS_CSS : ''}</style>
</head>
<body data-default-x="${esc(defaultX)}" data-default-y="${esc(defaultY)}">
<header>
<h1>${esc(title)}</h1>
<p class="muted">host <b>${esc(report.host.name)}</b> (${esc(report.host.os)} ${esc(report.host.os_version)}, ${esc(report.host.arch)}${report.host.kernel ? `, kernel ${esc(report.host.kernel)}` : ''}${report.host.is_root ? ', root' : ''}) \u00b7 ${esc(report.run.started_at)} \u2192 ${esc(report.run.ended_at)} \u00b7 status ${esc(report.run.status)} \u00b7 purple-harness ${esc(report.tool.version)}${report.tool.git_commit ? ` (${esc(report.tool.git_commit.slice(0, 12))})` : ''}${report.run.operator ? ` \u00b7 operator ${esc(report.run.operator)}` : ''}</p>
<div class="cards">
<div class="card" id="headline-coverage"><div class="muted">coverage</div><div class="big">${esc(formatPercent(c.coverage))}</div><div>${c.detected} of ${c.positives} positive variants detected</div></div>
<div class="card" id="headline-fp"><div class="muted">false-positive rate</div><div class="big">${esc(formatPercent(c.false_positive_rate))}</div><div>${c.false_positives} of ${c.negatives} negative controls alerted</div></div>
<div class="card" id="headline-outcomes"><div class="muted">outcomes</div>${OUTCOMES.map((o) => `<div><span class="badge o-${o}">${esc(OUTCOME_LABEL[o])}</span> <span data-count="${o}">${counts[o]}</span></div>`).join('')}</div>
<div class="card" id="headline-result"><div class="muted">result</div><div class="big ${ok ? 'pass' : 'fail'}">${ok ? 'pass' : 'fail'}</div><div>${esc(resultWords(report))} (exit ${report.exit_code})</div></div>
</div>
</header>
<noscript><p>JavaScript is off: the matrix, filters and search need it; everything else is below.</p></noscript>
${renderHostTable(report)}
<section id="coverage-matrix">
<h2>Coverage matrix</h2>
<div class="controls"><label>rows <select id="axis-y"></select></label><label>columns <select id="axis-x"></select></label><span class="muted">cell: detected / positive variants; FP = negative controls that alerted. Click a cell to filter the variants.</span></div>
<table id="matrix"></table>
</section>
${renderBaseline(report)}
${renderControlsHtml(report)}
<section id="misses">
<h2>Why variants were missed</h2>
${renderMisses(report)}
</section>
<section id="variants">
<h2>Variants</h2>
<div class="controls">
<label>outcome <select id="filter-outcome"><option value="">any</option><option value="problems">needs attention</option><option value="unmet">expectation not met</option>${outcomeOptions}</select></label>
<span id="axis-filters"></span>
<label>search <input id="search" type="search" placeholder="variant, process, command line\u2026"></label>
<button type="button" id="clear-filters">clear</button><button type="button" id="expand-all">expand all</button><button type="button" id="collapse-all">collapse all</button>
<span id="shown-count" class="muted"></span>
</div>
${variants}
</section>
<section id="telemetry-readiness">
<h2>Telemetry readiness</h2>
<p class="muted">What each collector could see on this host. A blind spot explains a telemetry gap; lost records make a miss inconclusive.</p>
${renderCollectors(report)}
</section>
<section id="provenance">
<h2>Rules, scenarios and run facts</h2>
<table><thead><tr><th>rule</th><th>name</th><th>file</th><th>sha256</th></tr></thead><tbody>${listRows(report.rules, (r) => `<tr><td>${esc(r.id)}</td><td>${esc(r.name)}</td><td>${esc(r.file)}</td><td><code>${esc(r.sha256)}</code></td></tr>`)}</tbody></table>
<table><thead><tr><th>scenario</th><th>file</th><th>sha256</th></tr></thead><tbody>${listRows(report.scenarios, (s) => `<tr><td>${esc(s.id)}</td><td>${esc(s.file)}</td><td><code>${esc(s.sha256)}</code></td></tr>`)}</tbody></table>
<p>detector: ${report.detector.events_processed} events processed, ${report.detector.sequences_evicted} partial sequences evicted${report.detector.warnings.length ? `; warnings: ${esc(report.detector.warnings.join('; '))}` : ''}</p>
<p>command: <code>${esc(report.run.argv.join(' '))}</code></p>
<h4>Cleanup</h4>
<ul>${listRows(report.cleanup, (s) => `<li class="${s.ok ? 'pass' : 'fail'}">${s.ok ? 'ok' : 'FAILED'}: ${esc(s.what)}${s.detail ? ` \u2014 ${esc(s.detail)}` : ''}</li>`)}</ul>
</section>
<script type="application/json" id="report-data">${jsonForScript(report)}</script>
<script type="application/json" id="axes-data">${jsonForScript(axes)}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
