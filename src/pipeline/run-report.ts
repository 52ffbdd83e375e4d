// From what a run did (the harness's RunExecution) to report.json: the telemetry of each variant
// goes through a fresh detector, each variant is scored against its ground truth, and the whole is
// redacted of the run's secrets. No process is started here; `purple run` compiles the rules
// (compileRuleSet) before the run and calls buildRunReport after it.

import { createHash } from 'node:crypto';
import { compileRulesWithDiagnostics, createDetector, type CompiledRule, type DetectorConfig, type FieldCatalog, type RuleSourceFile } from '../detector/index.js';
import {
  PurpleError,
  REPORT_SCHEMA_VERSION,
  eventTimeMs,
  type Alert,
  type CollectorInfo,
  type RunReport,
  type TelemetryEvent,
  type Verdict,
} from '../model/index.js';
import { computeCoverage, runExitCode, scoreVariant, type VariantRunFacts } from '../scoring/index.js';
import { redact, type RunExecution, type VariantExecution } from '../../harness/index.js';

export interface RuleSet {
  /** The rule files as read (path relative to the rules folder, text). */
  files: RuleSourceFile[];
  config: DetectorConfig;
  maxOpenSequences: number;
  /** Where the rule files were read from, to name them in the report. */
  root: string;
  /** The rules compiled once from `files` (compileRuleSet); each variant gets fresh instances. */
  compiled: CompiledRule[];
}

/**
 * Compiles the rule files once, before anything runs: a rule that does not compile (or a rule id
 * used twice) is bad input with its file and line, never a surprise after the emulations ran.
 */
export function compileRuleSet(inp: Omit<RuleSet, 'compiled'>, fields?: FieldCatalog): RuleSet & { warnings: PurpleError[] } {
  const { rules, errors, warnings } = compileRulesWithDiagnostics(inp.files, { config: inp.config, maxOpenSequences: inp.maxOpenSequences, ...(fields ? { fields } : {}) });
  if (errors.length) throw errors[0]!;
  // The correlation window is read from the configuration at scoring time: check it now too.
  correlationWindowMs(inp.config);
  return { ...inp, compiled: rules, warnings };
}

export interface ReportInputs {
  execution: RunExecution;
  rules: RuleSet;
  host: { name: string; os: string; osVersion: string; arch: string; kernel?: string; isRoot: boolean };
  tool: { version: string; gitCommit?: string };
  argv: string[];
  /** Uploads went to an external receiver: nothing to verify here, the journal is the record. */
  externalSink?: boolean;
  /** Who ran it (the sudo user when run with sudo). */
  operator?: string | undefined;
  /** Scenario files of the variants that were selected: id → { file, text }. */
  scenarios: Array<{ id: string; file: string; text: string }>;
  /** Reorder window of the detector (ms). */
  reorderWindowMs?: number;
  /** Called with what the detector found per variant (live view, progress). */
  onVariantScored?: (v: { verdict: Verdict; events: TelemetryEvent[]; alerts: Alert[] }) => void;
}

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** The rules' correlation window from the configuration (`DET0503.maxspan`), default 60 s. */
export function correlationWindowMs(config: DetectorConfig): number {
  const raw = config.lists['DET0503.maxspan']?.[0];
  if (raw === undefined) return 60_000;
  const m = DURATION.exec(String(raw).trim());
  if (!m) throw new PurpleError('BAD_INPUT', `DET0503.maxspan "${String(raw)}" is not a duration`, { hint: 'write a number with ms, s, m, h or d, e.g. 60s' });
  return Number(m[1]) * UNIT_MS[m[2]!]!;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function byTime(a: TelemetryEvent, b: TelemetryEvent): number {
  return (eventTimeMs(a) ?? 0) - (eventTimeMs(b) ?? 0);
}

/** Runs a fresh detector (rules hold sequence state) over one variant's events, in time order. */
export function detectOver(events: TelemetryEvent[], rules: RuleSet, reorderWindowMs = 2000): { alerts: Alert[]; processed: number; evicted: number; warnings: string[] } {
  const detector = createDetector(rules.compiled.map((r) => r.instantiate()), { reorderWindowMs });
  const alerts: Alert[] = [];
  for (const e of [...events].sort(byTime)) alerts.push(...detector.push(e));
  alerts.push(...detector.finish());
  const s = detector.stats();
  return { alerts, processed: s.events_processed, evicted: s.sequences_evicted, warnings: s.warnings };
}

function variantOf(e: TelemetryEvent): string | undefined {
  const v = e.labels?.['purple_variant_id'];
  return typeof v === 'string' ? v : undefined;
}

function timingOf(x: VariantExecution): NonNullable<VariantRunFacts['timing']> {
  if (x.status !== 'ran') return {};
  const last = x.steps[x.steps.length - 1];
  const stderr = x.steps.map((s) => s.stderrTail).filter(Boolean).join('\n').slice(-2000);
  return {
    started_at: new Date(x.window.startMs).toISOString(),
    ended_at: new Date(x.window.endMs).toISOString(),
    duration_ms: Math.max(0, x.window.endMs - x.window.startMs),
    exit_code: last ? last.exitCode : null,
    timed_out: x.timedOut,
    ...(stderr ? { stderr_tail: stderr } : {}),
  };
}

/**
 * Why a variant that ran did not do what it is meant to (so its outcome is `error`, not a miss
 * the rules are blamed for): interrupted, or its upload never reached the sink.
 */
export function unfinished(x: VariantExecution, externalSink = false): string | undefined {
  if (x.interrupted) return 'interrupted before the emulation finished';
  if (x.variant.axes.upload === 'none' || x.receipts.length > 0 || x.timedOut) return undefined;
  // With an external receiver there is no receipt; the emulation's journal says whether it uploaded.
  if (externalSink && x.journal.some((j) => j.action === 'upload')) return undefined;
  const last = [...x.steps].reverse().find((s) => s.exitCode !== 0 || s.failed);
  const why = last ? ` (${last.failed ?? `exit ${String(last.exitCode)}`}${last.stderrTail.trim() ? `: ${last.stderrTail.trim().split('\n').slice(-2).join(' ')}` : ''})` : '';
  return `the upload never reached the sink${why}`;
}

/** The whole run as a report, secrets replaced by `<redacted>` everywhere. */
export function buildRunReport(inp: ReportInputs): RunReport {
  const { execution: ex, rules } = inp;
  const windowMs = correlationWindowMs(rules.config);
  const infos: CollectorInfo[] = ex.collectorOutputs.map((o) => o.info);
  const allEvents = ex.collectorOutputs.flatMap((o) => o.events);
  const byVariant = new Map<string, TelemetryEvent[]>();
  const unattributed: TelemetryEvent[] = [];
  for (const e of allEvents) {
    const id = variantOf(e);
    if (id === undefined) {
      unattributed.push(e);
      continue;
    }
    let list = byVariant.get(id);
    if (!list) byVariant.set(id, (list = []));
    list.push(e);
  }

  const scenarioFiles = new Map(inp.scenarios.map((s) => [s.id, s.file]));
  const verdicts: Verdict[] = [];
  const alerts: Alert[] = [];
  const warnings: string[] = [];
  let processed = 0;
  let evicted = 0;
  for (const x of ex.variants) {
    const events = (byVariant.get(x.variant.id) ?? []).sort(byTime);
    const found = x.status === 'ran' ? detectOver(events, rules, inp.reorderWindowMs) : { alerts: [], processed: 0, evicted: 0, warnings: [] };
    processed += found.processed;
    evicted += found.evicted;
    for (const w of found.warnings) warnings.push(`${x.variant.id}: ${w}`);
    const problems = x.journalProblems.map((p) => `journal line ${p.line}: ${p.message}`);
    const incomplete = x.status === 'ran' ? unfinished(x, inp.externalSink === true) : undefined;
    const reason = [incomplete, x.reason, ...problems].filter(Boolean).join('; ');
    const verdict = scoreVariant(
      {
        variant: x.variant,
        status: incomplete ? 'error' : x.status,
        ...(reason ? { reason } : {}),
        journal: x.journal,
        events,
        alerts: found.alerts,
        receipts: x.receipts,
        collectors: infos.map((i) => ({ id: i.id, lost_records: i.lost_records, errors: i.errors })),
        timing: timingOf(x),
      },
      { windowMs },
    );
    verdict.attack = x.variant.attack;
    const file = scenarioFiles.get(x.variant.scenario_id) ?? x.variant.source.file;
    if (file) verdict.source = { file, ...(x.variant.source.line ? { line: x.variant.source.line } : {}) };
    verdicts.push(verdict);
    alerts.push(...found.alerts);
    inp.onVariantScored?.({ verdict, events, alerts: found.alerts });
  }

  // Reports keep the telemetry attributed to the run; everything else only when the collectors
  // were asked to keep it (--keep-all-telemetry), in which case it arrives unlabelled.
  const events = [...[...byVariant.values()].flat(), ...unattributed].sort(byTime);
  const ruleMetas = new Map<string, RunReport['rules'][number]>();
  const textOf = new Map(rules.files.map((f) => [f.path, f.text]));
  for (const r of rules.compiled) {
    ruleMetas.set(r.meta.id, { id: r.meta.id, name: r.meta.name, file: r.meta.file, language: r.meta.language, sha256: sha256(textOf.get(r.meta.file) ?? '') });
  }

  const report: RunReport = {
    schema_version: REPORT_SCHEMA_VERSION,
    tool: { name: 'purple-harness', version: inp.tool.version, ...(inp.tool.gitCommit ? { git_commit: inp.tool.gitCommit } : {}) },
    run: {
      id: ex.runId,
      started_at: ex.startedAt,
      ended_at: ex.endedAt,
      status: ex.interrupted ? 'interrupted' : 'completed',
      argv: inp.argv,
      ...(inp.operator ? { operator: inp.operator } : {}),
    },
    host: {
      name: inp.host.name,
      os: inp.host.os,
      os_version: inp.host.osVersion,
      arch: inp.host.arch,
      ...(inp.host.kernel ? { kernel: inp.host.kernel } : {}),
      is_root: inp.host.isRoot,
    },
    collectors: infos,
    rules: [...ruleMetas.values()],
    scenarios: inp.scenarios.map((s) => ({ id: s.id, file: s.file, sha256: sha256(s.text) })),
    verdicts,
    coverage: computeCoverage(verdicts),
    alerts,
    events,
    detector: { events_processed: processed, sequences_evicted: evicted, warnings },
    cleanup: ex.cleanup,
    exit_code: runExitCode(verdicts),
  };
  return JSON.parse(redact(JSON.stringify(report), ex.secretsForRedaction)) as RunReport;
}
