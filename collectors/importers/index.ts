// The importer registry for `purple detect`: id → importer, lookup with a helpful error, and a
// sniffer that guesses the format from the first lines of the input.

import { PurpleError, type Importer } from '../../src/model/index.js';
import { createAuditLogImporter } from '../linux-audit/import.js';
import { createEcsImporter } from './ecs.js';
import { createEsloggerImporter } from './eslogger.js';
import { createOcsfImporter } from './ocsf.js';
import { createOsqueryImporter } from './osquery.js';

export const IMPORTERS: Record<string, Importer> = {
  ecs: createEcsImporter(),
  eslogger: createEsloggerImporter(),
  // Raw audit.log / `ausearch --raw`: the live collector's own parser (same grouping, same events).
  'linux-audit': createAuditLogImporter(),
  ocsf: createOcsfImporter(),
  osquery: createOsqueryImporter(),
};

/**
 * Most specific first: ECS's test (an @timestamp and an event object) would accept too much.
 * linux-audit wants `type=… msg=audit(…):` text lines, which no JSON format can be.
 */
const SNIFF_ORDER = ['linux-audit', 'eslogger', 'ocsf', 'osquery', 'ecs'];

export function getImporter(id: string): Importer {
  const imp = IMPORTERS[id];
  if (imp) return imp;
  throw new PurpleError('UNKNOWN_ID', `unknown telemetry format "${id}"`, {
    hint: `use one of: ${Object.keys(IMPORTERS).sort().join(', ')} (or leave the format out to detect it)`,
  });
}

export function sniffImporter(firstLines: string[]): Importer | undefined {
  const lines = firstLines.filter((l) => l.trim() !== '').slice(0, 20);
  if (!lines.length) return undefined;
  const order = [...SNIFF_ORDER, ...Object.keys(IMPORTERS).filter((id) => !SNIFF_ORDER.includes(id))];
  for (const id of order) {
    const imp = IMPORTERS[id];
    if (imp?.sniff(lines)) return imp;
  }
  return undefined;
}
