// Live macOS process telemetry from Apple's eslogger (Endpoint Security, macOS 13+). It runs in its
// own process group (the runner's spawn), because eslogger mutes every process of its own group.

import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { PurpleError } from '../../src/model/index.js';
import type {
  BackgroundProcess,
  Collector,
  CollectorAvailability,
  CollectorContext,
  CollectorOutput,
  CollectorSession,
  CommandRunner,
  EmulationWindow,
  TelemetryEvent,
} from '../../src/model/index.js';
import type { CollectorInfo } from '../../src/model/index.js';
import { labelVariantEvents } from './attribute.js';
import { classifyEsloggerFailure, type EsloggerFailure } from './failure.js';
import { createEsloggerParser } from './parse.js';

export const ESLOGGER_BLIND_SPOTS: readonly string[] = [
  'no network events: pair it with pktap (or nettop/lsof) for outbound connections',
  'libraries in the dyld shared cache (libcommonCrypto, libcorecrypto, Security.framework) are never mmapped per process, so CommonCrypto use is invisible; only on-disk libraries (Homebrew libcrypto, Python wheels) show as library loads',
  "events of eslogger's own process group are muted by design",
  'eslogger output is not API (man eslogger): field names can change between macOS releases',
];

const DEFAULT_READY_MS = 1500;
const DEFAULT_MAX_EVENTS = 1_000_000;
const MAX_STDERR = 64 * 1024;

function fidelity(libraryLoads: boolean): CollectorInfo['fidelity'] {
  return { process_exec: true, process_args: true, network: false, network_attribution: false, library_loads: libraryLoads };
}

/** The argv the collector runs: eslogger's event names, behind `sudo -n` when not root. */
export function buildEsloggerArgv(esloggerPath: string, opts: { isRoot: boolean; libraryLoads: boolean }): string[] {
  const events = ['exec', 'fork', 'exit', ...(opts.libraryLoads ? ['mmap'] : [])];
  return [...(opts.isRoot ? [] : ['sudo', '-n']), esloggerPath, ...events];
}

/** macOS major version from `sw_vers -productVersion`, or undefined off macOS. */
async function readMacosMajor(runner: CommandRunner): Promise<number | undefined> {
  const r = await runner.run(['sw_vers', '-productVersion'], { timeoutMs: 5000 });
  if (r.failed || r.exitCode !== 0) return undefined;
  const m = /^(\d+)/.exec(r.stdout.trim());
  return m ? Number(m[1]) : undefined;
}

async function probe(ctx: Omit<CollectorContext, 'rawDir' | 'runId'>): Promise<CollectorAvailability> {
  const libraryLoads = ctx.options.libraryLoads === true;
  const base = { fidelity: fidelity(libraryLoads), blind_spots: [...ESLOGGER_BLIND_SPOTS] };
  const major = await readMacosMajor(ctx.runner);
  if (major !== undefined && major < 13) {
    return { ...base, available: false, reason: `eslogger needs macOS 13 (Ventura) or later; this is macOS ${major}`, fix: 'upgrade macOS, or use the pktap/nettop/lsof network collectors only' };
  }
  const path = await ctx.runner.which('eslogger');
  if (!path) {
    return { ...base, available: false, reason: 'eslogger not found (it ships with macOS 13 Ventura and later at /usr/bin/eslogger)', fix: 'run on macOS 13 or later' };
  }
  if (!ctx.isRoot) {
    const sudo = await ctx.runner.run(['sudo', '-n', 'true'], { timeoutMs: 5000 });
    if (sudo.failed || sudo.exitCode !== 0) {
      return { ...base, available: false, reason: 'eslogger needs root and `sudo -n` asks for a password', fix: 'run purple with sudo, or add a sudoers rule: "<user> ALL=(root) NOPASSWD: /usr/bin/eslogger"' };
    }
  }
  // Full Disk Access can only be learnt by trying: eslogger fails at once without it, and
  // otherwise runs until the timeout stops it.
  const trial = await ctx.runner.run([...(ctx.isRoot ? [] : ['sudo', '-n']), path, 'exit'], { timeoutMs: 1500 });
  const failure = classifyEsloggerFailure(trial.stderr);
  if (failure) return { ...base, available: false, reason: failure.reason, fix: failure.fix };
  if (!trial.timedOut && trial.exitCode !== 0) {
    return { ...base, available: false, reason: `eslogger exited with ${trial.exitCode}: ${trial.stderr.trim().slice(0, 300)}`, fix: 'run `sudo eslogger exec` by hand to see the error' };
  }
  return { ...base, available: true };
}

function stripEnv(line: string): string {
  if (!line.includes('"env"')) return line;
  try {
    const v = JSON.parse(line) as { event?: { exec?: { env?: unknown } } };
    if (v.event?.exec && 'env' in v.event.exec) {
      delete v.event.exec.env;
      return JSON.stringify(v);
    }
  } catch {
    /* malformed lines are kept as they are: they are evidence of what eslogger printed */
  }
  return line;
}

async function start(ctx: CollectorContext): Promise<CollectorSession> {
  const libraryLoads = ctx.options.libraryLoads === true;
  const keepEnv = ctx.options.keepEnv === true;
  const readyMs = typeof ctx.options.readyTimeoutMs === 'number' ? ctx.options.readyTimeoutMs : DEFAULT_READY_MS;
  const maxEvents = typeof ctx.options.maxEvents === 'number' ? ctx.options.maxEvents : DEFAULT_MAX_EVENTS;
  const path = (await ctx.runner.which('eslogger')) ?? '/usr/bin/eslogger';
  const argv = buildEsloggerArgv(path, { isRoot: ctx.isRoot, libraryLoads });

  mkdirSync(ctx.rawDir, { recursive: true });
  const rawFile = join(ctx.rawDir, 'eslogger.ndjson');
  const raw: WriteStream = createWriteStream(rawFile, { flags: 'w' });
  const parser = createEsloggerParser({ hostId: ctx.hostId, hostName: ctx.hostName, keepEnv, libraryLoads });
  const events: TelemetryEvent[] = [];
  const errors: string[] = [];
  let dropped = 0;
  let lines = 0;
  let malformed = 0;
  let stderr = '';
  let stopping = false;
  let exitedBeforeStop = false;
  let exitCode: number | null | undefined;

  const proc: BackgroundProcess = ctx.runner.spawn(argv);
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (markReady = resolve));

  proc.onLine((line) => {
    lines++;
    markReady();
    raw.write((keepEnv ? line : stripEnv(line)) + '\n');
    const r = parser.parse(line);
    if (r.kind === 'malformed') {
      malformed++;
      if (malformed <= 20) errors.push(`eslogger line ${lines}: ${r.message}`);
    } else if (r.kind === 'events') {
      for (const e of r.events) {
        if (events.length < maxEvents) events.push(e);
        else dropped++;
      }
    }
  });
  proc.onStderr((chunk) => {
    if (stderr.length < MAX_STDERR) stderr += chunk;
    if (classifyEsloggerFailure(stderr)) markReady();
  });
  void proc.exited.then((code) => {
    exitCode = code;
    if (!stopping) exitedBeforeStop = true;
    markReady();
  });

  let timer: NodeJS.Timeout | undefined;
  await Promise.race([ready, new Promise<void>((resolve) => (timer = setTimeout(resolve, readyMs)))]);
  if (timer) clearTimeout(timer);

  const early = classifyEsloggerFailure(stderr);
  if (early || (exitCode !== undefined && lines === 0)) {
    await proc.stop(500);
    await new Promise<void>((resolve) => raw.end(resolve));
    const f: EsloggerFailure = early ?? {
      kind: 'not-found',
      reason: `eslogger exited at start with code ${String(exitCode)}: ${stderr.trim().slice(0, 300) || '(no output)'}`,
      fix: `run \`${argv.join(' ')}\` by hand to see the error`,
    };
    throw new PurpleError(f.kind === 'not-permitted' || f.kind === 'not-privileged' || f.kind === 'sudo-password' ? 'PERMISSION' : 'ENVIRONMENT', f.reason, {
      hint: f.fix,
    });
  }

  const windows: EmulationWindow[] = [];
  return {
    wrapCommand: (cmd) => cmd,
    async variantDone(window) {
      windows.push(window);
    },
    async stop(): Promise<CollectorOutput> {
      stopping = true;
      await proc.stop();
      await new Promise<void>((resolve) => raw.end(resolve));
      if (exitedBeforeStop) errors.push(`eslogger ended early with code ${String(exitCode)}`);
      const late = classifyEsloggerFailure(stderr);
      if (late) errors.push(`${late.reason}; fix: ${late.fix}`);
      if (dropped) errors.push(`${dropped} events over the in-memory cap of ${maxEvents} were dropped`);
      events.sort((a, b) => (a['@timestamp'] < b['@timestamp'] ? -1 : a['@timestamp'] > b['@timestamp'] ? 1 : (a.event.sequence ?? 0) - (b.event.sequence ?? 0)));
      for (const w of windows) labelVariantEvents(events, w, ctx.runId);
      return {
        events,
        rawFiles: [rawFile],
        info: {
          id: 'eslogger',
          fidelity: fidelity(libraryLoads),
          blind_spots: [...ESLOGGER_BLIND_SPOTS],
          lost_records: parser.lostRecords() + dropped,
          details: {
            argv,
            lines,
            malformed,
            env_kept: keepEnv,
            entity_id: 'makeEntityId(host.id, pid, pidversion)',
          },
          errors,
        },
      };
    },
  };
}

export const esloggerCollector: Collector = {
  id: 'eslogger',
  description: 'macOS Endpoint Security via eslogger: exec (argv, cwd, signing), fork, exit, crypto library mmaps',
  platforms: ['macos'],
  probe,
  start,
};
