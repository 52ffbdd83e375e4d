// eslogger JSON lines (and Jamf Protect telemetry, which keeps eslogger's es_message_t field
// paths) through the same parser as the live eslogger collector: same events, same ids.

import type { Importer, ImportSession } from '../../src/model/index.js';
import { createEsloggerParser } from '../eslogger/parse.js';
import { isRecord } from './fields.js';
import { applyLineResult, createStatsKeeper } from './import-stats.js';

function looksLikeEsMessage(line: string): boolean {
  try {
    const v: unknown = JSON.parse(line);
    return isRecord(v) && isRecord(v.event) && isRecord(v.process) && ('event_type' in v || 'mach_time' in v || 'global_seq_num' in v);
  } catch {
    return false;
  }
}

export function createEsloggerImporter(): Importer {
  return {
    id: 'eslogger',
    description: 'eslogger JSON lines (es_message_t: exec, fork, exit, mmap), also Jamf Protect telemetry with the same field paths',
    sniff: (firstLines) => firstLines.some(looksLikeEsMessage),
    create(opts): ImportSession {
      const parser = createEsloggerParser({ hostId: opts.hostId ?? 'imported', ...(opts.hostName !== undefined ? { hostName: opts.hostName } : {}) });
      const stats = createStatsKeeper();
      return {
        push(line, lineNo) {
          if (line.trim() === '') return [];
          stats.line();
          return applyLineResult(stats, lineNo, parser.parse(line));
        },
        end: () => [],
        stats: () => stats.snapshot(),
      };
    },
  };
}
