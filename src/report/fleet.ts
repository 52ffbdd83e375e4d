// Fleet report: runs from many hosts joined into one RunReport. Each verdict gains a `host` axis
// (so coverage.by_axis.host is the per-host coverage and the HTML matrix can pivot on it), and
// every id is prefixed with its host so events, alerts and verdicts of different hosts never collide.

import { REPORT_SCHEMA_VERSION, type Alert, type Coverage, type RunReport, type TelemetryEvent, type Verdict } from '../model/index.js';

export interface FleetHost {
  host: string;
  run_id: string;
  os: string;
  coverage: Coverage;
}

function uniqueHostNames(reports: readonly RunReport[]): string[] {
  const seen = new Map<string, number>();
  return reports.map((r) => {
    const n = (seen.get(r.host.name) ?? 0) + 1;
    seen.set(r.host.name, n);
    return n === 1 ? r.host.name : `${r.host.name}#${n}`;
  });
}

/**
 * @param computeCoverage the scoring stage's coverage function (src/scoring), passed in because
 *   reporters may not import scoring.
 */
export function mergeReports(reports: readonly RunReport[], computeCoverage: (verdicts: Verdict[]) => Coverage): RunReport {
  if (!reports.length) throw new Error('mergeReports: no reports');
  const names = uniqueHostNames(reports);
  const verdicts: Verdict[] = [];
  const alerts: Alert[] = [];
  const events: TelemetryEvent[] = [];
  const merged: RunReport = {
    schema_version: REPORT_SCHEMA_VERSION,
    tool: reports[0]!.tool,
    run: {
      id: `fleet-${reports.map((r) => r.run.id).join('+')}`.slice(0, 200),
      started_at: reports.map((r) => r.run.started_at).sort()[0]!,
      ended_at: reports.map((r) => r.run.ended_at).sort().at(-1)!,
      status: reports.every((r) => r.run.status === 'completed') ? 'completed' : reports.some((r) => r.run.status === 'failed') ? 'failed' : 'interrupted',
      argv: ['purple', 'merge', ...reports.map((r) => r.run.id)],
    },
    host: {
      name: `fleet of ${reports.length} host${reports.length === 1 ? '' : 's'}: ${names.join(', ')}`,
      os: [...new Set(reports.map((r) => r.host.os))].join(', '),
      os_version: [...new Set(reports.map((r) => r.host.os_version))].join(', '),
      arch: [...new Set(reports.map((r) => r.host.arch))].join(', '),
      is_root: reports.every((r) => r.host.is_root),
    },
    collectors: [],
    rules: [],
    scenarios: [],
    verdicts,
    coverage: computeCoverage([]),
    alerts,
    events,
    detector: { events_processed: 0, sequences_evicted: 0, warnings: [] },
    cleanup: [],
    exit_code: 0,
  };
  const operators = [...new Set(reports.map((r) => r.run.operator).filter((o): o is string => !!o))];
  if (operators.length) merged.run.operator = operators.join(', ');
  const ruleKeys = new Set<string>();
  const scenarioKeys = new Set<string>();

  reports.forEach((r, i) => {
    const host = names[i]!;
    const p = (id: string) => `${host}:${id}`;
    for (const c of r.collectors) merged.collectors.push({ ...c, id: p(c.id), details: { ...c.details, host, run_id: r.run.id } });
    for (const rule of r.rules) {
      const key = `${rule.id}\0${rule.sha256}`;
      if (!ruleKeys.has(key)) merged.rules.push(rule);
      ruleKeys.add(key);
    }
    for (const s of r.scenarios) {
      const key = `${s.id}\0${s.sha256}`;
      if (!scenarioKeys.has(key)) merged.scenarios.push(s);
      scenarioKeys.add(key);
    }
    for (const v of r.verdicts) {
      verdicts.push({
        ...v,
        variant_id: `${v.variant_id}@${host}`,
        axes: { ...v.axes, host },
        actions: v.actions.map((a) => ({ ...a, event_ids: a.event_ids.map(p) })),
        alert_ids: v.alert_ids.map(p),
      });
    }
    for (const a of r.alerts) alerts.push({ ...a, id: p(a.id), event_ids: a.event_ids.map(p) });
    for (const e of r.events) {
      const copy: TelemetryEvent = { ...e, event: { ...e.event, id: p(e.event.id) } };
      const vid = e.labels?.purple_variant_id;
      if (vid !== undefined) copy.labels = { ...e.labels, purple_variant_id: `${vid}@${host}` };
      events.push(copy);
    }
    merged.detector.events_processed += r.detector.events_processed;
    merged.detector.sequences_evicted += r.detector.sequences_evicted;
    merged.detector.warnings.push(...r.detector.warnings.map((w) => `${host}: ${w}`));
    merged.cleanup.push(...r.cleanup.map((c) => ({ ...c, what: `${host}: ${c.what}` })));
  });
  merged.coverage = computeCoverage(verdicts);
  merged.exit_code = verdicts.every((v) => v.expectation_met) ? 0 : 1;
  return merged;
}

/** Per-host headline numbers of a merged report (from its host axis). */
export function fleetHosts(reports: readonly RunReport[]): FleetHost[] {
  const names = uniqueHostNames(reports);
  return reports.map((r, i) => ({ host: names[i]!, run_id: r.run.id, os: `${r.host.os} ${r.host.os_version}`, coverage: r.coverage }));
}
