// The scenario catalogue's public surface for the harness and the CLI.

export { loadScenarioFile, loadScenarioFileWithDiagnostics, loadCatalogue, loadCatalogueWithDiagnostics, formatDiagnostic, findScenarioSchemaPath } from './load-scenario.js';
export type { ScenarioDiagnostic, LoadOptions } from './load-scenario.js';
export { selectVariants, globToRegExp } from './select-variants.js';
export type { VariantFilter } from './select-variants.js';
// The placeholder contract lives in harness/placeholders.ts (the launcher substitutes with it); the
// catalogue's older names are kept as aliases for its callers.
export { CONTRACT_PLACEHOLDERS as KNOWN_PLACEHOLDERS, findPlaceholders, findUnknownPlaceholders, substitutePlaceholders } from '../placeholders.js';
export type { ContractPlaceholder as Placeholder } from '../placeholders.js';
export { findSkipReason, createHostProbes } from './skip-reason.js';
export type { HostProbes } from './skip-reason.js';
export { checkPrerequisites, formatPrerequisites } from './prerequisites.js';
export type { Prerequisite } from './prerequisites.js';
