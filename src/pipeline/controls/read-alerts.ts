// From bytes a control gave us (an export file, a webhook body, an API page) to ControlAlerts:
// JSON (one alert, an array, or the vendor's envelope), NDJSON, or CSV; the format named or
// recognised. A malformed line of a partial export is a located warning, the rest is kept; input
// with nothing readable in it is a located error.

import { parse as parseCsv } from 'csv-parse/sync';
import { PurpleError, type ControlAlert } from '../../model/index.js';
import { isDoc, type Doc } from './fields.js';
import { getAlertFormat, recogniseFormat, type AlertFormat } from './formats.js';

export interface ReadAlertsOptions {
  control: string;
  /** A format id, or 'auto' (recognise each document). */
  format: string;
  /** Where the text came from, for locations: a file path, `webhook #3`, a URL path. */
  origin: string;
  columnMap?: Record<string, string>;
  /** Force CSV (a .csv file); otherwise CSV is tried when the text is not JSON. */
  csv?: boolean;
}

export interface ReadAlertsResult {
  alerts: ControlAlert[];
  /** The documents as they came, one per alert candidate (for controls/<name>.ndjson). */
  raw: unknown[];
  warnings: string[];
  /** The format used (the first one recognised when auto). */
  format?: string;
}

interface Located {
  doc: unknown;
  line: number;
  /** The document's place among those one JSON value held (1-based), when it held several. */
  nth?: number;
}

function lineAt(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, offset));
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

/** V8's "… in JSON at position N (line L column C)" → the position. */
function jsonErrorPosition(e: unknown, text: string): { line: number; column: number } | undefined {
  const msg = (e as Error).message ?? '';
  const lc = /line (\d+) column (\d+)/.exec(msg);
  if (lc) return { line: Number(lc[1]), column: Number(lc[2]) };
  const pos = /position (\d+)/.exec(msg);
  return pos ? lineAt(text, Number(pos[1])) : undefined;
}

function splitDocuments(text: string, opts: ReadAlertsOptions, warnings: string[]): Located[] {
  const trimmed = text.replace(/^\uFEFF/, '').trim();
  if (!trimmed) return [];
  if (opts.csv || !/^[[{]/.test(trimmed)) {
    try {
      const rows = parseCsv(trimmed, { columns: true, info: true, skip_empty_lines: true, relax_column_count: false, bom: true }) as Array<{ record: Record<string, string>; info: { lines: number } }>;
      return rows.map((r) => ({ doc: r.record, line: r.info.lines }));
    } catch (e) {
      const err = e as Error & { lines?: number };
      throw new PurpleError('BAD_INPUT', `${opts.control}: not JSON, NDJSON or CSV: ${err.message}`, {
        location: { file: opts.origin, ...(err.lines ? { line: err.lines } : {}) },
        hint: 'export the alerts as JSON, NDJSON or CSV with a header row',
      });
    }
  }
  try {
    return [{ doc: JSON.parse(trimmed) as unknown, line: 1 }];
  } catch (whole) {
    // Not one JSON value: NDJSON, one document per line; a bad line is skipped with its location.
    const lines = text.split('\n');
    const out: Located[] = [];
    let bad = 0;
    for (let i = 0; i < lines.length; i++) {
      const l = (lines[i] ?? '').trim();
      if (!l) continue;
      try {
        out.push({ doc: JSON.parse(l) as unknown, line: i + 1 });
      } catch (e) {
        bad++;
        const pos = jsonErrorPosition(e, l);
        warnings.push(`${opts.origin}:${i + 1}${pos ? `:${pos.column}` : ''}: not a JSON document (${(e as Error).message}); skipped`);
      }
    }
    if (!out.length) {
      const pos = jsonErrorPosition(whole, trimmed);
      throw new PurpleError('BAD_INPUT', `${opts.control}: no readable JSON in the input (${(whole as Error).message})`, {
        location: { file: opts.origin, ...(pos ? { line: pos.line, column: pos.column } : {}) },
        hint: 'the export may be truncated: export it again, or as NDJSON (one alert per line) so a cut keeps the complete lines',
      });
    }
    if (bad && out.length === 1 && lines.filter((l) => l.trim()).length > 2) {
      // One line parsed out of many that did not: a pretty-printed JSON document cut short.
      const pos = jsonErrorPosition(whole, trimmed);
      throw new PurpleError('BAD_INPUT', `${opts.control}: the JSON document is incomplete (${(whole as Error).message})`, {
        location: { file: opts.origin, ...(pos ? { line: pos.line, column: pos.column } : {}) },
        hint: 'the export was cut short: export it again',
      });
    }
    return out;
  }
}

/** Takes the alert documents out of arrays and vendor envelopes ({"value": …}, {"resources": …}, hits.hits …). */
function unwrapAll(located: Located[], fixed: AlertFormat | undefined): Located[] {
  const out: Located[] = [];
  const visit = (doc: unknown, line: number, depth: number): void => {
    if (Array.isArray(doc)) {
      for (const d of doc) visit(d, line, depth + 1);
      return;
    }
    if (!isDoc(doc) || depth > 3) {
      out.push({ doc, line });
      return;
    }
    const formats = fixed ? [fixed] : [];
    if (!fixed) {
      const f = recogniseFormat(doc);
      if (f) formats.push(f);
    }
    for (const f of formats) {
      const inner = f.unwrap?.(doc);
      if (inner) {
        for (const d of inner) visit(d, line, depth + 1);
        return;
      }
    }
    out.push({ doc, line });
  };
  for (const l of located) {
    const first = out.length;
    visit(l.doc, l.line, 0);
    if (out.length - first > 1) for (let i = first; i < out.length; i++) out[i]!.nth = i - first + 1;
  }
  return out;
}

export function readAlerts(text: string, opts: ReadAlertsOptions): ReadAlertsResult {
  const warnings: string[] = [];
  const fixed = opts.format === 'auto' ? undefined : getAlertFormat(opts.format);
  if (fixed?.id === 'generic' && !opts.columnMap?.['created_at']) {
    throw new PurpleError('BAD_INPUT', `${opts.control}: the generic format needs a column map naming created_at`, {
      location: { file: opts.origin },
      hint: 'pass map=FILE with a JSON object such as {"created_at": "Time", "host.name": "Computer", "process.pid": "PID"}',
    });
  }
  const docs = unwrapAll(splitDocuments(text, opts, warnings), fixed);
  const alerts: ControlAlert[] = [];
  const raw: unknown[] = [];
  let used: string | undefined = fixed?.id;
  for (const { doc, line, nth } of docs) {
    const where = `${opts.origin}:${line}${nth ? ` (document ${nth})` : ''}`;
    if (!isDoc(doc)) {
      warnings.push(`${where}: not an alert object (${Array.isArray(doc) ? 'array' : typeof doc}); skipped`);
      continue;
    }
    const f = fixed ?? recogniseFormat(doc);
    if (!f) {
      warnings.push(`${where}: not recognised as any alert format; skipped (name the format: format=elastic|defender|…)`);
      continue;
    }
    used ??= f.id;
    const alert = f.normalize(doc, { control: opts.control, ref: where, ...(opts.columnMap ? { columnMap: opts.columnMap } : {}) });
    raw.push(doc);
    if (!alert) {
      warnings.push(`${where}: ${f.id} alert without a creation time; skipped`);
      continue;
    }
    alerts.push(alert);
  }
  if (docs.length && !alerts.length) {
    throw new PurpleError('BAD_INPUT', `${opts.control}: none of the ${docs.length} document(s) is a readable ${fixed?.id ?? ''} alert`.replace('  ', ' '), {
      location: { file: opts.origin, line: docs[0]?.line ?? 1 },
      hint: warnings.slice(0, 3).join('; ') || 'check the format= of the source',
    });
  }
  // Duplicate ids (a page read twice, a webhook retried) count once.
  const seen = new Set<string>();
  const unique = alerts.filter((a) => (seen.has(a.id) ? false : (seen.add(a.id), true)));
  return { alerts: unique, raw, warnings, ...(used ? { format: used } : {}) };
}
