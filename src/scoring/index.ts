export * from './score-variant.js';
export * from './coverage.js';
