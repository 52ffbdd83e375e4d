// Types of the run lifecycle: what the CLI passes in and what it gets back. Everything a run did
// is a value here (skips, errors, timeouts); only bad input throws.

import type {
  CleanupStep,
  Collector,
  CollectorOutput,
  EmulationWindow,
  JournalEntry,
  SinkReceipt,
  Variant,
} from '../src/model/index.js';

/** Per-run secrets. Never written to reports: `redact()` replaces each with `<redacted>`. */
export interface RunSecrets {
  /** 64 hex chars, the content of PURPLE_PASSFILE (no newline). */
  passphrase: string;
  /** 32-byte AES key as 64 hex chars. */
  keyHex: string;
  /** 16-byte IV as 32 hex chars. */
  ivHex: string;
  /** The sink's bearer token. */
  token: string;
}

export type ProgressEvent =
  | { type: 'run-start'; runId: string; variants: number; workspace: string }
  | { type: 'sink-ready'; runId: string; endpoints: SinkEndpoints }
  | { type: 'collector'; collectorId: string; event: 'started' | 'start-failed' | 'stopped' | 'stop-failed'; detail?: string }
  | { type: 'variant-start'; variantId: string; index: number; total: number }
  | {
      type: 'variant-end';
      variantId: string;
      index: number;
      total: number;
      status: VariantStatus;
      reason?: string;
      durationMs: number;
      receipts: number;
      timedOut: boolean;
    }
  | { type: 'interrupted'; runId: string }
  /** Another live run holds a host-wide resource this run needs; the run waits (once per holder). */
  | { type: 'waiting-for-lock'; resource: string; lockFile: string; holder: { runId: string; pid: number; since: string }; message: string }
  | { type: 'cleanup'; step: CleanupStep }
  | { type: 'run-end'; runId: string; interrupted: boolean };

export type VariantStatus = 'ran' | 'skipped' | 'error';

export interface SinkEndpoints {
  /** `http://127.0.0.1:<port>` (no path). */
  httpBase: string;
  wsBase: string;
  tcp: string;
  /** `127.0.0.1:<port>` of the TLS listener, when openssl could make a certificate. */
  tls?: string;
  /** Listeners that are up: http, websocket, tcp, tls. */
  listeners: Array<'http' | 'websocket' | 'tcp' | 'tls'>;
}

export interface RunOptions {
  runId: string;
  variants: Variant[];
  collectors: Collector[];
  /** Passed to every collector as CollectorContext.options. */
  collectorOptions?: Record<string, unknown>;
  hostName: string;
  hostId: string;
  isRoot: boolean;
  /** The python3 to use for `{python}`; default: `python3` found on PATH. */
  pythonPath?: string;
  /** Multiplies every variant timeout (slow CI hosts). Default 1. */
  timeoutScale?: number;
  onProgress?: (ev: ProgressEvent) => void;
  signal?: AbortSignal;
  /**
   * Copy each collector's raw files here before the workspace is removed (e.g. reports/<run>/raw);
   * CollectorOutput.rawFiles then name the copies. Without it, raw files go with the workspace.
   */
  preserveRawDir?: string;
  /**
   * `loopback` (default): the sink on 127.0.0.1 inside this process. `netns` (Linux, root): a
   * network namespace + veth pair with a /30 from 198.18.0.0/15 and the sink inside it, so
   * uploads leave loopback like real egress; torn down with the run.
   */
  sink?: 'loopback' | 'netns';
  /**
   * Send the HTTP uploads to this receiver (http or https URL) instead of the harness's sink:
   * traffic leaves the host. Only with the operator's explicit consent (`--allow-egress`). Uploads
   * then go to `<url>/upload/<variant-id>`; nothing can be decrypted or verified here, variants that
   * need the WebSocket, TCP or TLS listeners are skipped, and the ground-truth journal is the only
   * record of the upload.
   */
  externalSink?: { url: string; allowEgress: boolean };
  /** Keep the workspace after the run (debugging); it is still listed in the state file. */
  keepWorkspace?: boolean;
  /** Catalogue folder for `{scenarios}` / PURPLE_SCENARIOS; default: `<package>/scenarios`. */
  scenariosDir?: string;
  /** Canary payload size in bytes; default 64 KiB. */
  payloadBytes?: number;
  /** State folder override (else PURPLE_STATE_DIR, else the default per uid). */
  stateDir?: string;
  /** Host lock folder override (else PURPLE_LOCK_DIR, else /var/lib/purple-harness/locks as root). */
  lockDir?: string;
  /** Grace between SIGTERM and SIGKILL when a tree is killed; default 2000 ms. */
  killGraceMs?: number;
  /** Platform override for tests; default process.platform mapped to linux/macos. */
  platform?: 'linux' | 'macos';
}

export interface StepResult {
  /** The argv as launched, secrets replaced by `<redacted>`. */
  argv: string[];
  pid?: number;
  exitCode: number | null;
  signal?: string;
  timedOut: boolean;
  durationMs: number;
  stdoutTail: string;
  stderrTail: string;
  /** Set when the step could not start (ENOENT, EACCES) or was never started (timeout/interrupt before it). */
  failed?: string;
}

export interface VariantExecution {
  variant: Variant;
  status: VariantStatus;
  reason?: string;
  journal: JournalEntry[];
  /** Journal lines that were not valid entries, with their line numbers. */
  journalProblems: Array<{ line: number; message: string }>;
  receipts: SinkReceipt[];
  window: EmulationWindow;
  steps: StepResult[];
  timedOut: boolean;
  interrupted: boolean;
}

export interface RunExecution {
  runId: string;
  startedAt: string;
  endedAt: string;
  interrupted: boolean;
  variants: VariantExecution[];
  collectorOutputs: CollectorOutput[];
  cleanup: CleanupStep[];
  /** Every secret of the run: pass to `redact()` before writing anything. */
  secretsForRedaction: string[];
  /** Where the sink listened (ports are gone after the run; for the report). */
  sink?: SinkEndpoints;
  /** The netns test host, when `sink: 'netns'` (torn down by then). */
  netns?: { name: string; hostAddr: string; nsAddr: string };
  /** The state file of the run (deleted after a complete cleanup). */
  stateFile: string;
}

export interface PlannedCommand {
  variantId: string;
  stepIndex: number;
  /** argv after substitution; secrets shown as `<redacted>`. */
  argv: string[];
  cwd: string;
  detached: boolean;
  delay_s: number;
}

export interface RunPlan {
  runId: string;
  workspace: string;
  variants: Array<{ variantId: string; willRun: boolean; reason?: string; timeout_s: number; cipher: string }>;
  commands: PlannedCommand[];
  /** Every address the run would send traffic to (the sink only). */
  destinations: string[];
  collectors: string[];
}
