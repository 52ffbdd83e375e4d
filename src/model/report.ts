// report.json: the one document every reporter renders from. Versioned; its JSON Schema is
// schemas/report.schema.json and every write is validated against it.

import type { Alert } from './alert.js';
import type { ControlsSection } from './control.js';
import type { TelemetryEvent } from './event.js';
import type { Coverage, Verdict } from './verdict.js';

export const REPORT_SCHEMA_VERSION = '1.0.0';

export interface CollectorInfo {
  id: string;
  /** What this source can see on this host. */
  fidelity: { process_exec: boolean; process_args: boolean; network: boolean; network_attribution: boolean; library_loads: boolean };
  blind_spots: string[];
  lost_records: number;
  /** Free-form facts: audit key, strace version, … */
  details: Record<string, unknown>;
  errors: string[];
}

export interface CleanupStep {
  what: string;
  ok: boolean;
  detail?: string;
}

export interface BaselineChange {
  variant_id: string;
  before: string;
  after: string;
}

export interface BaselineReport {
  /** The baseline report as given on the command line, and its run id. */
  file: string;
  run_id: string;
  regressions: BaselineChange[];
  fixed: BaselineChange[];
  not_comparable: Array<{ variant_id: string; before?: string; after?: string }>;
  unchanged: number;
}

export interface RunReport {
  schema_version: string;
  tool: { name: 'purple-harness'; version: string; git_commit?: string };
  run: {
    id: string;
    started_at: string;
    ended_at: string;
    status: 'completed' | 'interrupted' | 'failed';
    argv: string[];
    operator?: string;
    dry_run?: boolean;
  };
  host: { name: string; os: string; os_version: string; arch: string; kernel?: string; is_root: boolean };
  collectors: CollectorInfo[];
  rules: Array<{ id: string; name: string; file: string; language: string; sha256: string }>;
  scenarios: Array<{ id: string; file: string; sha256: string }>;
  verdicts: Verdict[];
  coverage: Coverage;
  alerts: Alert[];
  /** Telemetry attributable to the run (every event an alert or verdict names is here). */
  events: TelemetryEvent[];
  detector: { events_processed: number; sequences_evicted: number; warnings: string[] };
  cleanup: CleanupStep[];
  /** The team's own EDR/SIEM alerts per variant (`--control`, `purple alerts`); absent when none was asked. */
  controls?: ControlsSection;
  /** The comparison with a previous run (`--baseline`); its regressions fail the run. */
  baseline?: BaselineReport;
  /** Overall: 0 all expectations met, 1 an expectation failed or a baseline regression. */
  exit_code: 0 | 1;
  /** Set by `purple rescore`: this report re-detects a recorded run's telemetry with other (or the same) rules. */
  rescore?: RescoreInfo;
}

export interface RescoreInfo {
  rescored_at: string;
  argv: string[];
  /** Where the telemetry came from: events.ndjson or report.json (the run's normalised events). */
  telemetry: string;
  /** The recorded run and the rule set its verdicts came from (SHA-256 of each rule file and of the set). */
  original: { run_id: string; report_sha256: string; rules_digest: string; rules: Array<{ file: string; sha256: string }>; rescore_of?: string };
  /** The rule set of this report: where it was read, its digest, each file, the configuration files. */
  rules: { path: string; digest: string; files: Array<{ file: string; sha256: string }>; config: Array<{ file: string; sha256: string }> };
  /** Variants whose outcome or strongest join differs from the recorded run's. */
  changed: Array<{ variant_id: string; before: string; after: string; join_before?: string; join_after?: string }>;
}
