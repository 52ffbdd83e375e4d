// ECS NDJSON as Elastic Defend, Filebeat or an Elasticsearch export writes it: nested objects or
// flat dotted keys, optionally wrapped in a search hit (`_source`, or `fields` with value arrays).
// Normalised to the nested form every collector emits; our own NDJSON round-trips unchanged.

import type { Importer, ImportSession, ProcessFields, TelemetryEvent } from '../../src/model/index.js';
import { baseName, isRecord, joinCommandLine, makeEventId, toInt, toIsoMicros, toStr } from './fields.js';
import { applyLineResult, createStatsKeeper, parseJsonObject, type LineResult } from './import-stats.js';

const CATEGORIES = new Set(['process', 'network', 'library', 'file']);
/** Elastic Defend action names → the ones our collectors use (DESIGN §4). */
const ACTIONS: Record<string, string> = { end: 'exit', connection_attempted: 'connect', connection_accepted: 'accept', load: 'load' };
const DIRECTIONS: Record<string, 'egress' | 'ingress' | 'unknown'> = {
  egress: 'egress',
  outbound: 'egress',
  ingress: 'ingress',
  inbound: 'ingress',
  unknown: 'unknown',
};

/** Whether any key (outside `labels`) holds a dot, i.e. whether expandDottedKeys has work to do. */
function hasDottedKey(obj: Record<string, unknown>): boolean {
  for (const key in obj) {
    if (key !== '@timestamp' && key.includes('.')) return true;
    const v = obj[key];
    if (key !== 'labels' && isRecord(v) && hasDottedKey(v)) return true;
  }
  return false;
}

/**
 * `{"process.pid": 1}` → `{process: {pid: 1}}`, at every level (labels keep their keys). A document
 * that is already nested (the common case: purple's own and Elastic Defend's exports) is returned
 * as it is, without a copy.
 */
export function expandDottedKeys(obj: Record<string, unknown>): Record<string, unknown> {
  return hasDottedKey(obj) ? expandCopy(obj) : obj;
}

function expandCopy(obj: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(obj)) {
    const value = isRecord(raw) && key !== 'labels' ? expandCopy(raw) : raw;
    const parts = key === '@timestamp' ? [key] : key.split('.');
    let cur = out;
    for (let i = 0; i < parts.length - 1; i++) {
      const p = parts[i] as string;
      if (!isRecord(cur[p])) cur[p] = {};
      cur = cur[p] as Record<string, unknown>;
    }
    const last = parts[parts.length - 1] as string;
    if (isRecord(cur[last]) && isRecord(value)) Object.assign(cur[last] as Record<string, unknown>, value);
    else cur[last] = value;
  }
  return out;
}

/** The document inside an Elasticsearch hit, and the hit's _id. */
function unwrapHit(v: Record<string, unknown>): { doc: Record<string, unknown>; hitId?: string } {
  if (isRecord(v._source)) return { doc: v._source, ...(typeof v._id === 'string' ? { hitId: v._id } : {}) };
  if (isRecord(v.fields) && !('@timestamp' in v) && !isRecord(v.event)) {
    // The search API's `fields` option returns every value as an array.
    const flat: Record<string, unknown> = {};
    for (const [k, val] of Object.entries(v.fields)) flat[k] = Array.isArray(val) && val.length === 1 && k !== 'process.args' && !k.endsWith('.ancestry') ? val[0] : val;
    return { doc: flat, ...(typeof v._id === 'string' ? { hitId: v._id } : {}) };
  }
  return { doc: v };
}

function first(v: unknown): string | undefined {
  if (Array.isArray(v)) return v.map(toStr).find((x) => x !== undefined);
  return toStr(v);
}

/** Normalises a process object of a freshly parsed line in place (it belongs to this mapping). */
function normaliseProcess(p: Record<string, unknown>, isParent = false): void {
  const out = p as ProcessFields & Record<string, unknown>;
  const pid = toInt(p.pid);
  if (pid !== undefined) out.pid = pid;
  else if ('pid' in p) delete out.pid;
  const count = toInt(p.args_count);
  if (count !== undefined) out.args_count = count;
  else if ('args_count' in p) delete out.args_count;
  // A scalar is a one-valued field (as Elasticsearch reads it); an object or null is no argv at all.
  const args = p.args;
  if (typeof args === 'string' || typeof args === 'number' || typeof args === 'boolean') out.args = [String(args)];
  else if (Array.isArray(args)) {
    for (let i = 0; i < args.length; i++) if (typeof args[i] !== 'string') args[i] = String(args[i]);
  } else if ('args' in p) delete out.args;
  if (out.args && out.args_count === undefined && !isParent) out.args_count = out.args.length;
  if (out.args && out.command_line === undefined) out.command_line = joinCommandLine(out.args);
  if (typeof out.executable === 'string' && out.name === undefined) out.name = baseName(out.executable);
  if (isRecord(p.parent)) normaliseProcess(p.parent, true);
  if (isRecord(p.group_leader)) {
    const n = toInt(p.group_leader.pid);
    if (n !== undefined) p.group_leader.pid = n;
  }
  if (p.start !== undefined) {
    const start = toIsoMicros(p.start);
    if (start) out.start = start;
  }
}

/** The port of a freshly parsed endpoint object as a number (in place). */
function normalisePort(v: unknown): void {
  if (!isRecord(v)) return;
  const port = toInt(v.port);
  if (port !== undefined) v.port = port;
  else if ('port' in v) delete v.port;
}

export function mapEcsLine(line: string): LineResult {
  const parsed = parseJsonObject(line);
  if (!parsed.ok) return { kind: 'malformed', message: parsed.message };
  const { doc: rawDoc, hitId } = unwrapHit(parsed.value);
  const doc = expandDottedKeys(rawDoc);
  const timestamp = toIsoMicros(doc['@timestamp']);
  if (!timestamp) return { kind: 'malformed', message: 'missing or unparseable "@timestamp"' };
  const ev = isRecord(doc.event) ? doc.event : undefined;
  if (!ev) return { kind: 'malformed', message: 'no "event" object: not ECS' };
  const cats = Array.isArray(ev.category) ? ev.category.map(String) : [String(ev.category ?? '')];
  const category = cats.find((c) => CATEGORIES.has(c)) as TelemetryEvent['event']['category'] | undefined;
  if (!category) return { kind: 'skipped' };
  const rawAction = toStr(ev.action) ?? '';
  const action = ACTIONS[rawAction] ?? rawAction;
  let type = first(ev.type) ?? 'info';
  if (category === 'network' && (action === 'connect' || action === 'accept') && type === 'start') type = 'connection';

  // The document was parsed from this line and belongs to this mapping: it becomes the event in
  // place (keys keep their order; added ones come last, as in a copy).
  const out = doc as unknown as TelemetryEvent;
  out['@timestamp'] = timestamp;
  const event = ev as TelemetryEvent['event'] & Record<string, unknown>;
  event.id = toStr(ev.id) ?? hitId ?? makeEventId('ecs', line);
  event.kind = ev.kind === 'alert' || ev.kind === 'signal' ? ev.kind : 'event';
  event.category = category;
  event.type = type;
  event.action = action;
  event.dataset = toStr(ev.dataset) ?? 'ecs';
  const seq = toInt(ev.sequence);
  if (seq !== undefined) event.sequence = seq;
  else if ('sequence' in event) delete event.sequence;
  if (isRecord(doc.process)) normaliseProcess(doc.process);
  normalisePort(doc.destination);
  normalisePort(doc.source);
  if (isRecord(doc.network)) {
    const net = doc.network as Record<string, unknown>;
    const dir = DIRECTIONS[String(net.direction ?? '')];
    if (dir) net.direction = dir;
    else if ('direction' in net) delete net.direction;
  }
  if (isRecord(doc.user) && doc.user.id !== undefined) doc.user.id = String(doc.user.id);
  return { kind: 'events', events: [out] };
}

function sniffLine(line: string): boolean {
  const p = parseJsonObject(line);
  if (!p.ok) return false;
  const { doc } = unwrapHit(p.value);
  return ('@timestamp' in doc || 'event.category' in doc) && (isRecord(doc.event) || 'event.category' in doc || 'event.kind' in doc);
}

export function createEcsImporter(): Importer {
  return {
    id: 'ecs',
    description: 'ECS NDJSON (Elastic Defend / Filebeat / Elasticsearch export: nested or dotted keys, _source or fields hits)',
    sniff: (firstLines) => firstLines.some(sniffLine),
    create(): ImportSession {
      const stats = createStatsKeeper();
      return {
        push(line, lineNo) {
          if (line.trim() === '') return [];
          stats.line();
          return applyLineResult(stats, lineNo, mapEcsLine(line));
        },
        end: () => [],
        stats: () => stats.snapshot(),
      };
    },
  };
}
