// Control (EDR/SIEM) alert intake: the sources, the formats, and the collection after a run.
export { parseControlSpec, parseControlSpecs, CONTROL_KINDS, type ControlSpec, type ControlKind } from './spec.js';
export { CONTROL_SOURCES, getControlSource, openControlSessions, type ControlSession, type ControlSource, type FetchWindow, type FetchResult } from './sources.js';
export { ALERT_FORMATS, getAlertFormat, GENERIC_FIELDS, type AlertFormat } from './formats.js';
export { readAlerts, type ReadAlertsOptions, type ReadAlertsResult } from './read-alerts.js';
export { collectControls, variantFactsOf, runWindowOf, type CollectOptions } from './collect.js';
export { findMarkers } from './fields.js';
export { attachControls, parseWaitDuration, checkRequired, controlExitProblems, closeSessions } from './attach.js';
