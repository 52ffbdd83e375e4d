// Enrichment stages run before the rules.

import type { TelemetryEvent } from '../../model/index.js';
import { createProcessTreeEnricher, type ProcessTreeOptions } from './process-tree.js';

export { createProcessTreeEnricher, type ProcessTreeEnricher, type ProcessTreeOptions } from './process-tree.js';

/** Enriches a whole (time-ordered) list at once: for tests, importers and reports. */
export function enrichProcessTree(events: readonly TelemetryEvent[], opts: ProcessTreeOptions = {}): TelemetryEvent[] {
  const en = createProcessTreeEnricher(opts);
  return events.map((e) => en.enrich(e, Date.parse(e['@timestamp'])));
}
