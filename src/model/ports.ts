// Interfaces between the parts that may not import each other. Only harness/ starts processes,
// so collectors receive a CommandRunner from the harness instead of spawning on their own.

import type { TelemetryEvent } from './event.js';
import type { CollectorInfo } from './report.js';

export interface CommandResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** Set when the command could not be started (ENOENT, EACCES). */
  failed?: string;
  timedOut?: boolean;
}

/** A long-running child (eslogger, tcpdump, strace) the collector reads from and stops. */
export interface BackgroundProcess {
  pid: number | undefined;
  /** Called with each complete stdout line. */
  onLine(cb: (line: string) => void): void;
  onStderr(cb: (chunk: string) => void): void;
  /** Resolves with the exit code when the process ends (on its own or after stop()). */
  readonly exited: Promise<number | null>;
  /** SIGTERM to the process group, SIGKILL after graceMs. */
  stop(graceMs?: number): Promise<void>;
}

export interface CommandRunner {
  run(argv: string[], opts?: { timeoutMs?: number; input?: string; env?: Record<string, string> }): Promise<CommandResult>;
  /** Starts a process in its own process group (eslogger mutes events of its own group). */
  spawn(argv: string[], opts?: { env?: Record<string, string> }): BackgroundProcess;
  /** Absolute path of a binary on PATH, or undefined. */
  which(name: string): Promise<string | undefined>;
}

/** What the harness tells a collector about the run. */
export interface CollectorContext {
  runId: string;
  /** A folder of the run's workspace where the collector may keep raw files. */
  rawDir: string;
  runner: CommandRunner;
  hostName: string;
  hostId: string;
  isRoot: boolean;
  /** Options from the CLI, e.g. { libraryLoads: true }. */
  options: Record<string, unknown>;
  /**
   * Records something the collector installed that must be undone after a crash (written to the
   * run's state file for `purple cleanup`). Kinds the harness undoes: `audit-rule-key` (auditctl -D -k),
   * `process-group`, `pid`, `path` (under the temp folder), `netns`, `link`.
   */
  recordArtifact?(kind: string, value: string): void;
}

/** One variant's emulation, as the collector needs to know it for attribution. */
export interface EmulationWindow {
  variantId: string;
  /** pids the harness started for the variant (the roots of its process trees). */
  rootPids: number[];
  /**
   * When the harness spawned each of rootPids (epoch ms, same order). A root pid belongs to the
   * variant only from its own spawn on (less a clock slack): before that, on a busy host, the pid
   * may still have been another process's. Absent: every root counts from startMs.
   */
  rootStarts?: number[];
  startMs: number;
  endMs: number;
}

export interface CollectorAvailability {
  available: boolean;
  /** Why not, and the exact command or permission that fixes it. */
  reason?: string;
  fix?: string;
  fidelity: CollectorInfo['fidelity'];
  blind_spots: string[];
}

export interface CollectorSession {
  /**
   * strace-style collectors wrap the emulation's argv; others return it unchanged.
   * The harness calls this for every step it launches.
   */
  wrapCommand(argv: string[], window: { variantId: string; stepIndex: number }): string[];
  /** Called once a variant's processes have ended, before the next one starts. */
  variantDone(window: EmulationWindow): Promise<void>;
  /** Stops capture, removes everything the collector installed, returns normalised events. */
  stop(): Promise<CollectorOutput>;
}

export interface CollectorOutput {
  events: TelemetryEvent[];
  info: CollectorInfo;
  /** Raw records kept as evidence (file paths under rawDir). */
  rawFiles: string[];
}

export interface Collector {
  id: string;
  description: string;
  platforms: Array<'linux' | 'macos'>;
  probe(ctx: Omit<CollectorContext, 'rawDir' | 'runId'>): Promise<CollectorAvailability>;
  start(ctx: CollectorContext): Promise<CollectorSession>;
}

/** Where an importer could not use a line: counted and reported, never fatal. */
export interface ImportProblem {
  line: number; // 1-based line number in the input
  message: string;
}

export interface ImportStats {
  lines: number;
  events: number;
  skipped: number; // lines that were valid but not relevant (other record types, other events)
  malformed: number;
  problems: ImportProblem[]; // the first N malformed lines with their reasons
}

/**
 * A streaming importer of exported telemetry (ECS NDJSON, eslogger JSON lines, audit.log, OCSF,
 * osquery). Stateful: multi-line formats (audit) group records before emitting an event.
 */
export interface ImportSession {
  push(line: string, lineNo: number): TelemetryEvent[];
  end(): TelemetryEvent[];
  stats(): ImportStats;
}

export interface Importer {
  id: string;
  description: string;
  /** Cheap guess from the first non-empty lines: can this importer read the input? */
  sniff(firstLines: string[]): boolean;
  create(opts: { hostName?: string; hostId?: string }): ImportSession;
}
