// `purple detect --format linux-audit`: raw audit.log lines and `ausearch --raw` / `--format raw`
// output, through the same parser and normaliser as the live collector.

import type { Importer, ImportSession } from '../../src/model/index.js';
import { createAuditStreamParser } from './parser.js';
import { parseAuditRecord } from './record.js';

export function createAuditLogImporter(): Importer {
  return {
    id: 'linux-audit',
    description: 'Linux audit records: raw /var/log/audit/audit.log (RAW or ENRICHED) and ausearch --raw output',
    sniff(firstLines) {
      const lines = firstLines.filter((l) => l.trim() !== '').slice(0, 20);
      if (!lines.length) return false;
      const hits = lines.filter((l) => 'record' in parseAuditRecord(l)).length;
      // ausearch separates events with "----" lines; tolerate a few non-records.
      return hits > 0 && hits >= lines.filter((l) => !/^-+$/.test(l.trim())).length / 2;
    },
    create(opts): ImportSession {
      const parser = createAuditStreamParser({
        hostId: opts.hostId ?? opts.hostName ?? 'imported-host',
        ...(opts.hostName !== undefined ? { hostName: opts.hostName } : {}),
      });
      return {
        push: (line, lineNo) => (/^-{4,}$/.test(line.trim()) ? [] : parser.push(line, lineNo)),
        end: () => parser.end(),
        stats: () => parser.stats(),
      };
    },
  };
}
