// Query mode: run one EQL query over an in-memory list of events, the way an Elasticsearch EQL
// search does (events ordered by timestamp, then tiebreaker; pipes applied; `size` caps the
// result). Sequences return every matched sequence with its join keys.

import { compileEql, type CompiledPipe } from './compile-query.js';
import { SequenceMatcher, categoryMatches, type SequenceMatch } from './sequence-matcher.js';
import { keyPart, makeGetter, toDateMs, type FieldType } from './values.js';

export interface EqlQueryOptions {
  /** Default `@timestamp`. Values: epoch ms (number or numeric string) or ISO 8601. */
  timestampField?: string;
  /** Default `event.category`. */
  categoryField?: string;
  /** Orders events with equal timestamps (Elasticsearch's tiebreaker_field). */
  tiebreakerField?: string;
  /** Most results returned (events, or sequences); default unlimited. Elasticsearch's own default is 10. */
  size?: number;
  /** Field types; `@timestamp` is a date unless told otherwise. */
  fieldTypes?: Record<string, FieldType>;
  /** When given, non-optional fields outside it are an error (Elasticsearch checks its mapping). */
  knownFields?: ReadonlySet<string>;
  maxOpenSequences?: number;
  /** Legacy request-level case-insensitive mode (see CompileOptions.caseInsensitive). */
  caseInsensitive?: boolean;
}

export interface EqlSequenceResult<E> {
  /** One entry per step; null where a missing-event step `![…]` stood. */
  events: Array<E | null>;
  join_keys: unknown[];
}

export type EqlQueryResult<E> = { kind: 'events'; events: E[] } | { kind: 'sequences'; sequences: Array<EqlSequenceResult<E>> };

interface Ordered<E> {
  ev: E;
  ts: number;
}

export function runEqlQuery<E extends object>(query: string, events: readonly E[], opts: EqlQueryOptions = {}): EqlQueryResult<E> {
  const tsField = opts.timestampField ?? '@timestamp';
  const fieldTypes: Record<string, FieldType> = { [tsField]: 'date', ...(opts.fieldTypes ?? {}) };
  const compiled = compileEql(query, { fieldTypes, ...(opts.knownFields ? { knownFields: opts.knownFields } : {}), ...(opts.caseInsensitive ? { caseInsensitive: true } : {}) });
  const getTs = makeGetter(tsField.split('.'));
  const getCat = makeGetter((opts.categoryField ?? 'event.category').split('.'));
  const getTie = opts.tiebreakerField ? makeGetter(opts.tiebreakerField.split('.')) : null;

  const ordered: Array<Ordered<E> & { tie: unknown; i: number }> = [];
  events.forEach((ev, i) => {
    const ts = toDateMs(getTs(ev));
    if (ts === null) return; // Elasticsearch cannot order an event without a timestamp either.
    ordered.push({ ev, ts, tie: getTie ? getTie(ev) : null, i });
  });
  ordered.sort((a, b) => a.ts - b.ts || compareTie(a.tie, b.tie) || a.i - b.i);

  const size = opts.size ?? Infinity;
  const hasTail = compiled.pipes.some((p) => p.k === 'tail');
  const cap = <T>(xs: T[]): T[] => (xs.length <= size ? xs : hasTail ? xs.slice(xs.length - size) : xs.slice(0, size));

  if (compiled.kind === 'event') {
    const out: E[] = [];
    for (const o of ordered) {
      if (categoryMatches(getCat(o.ev), compiled.category) && compiled.test(o.ev)) out.push(o.ev);
    }
    return { kind: 'events', events: cap(applyPipes(out, compiled.pipes, opts.caseInsensitive === true)) };
  }

  const found: Array<SequenceMatch<E>> = [];
  const matcher = new SequenceMatcher<E>(compiled.plan, (m) => found.push({ ...m, events: [...m.events] }), opts.maxOpenSequences ?? 1_000_000);
  ordered.forEach((o, ord) => matcher.push(o.ev, o.ts, ord, getCat(o.ev)));
  matcher.finish();
  // Completed sequences are ordered by the event that completed them, as Elasticsearch does.
  const sorted = found.map((m, i) => ({ m, i })).sort((a, b) => a.m.lastOrd - b.m.lastOrd || a.i - b.i);
  let seqs: Array<EqlSequenceResult<E>> = sorted.map(({ m }) => ({ events: m.events, join_keys: m.keys }));
  for (const p of compiled.pipes) {
    if (p.k === 'head') seqs = seqs.slice(0, p.n);
    else if (p.k === 'tail') seqs = p.n === 0 ? [] : seqs.slice(-p.n);
  }
  return { kind: 'sequences', sequences: cap(seqs) };
}

function compareTie(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return 1;
  if (b === null || b === undefined) return -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function sortValue(v: unknown): unknown {
  if (Array.isArray(v)) return v.length ? v[0] : null;
  return v === undefined ? null : v;
}

function compareSort(a: unknown, b: unknown, ci: boolean): number {
  const x = sortValue(a);
  const y = sortValue(b);
  if (x === y) return 0;
  // Missing values sort first, as the reference EQL implementation does.
  if (x === null) return -1;
  if (y === null) return 1;
  if (typeof x === 'number' && typeof y === 'number') return x - y;
  const sx = ci ? String(x).toLowerCase() : String(x);
  const sy = ci ? String(y).toLowerCase() : String(y);
  return sx < sy ? -1 : sx > sy ? 1 : 0;
}

export function applyPipes<E>(input: E[], pipes: CompiledPipe[], caseInsensitive = false): E[] {
  let xs = input;
  for (const p of pipes) {
    switch (p.k) {
      case 'head':
        xs = xs.slice(0, p.n);
        break;
      case 'tail':
        xs = p.n === 0 ? [] : xs.slice(-p.n);
        break;
      case 'filter':
        xs = xs.filter((e) => p.test(e));
        break;
      case 'unique': {
        const seen = new Set<string>();
        xs = xs.filter((e) => {
          const k = p.getters.map((g) => keyPart(sortValue(g(e)))).join('\u0001');
          if (seen.has(k)) return false;
          seen.add(k);
          return true;
        });
        break;
      }
      case 'sort': {
        const decorated = xs.map((e, i) => ({ e, i, vals: p.getters.map((g) => g(e)) }));
        decorated.sort((a, b) => {
          for (let k = 0; k < a.vals.length; k++) {
            const c = compareSort(a.vals[k], b.vals[k], caseInsensitive);
            if (c !== 0) return c;
          }
          return a.i - b.i;
        });
        xs = decorated.map((d) => d.e);
        break;
      }
    }
  }
  return xs;
}
