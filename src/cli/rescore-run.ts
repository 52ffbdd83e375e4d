// Record once, replay anywhere: a saved run's telemetry through other rules (or the same ones),
// scored against the same ground truth, without running an emulation. The ground truth of each
// variant (what it did, which pid, when; what the sink received) is in the run's verdicts; the
// telemetry is the normalised events the detector saw (events.ndjson, else report.json's events).
// Detection and scoring are run-report.ts's, so a rescore with the run's own rules gives the run's
// own verdicts.

import {
  REPORT_SCHEMA_VERSION,
  eventTimeMs,
  type Alert,
  type JournalEntry,
  type RunReport,
  type TelemetryEvent,
  type Variant,
  type Verdict,
} from '../model/index.js';
import { computeCoverage, runExitCode, scoreVariant } from '../scoring/index.js';
import { loadRulesWithDiagnostics } from '../detector/index.js';
import { correlationWindowMs, detectOver, sha256, type RuleSet } from '../pipeline/index.js';

export interface RuleDigest {
  file: string;
  sha256: string;
}

/** One digest for a rule set: SHA-256 over its files' digests, sorted by path. */
export function ruleSetDigest(files: readonly RuleDigest[]): string {
  const lines = [...new Map(files.map((f) => [f.file, f.sha256])).entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([f, d]) => `${d}  ${f}\n`);
  return sha256(lines.join(''));
}

export interface RescoreInputs {
  original: RunReport;
  /** SHA-256 of the original report.json as read. */
  originalSha256: string;
  /** The telemetry: the run's normalised events. */
  events: TelemetryEvent[];
  telemetrySource: string;
  rules: RuleSet;
  /** What the new rules and configuration are, as the user named them. */
  rulesPath: string;
  configFiles: RuleDigest[];
  argv: string[];
  now: Date;
  tool: { version: string; gitCommit?: string };
}

function variantOf(e: TelemetryEvent): string | undefined {
  const v = e.labels?.['purple_variant_id'];
  return typeof v === 'string' ? v : undefined;
}

/** The variant as far as scoring needs it, from its verdict (the catalogue may have changed since). */
function variantFromVerdict(v: Verdict): Variant {
  return {
    id: v.variant_id,
    scenario_id: v.scenario_id,
    name: v.variant_id.startsWith(`${v.scenario_id}/`) ? v.variant_id.slice(v.scenario_id.length + 1) : v.variant_id,
    description: '',
    platforms: [],
    expect: v.expect,
    ...(v.known_gap !== undefined ? { known_gap: v.known_gap } : {}),
    axes: v.axes,
    requires: [],
    steps: [],
    timeout_s: 0,
    attack: v.attack ?? { techniques: [] },
    cipher: '',
  } as unknown as Variant;
}

/** The ground truth the emulation journaled, as the verdict kept it. */
function journalFromVerdict(v: Verdict): JournalEntry[] {
  return v.actions.map((a) => ({ time_ms: a.time_ms, action: a.action, pid: a.pid, details: a.details }));
}

export function rescoreRun(inp: RescoreInputs): RunReport {
  const { original, rules } = inp;
  const windowMs = correlationWindowMs(rules.config);
  const byVariant = new Map<string, TelemetryEvent[]>();
  for (const e of inp.events) {
    const id = variantOf(e);
    if (id === undefined) continue;
    const list = byVariant.get(id) ?? [];
    list.push(e);
    byVariant.set(id, list);
  }
  const verdicts: Verdict[] = [];
  const alerts: Alert[] = [];
  const warnings: string[] = [];
  let processed = 0;
  let evicted = 0;
  for (const old of original.verdicts) {
    // An emulation that did not run (skipped, or could not run) has nothing to re-detect.
    if (old.outcome === 'skipped' || old.outcome === 'error') {
      verdicts.push(old);
      continue;
    }
    const events = (byVariant.get(old.variant_id) ?? []).sort((a, b) => (eventTimeMs(a) ?? 0) - (eventTimeMs(b) ?? 0));
    const found = detectOver(events, rules);
    processed += found.processed;
    evicted += found.evicted;
    for (const w of found.warnings) warnings.push(`${old.variant_id}: ${w}`);
    const verdict = scoreVariant(
      {
        variant: variantFromVerdict(old),
        status: 'ran',
        journal: journalFromVerdict(old),
        events,
        alerts: found.alerts,
        receipts: old.receipts,
        collectors: original.collectors.map((c) => ({ id: c.id, lost_records: c.lost_records, errors: c.errors })),
        timing: {
          ...(old.started_at !== undefined ? { started_at: old.started_at } : {}),
          ...(old.ended_at !== undefined ? { ended_at: old.ended_at } : {}),
          ...(old.duration_ms !== undefined ? { duration_ms: old.duration_ms } : {}),
          ...(old.exit_code !== undefined ? { exit_code: old.exit_code } : {}),
          ...(old.timed_out !== undefined ? { timed_out: old.timed_out } : {}),
          ...(old.stderr_tail !== undefined ? { stderr_tail: old.stderr_tail } : {}),
        },
      },
      { windowMs },
    );
    if (old.attack) verdict.attack = old.attack;
    verdicts.push(verdict);
    alerts.push(...found.alerts);
  }

  const textOf = new Map(rules.files.map((f) => [f.path, f.text]));
  const { rules: compiled } = loadRulesWithDiagnostics(rules.files, { config: rules.config, maxOpenSequences: rules.maxOpenSequences });
  const ruleMetas = new Map<string, RunReport['rules'][number]>();
  for (const r of compiled) ruleMetas.set(r.meta.id, { id: r.meta.id, name: r.meta.name, file: r.meta.file, language: r.meta.language, sha256: sha256(textOf.get(r.meta.file) ?? '') });
  const newFiles = rules.files.map((f) => ({ file: f.path, sha256: sha256(f.text) }));
  const oldFiles = original.rules.map((r) => ({ file: r.file, sha256: r.sha256 }));

  return {
    ...original,
    schema_version: REPORT_SCHEMA_VERSION,
    tool: { name: 'purple-harness', version: inp.tool.version, ...(inp.tool.gitCommit ? { git_commit: inp.tool.gitCommit } : {}) },
    rules: [...ruleMetas.values()],
    verdicts,
    coverage: computeCoverage(verdicts),
    alerts,
    detector: { events_processed: processed, sequences_evicted: evicted, warnings },
    exit_code: runExitCode(verdicts),
    rescore: {
      rescored_at: inp.now.toISOString(),
      argv: inp.argv,
      telemetry: inp.telemetrySource,
      original: {
        run_id: original.run.id,
        report_sha256: inp.originalSha256,
        rules_digest: ruleSetDigest(oldFiles),
        rules: oldFiles,
        ...(original.rescore ? { rescore_of: original.rescore.original.run_id } : {}),
      },
      rules: { path: inp.rulesPath, digest: ruleSetDigest(newFiles), files: newFiles, config: inp.configFiles },
      changed: verdicts
        .map((v, i) => ({ v, old: original.verdicts[i]! }))
        .filter(({ v, old }) => v.outcome !== old.outcome || (v.strongest_join ?? null) !== (old.strongest_join ?? null))
        .map(({ v, old }) => ({
          variant_id: v.variant_id,
          before: old.outcome,
          after: v.outcome,
          ...(old.strongest_join ? { join_before: old.strongest_join } : {}),
          ...(v.strongest_join ? { join_after: v.strongest_join } : {}),
        })),
    },
  };
}
