// One line of audit.log (or of `ausearch --raw`): `[node=N ]type=T msg=audit(SEC.MS:SERIAL): fields`
// followed, in auditd's ENRICHED format, by a 0x1D separator and the UPPERCASE translated fields
// (ARCH=x86_64 SYSCALL=execve UID="root" SADDR={ saddr_fam=inet laddr=… }).

export interface AuditValue {
  value: string;
  /** Quoted values are literal text; unquoted ones may be hex-encoded (EXECVE aN, PROCTITLE). */
  quoted: boolean;
}

export interface AuditRecord {
  type: string;
  node?: string;
  /** Epoch seconds and milliseconds as written, e.g. "1795919922.947". */
  time: string;
  timeMs: number;
  serial: number;
  fields: Map<string, AuditValue>;
  /** Translated fields after 0x1D (ENRICHED logs); empty for RAW logs. */
  enriched: Map<string, string>;
}

const HEADER = /^(?:node=(\S+) )?type=(\S+) msg=audit\((\d+)\.(\d+):(\d+)\):\s?/;

/** Parses one record, or returns why it is not one (a malformed or truncated line). */
export function parseAuditRecord(line: string): { record: AuditRecord } | { error: string } {
  const m = HEADER.exec(line);
  if (!m) return { error: line.trim() === '' ? 'empty line' : 'not an audit record (expected "type=… msg=audit(…):")' };
  const [, node, type, sec, frac, serial] = m as unknown as [string, string | undefined, string, string, string, string];
  const timeMs = Number(sec) * 1000 + Number(frac.padEnd(3, '0').slice(0, 3));
  // A damaged time a Date cannot hold would throw later, when the event is stamped.
  if (!(timeMs < 8.64e15)) return { error: `${type} record: time ${sec}.${frac} is out of range` };
  const rest = line.slice(m[0].length);
  const sep = rest.indexOf('\x1d');
  const body = sep < 0 ? rest : rest.slice(0, sep);
  const fields = new Map<string, AuditValue>();
  const bodyOk = readFields(body, (k, v, quoted) => fields.set(k, { value: v, quoted }));
  if (!bodyOk.ok) return { error: `${type} record ${sec}.${frac}:${serial}: ${bodyOk.error}` };
  const enriched = new Map<string, string>();
  if (sep >= 0) readFields(rest.slice(sep + 1), (k, v) => enriched.set(k, v));
  const record: AuditRecord = {
    type,
    time: `${sec}.${frac}`,
    timeMs,
    serial: Number(serial),
    fields,
    enriched,
  };
  if (node !== undefined) record.node = node;
  return { record };
}

/**
 * Reads `key=value` pairs separated by spaces. Values are "double quoted", 'single quoted' (the
 * msg='…' of user-space records), { braced } (enriched SADDR) or bare tokens.
 */
function readFields(s: string, put: (key: string, value: string, quoted: boolean) => void): { ok: true } | { ok: false; error: string } {
  let i = 0;
  const n = s.length;
  while (i < n) {
    while (i < n && s[i] === ' ') i++;
    if (i >= n) break;
    const eq = s.indexOf('=', i);
    const sp = s.indexOf(' ', i);
    if (eq < 0 || (sp >= 0 && sp < eq)) {
      // A bare word without '=' (rare: kernel messages such as "audit_enabled=1 old=…" are fine,
      // but some records end in free text); skip it rather than fail the record.
      i = sp < 0 ? n : sp + 1;
      continue;
    }
    const key = s.slice(i, eq);
    i = eq + 1;
    const c = s[i];
    if (c === '"' || c === "'") {
      const end = s.indexOf(c, i + 1);
      if (end < 0) return { ok: false, error: `unterminated quoted value of ${key} (truncated line?)` };
      put(key, s.slice(i + 1, end), true);
      i = end + 1;
    } else if (c === '{') {
      const end = s.indexOf('}', i + 1);
      if (end < 0) return { ok: false, error: `unterminated braced value of ${key}` };
      put(key, s.slice(i + 1, end).trim(), true);
      i = end + 1;
    } else {
      let end = s.indexOf(' ', i);
      if (end < 0) end = n;
      put(key, s.slice(i, end), false);
      i = end;
    }
  }
  return { ok: true };
}

/** A field's text, undefined when absent or the kernel's "(null)"/"(none)". */
export function fieldText(r: AuditRecord, key: string): string | undefined {
  const v = r.fields.get(key);
  if (!v) return undefined;
  if (!v.quoted && (v.value === '(null)' || v.value === '(none)')) return undefined;
  return v.value;
}

export function fieldInt(r: AuditRecord, key: string): number | undefined {
  const t = fieldText(r, key);
  if (t === undefined || !/^-?\d+$/.test(t)) return undefined;
  return Number(t);
}
