// may import: src/model, src/detector, src/scoring, src/report, harness/index.ts,
// harness/scenario/index.ts, collectors/registry.ts, collectors/importers/index.ts
//
// The pipeline: the stages the verbs share. Load and compile detector content; run the
// emulations (through the harness) → telemetry → detect → score → report; detect over exported
// telemetry. Plain functions: the verbs in src/cli parse options, call these, and print.

export * from './package-root.js';
export * from './host-facts.js';
export * from './detector-content.js';
export * from './detect-stream.js';
export { DEFAULT_MAX_LINE_BYTES, lineBatches, lineSpans } from './line-batches.js';
export * from './run-report.js';
export * from './signing-key.js';
