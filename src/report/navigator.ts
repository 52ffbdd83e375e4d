// ATT&CK Navigator layer (layer format 4.5): every technique the run exercised, scored by the
// share of its positive variants that were detected, with the missed variants named in the comment.

import type { RunReport, Verdict } from '../model/index.js';
import { describeReason, formatPercent } from './summary.js';

export const NAVIGATOR_LAYER_VERSION = '4.5';

export interface NavigatorMetadata {
  name: string;
  value: string;
}

export interface NavigatorTechnique {
  techniqueID: string;
  score?: number;
  comment: string;
  color?: string;
  enabled: boolean;
  metadata: NavigatorMetadata[];
  showSubtechniques?: boolean;
}

export interface NavigatorLayer {
  name: string;
  versions: { attack: string; navigator: string; layer: string };
  domain: 'enterprise-attack';
  description: string;
  filters: { platforms: string[] };
  sorting: number;
  layout: { layout: 'side' | 'flat' | 'mini'; showID: boolean; showName: boolean; showAggregateScores: boolean; countUnscored: boolean; aggregateFunction: string; expandedSubtechniques: string };
  hideDisabled: boolean;
  techniques: NavigatorTechnique[];
  gradient: { colors: string[]; minValue: number; maxValue: number };
  legendItems: Array<{ label: string; color: string }>;
  showTacticRowBackground: boolean;
  tacticRowBackground: string;
  selectTechniquesAcrossTactics: boolean;
  selectSubtechniquesWithParent: boolean;
  selectVisibleTechniques: boolean;
  metadata: NavigatorMetadata[];
}

export interface NavigatorOptions {
  /** ATT&CK content version the technique ids are from. */
  attackVersion?: string;
  /** Techniques the rule pack detects (default: T1048.001, DET0503's technique); others are not scored. */
  detectedTechniques?: readonly string[];
  navigatorVersion?: string;
}

const UNTESTED_COLOR = '#d9d9d9';

function techniquesOf(v: Verdict): string[] {
  return v.attack?.techniques.length ? v.attack.techniques : ['T1048.001'];
}

function platformsOf(report: RunReport): string[] {
  const out = new Set<string>();
  const os = `${report.host.os} ${report.host.name}`.toLowerCase();
  for (const e of report.events) {
    const t = e.host?.os?.type;
    if (t === 'linux') out.add('Linux');
    if (t === 'macos') out.add('macOS');
  }
  if (/mac|darwin/.test(os)) out.add('macOS');
  if (/linux|debian|ubuntu|fedora|rhel/.test(os)) out.add('Linux');
  return out.size ? [...out].sort() : ['Linux', 'macOS'];
}

export function renderNavigatorLayer(report: RunReport, opts: NavigatorOptions = {}): NavigatorLayer {
  const byTechnique = new Map<string, Verdict[]>();
  const note = (t: string, v?: Verdict) => {
    const list = byTechnique.get(t) ?? [];
    if (v) list.push(v);
    byTechnique.set(t, list);
  };
  for (const v of report.verdicts) for (const t of techniquesOf(v)) note(t, v);
  for (const a of report.alerts) for (const t of a.rule.attack.techniques) note(t);
  // Only a technique some shipped rule detects earns a score: the rule pack (DET0503) detects
  // T1048.001; the emulations also exercise T1059.x/T1560.x, which no rule claims, so those are
  // listed unscored rather than credited with a detection no rule made.
  const detectable = new Set<string>([...(opts.detectedTechniques ?? ['T1048.001']), ...report.alerts.flatMap((x) => x.rule.attack.techniques)]);

  const techniques: NavigatorTechnique[] = [];
  for (const [id, verdicts] of [...byTechnique].sort(([a], [b]) => a.localeCompare(b))) {
    const positives = verdicts.filter((v) => v.outcome === 'detected' || v.outcome === 'missed');
    const detected = positives.filter((v) => v.outcome === 'detected');
    const missed = positives.filter((v) => v.outcome === 'missed');
    const fps = verdicts.filter((v) => v.outcome === 'false-positive');
    const skipped = verdicts.filter((v) => v.outcome === 'skipped' || v.outcome === 'error');
    const t: NavigatorTechnique = { techniqueID: id, comment: '', enabled: true, metadata: [] };
    if (positives.length && !detectable.has(id)) {
      t.color = UNTESTED_COLOR;
      t.comment = `Exercised by ${positives.length} positive variant(s); no shipped rule detects this technique, so it has no score.`;
    } else if (positives.length) {
      t.score = Math.round((100 * detected.length) / positives.length);
      const parts = [`purple-harness coverage ${formatPercent(detected.length / positives.length, 0)} (${detected.length}/${positives.length} positive variants detected).`];
      if (missed.length) parts.push(`Missed: ${missed.map((v) => `${v.variant_id} (${v.reason ?? 'missed'}${v.known_gap ? ', known gap' : ''})`).join('; ')}.`);
      if (fps.length) parts.push(`False positives: ${fps.map((v) => v.variant_id).join(', ')}.`);
      t.comment = parts.join(' ');
    } else {
      t.color = UNTESTED_COLOR;
      t.comment = verdicts.length ? `Not tested on this run: ${verdicts.length} variant(s) skipped or errored.` : 'Named by a rule that fired; no variant of the run targets it.';
    }
    t.metadata.push({ name: 'detected', value: String(detected.length) });
    t.metadata.push({ name: 'missed', value: String(missed.length) });
    if (fps.length) t.metadata.push({ name: 'false positives', value: String(fps.length) });
    if (skipped.length) t.metadata.push({ name: 'not run', value: skipped.map((v) => v.variant_id).join(', ') });
    for (const v of missed) t.metadata.push({ name: `missed ${v.variant_id}`, value: describeReason(v) });
    techniques.push(t);
  }
  // Sub-techniques only show in the Navigator when the parent is expanded.
  for (const parent of new Set(techniques.map((t) => t.techniqueID.split('.')[0]!).filter((p, _i) => !byTechnique.has(p)))) {
    if (!techniques.some((t) => t.techniqueID.startsWith(`${parent}.`))) continue;
    techniques.push({ techniqueID: parent, comment: 'See the sub-techniques scored by purple-harness.', enabled: true, metadata: [], showSubtechniques: true });
  }

  const c = report.coverage;
  return {
    name: `purple-harness ${report.run.id}`,
    versions: { attack: opts.attackVersion ?? '18', navigator: opts.navigatorVersion ?? '5.2.0', layer: NAVIGATOR_LAYER_VERSION },
    domain: 'enterprise-attack',
    description: `Detection coverage measured by purple-harness on ${report.host.name} (${report.host.os} ${report.host.os_version}), run ${report.run.id}: ${formatPercent(c.coverage)} of ${c.positives} positive variants detected, false-positive rate ${formatPercent(c.false_positive_rate)}. Score = % of a technique's positive variants detected.`,
    filters: { platforms: platformsOf(report) },
    sorting: 3,
    layout: { layout: 'side', showID: true, showName: true, showAggregateScores: false, countUnscored: false, aggregateFunction: 'average', expandedSubtechniques: 'annotated' },
    hideDisabled: false,
    techniques,
    gradient: { colors: ['#ff6666', '#ffe766', '#8ec843'], minValue: 0, maxValue: 100 },
    legendItems: [
      { label: '0% of variants detected', color: '#ff6666' },
      { label: '100% of variants detected', color: '#8ec843' },
      { label: 'not tested on this run', color: UNTESTED_COLOR },
    ],
    showTacticRowBackground: false,
    tacticRowBackground: '#dddddd',
    selectTechniquesAcrossTactics: true,
    selectSubtechniquesWithParent: false,
    selectVisibleTechniques: false,
    metadata: [
      { name: 'run', value: report.run.id },
      { name: 'host', value: report.host.name },
      { name: 'started', value: report.run.started_at },
      { name: 'collectors', value: report.collectors.map((x) => x.id).join(', ') },
      { name: 'tool', value: `purple-harness ${report.tool.version}` },
    ],
  };
}
