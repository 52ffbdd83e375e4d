// Scenarios and variants: what the harness emulates. A scenario file declares a matrix of axes;
// the harness expands it into variants, each a concrete, runnable emulation.

import type { OsType } from './event.js';

export type Expectation = 'positive' | 'negative';

export type Lineage = 'same-process' | 'parent-child' | 'siblings' | 'detached';

/** The variant axes a report can break coverage down by. Values are free-form ids. */
export interface VariantAxes {
  interpreter: string; // python3 | openssl | sh | osascript-applescript | osascript-jxa | browser | ...
  encryption: string; // openssl-enc-aes-256-cbc | python-cryptography-gcm | pure-python-aes | none | ...
  upload: string; // python-urllib | curl-data-binary | openssl-s_client | websocket | raw-tcp | none | ...
  lineage: Lineage | 'none';
  delay_s: number;
  masquerade: boolean;
  [axis: string]: string | number | boolean;
}

export interface AttackMeta {
  techniques: string[]; // e.g. T1048.001, T1059.006
  detection_strategy?: string; // DET0503
  analytics?: string[]; // AN1390, AN1391
}

/** One step the emulation performs, as argv arrays (never shell strings built from parameters). */
export interface EmulationStep {
  /** argv[0] may name a catalogue script via `{scenarios}/…` or an interpreter on PATH. */
  argv: string[];
  /** Start this step without waiting for the previous one (detached lineage). */
  detached?: boolean;
  /** Seconds to wait before this step starts. */
  delay_s?: number;
}

export interface Variant {
  /** Globally unique: `<scenario-id>/<variant-name>`. */
  id: string;
  scenario_id: string;
  name: string;
  description: string;
  platforms: OsType[];
  expect: Expectation;
  /** A positive variant the shipped rules are known not to catch; a miss does not fail the run. */
  known_gap?: string;
  axes: VariantAxes;
  /** Binaries that must exist for the variant to run (else `skipped` with the reason). */
  requires: string[];
  /** Python modules that must be importable (else `skipped`). */
  requires_python?: string[];
  /** Node packages that must resolve from the package (else `skipped`), e.g. playwright-core. */
  requires_node?: string[];
  /** Sink listeners the variant needs besides plain HTTP (e.g. `tls` for openssl s_client); else `skipped`. */
  requires_sink?: Array<'http' | 'websocket' | 'tcp' | 'tls'>;
  steps: EmulationStep[];
  /** Hard limit for the whole variant; the whole process tree is killed past it. */
  timeout_s: number;
  attack: AttackMeta;
  /** Cipher the sink uses to verify uploads (e.g. `aes-256-cbc-pbkdf2`, `aes-256-gcm`, `none`). */
  cipher: string;
  /** Where the scenario came from, for error messages. */
  source: { file: string; line?: number };
}

export interface Scenario {
  id: string;
  title: string;
  description: string;
  file: string;
  attack: AttackMeta;
  /** Declared inputs with the value in force (default, or the `--var` override). */
  inputs?: Record<string, { description: string; default: string; value: string }>;
  variants: Variant[];
}

/** One line of the ground-truth journal an emulation writes: what it really did. */
export interface JournalEntry {
  /** Epoch milliseconds (the emulation's own clock). */
  time_ms: number;
  action: 'start' | 'encrypt' | 'upload' | 'exit' | 'note';
  pid: number;
  ppid?: number;
  /** The variant's own words about the action: cipher, destination, bytes, tool … */
  details: Record<string, unknown>;
}
