// `logsource` routing: which normalised events a Sigma rule may see. Collectors emit ECS
// events, so Sigma's categories become ECS event.category (and event.type) tests, and products
// become host.os.type tests. Services name vendor log channels that do not exist after
// normalisation, so a rule that needs one is rejected instead of run against the wrong events.

import type { TelemetryEvent } from '../../model/index.js';

export interface Route {
  product?: 'macos' | 'linux';
  /** `service: auditd`: the rule matches the event's raw audit records (auditd.records), one at a time. */
  service?: 'auditd';
  /** ECS event.category values the rule can use; null = all. */
  categories: ReadonlySet<string> | null;
  accepts(ev: TelemetryEvent): boolean;
}

/** ECS keeps event.category and event.type as arrays; older producers write one string. */
function has(v: unknown, want: string): boolean {
  return v === want || (Array.isArray(v) && v.includes(want));
}

export const CATEGORY_ROUTES: Readonly<Record<string, { category: string; describe: string; accepts(ev: TelemetryEvent): boolean }>> = {
  process_creation: {
    category: 'process',
    describe: "event.category 'process', event.type 'start', event.action not 'fork'",
    // A fork copies the parent's image and command line; only an exec creates what Sigma
    // calls a process creation (Sysmon EID 1, auditd execve).
    accepts: (ev) => has(ev.event?.category, 'process') && has(ev.event.type, 'start') && ev.event.action !== 'fork',
  },
  network_connection: { category: 'network', describe: "event.category 'network'", accepts: (ev) => has(ev.event?.category, 'network') },
  file_event: { category: 'file', describe: "event.category 'file'", accepts: (ev) => has(ev.event?.category, 'file') },
  image_load: { category: 'library', describe: "event.category 'library'", accepts: (ev) => has(ev.event?.category, 'library') },
};

export const PRODUCTS = ['macos', 'linux'] as const;

/** Returns the route or a reason the log source cannot be routed. */
export function routeLogsource(ls: unknown): Route | { reason: string; key: string } {
  if (!ls || typeof ls !== 'object' || Array.isArray(ls)) return { reason: "'logsource' must be a map", key: '' };
  const l = ls as Record<string, unknown>;
  if (l.service !== undefined) {
    if (l.service !== 'auditd' || (l.product !== undefined && l.product !== 'linux'))
      return {
        reason: `logsource service '${String(l.service)}'${l.product !== undefined ? ` of product '${String(l.product)}'` : ''} is not routable: the only service kept after normalisation is linux auditd; route by category (${Object.keys(CATEGORY_ROUTES).join(', ')}) instead`,
        key: 'service',
      };
    if (l.category !== undefined) return { reason: "logsource service 'auditd' with a category: auditd rules match audit records, not a category of events; drop the category", key: 'category' };
    return {
      product: 'linux',
      service: 'auditd',
      categories: null,
      accepts: (ev) => ev.host?.os?.type !== 'macos' && auditRecords(ev).length > 0,
    };
  }
  let product: 'macos' | 'linux' | undefined;
  if (l.product !== undefined) {
    if (!(PRODUCTS as readonly unknown[]).includes(l.product))
      return { reason: `logsource product '${String(l.product)}' is not supported (supported: ${PRODUCTS.join(', ')})`, key: 'product' };
    product = l.product as 'macos' | 'linux';
  }
  let cat: (typeof CATEGORY_ROUTES)[string] | undefined;
  if (l.category !== undefined) {
    cat = CATEGORY_ROUTES[String(l.category)];
    if (!cat) return { reason: `logsource category '${String(l.category)}' is not supported (supported: ${Object.keys(CATEGORY_ROUTES).join(', ')})`, key: 'category' };
  }
  return {
    ...(product ? { product } : {}),
    categories: cat ? new Set([cat.category]) : null,
    accepts: (ev) => {
      if (cat && !cat.accepts(ev)) return false;
      // An event that does not say its OS is not excluded: importers cannot always tell.
      const os = ev.host?.os?.type;
      return !(product && os && os !== product);
    },
  };
}

/** The raw audit records the Linux audit collector keeps on each event (auditd.records). */
export function auditRecords(ev: TelemetryEvent): ReadonlyArray<Record<string, unknown>> {
  const r = (ev as { auditd?: { records?: unknown } }).auditd?.records;
  return Array.isArray(r) ? (r as Array<Record<string, unknown>>) : [];
}
