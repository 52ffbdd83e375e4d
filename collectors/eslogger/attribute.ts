// Labels the events of one variant's process trees (the harness's root pids and every descendant
// that exec'd or forked inside the window) with the run and variant ids.

import type { EmulationWindow, TelemetryEvent } from '../../src/model/index.js';
import { eventTimeMs } from '../../src/model/index.js';
import { ATTRIBUTION_SLACK_MS, rootJoinTimes } from '../attribution.js';

export function labelVariantEvents(events: TelemetryEvent[], window: EmulationWindow, runId: string): number {
  // A root pid counts from its own spawn (less the slack): before that it may have been another process's.
  const rootFrom = rootJoinTimes(window);
  const inTree = new Set<string>();
  let labelled = 0;
  for (const e of events) {
    const t = eventTimeMs(e);
    if (Number.isNaN(t) || t < window.startMs - ATTRIBUTION_SLACK_MS || t > window.endMs + ATTRIBUTION_SLACK_MS) continue;
    const p = e.process;
    if (!p?.entity_id) continue;
    const isStart = e.event.category === 'process' && e.event.type === 'start';
    if (isStart && ((p.pid !== undefined && t >= (rootFrom.get(p.pid) ?? Infinity)) || (p.parent?.entity_id && inTree.has(p.parent.entity_id)))) {
      inTree.add(p.entity_id);
    }
    if (inTree.has(p.entity_id)) {
      e.labels = { ...(e.labels ?? {}), purple_run_id: runId, purple_variant_id: window.variantId };
      labelled++;
    }
  }
  return labelled;
}
