// Turns a parsed EQL query into the plans the evaluators run: a predicate for event queries, a
// SequencePlan for sequences, and compiled pipes for query mode.

import type { FieldRef, Pipe, Query, SequenceStep } from './ast.js';
import { compilePredicate, type CompileOptions } from './compile-expr.js';
import { parseEql } from './parser.js';
import type { SequencePlan, StepPlan } from './sequence-matcher.js';
import { makeGetter } from './values.js';
import { PurpleError } from '../../model/index.js';

export type CompiledPipe =
  | { k: 'head' | 'tail'; n: number }
  | { k: 'filter'; test: (ev: unknown) => boolean }
  | { k: 'unique' | 'sort'; getters: Array<(ev: unknown) => unknown> };

export type CompiledQuery =
  | { kind: 'event'; category: string | null; test: (ev: unknown) => boolean; pipes: CompiledPipe[]; source: string; query: Query }
  | { kind: 'sequence'; plan: SequencePlan; pipes: CompiledPipe[]; source: string; keyNames: string[]; query: Query };

export interface QueryCompileOptions extends CompileOptions {
  lineOffset?: number;
}

export function compileEql(source: string, opts: QueryCompileOptions = {}): CompiledQuery {
  const parseOpts = { ...(opts.file !== undefined ? { file: opts.file } : {}), ...(opts.lineOffset !== undefined ? { lineOffset: opts.lineOffset } : {}) };
  const q = parseEql(source, parseOpts);
  return compileParsed(q, source, opts);
}

function checkField(f: FieldRef, opts: CompileOptions): void {
  if (opts.knownFields && !f.optional && !opts.knownFields.has(f.name)) {
    throw new PurpleError('BAD_INPUT', `unknown field '${f.name}'`, {
      location: { ...(opts.file ? { file: opts.file } : {}), line: f.pos.line, column: f.pos.column },
      hint: `check the name, or write ?${f.name} to treat a missing field as null`,
    });
  }
}

export function compileParsed(q: Query, source: string, opts: CompileOptions = {}): CompiledQuery {
  const pipes = q.pipes.map((p) => compilePipe(p, opts));
  if (q.k === 'event') {
    return { kind: 'event', category: q.filter.category, test: compilePredicate(q.filter.cond, opts), pipes, source, query: q };
  }
  // Steps repeated by runs=N share one object: compile each distinct step once.
  const cache = new Map<SequenceStep, StepPlan>();
  const step = (s: SequenceStep): StepPlan => {
    let p = cache.get(s);
    if (p) return p;
    const refs = [...q.by, ...s.by];
    refs.forEach((f) => checkField(f, opts));
    p = {
      category: s.category,
      test: compilePredicate(s.cond, opts),
      keys: refs.map((f) => makeGetter(f.path)),
      keyFields: refs.map((f) => f.name),
      optional: refs.map((f) => f.optional),
      missing: s.missing,
    };
    cache.set(s, p);
    return p;
  };
  const steps = q.steps.map(step);
  const counts = new Set(q.steps.map((s) => s.by.length));
  if (counts.size > 1) {
    const bad = q.steps.find((s) => s.by.length !== q.steps[0]!.by.length)!;
    throw new PurpleError('PARSE', `every sequence step needs the same number of 'by' keys (the first has ${q.steps[0]!.by.length}, this one ${bad.by.length})`, {
      location: { ...(opts.file ? { file: opts.file } : {}), line: bad.pos.line, column: bad.pos.column },
      hint: 'join keys are matched by position: give each step one key per position',
    });
  }
  if (q.until && q.until.by.length !== q.steps[0]!.by.length) {
    throw new PurpleError('PARSE', "the until step needs as many 'by' keys as the other steps", {
      location: { ...(opts.file ? { file: opts.file } : {}), line: q.until.pos.line, column: q.until.pos.column },
    });
  }
  const plan: SequencePlan = { steps, until: q.until ? step(q.until) : null, maxspanMs: q.maxspanMs };
  const keyNames = [...q.by.map((f) => f.name), ...q.steps[0]!.by.map((f) => f.name)];
  return { kind: 'sequence', plan, pipes, source, keyNames, query: q };
}

function compilePipe(p: Pipe, opts: CompileOptions): CompiledPipe {
  switch (p.k) {
    case 'head':
    case 'tail':
      return { k: p.k, n: p.n };
    case 'filter':
      return { k: 'filter', test: compilePredicate(p.cond, opts) };
    case 'unique':
    case 'sort':
      p.fields.forEach((f) => checkField(f, opts));
      return { k: p.k, getters: p.fields.map((f) => makeGetter(f.path)) };
  }
}
