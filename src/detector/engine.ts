// The streaming detector: events pass a reorder buffer (small clock skew between sources is
// normal), then process-tree enrichment, then every rule that can use their category — all
// rules at once, in one pass, in time order. Pure: no clock, no files; the caller feeds events.

import type { Alert, TelemetryEvent } from '../model/index.js';
import { createProcessTreeEnricher, type ProcessTreeOptions } from './enrich/process-tree.js';
import type { StreamRule } from './types.js';
import { createLineGate, gateContext, rawTimestamp, type ClassifierParams } from './line-gate.js';

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
  /**
   * Raw ECS NDJSON lines in, with a prefilter compiled from the rules and consulted with their
   * live state: only lines that can matter are handed to `parse` (see line-gate.ts). Alerts are
   * those `push`ing every parsed line would give. null when some rule cannot be prefiltered.
   */
  lineFeeder(parse: (line: string, lineNo: number) => TelemetryEvent[]): LineFeeder | null;
}

export interface LineFeeder {
  /** Feeds one raw line; returns the alerts it (and what it released from the buffer) produced. */
  push(line: string, lineNo: number): Alert[];
  stats(): { parsed: number; skipped: number; literals: string[] };
  /** The state-free classification as plain data, for createLineClassifier in worker threads. */
  classifierParams(): ClassifierParams;
  /**
   * Lines classified elsewhere (createLineClassifier), in input order: `parsed` for a line parsed
   * there ('parse' verdicts, and lines without a plain timestamp), `dropped` for a run of
   * dropped lines (the latest time among them), `waiting` for a 'wait' line with its time.
   */
  parsed(events: TelemetryEvent[]): Alert[];
  dropped(count: number, maxTs: number): Alert[];
  waiting(line: string, lineNo: number, ts: number, cats: string[] | null): Alert[];
}

interface Buffered {
  /** null: a raw line the prefilter judges at its turn (`line`, `lineNo`). */
  ev: TelemetryEvent | null;
  ts: number;
  seq: number;
  line?: string;
  lineNo?: number;
  cats?: string[] | null;
}

/**
 * The reorder buffer: entries sorted by (ts, arrival), taken from the front. Events come nearly in
 * time order, so an entry almost always goes at the back (one comparison); a late one is placed by
 * binary search.
 */
class ReorderQueue {
  private a: Buffered[] = [];
  private head = 0;
  peek(): Buffered | undefined {
    return this.a[this.head];
  }
  push(b: Buffered): void {
    const a = this.a;
    const last = a[a.length - 1];
    // Arrival numbers only grow, so an equal time goes after every entry already there.
    if (a.length === this.head || !last || last.ts <= b.ts) {
      a.push(b);
      return;
    }
    let lo = this.head;
    let hi = a.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (a[mid]!.ts <= b.ts) lo = mid + 1;
      else hi = mid;
    }
    a.splice(lo, 0, b);
  }
  pop(): Buffered | undefined {
    if (this.head >= this.a.length) return undefined;
    const top = this.a[this.head];
    this.a[this.head++] = undefined as unknown as Buffered;
    if (this.head === this.a.length) {
      this.a.length = 0;
      this.head = 0;
    } else if (this.head > 4096 && this.head * 2 > this.a.length) {
      this.a = this.a.slice(this.head);
      this.head = 0;
    }
    return top;
  }
}

export function createDetector(rules: StreamRule[], opts: DetectorOptions = {}): Detector {
  const window = opts.reorderWindowMs ?? 2000;
  const maxWarnings = opts.maxWarnings ?? 50;
  // Enrichment fills only the fields some rule reads (all, when a rule does not say).
  let fields: Set<string> | null = new Set<string>();
  for (const r of rules) {
    if (!r.fields) {
      fields = null;
      break;
    }
    for (const f of r.fields) fields.add(f);
  }
  const enrichOpts = typeof opts.enrich === 'object' ? opts.enrich : {};
  const enricher = opts.enrich === false ? null : createProcessTreeEnricher({ ...(fields ? { fields } : {}), ...enrichOpts });

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

  const heap = new ReorderQueue();
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

  // Set by lineFeeder: judges waiting raw lines at their turn.
  let judge: ((b: Buffered) => void) | null = null;

  const release = (upTo: number): void => {
    for (let top = heap.peek(); top && top.ts <= upTo; top = heap.peek()) {
      heap.pop();
      lastReleased = top.ts;
      if (top.ev) evaluate(top.ev, top.ts);
      else judge!(top);
    }
  };

  const advance = (ts: number): void => {
    if (ts > maxSeen) maxSeen = ts;
    release(maxSeen - window);
  };

  const pushEvent = (event: TelemetryEvent): void => {
    {
      const ts = Date.parse(event?.['@timestamp']);
      if (Number.isNaN(ts)) {
        counters.noTimestamp++;
        if (counters.noTimestamp <= 3) warn(`event ${String(event?.event?.id ?? '?')} has no valid @timestamp and was skipped`);
        return;
      }
      if (ts < lastReleased) {
        // Beyond the reorder window: evaluate now, in arrival order, and say so.
        counters.late++;
        if (counters.late <= 5)
          warn(
            `event ${String(event.event?.id ?? '?')} at ${event['@timestamp']} arrived ${lastReleased - ts} ms after later events were evaluated (reorder window ${window} ms); evaluated out of order — raise --reorder-window or sort the input`,
          );
        evaluate(event, ts);
        return;
      }
      heap.push({ ev: event, ts, seq: seq++ });
      advance(ts);
    }
  };

  return {
    push(event) {
      out = [];
      pushEvent(event);
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
    lineFeeder(parse) {
      const gate = createLineGate(rules, gateContext(enricher !== null));
      if (!gate) return null;
      const parseNow = (line: string, lineNo: number): void => {
        for (const ev of parse(line, lineNo)) pushEvent(ev);
      };
      judge = (b) => {
        if (!gate.usefulNow(b.line!, b.cats ?? null)) return;
        gate.countParsed();
        // Its turn in time order: evaluate in place, exactly where its event would have been.
        for (const ev of parse(b.line!, b.lineNo!)) {
          const ts = Date.parse(ev['@timestamp']);
          if (Number.isNaN(ts)) pushEvent(ev);
          else evaluate(ev, ts);
        }
      };
      const wait = (line: string, lineNo: number, ts: number, cats: string[] | null): void => {
        if (ts < lastReleased) {
          // Later than the reorder window: judged now, as its event would be evaluated now.
          if (gate.usefulNow(line, cats)) {
            gate.countParsed();
            parseNow(line, lineNo);
          }
        } else {
          heap.push({ ev: null, ts, seq: seq++, line, lineNo, cats });
          advance(ts);
        }
      };
      return {
        push(line, lineNo) {
          out = [];
          const verdict = gate.classify(line);
          const ts = verdict === 'parse' ? null : rawTimestamp(line);
          if (ts === null) {
            if (verdict !== 'parse') gate.countParsed();
            parseNow(line, lineNo);
          } else if (verdict === 'drop') {
            // Nothing can use it, but its time moves the clock as its event would.
            if (ts >= lastReleased) advance(ts);
          } else wait(line, lineNo, ts, gate.lastCategories());
          return out;
        },
        stats: () => gate.stats(),
        classifierParams: () => gate.params(),
        parsed(events) {
          out = [];
          gate.countParsed();
          for (const ev of events) pushEvent(ev);
          return out;
        },
        dropped(count, maxTs) {
          out = [];
          for (let i = 0; i < count; i++) gate.countSkipped();
          // Dropped lines in a row move the clock as their latest one would: nothing is evaluated between them.
          if (maxTs >= lastReleased) advance(maxTs);
          return out;
        },
        waiting(line, lineNo, ts, cats) {
          out = [];
          wait(line, lineNo, ts, cats);
          return out;
        },
      };
    },
  };
}
