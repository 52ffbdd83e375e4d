// The strace collector: wraps every emulation step in `strace -f`, so it sees exactly the
// emulation's process tree (and nothing else on the host), then normalises the output files.

import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  PurpleError,
  type Collector,
  type CollectorAvailability,
  type CollectorContext,
  type CollectorInfo,
  type CollectorOutput,
  type CollectorSession,
  type TelemetryEvent,
} from '../../src/model/index.js';
import { labelRun } from '../attribution.js';
import { buildStraceArgv, parseStraceVersion } from './command.js';
import { normalizeStraceText, STRACE_DATASET } from './normalize.js';

export const STRACE_BLIND_SPOTS: readonly string[] = [
  'sees only the processes of the emulation it launched (descendants), never other processes on the host',
  'ptrace slows the traced processes and can change timing-dependent behaviour',
  'no user ids or working directory per process; no parent of the first traced process',
  'arguments longer than 65536 bytes are truncated',
  'a connect() that returns EINPROGRESS is an attempt (event.outcome unknown)',
];

const FIDELITY: CollectorInfo['fidelity'] = { process_exec: true, process_args: true, network: true, network_attribution: true, library_loads: true };
const NONE: CollectorInfo['fidelity'] = { process_exec: false, process_args: false, network: false, network_attribution: false, library_loads: false };

function ptraceScope(): number | undefined {
  try {
    return Number(readFileSync('/proc/sys/kernel/yama/ptrace_scope', 'utf8').trim());
  } catch {
    return undefined;
  }
}

async function probe(ctx: Omit<CollectorContext, 'rawDir' | 'runId'>): Promise<CollectorAvailability> {
  const blind_spots = [...STRACE_BLIND_SPOTS];
  const no = (reason: string, fix: string): CollectorAvailability => ({ available: false, reason, fix, fidelity: NONE, blind_spots });
  if (process.platform !== 'linux') return no('strace runs on Linux only', 'use eslogger on macOS');
  const strace = await ctx.runner.which('strace');
  if (!strace) return no('strace is not installed', 'sudo apt-get install -y strace   (Fedora/RHEL: sudo dnf install -y strace)');
  if (ptraceScope() === 3) return no('ptrace is disabled (kernel.yama.ptrace_scope = 3) until reboot', 'set kernel.yama.ptrace_scope to 1 in /etc/sysctl.d and reboot');
  return { available: true, fidelity: FIDELITY, blind_spots };
}

async function start(ctx: CollectorContext): Promise<CollectorSession> {
  const avail = await probe(ctx);
  if (!avail.available) throw new PurpleError('ENVIRONMENT', `strace collector: ${avail.reason ?? 'unavailable'}`, { hint: avail.fix ?? 'see purple doctor' });
  const strace = (await ctx.runner.which('strace'))!;
  const v = await ctx.runner.run([strace, '-V'], { timeoutMs: 10_000 });
  const version = parseStraceVersion(v.stdout);
  // --seccomp-bpf arrived in strace 5.3.
  const seccompBpf = version !== undefined && (version[0] > 5 || (version[0] === 5 && version[1] >= 3));
  mkdirSync(ctx.rawDir, { recursive: true });
  const files: Array<{ file: string; variantId: string }> = [];

  return {
    wrapCommand(argv, where) {
      const safe = where.variantId.replace(/[^A-Za-z0-9._-]+/g, '_');
      const file = join(ctx.rawDir, `strace-${safe}-${where.stepIndex}-${files.length}.log`);
      files.push({ file, variantId: where.variantId });
      return buildStraceArgv(strace, file, argv, { seccompBpf });
    },
    async variantDone() {
      /* every file already belongs to one variant */
    },
    async stop(): Promise<CollectorOutput> {
      const errors: string[] = [];
      let events: TelemetryEvent[] = [];
      let lines = 0;
      let malformed = 0;
      for (const [i, f] of files.entries()) {
        if (!existsSync(f.file)) {
          errors.push(`no strace output for ${f.variantId} (${f.file}): the step did not start`);
          continue;
        }
        const r = normalizeStraceText(readFileSync(f.file, 'utf8'), { hostId: ctx.hostId, hostName: ctx.hostName, fileTag: String(i) });
        lines += r.lines;
        malformed += r.malformed.length;
        for (const m of r.malformed.slice(0, 5)) errors.push(`${f.file}:${m.line}: ${m.message}`);
        for (const e of r.events) e.labels = { ...(e.labels ?? {}), purple_variant_id: f.variantId };
        events.push(...r.events);
      }
      events.sort((a, b) => (a['@timestamp'] < b['@timestamp'] ? -1 : a['@timestamp'] > b['@timestamp'] ? 1 : 0));
      events = labelRun(events, ctx.runId);
      return {
        events,
        rawFiles: files.map((f) => f.file).filter((f) => existsSync(f)),
        info: {
          id: STRACE_DATASET,
          fidelity: FIDELITY,
          blind_spots: [...STRACE_BLIND_SPOTS],
          lost_records: 0,
          details: { strace, version: version?.join('.'), seccomp_bpf: seccompBpf, files: files.length, lines, malformed },
          errors,
        },
      };
    },
  };
}

export const straceCollector: Collector = {
  id: STRACE_DATASET,
  description: 'strace -f of each emulation step: execve with argv, fork/clone tree, connect (IPv4/IPv6), crypto library opens',
  platforms: ['linux'],
  probe,
  start,
};
