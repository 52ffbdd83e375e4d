// Groups records into events by serial. The kernel ends a syscall event with an EOE record, but
// auditd does not write EOE to audit.log, and records of concurrent events can interleave; so a
// group also closes once enough newer events have started (or at the end of the input).

import type { AuditRecord } from './record.js';

export interface AuditEventGroup {
  key: string;
  node?: string;
  timeMs: number;
  time: string;
  serial: number;
  records: AuditRecord[];
}

/** How many newer events may start before an open event is considered complete. */
export const GROUP_HORIZON = 32;

export interface RecordGrouper {
  push(r: AuditRecord): AuditEventGroup[];
  flush(): AuditEventGroup[];
}

export function createRecordGrouper(horizon = GROUP_HORIZON): RecordGrouper {
  const open = new Map<string, { group: AuditEventGroup; opened: number }>();
  let started = 0;

  const closeOld = (): AuditEventGroup[] => {
    const out: AuditEventGroup[] = [];
    for (const [k, o] of open) {
      if (started - o.opened - 1 < horizon) break; // Map keeps insertion order: the rest are newer
      open.delete(k);
      out.push(o.group);
    }
    return out;
  };

  return {
    push(r) {
      const key = `${r.node ?? ''}|${r.time}:${r.serial}`;
      let o = open.get(key);
      if (r.type === 'EOE') {
        if (!o) return [];
        // Events come out in the order they started, so a process's exec precedes its connects.
        const out: AuditEventGroup[] = [];
        for (const [k, g] of open) {
          if (g.opened > o.opened) break;
          open.delete(k);
          out.push(g.group);
        }
        return out;
      }
      if (!o) {
        const group: AuditEventGroup = { key, timeMs: r.timeMs, time: r.time, serial: r.serial, records: [] };
        if (r.node !== undefined) group.node = r.node;
        o = { group, opened: started++ };
        open.set(key, o);
      }
      o.group.records.push(r);
      return closeOld();
    },
    flush() {
      const out = [...open.values()].map((o) => o.group);
      open.clear();
      return out;
    },
  };
}
