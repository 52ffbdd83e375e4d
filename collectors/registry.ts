// The collector registry: id → collector, a lookup that names the valid ids, and the choice of the
// best collector set for this host (what `purple run` uses when no --collector is given).

import { PurpleError, type Collector, type CollectorAvailability, type CollectorContext } from '../src/model/index.js';
import { esloggerCollector } from './eslogger/collector.js';
import { pktapCollector } from './pktap/collector.js';
import { nettopCollector } from './pktap/nettop-collector.js';
import { lsofCollector } from './pktap/lsof-collector.js';
import { linuxAuditCollector } from './linux-audit/collector.js';
import { straceCollector } from './strace/collector.js';
import { procfsCollector } from './procfs/collector.js';
import { unifiedlogCollector } from './unifiedlog/collector.js';

export const COLLECTORS: Record<string, Collector> = {
  'linux-audit': linuxAuditCollector,
  strace: straceCollector,
  procfs: procfsCollector,
  eslogger: esloggerCollector,
  pktap: pktapCollector,
  nettop: nettopCollector,
  lsof: lsofCollector,
  unifiedlog: unifiedlogCollector,
};

export function getCollector(id: string): Collector {
  const c = COLLECTORS[id];
  if (c) return c;
  throw new PurpleError('UNKNOWN_ID', `unknown collector "${id}"`, {
    hint: `use one of: ${Object.keys(COLLECTORS).sort().join(', ')} (or leave --collector out to pick the best available; see purple doctor)`,
  });
}

/** What chooseCollectors needs to know about each collector on this host. */
export type ProbeResults = Record<string, CollectorAvailability>;

/**
 * Preference groups, best first: one collector is taken from each group that has an available
 * member. Process telemetry and network attribution come from separate tools on macOS.
 */
export const PREFERENCE: Record<'linux' | 'macos', string[][]> = {
  linux: [['linux-audit', 'strace', 'procfs']],
  macos: [['eslogger'], ['pktap', 'nettop', 'lsof']],
};

/** The best available collector ids on this platform, from probe results; empty when none runs. */
export function chooseCollectors(platform: 'linux' | 'macos', probes: ProbeResults): string[] {
  const chosen: string[] = [];
  for (const group of PREFERENCE[platform]) {
    const pick = group.find((id) => probes[id]?.available === true);
    if (pick) chosen.push(pick);
  }
  return chosen;
}

const SEES_NOTHING: CollectorAvailability['fidelity'] = { process_exec: false, process_args: false, network: false, network_attribution: false, library_loads: false };

/** A collector's probe, where a probe that throws is an unavailable collector with the reason. */
export async function probeCollector(c: Collector, ctx: Omit<CollectorContext, 'rawDir' | 'runId'>): Promise<CollectorAvailability> {
  try {
    return await c.probe(ctx);
  } catch (e) {
    return { available: false, reason: `probe failed: ${(e as Error).message}`, fidelity: SEES_NOTHING, blind_spots: [] };
  }
}

/** Unavailable because the collector is for other platforms. */
export function notForThisPlatform(c: Collector): CollectorAvailability {
  return { available: false, reason: `runs on ${c.platforms.join(', ')} only`, fidelity: SEES_NOTHING, blind_spots: [] };
}
