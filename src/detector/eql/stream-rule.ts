// An EQL rule as a StreamRule: event queries alert on each matching event, sequences alert on
// each completed sequence. Pipes are query-mode only; a rule with pipes is rejected.

import { PurpleError, type Alert, type RuleMeta, type TelemetryEvent } from '../../model/index.js';
import type { CompiledRule, Emit, GateContext, RuleGate, StreamRule } from '../types.js';
import { IMPOSSIBLE, fieldsOf, needOf, safePieces, type Need } from '../gate/literals.js';
import type { EventFilter, Query, SequenceStep } from './ast.js';
import { compileEql } from './compile-query.js';
import { SequenceMatcher, categoryMatches, type SequenceMatch, type SequencePlan } from './sequence-matcher.js';
import type { FieldType } from './values.js';
import { makeAlertId } from '../common/alert-id.js';

export interface EqlRuleOptions {
  maxOpenSequences: number;
  /** For error locations: the rule file and the line the query starts on. */
  file?: string;
  lineOffset?: number;
  fieldTypes?: Record<string, FieldType>;
  /** Share identical step conditions across the rules of one load (see CompileOptions). */
  predicateCache?: Map<string, (ev: unknown) => boolean>;
}

export { hashText, makeAlertId } from '../common/alert-id.js';

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
  return prepareEqlRule(query, meta, opts).instantiate();
}

/** Parses and compiles the query once; each instance gets its own sequence state. */
export function prepareEqlRule(query: string, meta: RuleMeta, opts: EqlRuleOptions): CompiledRule {
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
  const fields = queryFields(compiled.query);

  if (compiled.kind === 'event') {
    const { category, test } = compiled;
    const filter = compiled.query.k === 'event' ? compiled.query.filter : null;
    // No state: one instance serves every caller.
    const rule: StreamRule = {
      meta,
      categories: category === null ? null : new Set([category]),
      onEvent(event, tsMs, emit) {
        if (categoryMatches(catOf(event), category) && test(event)) emit(buildAlert(meta, [event], [tsMs], []));
      },
      finish() {},
      state: () => ({ open: 0, evicted: 0 }),
      gate: (ctx) => ({ start: filter ? startLiterals([filter], ctx) : null, follow: null }),
      fields,
    };
    return { meta, instantiate: () => rule };
  }

  const plan = compiled.plan;
  const cats = [...plan.steps, ...(plan.until ? [plan.until] : [])].map((s) => s.category);
  const categories = cats.includes(null) ? null : new Set(cats as string[]);
  return { meta, instantiate: () => sequenceRule(compiled.query, plan, meta, categories, fields, opts.maxOpenSequences) };
}

function sequenceRule(query: Query, plan: SequencePlan, meta: RuleMeta, categories: ReadonlySet<string> | null, fields: ReadonlySet<string>, maxOpen: number): StreamRule {
  const catOf = (e: TelemetryEvent): unknown => e.event?.category;
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
  const matcher = new SequenceMatcher<TelemetryEvent>(plan, onMatch, maxOpen);
  return {
    meta,
    categories,
    onEvent(event, tsMs, e) {
      emit = e;
      matcher.push(event, tsMs, ord++, catOf(event));
    },
    finish(e) {
      emit = e;
      matcher.finish();
    },
    state: () => matcher.stats(),
    gate: (ctx) => sequenceGate(query, plan, matcher, ctx),
    fields,
  };
}

function queryFields(q: Query): ReadonlySet<string> {
  const out = new Set<string>(['@timestamp', 'event.category']);
  if (q.k === 'event') return fieldsOf(q.filter.cond, out);
  for (const f of q.by) out.add(f.name);
  for (const s of [...q.steps, ...(q.until ? [q.until] : [])]) {
    fieldsOf(s.cond, out);
    for (const f of s.by) out.add(f.name);
  }
  return out;
}

function stepNeed(f: EventFilter, ctx: GateContext): Need {
  const nctx = { unsafeField: (n: string) => ctx.unsafeField(n), assumeNotProcess: ctx.enrich };
  if (f.category === 'process' && ctx.enrich) return IMPOSSIBLE;
  return needOf(f.cond, nctx);
}

/** The union of what each filter needs; null when any of them can match without a literal. */
function startLiterals(filters: EventFilter[], ctx: GateContext): string[] | null {
  const lits: string[] = [];
  for (const f of filters) {
    const n = stepNeed(f, ctx);
    if (n === null) return null;
    lits.push(...n.lits);
  }
  return [...new Set(lits)];
}

/** A key value as it must appear in a raw line (a JSON string of safe characters, or an integer). */
function rawKeyText(v: unknown): string | null {
  if (typeof v === 'number') return Number.isSafeInteger(v) ? String(v) : null;
  if (typeof v !== 'string' || v.length === 0) return null;
  const pieces = safePieces(v);
  return pieces.length === 1 && pieces[0] === v ? v : null;
}

function sequenceGate(q: Query, plan: SequencePlan, matcher: SequenceMatcher<TelemetryEvent>, ctx: GateContext): RuleGate {
  if (q.k !== 'sequence') return { start: null, follow: null };
  const firstPositive = q.steps.findIndex((s) => !s.missing);
  // Steps that can act with no partial state: the first positive step and every missing step.
  const starters: SequenceStep[] = q.steps.filter((s, i) => i === firstPositive || s.missing);
  const followers: SequenceStep[] = [...q.steps.filter((s, i) => i > firstPositive && !s.missing), ...(q.until ? [q.until] : [])];
  const followPlans = [...plan.steps.filter((s, i) => i > firstPositive && !s.missing), ...(plan.until ? [plan.until] : [])];
  const cats = followers.map((s) => s.category);
  // A join-key position whose field every follower reads verbatim from the raw line.
  const nKeys = followPlans[0]?.keyFields?.length ?? 0;
  let pos = -1;
  for (let i = 0; i < nKeys && pos < 0; i++) if (followPlans.every((p) => p.keyFields && !ctx.unsafeField(p.keyFields[i]!))) pos = i;
  let cacheVersion = -1;
  let cached: { open: boolean; waiting: boolean; values: string[] | null } = { open: false, waiting: false, values: [] };
  return {
    start: startLiterals(starters, ctx),
    follow: followers.length
      ? {
          categories: cats.includes(null) ? null : new Set(cats as string[]),
          version: () => matcher.version,
          state() {
            if (matcher.version === cacheVersion) return cached;
            const st = matcher.openState(Math.max(pos, 0), 32);
            let values: string[] | null = null;
            if (pos >= 0 && st.values) {
              values = [];
              for (const v of st.values) {
                const t = rawKeyText(v);
                if (t === null) {
                  values = null;
                  break;
                }
                values.push(t);
              }
            }
            cacheVersion = matcher.version;
            cached = { open: st.open, waiting: st.waiting, values };
            return cached;
          },
        }
      : null,
  };
}
