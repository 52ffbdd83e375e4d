// The streaming detector: events pass a reorder buffer (small clock skew between sources is
// normal), then process-tree enrichment, then every rule that can use their category — all
// rules at once, in one pass, in time order. Pure: no clock, no files; the caller feeds events.

import type { Alert, TelemetryEvent } from '../model/index.js';
import { createProcessTreeEnricher, type ProcessTreeOptions } from './enrich/process-tree.js';
import type { StreamRule } from './types.js';

export interface DetectorOptions {
  /**
   * Events may arrive up to this many milliseconds out of time order and are re-sorted
   * (default 2000). Later than that they are still evaluated, in arrival order, with a warning.
   */
  reorderWindowMs?: number;
  /** Process-tree enrichment before the rules (default on). */
  enrich?: boolean | ProcessTreeOptions;
  /** Most distinct warnings kept (default 50); the rest are counted. */
  maxWarnings?: number;
}

export interface DetectorStats {
  events_processed: number;
  sequences_open: number;
  sequences_evicted: number;
  warnings: string[];
}

export interface Detector {
  /** Feeds one event; returns the alerts it (and the events it released from the buffer) produced. */
  push(event: TelemetryEvent): Alert[];
  /** End of stream: drains the buffer and the rules. */
  finish(): Alert[];
  stats(): DetectorStats;
}

interface Buffered {
  ev: TelemetryEvent;
  ts: number;
  seq: number;
}

/** Binary min-heap on (ts, arrival). */
class MinHeap {
  private a: Buffered[] = [];
  get size(): number {
    return this.a.length;
  }
  peek(): Buffered | undefined {
    return this.a[0];
  }
  private less(x: Buffered, y: Buffered): boolean {
    return x.ts < y.ts || (x.ts === y.ts && x.seq < y.seq);
  }
  push(b: Buffered): void {
    const a = this.a;
    a.push(b);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(a[i]!, a[p]!)) break;
      [a[i], a[p]] = [a[p]!, a[i]!];
      i = p;
    }
  }
  pop(): Buffered | undefined {
    const a = this.a;
    const top = a[0];
    const last = a.pop();
    if (a.length && last) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.less(a[l]!, a[m]!)) m = l;
        if (r < a.length && this.less(a[r]!, a[m]!)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }
}

export function createDetector(rules: StreamRule[], opts: DetectorOptions = {}): Detector {
  const window = opts.reorderWindowMs ?? 2000;
  const maxWarnings = opts.maxWarnings ?? 50;
  const enricher = opts.enrich === false ? null : createProcessTreeEnricher(typeof opts.enrich === 'object' ? opts.enrich : {});

  // Rules indexed by category; rules that take any category are appended to every list.
  const anyRules = rules.filter((r) => r.categories === null);
  const byCategory = new Map<string, StreamRule[]>();
  for (const r of rules) {
    if (!r.categories) continue;
    for (const c of r.categories) {
      let list = byCategory.get(c);
      if (!list) byCategory.set(c, (list = []));
      list.push(r);
    }
  }
  for (const list of byCategory.values()) list.push(...anyRules);

  const heap = new MinHeap();
  let seq = 0;
  let maxSeen = -Infinity;
  let lastReleased = -Infinity;
  let processed = 0;
  const warnings: string[] = [];
  const counters = { late: 0, noTimestamp: 0, dropped: 0 };
  let out: Alert[] = [];
  const emit = (a: Alert): void => void out.push(a);

  const warn = (msg: string): void => {
    if (warnings.length < maxWarnings) warnings.push(msg);
    else counters.dropped++;
  };

  const evaluate = (ev0: TelemetryEvent, ts: number): void => {
    const ev = enricher ? enricher.enrich(ev0, ts) : ev0;
    processed++;
    const cat = ev.event?.category as unknown;
    let list: StreamRule[] | undefined;
    if (typeof cat === 'string') list = byCategory.get(cat) ?? anyRules;
    else if (Array.isArray(cat)) {
      const set = new Set<StreamRule>(anyRules);
      for (const c of cat) for (const r of byCategory.get(String(c)) ?? []) set.add(r);
      list = [...set];
    } else list = anyRules;
    for (let i = 0; i < list.length; i++) list[i]!.onEvent(ev, ts, emit);
  };

  const release = (upTo: number): void => {
    for (let top = heap.peek(); top && top.ts <= upTo; top = heap.peek()) {
      heap.pop();
      lastReleased = top.ts;
      evaluate(top.ev, top.ts);
    }
  };

  return {
    push(event) {
      out = [];
      const ts = Date.parse(event?.['@timestamp']);
      if (Number.isNaN(ts)) {
        counters.noTimestamp++;
        if (counters.noTimestamp <= 3) warn(`event ${String(event?.event?.id ?? '?')} has no valid @timestamp and was skipped`);
        return out;
      }
      if (ts < lastReleased) {
        // Beyond the reorder window: evaluate now, in arrival order, and say so.
        counters.late++;
        if (counters.late <= 5)
          warn(
            `event ${String(event.event?.id ?? '?')} at ${event['@timestamp']} arrived ${lastReleased - ts} ms after later events were evaluated (reorder window ${window} ms); evaluated out of order — raise --reorder-window or sort the input`,
          );
        evaluate(event, ts);
        return out;
      }
      heap.push({ ev: event, ts, seq: seq++ });
      if (ts > maxSeen) maxSeen = ts;
      release(maxSeen - window);
      return out;
    },
    finish() {
      out = [];
      release(Infinity);
      for (const r of rules) r.finish(emit);
      return out;
    },
    stats() {
      let open = 0;
      let evicted = 0;
      for (const r of rules) {
        const s = r.state();
        open += s.open;
        evicted += s.evicted;
      }
      const w = [...warnings];
      if (counters.late > 5) w.push(`${counters.late} events in all arrived later than the reorder window and were evaluated out of order`);
      if (counters.noTimestamp > 3) w.push(`${counters.noTimestamp} events in all had no valid @timestamp and were skipped`);
      if (counters.dropped) w.push(`${counters.dropped} more warnings not shown`);
      if (evicted) w.push(`${evicted} open sequences were evicted at the cap on open sequences; raise --max-open-sequences if matches are missing`);
      return { events_processed: processed, sequences_open: open, sequences_evicted: evicted, warnings: w };
    },
  };
}
