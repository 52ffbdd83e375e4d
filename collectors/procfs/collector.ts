// The procfs fallback: needs nothing installed and no root. Polls /proc from timers inside the
// harness process (reading /proc starts no process) and attributes what it saw afterwards.

import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Collector, CollectorAvailability, CollectorContext, CollectorInfo, CollectorOutput, CollectorSession, EmulationWindow } from '../../src/model/index.js';
import { attributeToVariants, labelRun } from '../attribution.js';
import { createProcfsPoller, PROCFS_DATASET } from './poller.js';

export const PROCFS_BLIND_SPOTS: readonly string[] = [
  'short-lived processes (shorter than the poll interval, e.g. a quick openssl enc) can be missed entirely',
  'short connections can be missed: a socket is seen only if it is open during a poll',
  'exec time is approximated by the process start time (10 ms resolution) or by the poll that noticed the exec',
  'a process that execs twice between polls shows only its last image',
  'only TCP (no UDP); only processes of the run (descendants of the harness) are followed for sockets and libraries',
  'library loads are seen from /proc/<pid>/maps, only while the process is alive at a poll',
];

const FIDELITY: CollectorInfo['fidelity'] = { process_exec: true, process_args: true, network: true, network_attribution: true, library_loads: true };
const NONE: CollectorInfo['fidelity'] = { process_exec: false, process_args: false, network: false, network_attribution: false, library_loads: false };
export const DEFAULT_PROCFS_INTERVAL_MS = 15;

async function probe(): Promise<CollectorAvailability> {
  const blind_spots = [...PROCFS_BLIND_SPOTS];
  if (process.platform !== 'linux' || !existsSync('/proc/self/stat')) {
    return { available: false, reason: '/proc is not available', fix: 'run on Linux with /proc mounted (mount -t proc proc /proc)', fidelity: NONE, blind_spots };
  }
  if (!existsSync('/proc/net/tcp')) {
    return { available: true, reason: '/proc/net/tcp is missing: no network events', fidelity: { ...FIDELITY, network: false, network_attribution: false }, blind_spots };
  }
  return { available: true, fidelity: FIDELITY, blind_spots };
}

async function start(ctx: CollectorContext): Promise<CollectorSession> {
  const intervalMs = typeof ctx.options.procfsIntervalMs === 'number' && ctx.options.procfsIntervalMs > 0 ? ctx.options.procfsIntervalMs : DEFAULT_PROCFS_INTERVAL_MS;
  const poller = createProcfsPoller({ hostId: ctx.hostId, hostName: ctx.hostName, rootPid: process.pid });
  poller.baseline();
  const errors: string[] = [];
  let timer: NodeJS.Timeout | undefined;
  let running = true;
  let slowest = 0;
  const tick = (): void => {
    if (!running) return;
    const t0 = Date.now();
    try {
      poller.poll();
    } catch (e) {
      if (errors.length < 5) errors.push(`poll failed: ${(e as Error).message}`);
    }
    slowest = Math.max(slowest, Date.now() - t0);
    timer = setTimeout(tick, intervalMs);
  };
  tick();
  const windows: EmulationWindow[] = [];
  return {
    wrapCommand: (argv) => argv,
    async variantDone(w) {
      windows.push(w);
    },
    async stop(): Promise<CollectorOutput> {
      running = false;
      if (timer) clearTimeout(timer);
      poller.poll();
      const events = labelRun(attributeToVariants(poller.events(), windows, { keepAll: ctx.options.keepAll === true }), ctx.runId);
      mkdirSync(ctx.rawDir, { recursive: true });
      const rawFile = join(ctx.rawDir, 'procfs.ndjson');
      writeFileSync(rawFile, events.map((e) => JSON.stringify(e)).join('\n') + (events.length ? '\n' : ''));
      return {
        events,
        rawFiles: [rawFile],
        info: {
          id: PROCFS_DATASET,
          fidelity: FIDELITY,
          blind_spots: [...PROCFS_BLIND_SPOTS],
          lost_records: 0,
          details: { interval_ms: intervalMs, slowest_poll_ms: slowest, ...poller.stats() },
          errors,
        },
      };
    },
  };
}

export const procfsCollector: Collector = {
  id: PROCFS_DATASET,
  description: 'polls /proc every ~15 ms: new processes (argv, exe, parent, uid), their TCP connections and crypto libraries; lossy by design',
  platforms: ['linux'],
  probe,
  start,
};
