// Which of ATT&CK AN1391's log sources a macOS run covered, derived from the collectors that ran
// (report.json's `collectors`): the unified log, osquery, and Endpoint Security (EDR / eslogger).

import type { RunReport } from '../model/index.js';

export interface LogSourceCoverage {
  /** AN1391's name for the source. */
  source: 'macos:unifiedlog' | 'macos:osquery' | 'EDR/ES';
  covered: boolean;
  /** Collector ids that covered it, or why nothing could. */
  by: string[];
  note?: string;
}

const SOURCES: ReadonlyArray<{ source: LogSourceCoverage['source']; collectors: readonly string[]; note: string }> = [
  { source: 'macos:unifiedlog', collectors: ['unifiedlog'], note: 'run with --collector unifiedlog (network activity; no process execs)' },
  { source: 'macos:osquery', collectors: [], note: 'purple run does not collect osquery; import its results with purple detect (socket_events needs OpenBSM, gone on macOS 14+)' },
  { source: 'EDR/ES', collectors: ['eslogger'], note: 'Endpoint Security through eslogger' },
];

/** AN1391's sources for a macOS run; empty for other hosts (AN1391 is the macOS analytic). */
export function an1391LogSources(report: Pick<RunReport, 'host' | 'collectors'>): LogSourceCoverage[] {
  if (report.host.os !== 'macos') return [];
  const ran = new Set(report.collectors.map((c) => c.id));
  return SOURCES.map((s) => {
    const by = s.collectors.filter((c) => ran.has(c));
    return { source: s.source, covered: by.length > 0, by, ...(by.length ? {} : { note: s.note }) };
  });
}
