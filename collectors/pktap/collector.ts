// macOS network attribution from the PKTAP pseudo-interface: Apple's tcpdump tags every packet with
// the owning process (name:pid) and direction. Needs root (BPF), so `sudo -n` when not root.

import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PurpleError } from '../../src/model/index.js';
import type { Collector, CollectorAvailability, CollectorContext, CollectorInfo, CollectorOutput, CollectorSession, TelemetryEvent } from '../../src/model/index.js';
import { createPktapFlowTracker } from './parse-tcpdump.js';

export const PKTAP_BLIND_SPOTS: readonly string[] = [
  'process names are the kernel command name, cut to 16 characters (e.g. "Python", "com.apple.WebKi")',
  'no process start time, so process.entity_id is not set: the detector joins by host, pid and time',
  'traffic a daemon sends on behalf of an app (nsurlsessiond, mDNSResponder for DNS) is attributed to the daemon',
  'no argv: pair it with eslogger for the command line',
];

/** Only each flow's opening packet is needed: SYN without ACK for TCP (v4 and v6), every UDP packet (deduplicated by flow). */
export const PKTAP_FILTER = '(ip and tcp and (tcp[tcpflags] & (tcp-syn|tcp-ack)) = tcp-syn) or (ip6 and tcp and (ip6[53] & 0x12) = 0x02) or udp';

const FIDELITY: CollectorInfo['fidelity'] = { process_exec: false, process_args: false, network: true, network_attribution: true, library_loads: false };

export function buildTcpdumpArgv(tcpdumpPath: string, isRoot: boolean): string[] {
  return [...(isRoot ? [] : ['sudo', '-n']), tcpdumpPath, '-i', 'pktap,all', '-k', 'NPD', '-n', '-tt', '-l', PKTAP_FILTER];
}

function classifyTcpdumpFailure(allStderr: string): { code: 'PERMISSION' | 'ENVIRONMENT'; reason: string; fix: string } | undefined {
  // tcpdump's progress lines ("listening on pktap,all, link-type PKTAP …", drop counts) are not errors.
  const stderr = allStderr
    .split('\n')
    .filter((l) => !/^(listening on|\d+ packets)/.test(l))
    .join('\n');
  if (/sudo: (a password is required|a terminal is required)/.test(stderr)) {
    return { code: 'PERMISSION', reason: 'sudo -n needs a password to start tcpdump', fix: 'run purple with sudo, or add a sudoers rule: "<user> ALL=(root) NOPASSWD: /usr/sbin/tcpdump"' };
  }
  if (/permission|Operation not permitted|cannot open BPF/i.test(stderr)) {
    return { code: 'PERMISSION', reason: 'tcpdump may not open BPF devices', fix: 'run purple with sudo (PKTAP capture needs root)' };
  }
  if (/No such device|unknown interface|syntax error|not supported|pktap/i.test(stderr)) {
    return { code: 'ENVIRONMENT', reason: `this tcpdump cannot capture on pktap,all: ${stderr.trim().slice(0, 200)}`, fix: 'use /usr/sbin/tcpdump from macOS (Apple\'s build has PKTAP), or the nettop/lsof collectors' };
  }
  return undefined;
}

async function probe(ctx: Omit<CollectorContext, 'rawDir' | 'runId'>): Promise<CollectorAvailability> {
  const base = { fidelity: FIDELITY, blind_spots: [...PKTAP_BLIND_SPOTS] };
  const path = await ctx.runner.which('tcpdump');
  if (!path) return { ...base, available: false, reason: 'tcpdump not found', fix: 'macOS ships /usr/sbin/tcpdump; make sure /usr/sbin is on PATH' };
  if (!ctx.isRoot) {
    const sudo = await ctx.runner.run(['sudo', '-n', 'true'], { timeoutMs: 5000 });
    if (sudo.failed || sudo.exitCode !== 0) {
      return { ...base, available: false, reason: 'PKTAP capture needs root and `sudo -n` asks for a password', fix: 'run purple with sudo, or allow passwordless sudo for /usr/sbin/tcpdump' };
    }
  }
  // Apple's tcpdump lists the pktap pseudo-interface; other builds do not know it.
  const list = await ctx.runner.run([path, '-D'], { timeoutMs: 5000 });
  if (!/pktap/i.test(list.stdout + list.stderr)) {
    return { ...base, available: false, reason: 'this tcpdump has no PKTAP support (not Apple\'s build)', fix: 'use macOS /usr/sbin/tcpdump, or the nettop/lsof collectors' };
  }
  return { ...base, available: true };
}

async function start(ctx: CollectorContext): Promise<CollectorSession> {
  const readyMs = typeof ctx.options.readyTimeoutMs === 'number' ? ctx.options.readyTimeoutMs : 3000;
  const path = (await ctx.runner.which('tcpdump')) ?? '/usr/sbin/tcpdump';
  const argv = buildTcpdumpArgv(path, ctx.isRoot);
  mkdirSync(ctx.rawDir, { recursive: true });
  const rawFile = join(ctx.rawDir, 'pktap.txt');
  const raw = createWriteStream(rawFile, { flags: 'w' });
  const tracker = createPktapFlowTracker({ hostId: ctx.hostId, hostName: ctx.hostName });
  const events: TelemetryEvent[] = [];
  const errors: string[] = [];
  let lines = 0;
  let malformed = 0;
  let stderr = '';
  let stopping = false;
  let exitedBeforeStop = false;
  let exitCode: number | null | undefined;
  let markReady: () => void = () => {};
  const ready = new Promise<void>((r) => (markReady = r));

  const proc = ctx.runner.spawn(argv);
  proc.onLine((line) => {
    lines++;
    markReady();
    raw.write(line + '\n');
    const r = tracker.push(line);
    if (r.kind === 'events') events.push(...r.events);
    else if (r.kind === 'malformed' && ++malformed <= 20) errors.push(`tcpdump line ${lines}: ${r.message}`);
  });
  proc.onStderr((chunk) => {
    if (stderr.length < 65536) stderr += chunk;
    if (/listening on/.test(stderr) || classifyTcpdumpFailure(stderr)) markReady();
  });
  void proc.exited.then((code) => {
    exitCode = code;
    if (!stopping) exitedBeforeStop = true;
    markReady();
  });
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([ready, new Promise<void>((r) => (timer = setTimeout(r, readyMs)))]);
  if (timer) clearTimeout(timer);
  const failure = classifyTcpdumpFailure(stderr);
  if (failure || (exitCode !== undefined && lines === 0)) {
    await proc.stop(500);
    await new Promise<void>((r) => raw.end(r));
    throw new PurpleError(failure?.code ?? 'ENVIRONMENT', failure?.reason ?? `tcpdump exited at start with code ${String(exitCode)}: ${stderr.trim().slice(0, 300)}`, {
      hint: failure?.fix ?? `run \`${argv.join(' ')}\` by hand to see the error`,
    });
  }

  return {
    wrapCommand: (cmd) => cmd,
    async variantDone() {},
    async stop(): Promise<CollectorOutput> {
      stopping = true;
      await proc.stop();
      await new Promise<void>((r) => raw.end(r));
      if (exitedBeforeStop) errors.push(`tcpdump ended early with code ${String(exitCode)}`);
      // tcpdump reports kernel drops on exit: "N packets dropped by kernel".
      const dropped = /(\d+) packets? dropped by kernel/.exec(stderr);
      return {
        events,
        rawFiles: [rawFile],
        info: {
          id: 'pktap',
          fidelity: FIDELITY,
          blind_spots: [...PKTAP_BLIND_SPOTS],
          lost_records: dropped ? Number(dropped[1]) : 0,
          details: { argv, lines, malformed },
          errors,
        },
      };
    },
  };
}

export const pktapCollector: Collector = {
  id: 'pktap',
  description: 'macOS PKTAP via tcpdump -k: every new outbound TCP/UDP flow with the owning process name and pid',
  platforms: ['macos'],
  probe,
  start,
};
