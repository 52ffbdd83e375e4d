// Fallback network attribution by polling a snapshot tool (nettop, lsof): each connection not seen
// in an earlier snapshot becomes a connection event stamped when it was first seen. Connections
// that open and close between two polls are never seen: the blind spot is stated in the report.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Collector, CollectorAvailability, CollectorContext, CollectorInfo, CollectorOutput, CollectorSession, TelemetryEvent } from '../../src/model/index.js';
import { epochToIso } from '../importers/fields.js';
import { inferDirection, makeConnectionEvent } from './network-event.js';
import type { SnapshotConnection, SnapshotParse } from './parse-nettop.js';

export interface SnapshotSpec {
  id: string;
  description: string;
  binary: string;
  argv(binaryPath: string, ctx: CollectorContext): string[];
  parse(stdout: string, snapshotMs: number): SnapshotParse;
  blindSpots(ctx: Omit<CollectorContext, 'rawDir' | 'runId'>): string[];
  notFoundFix: string;
}

const FIDELITY: CollectorInfo['fidelity'] = { process_exec: false, process_args: false, network: true, network_attribution: true, library_loads: false };

function connectionKey(c: SnapshotConnection): string {
  return `${c.pid} ${c.transport} ${c.local.ip} ${c.local.port} ${c.remote.ip} ${c.remote.port}`;
}

/** Turns the connections of one snapshot into events for those not seen before. */
export function diffSnapshot(
  seen: Set<string>,
  parsed: SnapshotParse,
  opts: { dataset: string; hostId: string; hostName?: string; snapshotMs: number; emit: boolean },
): TelemetryEvent[] {
  const out: TelemetryEvent[] = [];
  for (const c of parsed.connections) {
    const key = connectionKey(c);
    if (seen.has(key)) continue;
    seen.add(key);
    if (!opts.emit) continue;
    const direction = c.state === 'SYN_SENT' ? 'egress' : inferDirection(c.local, c.remote);
    out.push(
      makeConnectionEvent({
        dataset: opts.dataset,
        hostId: opts.hostId,
        ...(opts.hostName !== undefined ? { hostName: opts.hostName } : {}),
        timestamp: c.timestamp ?? epochToIso(opts.snapshotMs),
        pid: c.pid,
        ...(c.name !== undefined ? { processName: c.name } : {}),
        ...(c.ppid !== undefined ? { parentPid: c.ppid } : {}),
        ...(c.userId !== undefined ? { userId: c.userId } : {}),
        ...(c.userName !== undefined ? { userName: c.userName } : {}),
        source: c.local,
        destination: c.remote,
        transport: c.transport,
        direction,
        extra: { ...c.extra, state: c.state, first_seen_in_snapshot_at: epochToIso(opts.snapshotMs) },
      }),
    );
  }
  return out;
}

export function createSnapshotCollector(spec: SnapshotSpec): Collector {
  async function probe(ctx: Omit<CollectorContext, 'rawDir' | 'runId'>): Promise<CollectorAvailability> {
    const base = { fidelity: FIDELITY, blind_spots: spec.blindSpots(ctx) };
    const path = await ctx.runner.which(spec.binary);
    if (!path) return { ...base, available: false, reason: `${spec.binary} not found`, fix: spec.notFoundFix };
    return { ...base, available: true };
  }

  async function start(ctx: CollectorContext): Promise<CollectorSession> {
    const intervalMs = typeof ctx.options.pollIntervalMs === 'number' ? ctx.options.pollIntervalMs : 1000;
    const path = (await ctx.runner.which(spec.binary)) ?? spec.binary;
    const argv = spec.argv(path, ctx);
    mkdirSync(ctx.rawDir, { recursive: true });
    const seen = new Set<string>();
    const events: TelemetryEvent[] = [];
    const errors: string[] = [];
    const rawFiles: string[] = [];
    let snapshots = 0;
    let baseline = 0;
    let busy: Promise<void> | undefined;

    const take = async (emit: boolean): Promise<void> => {
      const snapshotMs = Date.now();
      const r = await ctx.runner.run(argv, { timeoutMs: 15_000 });
      snapshots++;
      if (r.failed || (r.exitCode !== 0 && r.stdout === '')) {
        if (errors.length < 20) errors.push(`${spec.binary} snapshot ${snapshots}: ${r.failed ?? `exit ${String(r.exitCode)}: ${r.stderr.trim().slice(0, 200)}`}`);
        return;
      }
      const file = join(ctx.rawDir, `${spec.id}-${String(snapshots).padStart(4, '0')}.txt`);
      writeFileSync(file, r.stdout);
      rawFiles.push(file);
      const parsed = spec.parse(r.stdout, snapshotMs);
      for (const p of parsed.problems.slice(0, 5)) if (errors.length < 20) errors.push(`${spec.id} snapshot ${snapshots} line ${p.line}: ${p.message}`);
      const fresh = diffSnapshot(seen, parsed, { dataset: spec.id, hostId: ctx.hostId, hostName: ctx.hostName, snapshotMs, emit });
      if (!emit) baseline = seen.size;
      events.push(...fresh);
    };
    // One snapshot at a time: a slow lsof must not pile up behind the timer.
    const tick = (emit: boolean): Promise<void> => {
      if (!busy) busy = take(emit).finally(() => (busy = undefined));
      return busy;
    };

    // Connections open before the run are background, not the emulation's: remember, do not report.
    await tick(false);
    const timer = setInterval(() => void tick(true), intervalMs);
    return {
      wrapCommand: (cmd) => cmd,
      async variantDone() {
        await busy;
        await tick(true);
      },
      async stop(): Promise<CollectorOutput> {
        clearInterval(timer);
        await busy;
        await tick(true);
        events.sort((a, b) => (a['@timestamp'] < b['@timestamp'] ? -1 : a['@timestamp'] > b['@timestamp'] ? 1 : 0));
        return {
          events,
          rawFiles,
          info: {
            id: spec.id,
            fidelity: FIDELITY,
            blind_spots: spec.blindSpots(ctx),
            lost_records: 0,
            details: { argv, poll_interval_ms: intervalMs, snapshots, baseline_connections: baseline },
            errors,
          },
        };
      },
    };
  }

  return { id: spec.id, description: spec.description, platforms: ['macos'], probe, start };
}
