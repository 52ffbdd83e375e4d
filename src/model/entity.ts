// process.entity_id: unique per host boot, unlike a pid. Every collector and importer derives it
// the same way, so telemetry from two sources about one process joins.

import { createHash } from 'node:crypto';

/**
 * A stable id for one process: the host, the pid and the time the process was first known (its
 * fork, or the first record that showed it). The Linux collectors assign it once per process and
 * keep it across exec, as Elastic Defend does: the id never depends on how close in time a fork
 * and its exec were. (eslogger ids follow the kernel's pidversion, which macOS bumps on exec.)
 */
export function makeEntityId(hostId: string, pid: number, startMs: number): string {
  return createHash('sha256').update(`${hostId}\0${pid}\0${Math.round(startMs)}`).digest('base64url').slice(0, 22);
}
