// Which events belong to which variant: the processes the harness started for a variant (its root
// pids) and every process that descends from them by fork or exec inside the variant's time span.
// Pure: the same events and windows always give the same labels.

import { eventTimeMs, type EmulationWindow, type TelemetryEvent } from '../src/model/index.js';

/**
 * Slack around a window: the kernel stamps an exec before the harness's spawn() returns, and
 * collectors stamp with their own clock reads.
 */
export const ATTRIBUTION_SLACK_MS = 2000;

function isProcessStart(e: TelemetryEvent): boolean {
  return e.event.category === 'process' && (e.event.type === 'start' || e.event.action === 'exec' || e.event.action === 'fork');
}

/**
 * Sets labels.purple_variant_id on every event of a window's process trees and returns the events
 * in time order; events of no window are dropped unless keepAll. Inputs are not modified.
 */
export function attributeToVariants(events: TelemetryEvent[], windows: EmulationWindow[], opts: { keepAll: boolean }): TelemetryEvent[] {
  const ordered = events
    .map((e, i) => ({ e, i, t: eventTimeMs(e) }))
    .sort((a, b) => (a.t === b.t || (Number.isNaN(a.t) && Number.isNaN(b.t)) ? (a.e.event.sequence ?? 0) - (b.e.event.sequence ?? 0) || a.i - b.i : Number.isNaN(a.t) ? 1 : Number.isNaN(b.t) ? -1 : a.t - b.t));

  const label = new Map<number, string>();
  for (const w of windows) {
    // A root pid joins at its own spawn (less the slack), not at the window's start: a later
    // step's pid may still have been another process's while the earlier steps ran.
    const rootFrom = rootJoinTimes(w);
    const joinOrder = [...rootFrom].sort((a, b) => a[1] - b[1]);
    let nextRoot = 0;
    const pids = new Set<number>();
    const entities = new Set<string>();
    const from = w.startMs - ATTRIBUTION_SLACK_MS;
    const to = w.endMs + ATTRIBUTION_SLACK_MS;
    for (const { e, i, t } of ordered) {
      if (Number.isNaN(t) || t < from) continue;
      if (t > to) break;
      while (nextRoot < joinOrder.length && joinOrder[nextRoot]![1] <= t) pids.add(joinOrder[nextRoot++]![0]);
      const p = e.process;
      if (!p) continue;
      if (isProcessStart(e)) {
        const isRoot = p.pid !== undefined && t >= (rootFrom.get(p.pid) ?? Infinity);
        const parentIn = (p.parent?.entity_id !== undefined && entities.has(p.parent.entity_id)) || (p.parent?.pid !== undefined && pids.has(p.parent.pid));
        // An exec keeps the pid's lineage (even when reparented); a fork makes a new process whose
        // pid may be a reused one of an earlier member of the tree.
        const joins = e.event.action === 'fork' ? parentIn || isRoot : parentIn || isRoot || (p.pid !== undefined && pids.has(p.pid));
        if (joins) {
          if (p.pid !== undefined) pids.add(p.pid);
          if (p.entity_id !== undefined) entities.add(p.entity_id);
        } else if (p.pid !== undefined) {
          pids.delete(p.pid);
        }
      }
      const mine = (p.entity_id !== undefined && entities.has(p.entity_id)) || (p.pid !== undefined && pids.has(p.pid));
      if (mine && !label.has(i)) label.set(i, w.variantId);
    }
  }

  const out: TelemetryEvent[] = [];
  for (const { e, i } of ordered) {
    const v = label.get(i);
    if (v !== undefined) out.push({ ...e, labels: { ...(e.labels ?? {}), purple_variant_id: v } });
    else if (opts.keepAll) out.push(e);
  }
  return out;
}

/** When each root pid of a window starts to belong to it: its spawn (or the window's start) less the slack. */
export function rootJoinTimes(w: EmulationWindow): Map<number, number> {
  const out = new Map<number, number>();
  w.rootPids.forEach((pid, k) => {
    const at = (w.rootStarts?.[k] ?? w.startMs) - ATTRIBUTION_SLACK_MS;
    // A pid used by two steps in turn: it belongs from the first of them.
    out.set(pid, Math.min(at, out.get(pid) ?? Infinity));
  });
  return out;
}

/** Adds the run id to every event (the harness knows it; the detector reports it). */
export function labelRun(events: TelemetryEvent[], runId: string): TelemetryEvent[] {
  return events.map((e) => ({ ...e, labels: { ...(e.labels ?? {}), purple_run_id: runId } }));
}
