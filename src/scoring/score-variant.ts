// Ground truth × telemetry × alerts → one verdict. Pure: the CLI hands in everything it needs.

import {
  JOIN_STRENGTH_ORDER,
  eventTimeMs,
  type ActionTrace,
  type Alert,
  type CollectorInfo,
  type JoinStrength,
  type JournalEntry,
  type MissReason,
  type Outcome,
  type SinkReceipt,
  type TelemetryEvent,
  type Variant,
  type Verdict,
} from '../model/index.js';

export interface VariantRunFacts {
  variant: Variant;
  status: 'ran' | 'skipped' | 'error';
  reason?: string;
  journal: JournalEntry[];
  /** Telemetry attributed to this variant, in time order. */
  events: TelemetryEvent[];
  /** Alerts the detector raised over `events`. */
  alerts: Alert[];
  receipts: SinkReceipt[];
  /** Collectors active during the variant; their losses and errors make a miss "telemetry-incomplete". */
  collectors: Array<Pick<CollectorInfo, 'id' | 'lost_records' | 'errors'>>;
  /** Lost audit records during this variant's window, when the collector can tell. */
  lostDuringVariant?: number;
  timing?: { started_at?: string; ended_at?: string; duration_ms?: number; exit_code?: number | null; timed_out?: boolean; stderr_tail?: string };
}

export interface ScoringOptions {
  /** The correlation window of the rules (maxspan), to tell "window exceeded" from "rule gap". */
  windowMs: number;
}

const REASON_TEXT: Record<MissReason, string> = {
  'telemetry-gap': 'the collector did not see an action the emulation performed, so no rule could match',
  'telemetry-incomplete': 'the collector lost records or failed during this variant; the miss may be an artefact of the lost telemetry',
  'window-exceeded': 'both halves were seen and linkable, but the upload came later than the rules\u2019 correlation window',
  'lineage-broken': 'both halves were seen, but no process link the rules join on (same process, parent, siblings, same user) connects them',
  'rule-gap': 'both halves were seen and linkable within the window, but no rule matched: the rules do not recognise this route',
};

function pidOf(e: TelemetryEvent): number | undefined {
  return e.process?.pid;
}

/** Which telemetry events show a ground-truth action. */
function traceAction(entry: JournalEntry, events: TelemetryEvent[]): ActionTrace {
  const action = entry.action as 'encrypt' | 'upload';
  const matches: string[] = [];
  let unattributed: string[] = [];
  for (const e of events) {
    const cat = e.event.category;
    if (action === 'encrypt') {
      // An encryption is visible as the exec of the process that did it, or its crypto library load.
      if ((cat === 'process' && (e.event.type === 'start' || e.event.action === 'exec')) || cat === 'library') {
        if (pidOf(e) === entry.pid) matches.push(e.event.id);
      }
    } else if (cat === 'network') {
      // Only connections to where the emulation says it uploaded count (the sink's port).
      const want = destinationPort(entry);
      if (want !== undefined && e.destination?.port !== want) continue;
      if (pidOf(e) === entry.pid) matches.push(e.event.id);
      else if (pidOf(e) === undefined) unattributed.push(e.event.id);
    }
  }
  if (matches.length) unattributed = [];
  return {
    action,
    pid: entry.pid,
    time_ms: entry.time_ms,
    visibility: matches.length ? 'seen' : unattributed.length ? 'seen-unattributed' : 'not-seen',
    event_ids: matches.length ? matches : unattributed,
    details: entry.details,
  };
}

function destinationPort(entry: JournalEntry): number | undefined {
  const d = entry.details['destination'];
  if (typeof d !== 'string') return undefined;
  const m = /:(\d+)$/.exec(d);
  return m ? Number(m[1]) : undefined;
}

export function strongestJoin(alerts: Alert[]): JoinStrength | undefined {
  let best: number | undefined;
  for (const a of alerts) {
    const s = a.join_strength ?? a.rule.join_strength;
    if (!s) continue;
    const i = JOIN_STRENGTH_ORDER.indexOf(s);
    if (i >= 0 && (best === undefined || i < best)) best = i;
  }
  return best === undefined ? undefined : JOIN_STRENGTH_ORDER[best];
}

/** How the process that encrypted relates to the one that uploaded, as the telemetry shows it. */
export function linkBetween(enc: TelemetryEvent | undefined, up: TelemetryEvent | undefined): JoinStrength | undefined {
  if (!enc?.process || !up?.process) return undefined;
  const a = enc.process;
  const b = up.process;
  if (a.entity_id && a.entity_id === b.entity_id) return 'same-process';
  if (a.pid !== undefined && a.pid === b.pid && !a.entity_id) return 'same-process';
  if (a.parent?.entity_id && a.parent.entity_id === b.entity_id) return 'parent-child';
  if (b.parent?.entity_id && b.parent.entity_id === a.entity_id) return 'parent-child';
  if (a.parent?.pid !== undefined && a.parent.pid === b.pid) return 'parent-child';
  if (a.parent?.entity_id && a.parent.entity_id === b.parent?.entity_id) return 'siblings';
  if (a.parent?.pid !== undefined && a.parent.pid === b.parent?.pid) return 'siblings';
  const ua = enc.user?.id ?? enc.user?.name;
  const ub = up.user?.id ?? up.user?.name;
  const ha = enc.host?.id ?? enc.host?.name;
  const hb = up.host?.id ?? up.host?.name;
  if (ua !== undefined && ua === ub && ha === hb) return 'same-user-host';
  return undefined;
}

export function scoreVariant(f: VariantRunFacts, opts: ScoringOptions): Verdict {
  const v = f.variant;
  const base: Verdict = {
    variant_id: v.id,
    scenario_id: v.scenario_id,
    expect: v.expect,
    axes: v.axes,
    outcome: 'error',
    expectation_met: false,
    explanation: '',
    actions: [],
    alert_ids: f.alerts.map((a) => a.id),
    rules_fired: [...new Set(f.alerts.map((a) => a.rule.id))],
    receipts: f.receipts,
  };
  if (v.known_gap !== undefined) base.known_gap = v.known_gap;
  if (f.timing) {
    for (const [k, val] of Object.entries(f.timing)) if (val !== undefined) (base as unknown as Record<string, unknown>)[k] = val;
  }

  if (f.status === 'skipped') {
    return { ...base, outcome: 'skipped', expectation_met: true, reason: f.reason ?? 'skipped', explanation: `Skipped: ${f.reason ?? 'not runnable here'}.` };
  }
  if (f.status === 'error') {
    return { ...base, outcome: 'error', expectation_met: false, reason: f.reason ?? 'error', explanation: `The emulation could not run: ${f.reason ?? 'unknown error'}.` };
  }

  const actions = f.journal.filter((j) => j.action === 'encrypt' || j.action === 'upload').map((j) => traceAction(j, f.events));
  base.actions = actions;
  const join = strongestJoin(f.alerts);
  if (join) base.strongest_join = join;

  const fired = f.alerts.length > 0;
  if (v.expect === 'negative') {
    if (fired) {
      return {
        ...base,
        outcome: 'false-positive',
        expectation_met: false,
        explanation: `A negative control raised ${f.alerts.length} alert(s) (${base.rules_fired.join(', ')}): the rules flag benign behaviour.`,
      };
    }
    return { ...base, outcome: 'true-negative', expectation_met: true, explanation: 'No alert for a negative control, as expected.' };
  }

  if (fired) {
    const uploadEvents = new Set(actions.filter((a) => a.action === 'upload').flatMap((a) => a.event_ids));
    const firstUpload = f.events.find((e) => uploadEvents.has(e.event.id));
    const alertTime = Math.min(...f.alerts.map((a) => Date.parse(a.timestamp)));
    const verdict: Verdict = {
      ...base,
      outcome: 'detected',
      expectation_met: true,
      explanation: `Detected by ${base.rules_fired.join(', ')}${join ? ` (strongest link: ${join})` : ''}.`,
    };
    if (firstUpload) verdict.latency_ms = Math.max(0, alertTime - eventTimeMs(firstUpload));
    return verdict;
  }

  const reason = missReason(f, actions, opts);
  const met = v.known_gap !== undefined;
  return {
    ...base,
    outcome: 'missed',
    expectation_met: met,
    reason,
    explanation: `Missed: ${REASON_TEXT[reason]}.` + (met ? ` Known gap: ${v.known_gap}.` : ''),
  };
}

function missReason(f: VariantRunFacts, actions: ActionTrace[], opts: ScoringOptions): MissReason {
  const incomplete = (f.lostDuringVariant ?? 0) > 0 || f.collectors.some((c) => c.errors.length > 0);
  const enc = actions.filter((a) => a.action === 'encrypt');
  const up = actions.filter((a) => a.action === 'upload');
  const allSeen = [...enc, ...up].length > 0 && [...enc, ...up].every((a) => a.visibility === 'seen');
  if (!allSeen) return incomplete ? 'telemetry-incomplete' : 'telemetry-gap';
  const byId = new Map(f.events.map((e) => [e.event.id, e] as const));
  const firstEnc = enc[0];
  const firstUp = up[0];
  if (!firstEnc || !firstUp) return 'telemetry-gap';
  const encEvent = byId.get(firstEnc.event_ids[0] ?? '');
  const upEvent = byId.get(firstUp.event_ids[0] ?? '');
  if (encEvent && upEvent && eventTimeMs(upEvent) - eventTimeMs(encEvent) > opts.windowMs) return 'window-exceeded';
  if (!linkBetween(encEvent, upEvent)) return 'lineage-broken';
  return incomplete ? 'telemetry-incomplete' : 'rule-gap';
}
