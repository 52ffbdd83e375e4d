// The scenario catalogue's public surface for the harness and the CLI.

export { loadScenarioFile, loadScenarioFileWithDiagnostics, loadCatalogue, loadCatalogueWithDiagnostics, formatDiagnostic, findScenarioSchemaPath } from './load-scenario.js';
export type { ScenarioDiagnostic } from './load-scenario.js';
export { selectVariants, globToRegExp } from './select-variants.js';
export type { VariantFilter } from './select-variants.js';
export { KNOWN_PLACEHOLDERS, findPlaceholders, findUnknownPlaceholders, substitutePlaceholders } from './placeholders.js';
export type { Placeholder } from './placeholders.js';
export { findSkipReason } from './skip-reason.js';
export type { HostProbes } from './skip-reason.js';
