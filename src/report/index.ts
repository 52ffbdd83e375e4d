// The reporters' public surface, for src/cli.
export * from './escape.js';
export * from './summary.js';
export * from './schema-validator.js';
export * from './html.js';
export * from './junit.js';
export * from './markdown.js';
export * from './step-summary.js';
export * from './console.js';
export * from './navigator.js';
export * from './evidence.js';
export * from './bundle-io.js';
export * from './baseline.js';
export * from './fleet.js';
export * from './formats.js';
export * from './log-sources.js';
export * from './live.js';
export * from './controls.js';
