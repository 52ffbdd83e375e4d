// Attribution of a real control's alerts to variants, and the verdict per variant × control.
// Pure: the pipeline reads the sources and hands over what they returned; nothing here touches a
// file, the network or the clock.
//
// An alert belongs to a variant by, in order:
//   1. the marker (run id + the variant's neutral v-<hash>) anywhere in the vendor's document;
//   2. the host and the process it names (entity id; or pid, executable or command line that the
//      run's own telemetry shows for the variant) inside the variant's window;
//   3. host and time alone, only when the alert names no process at all (a network-only rule).
// An alert in the run's window that matches nothing purple did is *unexpected*; one that carries
// another run's marker belongs to that run and is left out.

import type { ControlAlert, ControlMatch, ControlStatus, ControlVariantVerdict } from '../model/index.js';

export interface ControlProcessFact {
  pid?: number;
  entity_id?: string;
  executable?: string;
  command_line?: string;
}

export interface ControlVariantFacts {
  variant_id: string;
  expect: 'positive' | 'negative';
  /** The marker's variant part (v-<12 hex>). */
  marker: string;
  window: { start_ms: number; end_ms: number };
  /** When the upload happened (sink receipt, else journal); absent when there was none. */
  upload_ms?: number;
  processes: ControlProcessFact[];
}

export interface ControlSourceState {
  control: string;
  status: 'ok' | 'failed' | 'timed-out';
  error?: string;
}

export interface ControlScoringInput {
  runId: string;
  hostNames: string[];
  variants: ControlVariantFacts[];
  sources: ControlSourceState[];
  alerts: ControlAlert[];
  /** Clock slack between the host and the control (ms); default 5 s. */
  slackMs?: number;
  /** How long after the run an alert's creation still counts as "in the run window" when the alert gives no event time; default 30 min. */
  creationLagMs?: number;
}

export interface ControlScoringResult {
  verdicts: ControlVariantVerdict[];
  unexpected_alert_ids: string[];
  /** alert id → the variant it was attributed to and how. */
  attribution: Record<string, { variant_id: string; matched_by: ControlMatch }>;
}

const DEFAULT_SLACK_MS = 5_000;
const DEFAULT_CREATION_LAG_MS = 30 * 60_000;

function timeOf(iso: string | undefined): number | undefined {
  if (iso === undefined) return undefined;
  const t = Date.parse(iso);
  return Number.isFinite(t) ? t : undefined;
}

function sameHost(alert: ControlAlert, hostNames: readonly string[]): boolean | undefined {
  const name = alert.host?.name;
  if (!name) return undefined;
  const short = (h: string): string => h.toLowerCase().split('.')[0] ?? '';
  return hostNames.some((h) => short(h) === short(name));
}

function namesProcess(alert: ControlAlert): boolean {
  const p = alert.process;
  return p !== undefined && (p.pid !== undefined || p.entity_id !== undefined || p.executable !== undefined || p.command_line !== undefined);
}

/** Does the alert's time fall in this window (event time with slack; creation time with the lag)? */
function inWindow(alert: ControlAlert, w: { start_ms: number; end_ms: number }, slack: number, lag: number): boolean {
  const ev = timeOf(alert.event_time);
  if (ev !== undefined) return ev >= w.start_ms - slack && ev <= w.end_ms + slack;
  const created = timeOf(alert.created_at);
  return created !== undefined && created >= w.start_ms - slack && created <= w.end_ms + lag;
}

function processMatches(alert: ControlAlert, v: ControlVariantFacts): boolean {
  const p = alert.process;
  if (!p) return false;
  return v.processes.some(
    (f) =>
      (p.entity_id !== undefined && f.entity_id === p.entity_id) ||
      (p.pid !== undefined && f.pid === p.pid && (p.executable === undefined || f.executable === undefined || f.executable === p.executable)) ||
      (p.command_line !== undefined && f.command_line !== undefined && f.command_line === p.command_line),
  );
}

/** The variant an alert belongs to and how, or 'other-run', or undefined (matches nothing). */
export function attributeAlert(
  alert: ControlAlert,
  inp: Pick<ControlScoringInput, 'runId' | 'hostNames' | 'variants' | 'slackMs' | 'creationLagMs'>,
): { variant_id: string; matched_by: ControlMatch } | 'other-run' | undefined {
  const slack = inp.slackMs ?? DEFAULT_SLACK_MS;
  const lag = inp.creationLagMs ?? DEFAULT_CREATION_LAG_MS;
  const ours = alert.markers.filter((m) => m.run_id === inp.runId);
  for (const m of ours) {
    const v = inp.variants.find((x) => x.marker === m.variant_marker);
    if (v) return { variant_id: v.variant_id, matched_by: 'marker' };
  }
  if (!ours.length && alert.markers.length) return 'other-run';
  // Without a marker: the host must be this one (or unnamed) and the time inside the variant's window.
  if (sameHost(alert, inp.hostNames) === false) return undefined;
  const timely = inp.variants.filter((v) => inWindow(alert, v.window, slack, lag));
  if (namesProcess(alert)) {
    const byProcess = timely.filter((v) => processMatches(alert, v));
    const first = byProcess[0];
    return first ? { variant_id: first.variant_id, matched_by: 'process' } : undefined;
  }
  // Host and time only: trusted only when exactly one variant's window holds the event time.
  if (timeOf(alert.event_time) === undefined || sameHost(alert, inp.hostNames) !== true) return undefined;
  const only = timely.length === 1 ? timely[0] : undefined;
  return only ? { variant_id: only.variant_id, matched_by: 'host-time' } : undefined;
}

function expectationOf(status: ControlStatus, expect: 'positive' | 'negative'): boolean | undefined {
  if (status === 'alerted') return expect === 'positive';
  if (status === 'not-alerted') return expect === 'negative';
  return undefined;
}

/** Every variant × control verdict, the unexpected alerts, and the attribution of each alert. */
export function scoreControls(inp: ControlScoringInput): ControlScoringResult {
  const slack = inp.slackMs ?? DEFAULT_SLACK_MS;
  const lag = inp.creationLagMs ?? DEFAULT_CREATION_LAG_MS;
  const attribution: ControlScoringResult['attribution'] = {};
  const unexpected: string[] = [];
  const runWindow =
    inp.variants.length > 0
      ? { start_ms: Math.min(...inp.variants.map((v) => v.window.start_ms)), end_ms: Math.max(...inp.variants.map((v) => v.window.end_ms)) }
      : undefined;
  for (const a of inp.alerts) {
    const got = attributeAlert(a, inp);
    if (got === 'other-run') continue;
    if (got) attribution[a.id] = got;
    else if (runWindow && sameHost(a, inp.hostNames) !== false && inWindow(a, runWindow, slack, lag)) unexpected.push(a.id);
  }

  const verdicts: ControlVariantVerdict[] = [];
  for (const src of inp.sources) {
    const mine = inp.alerts.filter((a) => a.control === src.control && attribution[a.id] !== undefined);
    for (const v of inp.variants) {
      const hits = mine.filter((a) => attribution[a.id]?.variant_id === v.variant_id);
      let status: ControlStatus;
      let reason: string | undefined;
      if (hits.length) status = 'alerted';
      else if (src.status === 'failed') {
        status = 'unavailable';
        reason = src.error ?? 'the source failed';
      } else if (src.status === 'timed-out' && v.expect === 'positive') {
        status = 'pending';
        reason = 'no alert yet when the wait timed out';
      } else status = 'not-alerted';
      const created = hits.map((a) => timeOf(a.created_at)).filter((t): t is number => t !== undefined);
      const earliest = created.length ? Math.min(...created) : undefined;
      const strongest = (['marker', 'process', 'host-time'] as const).find((m) => hits.some((a) => attribution[a.id]?.matched_by === m));
      const met = expectationOf(status, v.expect);
      verdicts.push({
        variant_id: v.variant_id,
        control: src.control,
        status,
        expect: v.expect,
        alert_ids: hits.map((a) => a.id),
        ...(strongest ? { matched_by: strongest } : {}),
        ...(earliest !== undefined && v.upload_ms !== undefined ? { latency_ms: Math.max(0, earliest - v.upload_ms) } : {}),
        false_positive: status === 'alerted' && v.expect === 'negative',
        ...(met !== undefined ? { expectation_met: met } : {}),
        ...(reason ? { reason } : {}),
      });
    }
  }
  return { verdicts, unexpected_alert_ids: unexpected, attribution };
}

/** Positive variants a control has not alerted on yet (what `--wait` keeps polling for). */
export function pendingPositives(inp: Omit<ControlScoringInput, 'sources'>, control: string): string[] {
  const { verdicts } = scoreControls({ ...inp, sources: [{ control, status: 'ok' }] });
  return verdicts.filter((v) => v.expect === 'positive' && v.status !== 'alerted').map((v) => v.variant_id);
}

/**
 * The exit-code rule for controls (docs/controls.md): with required controls, a verdict that did
 * not meet its expectation, or is pending or unavailable, fails the run.
 */
export function controlsFail(verdicts: readonly ControlVariantVerdict[], required: readonly string[]): ControlVariantVerdict[] {
  const req = new Set(required);
  return verdicts.filter((v) => req.has(v.control) && v.expectation_met !== true);
}
