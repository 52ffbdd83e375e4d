// Streaming evaluation of Sigma correlations. Each alerting rule owns a private tree of
// sources (base rules at the leaves, correlations above), so rules never share state and the
// engine can feed them independently. Choices the specification leaves open:
//
// - Window anchoring: temporal_ordered measures `timespan` from the first event of the match
//   (like EQL maxspan); temporal and threshold counts (gt/gte only) use a sliding window that
//   ends at the newest event; counts with an upper bound (lt/lte/eq/neq) and value_avg use a
//   window that opens at the group's first event and is judged when it closes (a later event
//   past it, or the end of the stream).
// - Boundaries are inclusive: events exactly `timespan` apart still correlate.
// - Ties on equal timestamps are ordered by arrival (stream order).
// - An event fills at most one rule slot of one match; in temporal_ordered a later step is
//   tried before an earlier one, so one event never completes two consecutive steps.
// - Within a group, a newer event for a step overwrites an older one (latest wins), and a
//   group's state is cleared when it fires, so one burst gives one alert.
// - An event with no value for a group-by field is not grouped (it cannot join).

import type { Alert, RuleMeta, TelemetryEvent } from '../../model/index.js';
import { makeAlertId } from '../common/alert-id.js';
import { compileCondition } from './condition.js';
import type { CmpOp, CorrelationDef, RuleDef } from './documents.js';
import { groupValue, readField, scalarText } from './event-fields.js';

export interface Hit {
  eventIds: string[];
  firstTs: number;
  lastTs: number;
  firstTime: string;
  lastTime: string;
  /** The event that completed the hit (for reading fields). */
  event: TelemetryEvent;
  /** Group-by values of a correlation hit, readable by an outer correlation. */
  fields?: Record<string, string>;
  seq: number;
}

export interface Source {
  feed(ev: TelemetryEvent, ts: number, seq: number): Hit[];
  finish(): Hit[];
  open(): number;
}

export interface Budget {
  max: number;
  open: number;
  evicted: number;
}

export function baseRuleSource(rule: RuleDef): Source {
  return {
    feed(ev, ts, seq) {
      if (!rule.match(ev)) return [];
      const t = ev['@timestamp'];
      return [{ eventIds: [ev.event?.id ?? ''], firstTs: ts, lastTs: ts, firstTime: t, lastTime: t, event: ev, seq }];
    },
    finish: () => [],
    open: () => 0,
  };
}

interface GroupState {
  key: string;
  values: string[];
  lastTs: number;
  /** threshold & bounded modes */
  hits: Hit[];
  windowStart: number;
  /** temporal */
  slots: Array<Hit | undefined>;
  /** temporal_ordered: partial matches by the number of steps done */
  partials: Map<number, { hits: Hit[]; start: number }>;
}

function cmp(op: CmpOp, a: number, b: number): boolean {
  switch (op) {
    case 'gt':
      return a > b;
    case 'gte':
      return a >= b;
    case 'lt':
      return a < b;
    case 'lte':
      return a <= b;
    case 'eq':
      return a === b;
    case 'neq':
      return a !== b;
  }
}

export function correlationSource(
  def: CorrelationDef,
  inputs: Source[],
  /** Names by which each input can be referenced (its name and id), for aliases and the condition. */
  inputRefs: string[][],
  mapField: (name: string) => string,
  budget: Budget,
): Source {
  const n = def.rules.length;
  const span = def.timespanMs;
  const groups = new Map<string, GroupState>();
  const bounded = (def.type !== 'temporal' && def.type !== 'temporal_ordered' && def.criteria.some((c) => !['gt', 'gte'].includes(c.op))) || def.type === 'value_avg';
  const meets = (x: number): boolean => def.criteria.every((c) => cmp(c.op, x, c.value));

  // Which field to read for group-by name g on input i: an alias entry, else g itself.
  const fieldFor = (g: string, i: number): string => {
    const alias = def.aliases[g];
    if (alias) for (const ref of inputRefs[i]!) if (alias[ref] !== undefined) return alias[ref]!;
    return g;
  };
  const readGroup = (h: Hit, i: number): string[] | undefined => {
    const out: string[] = [];
    for (const g of def.groupBy) {
      const f = fieldFor(g, i);
      const v = h.fields?.[f] ?? h.fields?.[g] ?? groupValue(h.event, mapField(f));
      if (v === undefined) return undefined;
      out.push(v);
    }
    return out;
  };
  const valueOf = (h: Hit, i: number): string[] => {
    const f = fieldFor(def.field!, i);
    const own = h.fields?.[f];
    if (own !== undefined) return [own];
    return readField(h.event, mapField(f)).values.map(scalarText).filter((x): x is string => x !== undefined);
  };

  let temporalTest: ((filled: boolean[]) => boolean) | undefined;
  if (def.type === 'temporal') {
    if (def.expr) {
      const refNames = def.rules;
      const f = compileCondition<boolean[]>(def.expr, refNames, (name) => {
        const i = refNames.indexOf(name);
        return (filled) => filled[i] === true;
      }, { excludeUnderscoreFromThem: false });
      temporalTest = f;
    } else if (def.criteria.length > 0) temporalTest = (filled) => meets(filled.filter(Boolean).length);
    else temporalTest = (filled) => filled.every(Boolean);
  }

  const outHit = (g: GroupState, parts: Hit[]): Hit => {
    const sorted = [...parts].sort((a, b) => a.firstTs - b.firstTs || a.seq - b.seq);
    const first = sorted.reduce((a, b) => (b.firstTs < a.firstTs ? b : a));
    const last = sorted.reduce((a, b) => (b.lastTs > a.lastTs || (b.lastTs === a.lastTs && b.seq > a.seq) ? b : a));
    const ids: string[] = [];
    for (const p of sorted) for (const id of p.eventIds) if (!ids.includes(id)) ids.push(id);
    const fields: Record<string, string> = {};
    def.groupBy.forEach((gname, k) => (fields[gname] = g.values[k]!));
    return { eventIds: ids, firstTs: first.firstTs, lastTs: last.lastTs, firstTime: first.firstTime, lastTime: last.lastTime, event: last.event, fields, seq: last.seq };
  };

  const metric = (hits: Array<{ h: Hit; i: number }>): number => {
    switch (def.type) {
      case 'event_count':
        return hits.length;
      case 'value_count': {
        const seen = new Set<string>();
        for (const { h, i } of hits) for (const v of valueOf(h, i)) seen.add(v);
        return seen.size;
      }
      default: {
        const nums: number[] = [];
        for (const { h, i } of hits) for (const v of valueOf(h, i)) if (v.trim() !== '' && Number.isFinite(Number(v))) nums.push(Number(v));
        const sum = nums.reduce((a, b) => a + b, 0);
        return def.type === 'value_sum' ? sum : nums.length ? sum / nums.length : NaN;
      }
    }
  };

  // Inputs of count types are remembered with their index for alias lookups.
  const hitIndex = new WeakMap<Hit, number>();

  const drop = (g: GroupState): void => {
    groups.delete(g.key);
    budget.open--;
  };
  const touch = (g: GroupState, ts: number): void => {
    g.lastTs = ts;
    if (!bounded) {
      // Re-insert so the map stays ordered by last activity (oldest first) for expiry.
      groups.delete(g.key);
      groups.set(g.key, g);
    }
  };
  const getGroup = (key: string, values: string[], ts: number): GroupState => {
    let g = groups.get(key);
    if (!g) {
      while (budget.open >= budget.max && groups.size > 0) {
        const oldest = groups.values().next().value as GroupState;
        drop(oldest);
        budget.evicted++;
      }
      g = { key, values, lastTs: ts, hits: [], windowStart: ts, slots: new Array(n).fill(undefined), partials: new Map() };
      groups.set(key, g);
      budget.open++;
    }
    return g;
  };

  const judgeWindow = (g: GroupState, out: Hit[]): void => {
    const m = metric(g.hits.map((h) => ({ h, i: hitIndex.get(h) ?? 0 })));
    if (g.hits.length > 0 && meets(m)) out.push(outHit(g, g.hits));
  };

  const expire = (now: number, out: Hit[]): void => {
    for (const g of groups.values()) {
      if (bounded) {
        if (g.windowStart + span >= now) break;
        judgeWindow(g, out);
        drop(g);
      } else {
        if (g.lastTs + span >= now) break;
        drop(g);
      }
    }
  };

  const onHit = (h: Hit, i: number, usedThisEvent: Set<GroupState>, out: Hit[]): void => {
    const values = readGroup(h, i);
    if (!values) return;
    const key = JSON.stringify(values);
    const ts = h.lastTs;
    const g = getGroup(key, values, ts);
    hitIndex.set(h, i);
    switch (def.type) {
      case 'temporal': {
        // One event fills one slot of a group (feed() offers the best slot first).
        if (usedThisEvent.has(g)) return;
        g.slots[i] = h;
        usedThisEvent.add(g);
        for (let k = 0; k < n; k++) if (g.slots[k] && g.slots[k]!.firstTs < ts - span) g.slots[k] = undefined;
        const filled = g.slots.map((s) => s !== undefined);
        if (temporalTest!(filled)) {
          out.push(outHit(g, g.slots.filter((s): s is Hit => s !== undefined)));
          drop(g);
          return;
        }
        break;
      }
      case 'temporal_ordered': {
        for (const [k, p] of g.partials) if (ts - p.start > span) g.partials.delete(k);
        if (i === 0) {
          if (n === 1) {
            out.push(outHit(g, [h]));
            drop(g);
            return;
          }
          g.partials.set(1, { hits: [h], start: h.firstTs });
        } else {
          const p = g.partials.get(i);
          if (p && p.hits[p.hits.length - 1]!.seq !== h.seq) {
            g.partials.delete(i);
            if (i + 1 === n) {
              out.push(outHit(g, [...p.hits, h]));
              if (g.partials.size === 0) {
                drop(g);
                return;
              }
            } else g.partials.set(i + 1, { hits: [...p.hits, h], start: p.start });
          }
        }
        if (g.partials.size === 0) {
          drop(g);
          return;
        }
        break;
      }
      default: {
        if (bounded) {
          if (g.hits.length > 0 && ts > g.windowStart + span) {
            judgeWindow(g, out);
            g.hits = [];
            g.windowStart = ts;
            // Keep the map ordered by window start, which expire() relies on.
            groups.delete(g.key);
            groups.set(g.key, g);
          }
          g.hits.push(h);
        } else {
          g.hits.push(h);
          while (g.hits.length && g.hits[0]!.firstTs < ts - span) g.hits.shift();
          const m = metric(g.hits.map((x) => ({ h: x, i: hitIndex.get(x) ?? 0 })));
          if (meets(m)) {
            out.push(outHit(g, g.hits));
            drop(g);
            return;
          }
        }
      }
    }
    touch(g, ts);
  };

  const order = def.type === 'temporal_ordered' ? [...inputs.keys()].reverse() : [...inputs.keys()];
  return {
    feed(ev, ts, seq) {
      const out: Hit[] = [];
      expire(ts, out);
      const produced: Array<{ h: Hit; i: number }> = [];
      for (const i of order) for (const h of inputs[i]!.feed(ev, ts, seq)) produced.push({ h, i });
      if (def.type === 'temporal' && produced.length > 1) {
        // An event that matches several rules goes to the first of them whose slot is free
        // in its group (else the first of them), so it never counts as two rules.
        const rank = ({ h, i }: { h: Hit; i: number }): number => {
          const vals = readGroup(h, i);
          const g = vals && groups.get(JSON.stringify(vals));
          const free = !g || g.slots[i] === undefined || g.slots[i]!.firstTs < ts - span;
          return (free ? 0 : n) + i;
        };
        produced.sort((a, b) => rank(a) - rank(b));
      }
      const used = new Set<GroupState>();
      for (const { h, i } of produced) onHit(h, i, used, out);
      return out;
    },
    finish() {
      const out: Hit[] = [];
      inputs.forEach((src, i) => {
        const used = new Set<GroupState>();
        for (const h of src.finish()) onHit(h, i, used, out);
      });
      if (bounded) for (const g of [...groups.values()]) judgeWindow(g, out);
      for (const g of [...groups.values()]) drop(g);
      return out;
    },
    open: () => groups.size + inputs.reduce((a, s) => a + s.open(), 0),
  };
}

export function hitToAlert(meta: RuleMeta, h: Hit, groupBy: string[]): Alert {
  return {
    // From the rule and the events: the same finding has the same id in any detector instance.
    id: makeAlertId(meta.id, h.eventIds),
    rule: meta,
    timestamp: h.lastTime,
    event_ids: h.eventIds,
    ...(groupBy.length && h.fields ? { join_key: groupBy.map((g) => h.fields![g]) } : {}),
    ...(meta.join_strength ? { join_strength: meta.join_strength } : {}),
    first_event_time: h.firstTime,
    last_event_time: h.lastTime,
    span_ms: h.lastTs - h.firstTs,
  };
}
