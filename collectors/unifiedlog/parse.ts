// `log stream --style ndjson` lines (Apple log(1)): one JSON object per line, after one plain-text
// header line ("Filtering the log data using …"). Documented by log(1): the ndjson style and the
// predicate keys (eventMessage, eventType, messageType, processImagePath, processIdentifier via
// `processID`, senderImagePath, subsystem, category). The exact key set of a record is not
// documented; the keys read here are the ones `log stream/show --style json|ndjson` print in public
// samples (timestamp, eventType, messageType, subsystem, category, processID, processImagePath,
// senderImagePath, eventMessage, threadID, traceID, machTimestamp, bootUUID).

import { isRecord, toInt, toStr } from '../importers/fields.js';

export interface UnifiedLogRecord {
  /** ISO 8601 UTC with microseconds, from the record's local-time-with-offset timestamp. */
  timestamp: string;
  eventType: string;
  messageType?: string;
  subsystem?: string;
  category?: string;
  pid?: number;
  processImagePath?: string;
  senderImagePath?: string;
  eventMessage: string;
  traceID?: string;
  machTimestamp?: number;
  bootUUID?: string;
}

export type UnifiedLogParse =
  | { kind: 'record'; record: UnifiedLogRecord }
  | { kind: 'header'; text: string }
  | { kind: 'malformed'; message: string };

/** `2026-12-02 19:41:07.123456+0000` (log(1)'s timestamp) → `2026-12-02T19:41:07.123456Z`. */
export function unifiedLogTimeToIso(s: string): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([+-])(\d{2}):?(\d{2})$/.exec(s.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, se, frac = '', sign, oh, om] = m as unknown as string[];
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(se));
  if (!Number.isFinite(ms) || Number(mo) > 12 || Number(d) > 31 || Number(h) > 23 || Number(mi) > 59 || Number(se) > 60) return undefined;
  const offsetMs = (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om)) * 60_000;
  const utc = new Date(ms - offsetMs).toISOString(); // …:SS.000Z
  const micros = (frac + '000000').slice(0, 6);
  return `${utc.slice(0, 19)}.${micros}Z`;
}

export function parseUnifiedLogLine(line: string): UnifiedLogParse {
  const t = line.trim();
  if (!t.startsWith('{')) return { kind: 'header', text: t };
  let v: unknown;
  try {
    v = JSON.parse(t);
  } catch (e) {
    return { kind: 'malformed', message: `not JSON: ${(e as Error).message}` };
  }
  if (!isRecord(v)) return { kind: 'malformed', message: 'not a JSON object' };
  const ts = toStr(v.timestamp);
  if (ts === undefined) return { kind: 'malformed', message: 'no "timestamp"' };
  const timestamp = unifiedLogTimeToIso(ts);
  if (timestamp === undefined) return { kind: 'malformed', message: `"timestamp" ${JSON.stringify(ts)} is not log(1)'s "YYYY-MM-DD HH:MM:SS.ffffff±ZZZZ"` };
  const eventType = toStr(v.eventType);
  if (eventType === undefined) return { kind: 'malformed', message: 'no "eventType"' };
  const record: UnifiedLogRecord = { timestamp, eventType, eventMessage: toStr(v.eventMessage) ?? '' };
  const put = <K extends keyof UnifiedLogRecord>(k: K, val: UnifiedLogRecord[K] | undefined): void => {
    if (val !== undefined) record[k] = val;
  };
  put('messageType', toStr(v.messageType));
  put('subsystem', toStr(v.subsystem));
  put('category', toStr(v.category));
  put('pid', toInt(v.processID));
  put('processImagePath', toStr(v.processImagePath));
  put('senderImagePath', toStr(v.senderImagePath));
  put('traceID', v.traceID !== undefined ? String(v.traceID) : undefined);
  put('machTimestamp', toInt(v.machTimestamp));
  put('bootUUID', toStr(v.bootUUID));
  return { kind: 'record', record };
}
