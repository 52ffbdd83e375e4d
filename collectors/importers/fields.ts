// Small normalisers shared by the macOS collectors and the importers: timestamps with
// microseconds, command lines, deterministic event ids. Pure: no clock, no file system.

import { createHash } from 'node:crypto';

/** The last path component, as ECS process.name and dll.name expect. */
export function baseName(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  const i = trimmed.lastIndexOf('/');
  return i < 0 ? trimmed : trimmed.slice(i + 1);
}

/**
 * One string for process.command_line: arguments joined by spaces, quoted only when they need it,
 * so that splitting it the shell's way gives the same argv back.
 */
export function joinCommandLine(args: readonly string[]): string {
  return args
    .map((a) => {
      if (a !== '' && !/[\s"'\\$`]/.test(a)) return a;
      return `"${a.replace(/(["\\$`])/g, '\\$1')}"`;
    })
    .join(' ');
}

/**
 * Splits a command line that quotes arguments with double quotes and backslash escapes (osquery's
 * cmdline uses std::quoted for arguments with spaces or quotes).
 */
export function splitCommandLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inQuotes = false;
  let has = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (inQuotes) {
      if (c === '\\' && i + 1 < line.length) {
        cur += line[++i];
      } else if (c === '"') {
        inQuotes = false;
      } else {
        cur += c;
      }
    } else if (c === '"') {
      inQuotes = true;
      has = true;
    } else if (c === ' ' || c === '\t') {
      if (has) out.push(cur);
      cur = '';
      has = false;
    } else {
      cur += c;
      has = true;
    }
  }
  if (has) out.push(cur);
  return out;
}

/** YYYY-MM-DDTHH:MM:SS.ffffffZ: already what toIsoMicros returns. */
const CANONICAL_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
let lastIso = '';
let lastValidSecond = '';

const ISO_RE = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:[.,](\d+))?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * ISO 8601 in UTC with microseconds, keeping the source's sub-millisecond digits
 * (eslogger prints nanoseconds; Date would cut them to milliseconds). Undefined when unparseable.
 */
export function toIsoMicros(value: unknown): string | undefined {
  if (typeof value === 'number') return tryEpochToIso(value);
  if (typeof value !== 'string' || value === '') return undefined;
  // The form every collector writes (and process.start repeats @timestamp): answered from the
  // last one, or checked in place. The result is the one the general path below gives.
  if (value === lastIso) return value;
  if (value.length === 27 && CANONICAL_RE.test(value)) {
    // The date and time up to the second decide validity: checked once per second seen.
    const second = value.slice(0, 19);
    if (second !== lastValidSecond) {
      if (Number.isNaN(Date.parse(second + 'Z'))) return undefined;
      lastValidSecond = second;
    }
    lastIso = value;
    return value;
  }
  const s = value.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return tryEpochToIso(Number(s));
  const m = ISO_RE.exec(s);
  if (m) {
    const [, date, time, frac = '', zone] = m;
    const micros = (frac + '000000').slice(0, 6);
    if (zone === undefined || zone === 'Z' || zone === '+00:00' || zone === '+0000') {
      const check = Date.parse(`${date}T${time}Z`);
      if (Number.isNaN(check)) return undefined;
      return `${date}T${time}.${micros}Z`;
    }
    const ms = Date.parse(`${date}T${time}.${micros.slice(0, 3)}${zone.length === 5 ? zone.slice(0, 3) + ':' + zone.slice(3) : zone}`);
    if (Number.isNaN(ms)) return undefined;
    return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, `.$1${micros.slice(3)}Z`);
  }
  const ms = Date.parse(s);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString().replace(/Z$/, '000Z').replace(/\.(\d{6})\d*Z$/, '.$1Z');
}

/**
 * Epoch seconds, milliseconds or microseconds (guessed from the magnitude, as exports mix them)
 * to ISO with microseconds.
 */
export function epochToIso(n: number): string {
  let micros: number;
  if (n > 1e14) micros = Math.round(n); // microseconds
  else if (n > 1e11) micros = Math.round(n * 1000); // milliseconds
  else micros = Math.round(n * 1e6); // seconds
  const ms = Math.floor(micros / 1000);
  const rest = String(micros - ms * 1000).padStart(3, '0');
  return new Date(ms).toISOString().replace(/Z$/, `${rest}Z`);
}

/** The largest |ms| a JavaScript Date holds (±100,000,000 days around 1970). */
const MAX_DATE_MS = 8.64e15;

/** epochToIso for values read from input: undefined when not a finite time a Date can hold. */
export function tryEpochToIso(n: number): string | undefined {
  if (!Number.isFinite(n)) return undefined;
  const ms = n > 1e14 ? n / 1000 : n > 1e11 ? n : n * 1000;
  if (Math.abs(ms) >= MAX_DATE_MS) return undefined;
  return epochToIso(n);
}

/** A stable event.id from the parts that make a record unique: same record, same id, every run. */
export function makeEventId(...parts: Array<string | number | undefined>): string {
  return createHash('sha256')
    .update(parts.map((p) => (p === undefined ? '' : String(p))).join('\0'))
    .digest('base64url')
    .slice(0, 22);
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A number from JSON that may carry numbers as strings (osquery without --numerics). */
export function toInt(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return Math.trunc(v);
  if (typeof v === 'string' && /^-?\d+$/.test(v.trim())) return Number(v.trim());
  return undefined;
}

export function toStr(v: unknown): string | undefined {
  if (typeof v === 'string') return v === '' ? undefined : v;
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  return undefined;
}

type UndefinedKeys<T> = { [K in keyof T]-?: undefined extends T[K] ? K : never }[keyof T];

/** T with every property that may be undefined made optional instead (what pruneUndefined returns). */
export type Pruned<T> = T extends readonly (infer U)[]
  ? Array<Pruned<U>>
  : T extends object
    ? { [K in Exclude<keyof T, UndefinedKeys<T>>]: Pruned<T[K]> } & { [K in UndefinedKeys<T>]?: Pruned<Exclude<T[K], undefined>> }
    : T;

/** Removes keys whose value is undefined (and emptied objects), recursively, so exactOptionalPropertyTypes holds on output. */
export function pruneUndefined<T>(v: T): Pruned<T> {
  return pruneValue(v) as Pruned<T>;
}

function pruneValue(v: unknown): unknown {
  if (Array.isArray(v)) return v.map((x) => pruneValue(x));
  if (isRecord(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, val] of Object.entries(v)) {
      if (val === undefined) continue;
      const p = pruneValue(val);
      if (isRecord(p) && Object.keys(p).length === 0) continue;
      out[k] = p;
    }
    return out;
  }
  return v;
}
