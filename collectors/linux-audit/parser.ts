// Line stream → records → events → ECS events: the one audit pipeline both the live collector and
// the audit.log importer use. Malformed lines are counted with their line numbers, never fatal.

import type { ImportStats, TelemetryEvent } from '../../src/model/index.js';
import { createStatsKeeper } from '../importers/import-stats.js';
import { createRecordGrouper, type AuditEventGroup } from './group.js';
import { createAuditNormalizer, type AuditNormalizerOptions } from './normalize.js';
import { parseAuditRecord } from './record.js';

export interface AuditStreamParser {
  push(line: string, lineNo: number): TelemetryEvent[];
  end(): TelemetryEvent[];
  stats(): ImportStats;
  /** Events (serials) that were normalised or skipped, by reason: evidence for the report. */
  skipReasons(): Record<string, number>;
}

export function createAuditStreamParser(opts: AuditNormalizerOptions): AuditStreamParser {
  const stats = createStatsKeeper();
  const grouper = createRecordGrouper();
  const normalizer = createAuditNormalizer(opts);
  const reasons: Record<string, number> = {};

  const emit = (groups: AuditEventGroup[]): TelemetryEvent[] => {
    const out: TelemetryEvent[] = [];
    for (const g of groups) {
      const r = normalizer.normalize(g);
      if (r.kind === 'events') out.push(...r.events);
      else reasons[r.why] = (reasons[r.why] ?? 0) + 1;
    }
    stats.events(out.length);
    return out;
  };

  return {
    push(line, lineNo) {
      if (line.trim() === '') return [];
      stats.line();
      const p = parseAuditRecord(line);
      if ('error' in p) {
        stats.malformed(lineNo, p.error);
        return [];
      }
      if (p.record.type !== 'SYSCALL' && !RELEVANT.has(p.record.type)) {
        // Records of events the normaliser never uses (USER_*, CRED_*, SERVICE_*, …).
        stats.skipped();
      }
      return emit(grouper.push(p.record));
    },
    end: () => emit(grouper.flush()),
    stats: () => stats.snapshot(),
    skipReasons: () => ({ ...reasons }),
  };
}

/** Record types that belong to the syscall events the normaliser reads. */
const RELEVANT = new Set(['EXECVE', 'CWD', 'PATH', 'PROCTITLE', 'SOCKADDR', 'BPRM_FCAPS', 'EOE', 'CONFIG_CHANGE']);
