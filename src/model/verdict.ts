// Scoring output: one verdict per variant, and the coverage over them.

import type { JoinStrength } from './alert.js';
import type { AttackMeta, Expectation, VariantAxes } from './scenario.js';

export type Outcome = 'detected' | 'missed' | 'false-positive' | 'true-negative' | 'skipped' | 'error';

export type MissReason =
  | 'telemetry-gap' // an action the emulation did was not seen by the collector
  | 'telemetry-incomplete' // the collector lost records or died during the variant
  | 'window-exceeded' // both halves seen and linkable, but farther apart than the rule window
  | 'lineage-broken' // both halves seen, but no process link the rules join on connects them
  | 'rule-gap'; // everything seen and linkable; no rule matched

/** How well the telemetry saw one ground-truth action. */
export type Visibility = 'seen' | 'seen-unattributed' | 'not-seen';

export interface ActionTrace {
  action: 'encrypt' | 'upload';
  pid: number;
  time_ms: number;
  visibility: Visibility;
  /** event.id of the telemetry events that show the action. */
  event_ids: string[];
  details: Record<string, unknown>;
}

export interface SinkReceipt {
  time_ms: number;
  protocol: 'http' | 'websocket' | 'tcp';
  peer: string;
  bytes: number;
  sha256: string;
  variant_id?: string;
  /** The sink decrypted the body with the run key and found the canary marker. */
  ciphertext_verified: boolean;
  plaintext: boolean;
  note?: string;
}

export interface Verdict {
  variant_id: string;
  scenario_id: string;
  expect: Expectation;
  known_gap?: string;
  axes: VariantAxes;
  /** The variant's ATT&CK mapping, so reports (Navigator layer) can score every technique of the run. */
  attack?: AttackMeta;
  outcome: Outcome;
  /** Did this outcome meet the expectation (a known gap counts as met)? Skipped counts as met. */
  expectation_met: boolean;
  reason?: MissReason | string;
  /** Plain-language explanation for people. */
  explanation: string;
  actions: ActionTrace[];
  alert_ids: string[];
  rules_fired: string[];
  strongest_join?: JoinStrength;
  /** From the upload's first telemetry event to the alert, in the detector's event time. */
  latency_ms?: number;
  receipts: SinkReceipt[];
  started_at?: string;
  ended_at?: string;
  duration_ms?: number;
  exit_code?: number | null;
  timed_out?: boolean;
  stderr_tail?: string;
  /** Where the variant is defined: scenario file (as in report.scenarios) and the line of its entry. */
  source?: { file: string; line?: number };
}

export interface CoverageCell {
  positives: number;
  detected: number;
  negatives: number;
  false_positives: number;
}

export interface Coverage {
  positives: number;
  detected: number;
  /** detected / positives (0..1); null when no positive variant ran. */
  coverage: number | null;
  negatives: number;
  false_positives: number;
  false_positive_rate: number | null;
  skipped: number;
  errors: number;
  by_axis: Record<string, Record<string, CoverageCell>>;
}
