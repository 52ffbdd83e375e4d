// Streaming state machine for EQL sequences, with Elasticsearch's semantics: one pending sequence
// per stage per join key (a newer one replaces the older), maxspan measured from the first event
// (inclusive), `until` cancelling the key's pending sequences, and missing-event steps `![…]`
// decided as Elasticsearch does: a sequence is dropped if a missing step's event lies between its
// neighbouring events; leading and trailing missing steps drop it only when they fall inside
// maxspan of the sequence. State outside maxspan is pruned; a hard cap evicts the oldest.

import { keyPart, keyValues } from './values.js';

export interface StepPlan {
  /** null = any category. */
  category: string | null;
  test: (ev: unknown) => boolean;
  /** Shared keys first, then the step's own `by` keys. */
  keys: Array<(ev: unknown) => unknown>;
  /** Dotted names of the key fields, in the order of `keys` (for the raw-line prefilter). */
  keyFields?: string[];
  /** Which key components may be null (`?field`); a null in any other drops the event for the step. */
  optional: boolean[];
  missing: boolean;
}

export interface SequencePlan {
  steps: StepPlan[];
  until: StepPlan | null;
  maxspanMs: number | null;
}

export interface SequenceMatch<E> {
  /** One entry per step; null for a missing-event step. */
  events: Array<E | null>;
  keys: unknown[];
  firstTs: number;
  lastTs: number;
  /** Ordinal of the event that completed the positive steps (for ordering results). */
  lastOrd: number;
}

interface Pending<E> {
  events: Array<E | null>;
  stepTs: number[];
  startTs: number;
  lastTs: number;
  lastOrd: number;
  keys: unknown[];
  keyStr: string;
  /** A missing step's event was found between two matched steps: drop at completion. */
  doomed: boolean;
  /** Latest leading missing-step event before the first event (null: none). */
  leadingTs: number | null;
  /** Trailing wait: the time maxspan counts from, and the deadline after which it is accepted. */
  ref: number;
  deadline: number;
}

interface Tracker {
  last: number;
  prev: number;
}

export interface MatcherStats {
  open: number;
  evicted: number;
}

/** What the partial state waits for, for the raw-line prefilter (see line-gate.ts). */
export interface OpenState {
  /** Partial sequences (or `until`-able ones) exist. */
  open: boolean;
  /** Complete sequences wait for a trailing missing event's deadline: every event's time matters. */
  waiting: boolean;
  /** Distinct key values at the asked position over all partial sequences; null when not known. */
  values: unknown[] | null;
}

type Combo = { vals: unknown[]; str: string };

function categoryMatches(cat: unknown, want: string | null): boolean {
  if (want === null) return true;
  if (cat === want) return true;
  if (Array.isArray(cat)) return cat.includes(want);
  return false;
}

function combos(step: StepPlan, ev: unknown): Combo[] {
  const n = step.keys.length;
  if (n === 0) return [{ vals: [], str: '' }];
  if (n === 1) {
    const vs = keyValues(step.keys[0]!(ev));
    const out: Combo[] = [];
    for (const v of vs) {
      if (v === null && !step.optional[0]) continue;
      out.push({ vals: [v], str: keyPart(v) });
    }
    return out;
  }
  let acc: Combo[] = [{ vals: [], str: '' }];
  for (let i = 0; i < n; i++) {
    const vs = keyValues(step.keys[i]!(ev));
    const next: Combo[] = [];
    for (const a of acc)
      for (const v of vs) {
        if (v === null && !step.optional[i]) continue;
        next.push({ vals: [...a.vals, v], str: a.str + '\u0001' + keyPart(v) });
      }
    acc = next;
    if (acc.length === 0) break;
  }
  return acc;
}

export class SequenceMatcher<E> {
  private readonly steps: StepPlan[];
  private readonly positives: number[];
  private readonly pending: Array<Map<string, Pending<E>>>;
  private readonly trackers = new Map<number, Map<string, Tracker>>();
  private readonly leadingSteps: number[];
  private readonly hasLeading: boolean;
  private readonly hasTrailing: boolean;
  private readonly hasMissing: boolean;
  private readonly waiting = new Map<string, Array<Pending<E>>>();
  private waitingCount = 0;
  private nextDeadline = Infinity;
  private readonly maxspan: number | null;
  private evicted = 0;
  private lastPruneTs = -Infinity;
  /** Bumped on every change of the partial state, so readers can cache what they derive from it. */
  version = 0;
  private cachedOpen: { version: number; pos: number; state: OpenState } | null = null;

  constructor(
    private readonly plan: SequencePlan,
    private readonly onMatch: (m: SequenceMatch<E>) => void,
    private readonly maxOpen: number = 100_000,
  ) {
    this.steps = plan.steps;
    this.maxspan = plan.maxspanMs;
    this.positives = [];
    this.steps.forEach((s, i) => {
      if (!s.missing) this.positives.push(i);
      else this.trackers.set(i, new Map());
    });
    this.pending = this.positives.slice(0, -1).map(() => new Map());
    this.leadingSteps = [];
    for (let i = 0; i < this.positives[0]!; i++) this.leadingSteps.push(i);
    this.hasLeading = this.steps[0]!.missing;
    this.hasTrailing = this.steps[this.steps.length - 1]!.missing;
    this.hasMissing = this.trackers.size > 0;
  }

  /** Partial state at key position `pos` (cached until the state changes). */
  openState(pos: number, maxValues: number): OpenState {
    const c = this.cachedOpen;
    if (c && c.version === this.version && c.pos === pos) return c.state;
    let open = false;
    const seen = new Set<unknown>();
    let values: unknown[] | null = [];
    for (const m of this.pending) {
      if (m.size === 0) continue;
      open = true;
      if (values === null) break;
      for (const p of m.values()) {
        const v = p.keys[pos];
        if (seen.has(v)) continue;
        seen.add(v);
        if (seen.size > maxValues) {
          values = null;
          break;
        }
        values.push(v);
      }
    }
    const state: OpenState = { open, waiting: this.waitingCount > 0, values };
    this.cachedOpen = { version: this.version, pos, state };
    return state;
  }

  stats(): MatcherStats {
    let open = this.waitingCount;
    for (const m of this.pending) open += m.size;
    return { open, evicted: this.evicted };
  }

  /** One event, in time order. `cat` is its category value; `ord` a strictly increasing ordinal. */
  push(ev: E, ts: number, ord: number, cat: unknown): void {
    if (this.waitingCount > 0 && ts > this.nextDeadline) this.flushWaiting(ts);
    // By event time, not by event count: the state then does not depend on how many events were seen.
    if (this.maxspan !== null && ts - this.lastPruneTs > this.maxspan) this.prune(ts);

    const steps = this.steps;
    const P = this.positives.length;
    for (let j = P - 1; j >= 0; j--) {
      const si = this.positives[j]!;
      const step = steps[si]!;
      if (!categoryMatches(cat, step.category) || !step.test(ev)) continue;
      for (const c of combos(step, ev)) {
        if (j === 0) this.start(ev, ts, ord, c, si);
        else this.advance(ev, ts, ord, c, j, si);
      }
    }
    if (this.hasMissing) {
      for (const [si, tr] of this.trackers) {
        const step = steps[si]!;
        if (!categoryMatches(cat, step.category) || !step.test(ev)) continue;
        const trailing = si > this.positives[P - 1]!;
        for (const c of combos(step, ev)) {
          const t = tr.get(c.str);
          if (!t) {
            tr.set(c.str, { last: ts, prev: -Infinity });
            // Without maxspan nothing ages out: keep the marks bounded like the sequences.
            if (tr.size > this.maxOpen) tr.delete(tr.keys().next().value as string);
          }
          else if (ts > t.last) {
            t.prev = t.last;
            t.last = ts;
          }
          if (trailing && this.waitingCount > 0) this.rejectTrailing(c.str, ts);
        }
      }
    }
    const until = this.plan.until;
    if (until && categoryMatches(cat, until.category) && until.test(ev)) {
      for (const c of combos(until, ev)) {
        for (const m of this.pending) if (m.delete(c.str)) this.version++;
      }
    }
  }

  /** End of stream: sequences still waiting for a trailing missing event are accepted. */
  finish(): void {
    const all: Array<Pending<E>> = [];
    for (const list of this.waiting.values()) all.push(...list);
    this.waiting.clear();
    this.waitingCount = 0;
    this.nextDeadline = Infinity;
    this.version++;
    all.sort((a, b) => a.lastOrd - b.lastOrd);
    for (const p of all) this.emit(p);
    for (const m of this.pending) m.clear();
  }

  private start(ev: E, ts: number, ord: number, c: Combo, si: number): void {
    const n = this.steps.length;
    const events = new Array<E | null>(n).fill(null);
    events[si] = ev;
    const stepTs = new Array<number>(n).fill(NaN);
    stepTs[si] = ts;
    let leadingTs: number | null = null;
    for (const li of this.leadingSteps) {
      const t = this.trackers.get(li)!.get(c.str);
      const before = t ? latestBefore(t, ts) : null;
      if (before !== null && (leadingTs === null || before > leadingTs)) leadingTs = before;
    }
    const p: Pending<E> = { events, stepTs, startTs: ts, lastTs: ts, lastOrd: ord, keys: c.vals, keyStr: c.str, doomed: false, leadingTs, ref: ts, deadline: Infinity };
    if (this.positives.length === 1) {
      this.complete(p);
      return;
    }
    const m = this.pending[0]!;
    m.delete(c.str);
    m.set(c.str, p);
    this.version++;
    this.enforceCap();
  }

  private advance(ev: E, ts: number, ord: number, c: Combo, j: number, si: number): void {
    const from = this.pending[j - 1]!;
    const p = from.get(c.str);
    if (!p) return;
    from.delete(c.str);
    this.version++;
    if (this.maxspan !== null && ts - p.startTs > this.maxspan) return;
    const prevSi = this.positives[j - 1]!;
    const prevTs = p.stepTs[prevSi]!;
    for (let m = prevSi + 1; m < si; m++) {
      const t = this.trackers.get(m)?.get(c.str);
      if (!t) continue;
      const before = latestBefore(t, ts);
      if (before !== null && before > prevTs) p.doomed = true;
    }
    p.events[si] = ev;
    p.stepTs[si] = ts;
    p.lastTs = ts;
    p.lastOrd = ord;
    if (j === this.positives.length - 1) {
      this.complete(p);
      return;
    }
    const to = this.pending[j]!;
    to.delete(c.str);
    to.set(c.str, p);
  }

  private exceeds(from: number, to: number): boolean {
    return this.maxspan !== null && to - from > this.maxspan;
  }

  private complete(p: Pending<E>): void {
    if (!this.hasMissing) {
      this.emit(p);
      return;
    }
    if (p.doomed) return;
    if (!this.hasTrailing) {
      if (!this.hasLeading || p.leadingTs === null || this.exceeds(p.leadingTs, p.lastTs)) this.emit(p);
      return;
    }
    if (this.hasLeading && p.leadingTs === null) {
      this.emit(p);
      return;
    }
    p.ref = this.hasLeading ? p.leadingTs! : p.startTs;
    if (this.maxspan !== null && p.ref + this.maxspan <= p.lastTs) {
      this.emit(p);
      return;
    }
    p.deadline = this.maxspan === null ? Infinity : p.ref + this.maxspan;
    let list = this.waiting.get(p.keyStr);
    if (!list) this.waiting.set(p.keyStr, (list = []));
    list.push(p);
    this.waitingCount++;
    this.version++;
    if (p.deadline < this.nextDeadline) this.nextDeadline = p.deadline;
    this.enforceCap();
  }

  private rejectTrailing(keyStr: string, ts: number): void {
    const list = this.waiting.get(keyStr);
    if (!list) return;
    const keep = list.filter((p) => !(ts > p.lastTs && (this.maxspan === null || ts - p.ref <= this.maxspan)));
    this.waitingCount -= list.length - keep.length;
    this.version++;
    if (keep.length) this.waiting.set(keyStr, keep);
    else this.waiting.delete(keyStr);
  }

  private flushWaiting(ts: number): void {
    const ready: Array<Pending<E>> = [];
    let next = Infinity;
    for (const [k, list] of this.waiting) {
      const keep: Array<Pending<E>> = [];
      for (const p of list) {
        if (ts > p.deadline) ready.push(p);
        else {
          keep.push(p);
          if (p.deadline < next) next = p.deadline;
        }
      }
      if (keep.length) this.waiting.set(k, keep);
      else this.waiting.delete(k);
    }
    this.waitingCount -= ready.length;
    this.version++;
    this.nextDeadline = next;
    ready.sort((a, b) => a.lastOrd - b.lastOrd);
    for (const p of ready) this.emit(p);
  }

  private emit(p: Pending<E>): void {
    this.onMatch({ events: p.events, keys: p.keys, firstTs: p.startTs, lastTs: p.lastTs, lastOrd: p.lastOrd });
  }

  /** Drops pending sequences and missing-step marks that maxspan makes useless. */
  private prune(ts: number): void {
    this.lastPruneTs = ts;
    this.version++;
    const span = this.maxspan!;
    for (const m of this.pending) {
      for (const [k, p] of m) if (ts - p.startTs > span) m.delete(k);
    }
    for (const tr of this.trackers.values()) {
      for (const [k, t] of tr) if (ts - t.last > span) tr.delete(k);
    }
  }

  private enforceCap(): void {
    let open = this.waitingCount;
    for (const m of this.pending) open += m.size;
    while (open > this.maxOpen) {
      // Evict the least recently advanced pending sequence (each map is in insertion order).
      let victim: Map<string, Pending<E>> | null = null;
      let oldest = Infinity;
      for (const m of this.pending) {
        const first = m.values().next();
        if (!first.done && first.value.lastOrd < oldest) {
          oldest = first.value.lastOrd;
          victim = m;
        }
      }
      if (!victim) break;
      const k = victim.keys().next().value as string;
      victim.delete(k);
      this.version++;
      this.evicted++;
      open--;
    }
  }
}

function latestBefore(t: Tracker, ts: number): number | null {
  if (t.last < ts) return t.last;
  if (t.prev < ts && t.prev !== -Infinity) return t.prev;
  return null;
}

export { categoryMatches };
