export * from './errors.js';
export * from './event.js';
export * from './scenario.js';
export * from './alert.js';
export * from './verdict.js';
export * from './report.js';
export * from './ports.js';
export * from './entity.js';
