export * from './score-variant.js';
export * from './coverage.js';
export * from './control-verdict.js';
