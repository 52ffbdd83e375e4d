// The embedded detector's public API: load rules, stream events through them, run EQL queries.
// Pure: callers read files and pass their text (see src/pipeline/detector-content.ts).

export * from './types.js';
export { compileRulesWithDiagnostics, loadRules, loadRulesWithDiagnostics, type CompileResult, type LoadResult } from './load-rules.js';
export { parseDetectorConfig } from './config.js';
export { expandPlaceholders, quoteEql, EMPTY_LIST_SENTINEL } from './placeholders.js';
export { createDetector, type Detector, type DetectorOptions, type DetectorStats, type LineFeeder } from './engine.js';
export { createLineClassifier, createLineGate, gateContext, rawCategories, rawTimestamp, type ClassifierParams, type LineGate } from './line-gate.js';
export { createProcessTreeEnricher, type ProcessTreeEnricher, type ProcessTreeOptions } from './enrich/process-tree.js';
export { enrichProcessTree } from './enrich/index.js';
export { runEqlQuery, parseEql, compileEql, type EqlQueryOptions, type EqlQueryResult, type EqlSequenceResult } from './eql/index.js';
export { compileEqlRule, prepareEqlRule, makeAlertId } from './eql/stream-rule.js';
export { checkRuleFields, collectFieldReferences, editDistance, indexFields, type FieldCatalog, type FieldIndex, type FieldReference } from './field-check.js';
export { readRuleTests, runRuleTests, untestedRules, type CaseSchemaCheck, type ReadRuleTestsResult, type RuleTestCase, type RuleTestResult } from './rule-tests.js';
