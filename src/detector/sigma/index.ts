// Sigma for the embedded detector: rules, correlations and filters compiled to StreamRules,
// plus schema validation and the mapping/placeholder files the CLI loads. See docs/detector-sigma.md.

export { loadSigmaRules, prepareSigmaRules } from './load-rules.js';
export { validateSigmaFile, type SigmaSchemas, type SchemaIssue } from './schema-validate.js';
export {
  parseSigmaMapping,
  parseSigmaPlaceholders,
  mergeSigmaMapping,
  defaultSigmaMapping,
  DEFAULT_SIGMA_FIELD_MAP,
  type SigmaMapping,
} from './field-mapping.js';

/** True when a YAML text looks like Sigma (title plus detection/correlation/filter), for mixed folders. */
export function looksLikeSigma(text: string): boolean {
  return /^title\s*:/m.test(text) && /^(detection|correlation|filter)\s*:/m.test(text);
}
