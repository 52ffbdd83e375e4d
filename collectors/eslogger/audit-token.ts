// eslogger prints audit tokens as objects ({pid, pidversion, euid, …}) up to message version 9
// and as the raw 8-integer audit_token_t (val[0..7]) from version 10 (macOS 26). Both mean the same.

import { isRecord, toInt } from '../importers/fields.js';

export interface AuditToken {
  pid: number;
  pidversion?: number;
  auid?: number;
  euid?: number;
  egid?: number;
  ruid?: number;
  rgid?: number;
  asid?: number;
}

/** audit_token_t.val[] layout (BSM audit_token_to_*): auid, euid, egid, ruid, rgid, pid, asid, pidversion. */
const ARRAY_FIELDS = ['auid', 'euid', 'egid', 'ruid', 'rgid', 'pid', 'asid', 'pidversion'] as const;

/** Reads either shape; undefined when there is no usable pid. */
export function readAuditToken(v: unknown): AuditToken | undefined {
  const raw: Record<string, number | undefined> = {};
  if (Array.isArray(v)) {
    if (v.length !== 8) return undefined;
    ARRAY_FIELDS.forEach((name, i) => (raw[name] = toInt(v[i])));
  } else if (isRecord(v)) {
    for (const name of ARRAY_FIELDS) raw[name] = toInt(v[name]);
  } else {
    return undefined;
  }
  const pid = raw.pid;
  if (pid === undefined || pid < 0) return undefined;
  const t: AuditToken = { pid };
  for (const name of ARRAY_FIELDS) {
    const val = raw[name];
    if (name !== 'pid' && val !== undefined) t[name] = val;
  }
  return t;
}
