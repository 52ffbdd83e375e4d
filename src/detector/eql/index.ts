// EQL for the embedded detector: parser, compiler, streaming sequence matcher and query mode.
// See docs/detector-eql.md.

export { parseEql, parseEqlExpression, type ParseOptions } from './parser.js';
export type { Query, Expr, Pipe, SequenceStep, FieldRef } from './ast.js';
export { compileEql, compileParsed, type CompiledQuery, type QueryCompileOptions } from './compile-query.js';
export { compilePredicate, compileValue, SUPPORTED_FUNCTIONS, type CompileOptions } from './compile-expr.js';
export { SequenceMatcher, type SequencePlan, type StepPlan, type SequenceMatch } from './sequence-matcher.js';
export { runEqlQuery, applyPipes, type EqlQueryOptions, type EqlQueryResult, type EqlSequenceResult } from './run-query.js';
export { getPath, makeGetter, toDateMs, compareVersions, compileWildcard, type FieldType } from './values.js';
