// After the run (or later, `purple alerts`): ask every control source what it has, poll the live
// ones until every positive variant has an alert or --control-wait runs out, attribute the alerts
// (src/scoring/control-verdict.ts), and write what came back to controls/ of the run folder with
// the secrets removed. A source that fails is a value (`unavailable`, with why), never an
// exception that could lose the run's own results.

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { redact, variantDirName } from '../../../harness/index.js';
import { isPurpleError, type ControlAlert, type ControlSourceRecord, type ControlsSection, type RunReport } from '../../model/index.js';
import { pendingPositives, scoreControls, type ControlProcessFact, type ControlVariantFacts } from '../../scoring/index.js';
import type { ControlSession, FetchResult, FetchWindow } from './sources.js';

export interface CollectOptions {
  /** Keep asking the live sources for this long while positives have no alert (ms); 0: ask once. */
  waitMs: number;
  /** Pause between polls (ms). */
  pollMs: number;
  /** Secrets to remove from everything written (the run's, plus each session's). */
  secrets: readonly string[];
  /** The run folder; raw documents go to <runDir>/controls/<name>.ndjson. Absent: nothing written. */
  runDir?: string;
  log?: (line: string) => void;
  signal?: AbortSignal;
  now?: () => number;
  /** Sources asked before (purple alerts on a run that has a controls section): kept unless asked again. */
  previous?: ControlsSection;
}

// The run's secrets by their shape, for `purple alerts` after the run (the values are gone then):
// an EDR records the emulation's command lines and environment, which carry the sink token
// (curl -H "Authorization: Bearer …"), the raw key and IV (openssl -K/-iv) and PURPLE_* variables.
// Applied to JSON text: an argv array puts the flag and its value in two strings.
const SECRET_SHAPES: ReadonlyArray<[RegExp, string]> = [
  [/((?:Bearer|X-Purple-Token:)\s*)[A-Za-z0-9_-]{32}(?![A-Za-z0-9_-])/g, '$1<redacted>'],
  [/((?:^|[\s"])-K(?:\s+|",\s*"))[0-9a-fA-F]{64}(?![0-9a-fA-F])/g, '$1<redacted>'],
  [/((?:^|[\s"])-iv(?:\s+|",\s*"))[0-9a-fA-F]{32}(?![0-9a-fA-F])/g, '$1<redacted>'],
  [/(PURPLE_(?:KEY_HEX|IV_HEX|SINK_TOKEN|PASSPHRASE)=)[^\s"\\]+/g, '$1<redacted>'],
];

export function redactSecretShapes(text: string): string {
  let out = text;
  for (const [re, to] of SECRET_SHAPES) out = out.replace(re, to);
  return out;
}

/** What the run did, per variant, as the attribution needs it; from report.json alone. */
export function variantFactsOf(report: RunReport): ControlVariantFacts[] {
  const out: ControlVariantFacts[] = [];
  for (const v of report.verdicts) {
    if (v.outcome === 'skipped' || !v.started_at || !v.ended_at) continue;
    const procs: ControlProcessFact[] = [];
    const seen = new Set<string>();
    const add = (p: ControlProcessFact): void => {
      const k = JSON.stringify(p);
      if (!seen.has(k)) seen.add(k), procs.push(p);
    };
    for (const e of report.events) {
      if (e.labels?.purple_variant_id !== v.variant_id || !e.process) continue;
      const p = e.process;
      add({
        ...(p.pid !== undefined ? { pid: p.pid } : {}),
        ...(p.entity_id ? { entity_id: p.entity_id } : {}),
        ...(p.executable ? { executable: p.executable } : {}),
        ...(p.command_line ? { command_line: p.command_line } : {}),
      });
    }
    for (const a of v.actions) add({ pid: a.pid });
    const upload = v.receipts[0]?.time_ms ?? v.actions.find((a) => a.action === 'upload')?.time_ms;
    out.push({
      variant_id: v.variant_id,
      expect: v.expect === 'negative' ? 'negative' : 'positive',
      marker: variantDirName(v.variant_id),
      window: { start_ms: Date.parse(v.started_at), end_ms: Date.parse(v.ended_at) },
      ...(upload !== undefined ? { upload_ms: upload } : {}),
      processes: procs,
    });
  }
  return out;
}

export function runWindowOf(facts: readonly ControlVariantFacts[], report: RunReport): FetchWindow {
  if (!facts.length) return { start_ms: Date.parse(report.run.started_at), end_ms: Date.parse(report.run.ended_at) };
  return { start_ms: Math.min(...facts.map((f) => f.window.start_ms)), end_ms: Math.max(...facts.map((f) => f.window.end_ms)) };
}

interface SourceOutcome {
  record: ControlSourceRecord;
  alerts: ControlAlert[];
  raw: unknown[];
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

async function askSource(s: ControlSession, report: RunReport, facts: ControlVariantFacts[], window: FetchWindow, opts: CollectOptions): Promise<SourceOutcome> {
  const now = opts.now ?? Date.now;
  const askedAt = new Date(now()).toISOString();
  const deadline = now() + opts.waitMs;
  let last: FetchResult | undefined;
  let requests = 0;
  let error: string | undefined;
  let pending: string[] = [];
  let lastSaid = '';
  let saidAt = 0;
  for (;;) {
    try {
      last = await s.fetch(window);
      requests += last.requests ?? 1;
    } catch (e) {
      error = isPurpleError(e) ? e.format() : `internal error: ${(e as Error).message}`;
      break;
    }
    pending = pendingPositives({ runId: report.run.id, hostNames: [report.host.name], variants: facts, alerts: last.alerts }, s.spec.name);
    if (!s.live || !pending.length || now() >= deadline || opts.signal?.aborted) break;
    // Said when the pending set changes, and every 30 s otherwise: a 1 s poll must not flood the log.
    const key = pending.join('\n');
    if (key !== lastSaid || now() - saidAt >= 30_000) {
      lastSaid = key;
      saidAt = now();
      opts.log?.(`control ${s.spec.name}: waiting for ${pending.length} variant(s) (${Math.max(0, Math.round((deadline - now()) / 1000))} s left): ${pending.slice(0, 5).join(', ')}${pending.length > 5 ? ', …' : ''}`);
    }
    await sleep(Math.min(opts.pollMs, Math.max(0, deadline - now())), opts.signal);
  }
  const timedOut = !error && s.live && opts.waitMs > 0 && pending.length > 0;
  const record: ControlSourceRecord = {
    control: s.spec.name,
    kind: s.kind,
    format: last?.format ?? s.format,
    target: s.target,
    asked_at: askedAt,
    finished_at: new Date(now()).toISOString(),
    status: error ? 'failed' : timedOut ? 'timed-out' : 'ok',
    ...(error ? { error } : {}),
    warnings: last?.warnings ?? [],
    alerts_received: last?.alerts.length ?? 0,
    ...(requests ? { requests } : {}),
  };
  return { record, alerts: last?.alerts ?? [], raw: last?.raw ?? [] };
}

/** Asks every session (in parallel), scores, writes controls/, and returns the report's controls section. */
export async function collectControls(sessions: readonly ControlSession[], report: RunReport, opts: CollectOptions): Promise<ControlsSection> {
  const facts = variantFactsOf(report);
  const window = runWindowOf(facts, report);
  const secrets = [...opts.secrets, ...sessions.flatMap((s) => s.secrets)];
  const outcomes = await Promise.all(sessions.map((s) => askSource(s, report, facts, window, opts)));

  if (opts.runDir) {
    const dir = join(opts.runDir, 'controls');
    await mkdir(dir, { recursive: true });
    for (const o of outcomes) {
      const file = `controls/${o.record.control.replace(/[^A-Za-z0-9._-]/g, '_')}.ndjson`;
      const text = o.raw.map((d) => JSON.stringify(d)).join('\n') + (o.raw.length ? '\n' : '');
      await writeFile(join(opts.runDir, file), redactSecretShapes(redact(text, secrets)), { mode: 0o644 });
      o.record.raw_file = file;
    }
  }

  // Sources asked before and not asked again stay as they were.
  const askedNow = new Set(outcomes.map((o) => o.record.control));
  const kept = opts.previous ? opts.previous.sources.filter((s) => !askedNow.has(s.control)) : [];
  const keptAlerts = opts.previous ? opts.previous.alerts.filter((a) => !askedNow.has(a.control)) : [];
  const alerts = [...keptAlerts, ...outcomes.flatMap((o) => o.alerts)];
  const sources = [...kept, ...outcomes.map((o) => o.record)];
  const scored = scoreControls({
    runId: report.run.id,
    hostNames: [report.host.name],
    variants: facts,
    sources: sources.map((s) => ({ control: s.control, status: s.status, ...(s.error ? { error: s.error } : {}) })),
    alerts,
  });
  const section: ControlsSection = {
    sources,
    alerts,
    verdicts: scored.verdicts,
    unexpected_alert_ids: scored.unexpected_alert_ids,
    markers: facts.map((f) => ({ variant_id: f.variant_id, marker: `purple-${report.run.id}/${f.marker}` })),
  };
  return JSON.parse(redactSecretShapes(redact(JSON.stringify(section), secrets))) as ControlsSection;
}
