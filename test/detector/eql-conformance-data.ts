// Loads Elasticsearch's EQL conformance data (../shared/conformance/eql) with the semantics its
// README describes: FILETIME → epoch-ms @timestamp, tiebreakers, mappings (null_value, version),
// the two upstream format quirks, and the query specs of every TOML file.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseToml } from 'smol-toml';
import type { EqlQueryOptions } from '../../src/detector/eql/index.js';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const conformanceDir = join(repoRoot, '..', 'shared', 'conformance', 'eql');

export interface Spec {
  file: string;
  name: string;
  query: string;
  expected: number[];
  joinKeys?: string[];
  size?: number;
  caseSensitive?: boolean;
  caseInsensitive?: boolean;
}

export interface Dataset {
  events: Array<Record<string, unknown>>;
  idField: string;
  options: EqlQueryOptions;
}

/** test_extra.toml holds bare `null` inside join_keys arrays, which strict TOML rejects. */
function fixJoinKeyNulls(text: string): string {
  return text.replace(/join_keys\s*=\s*\[[^\]]*\]/g, (block) => block.replace(/(^|[[,\s])null(?=[\s,\]])/g, '$1"null"'));
}

export function loadSpecs(file: string): Spec[] {
  const text = fixJoinKeyNulls(readFileSync(join(conformanceDir, file), 'utf8'));
  const doc = parseToml(text) as { queries?: Array<Record<string, unknown>> };
  return (doc.queries ?? []).map((q) => {
    const s: Spec = { file, name: String(q.name ?? ''), query: String(q.query).trim(), expected: (q.expected_event_ids as number[]) ?? [] };
    if (Array.isArray(q.join_keys)) s.joinKeys = (q.join_keys as unknown[]).map((k) => (k === null ? 'null' : String(k)));
    if (typeof q.size === 'number') s.size = q.size;
    if (q.case_sensitive === true) s.caseSensitive = true;
    if (q.case_insensitive === true) s.caseInsensitive = true;
    return s;
  });
}

function mappingFields(mapping: { properties?: Record<string, { properties?: unknown; type?: string }> }, prefix = ''): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(mapping.properties ?? {})) {
    const name = prefix + k;
    if (v.properties) out.push(...mappingFields(v as never, name + '.'));
    else out.push(name);
  }
  return out;
}

function dataFields(events: Array<Record<string, unknown>>): string[] {
  const out = new Set<string>();
  const walk = (o: Record<string, unknown>, prefix: string): void => {
    for (const [k, v] of Object.entries(o)) {
      out.add(prefix + k);
      if (v && typeof v === 'object' && !Array.isArray(v)) walk(v as Record<string, unknown>, prefix + k + '.');
    }
  };
  events.forEach((e) => walk(e, ''));
  return [...out];
}

const FILETIME_EPOCH_MS = 11644473600000n;

/** The main index: test_data.json with @timestamp added from the FILETIME `timestamp`. */
export function loadMainDataset(): Dataset {
  // FILETIME values exceed 2^53: read them as text so the division is exact.
  const raw = readFileSync(join(conformanceDir, 'test_data.json'), 'utf8').replace(/"timestamp"\s*:\s*(\d+)/g, '"timestamp": "$1"');
  const events = (JSON.parse(raw) as Array<Record<string, unknown>>).map((e) => {
    const ft = BigInt(e.timestamp as string);
    return { ...e, timestamp: Number(ft), '@timestamp': Number(ft / 10000n - FILETIME_EPOCH_MS) };
  });
  const mapping = JSON.parse(readFileSync(join(conformanceDir, 'mapping-default.json'), 'utf8'));
  const known = new Set([...mappingFields(mapping), ...dataFields(events), '@timestamp']);
  return {
    events,
    idField: 'serial_event_id',
    options: { categoryField: 'event_type', tiebreakerField: 'serial_event_id', size: 50, knownFields: known, fieldTypes: { '@timestamp': 'date' } },
  };
}

/** extra or missing-events: data/<index>.data with data/<index>.mapping. */
export function loadIndexDataset(index: 'extra' | 'missing-events'): Dataset {
  let text = readFileSync(join(conformanceDir, 'data', `${index}.data`), 'utf8');
  // missing-events.data has `//` comment lines that Elasticsearch's lenient parser skips.
  text = text
    .split('\n')
    .filter((l) => !/^\s*\/\//.test(l))
    .join('\n');
  let events = JSON.parse(text) as Array<Record<string, unknown>>;
  const mapping = JSON.parse(readFileSync(join(conformanceDir, 'data', `${index}.mapping`), 'utf8').split('\n').filter((l) => !l.trim().startsWith('#')).join('\n'));
  const props = mapping.properties as Record<string, { type?: string; null_value?: unknown }>;
  const fieldTypes: Record<string, 'date' | 'version'> = { '@timestamp': 'date' };
  for (const [k, v] of Object.entries(props)) {
    if (v.type === 'version') fieldTypes[k] = 'version';
    if (v.type === 'date') fieldTypes[k] = 'date';
    // A null in the source is indexed as the mapping's null_value.
    if (v.null_value !== undefined) {
      events = events.map((e) => (k in e && e[k] === null ? { ...e, [k]: v.null_value } : e));
    }
  }
  const known = new Set([...mappingFields(mapping), ...dataFields(events)]);
  return { events, idField: 'sequence', options: { categoryField: 'event_type', tiebreakerField: 'sequence', size: 50, knownFields: known, fieldTypes } };
}

export function conformanceAvailable(): boolean {
  return existsSync(join(conformanceDir, 'test_queries.toml'));
}
