// An EQL rule as a StreamRule: event queries alert on each matching event, sequences alert on
// each completed sequence. Pipes are query-mode only; a rule with pipes is rejected.

import { PurpleError, type Alert, type RuleMeta, type TelemetryEvent } from '../../model/index.js';
import type { Emit, StreamRule } from '../types.js';
import { compileEql } from './compile-query.js';
import { SequenceMatcher, categoryMatches, type SequenceMatch } from './sequence-matcher.js';
import type { FieldType } from './values.js';

export interface EqlRuleOptions {
  maxOpenSequences: number;
  /** For error locations: the rule file and the line the query starts on. */
  file?: string;
  lineOffset?: number;
  fieldTypes?: Record<string, FieldType>;
  /** Share identical step conditions across the rules of one load (see CompileOptions). */
  predicateCache?: Map<string, (ev: unknown) => boolean>;
}

/** FNV-1a over the text, 64 bits as two 32-bit halves: stable ids without node:crypto. */
export function hashText(s: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0xcbf29ce4;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ c ^ (i & 0xff), 0x01000193) >>> 0;
  }
  return h1.toString(16).padStart(8, '0') + h2.toString(16).padStart(8, '0');
}

export function makeAlertId(ruleId: string, eventIds: string[]): string {
  return `alert-${hashText(ruleId + '\u0000' + eventIds.join('\u0000'))}`;
}

function buildAlert(meta: RuleMeta, events: TelemetryEvent[], times: number[], keys: unknown[]): Alert {
  const ids = events.map((e) => String(e.event?.id ?? ''));
  const first = events[0]!;
  const last = events[events.length - 1]!;
  const alert: Alert = {
    id: makeAlertId(meta.id, ids),
    rule: meta,
    timestamp: last['@timestamp'],
    event_ids: ids,
    first_event_time: first['@timestamp'],
    last_event_time: last['@timestamp'],
    span_ms: Math.max(0, times[times.length - 1]! - times[0]!),
  };
  if (keys.length) alert.join_key = keys;
  if (meta.join_strength) alert.join_strength = meta.join_strength;
  return alert;
}

export function compileEqlRule(query: string, meta: RuleMeta, opts: EqlRuleOptions): StreamRule {
  const compiled = compileEql(query, {
    fieldTypes: { '@timestamp': 'date', ...(opts.fieldTypes ?? {}) },
    ...(opts.file !== undefined ? { file: opts.file } : {}),
    ...(opts.lineOffset !== undefined ? { lineOffset: opts.lineOffset } : {}),
    ...(opts.predicateCache ? { predicateCache: opts.predicateCache } : {}),
  });
  if (compiled.pipes.length) {
    throw new PurpleError('UNSUPPORTED', 'not supported: pipes (| head, | tail, …) in detection rules', {
      location: { ...(opts.file ? { file: opts.file } : {}), ...(opts.lineOffset ? { line: opts.lineOffset } : {}) },
      hint: 'remove the pipes; they are for `runEqlQuery` query mode only',
    });
  }
  const catOf = (e: TelemetryEvent): unknown => e.event?.category;

  if (compiled.kind === 'event') {
    const { category, test } = compiled;
    return {
      meta,
      categories: category === null ? null : new Set([category]),
      onEvent(event, tsMs, emit) {
        if (categoryMatches(catOf(event), category) && test(event)) emit(buildAlert(meta, [event], [tsMs], []));
      },
      finish() {},
      state: () => ({ open: 0, evicted: 0 }),
    };
  }

  const plan = compiled.plan;
  const cats = [...plan.steps, ...(plan.until ? [plan.until] : [])].map((s) => s.category);
  let emit: Emit = () => {};
  let ord = 0;
  const onMatch = (m: SequenceMatch<TelemetryEvent>): void => {
    const events: TelemetryEvent[] = [];
    const times: number[] = [];
    m.events.forEach((e) => {
      if (e) {
        events.push(e);
        times.push(Date.parse(e['@timestamp']));
      }
    });
    times[0] = m.firstTs;
    times[times.length - 1] = m.lastTs;
    emit(buildAlert(meta, events, times, m.keys));
  };
  const matcher = new SequenceMatcher<TelemetryEvent>(plan, onMatch, opts.maxOpenSequences);
  return {
    meta,
    categories: cats.includes(null) ? null : new Set(cats as string[]),
    onEvent(event, tsMs, e) {
      emit = e;
      matcher.push(event, tsMs, ord++, catOf(event));
    },
    finish(e) {
      emit = e;
      matcher.finish();
    },
    state: () => matcher.stats(),
  };
}
