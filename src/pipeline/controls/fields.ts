// Reading vendor documents: a field by dotted path (nested objects or flat dotted keys, as Elastic
// writes both), type-tolerant getters, and the marker scan over every string in a document.

import { createHash } from 'node:crypto';
import type { ControlAlert } from '../../model/index.js';

export type Doc = Record<string, unknown>;

export function isDoc(v: unknown): v is Doc {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `a.b.c` in nested objects, in flat dotted keys (`"kibana.alert.uuid"`), or any mix of them. */
export function getPath(doc: unknown, path: string): unknown {
  if (!isDoc(doc)) return undefined;
  if (path in doc) return doc[path];
  const parts = path.split('.');
  for (let i = parts.length - 1; i >= 1; i--) {
    const head = parts.slice(0, i).join('.');
    if (head in doc) {
      const got = getPath(doc[head], parts.slice(i).join('.'));
      if (got !== undefined) return got;
    }
  }
  return undefined;
}

function first(v: unknown): unknown {
  return Array.isArray(v) ? v[0] : v;
}

export function str(doc: unknown, ...paths: string[]): string | undefined {
  for (const p of paths) {
    const v = first(getPath(doc, p));
    if (typeof v === 'string' && v !== '') return v;
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  }
  return undefined;
}

export function int(doc: unknown, ...paths: string[]): number | undefined {
  for (const p of paths) {
    const v = first(getPath(doc, p));
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : undefined;
    if (n !== undefined && Number.isInteger(n) && n >= 0) return n;
  }
  return undefined;
}

/**
 * A time as ISO 8601: ISO strings, epoch seconds or milliseconds (numbers or digit strings), and
 * Splunk's `_time` with a UTC offset. Undefined when absent or not a time.
 */
export function isoTime(doc: unknown, ...paths: string[]): string | undefined {
  for (const p of paths) {
    const v = first(getPath(doc, p));
    const t = toMs(v);
    if (t !== undefined) return new Date(t).toISOString();
  }
  return undefined;
}

export function toMs(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v) && v > 0) return v < 1e11 ? Math.round(v * 1000) : Math.round(v);
  if (typeof v !== 'string' || v.trim() === '') return undefined;
  const s = v.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return toMs(Number(s));
  const t = Date.parse(s);
  return Number.isFinite(t) ? t : undefined;
}

// A run id has no '/', so the first '/' ends it; workspace paths have `variants/` in between.
const MARKER = /purple-([A-Za-z0-9][A-Za-z0-9._-]{0,127})\/(?:variants\/)?(v-[0-9a-f]{12})(?![0-9a-f])/g;

/** Every run-id / variant-marker pair in any string of the document, with the field it was in. */
export function findMarkers(doc: unknown): ControlAlert['markers'] {
  const out: ControlAlert['markers'] = [];
  const seen = new Set<string>();
  const walk = (v: unknown, path: string, depth: number): void => {
    if (depth > 32) return;
    if (typeof v === 'string') {
      let text = v;
      if (text.includes('%2F') || text.includes('%2f')) {
        try {
          text = decodeURIComponent(text);
        } catch {
          /* not URL-encoded after all */
        }
      }
      for (const m of text.matchAll(MARKER)) {
        const key = `${m[1]}|${m[2]}|${path}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push({ run_id: m[1] ?? '', variant_marker: m[2] ?? '', field: path });
      }
    } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`, depth + 1));
    else if (isDoc(v)) for (const [k, x] of Object.entries(v)) walk(x, path ? `${path}.${k}` : k, depth + 1);
  };
  walk(doc, '', 0);
  return out;
}

/** A stable id for a document that carries none of its own. */
export function digestId(doc: unknown): string {
  return createHash('sha256').update(JSON.stringify(doc)).digest('hex').slice(0, 16);
}

/** Drops undefined values and empty objects so the alert stays small and schema-clean. */
export function compact<T extends object>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined) continue;
    if (isDoc(v)) {
      const c = compact(v);
      if (Object.keys(c).length) out[k] = c;
    } else out[k] = v;
  }
  return out as T;
}
