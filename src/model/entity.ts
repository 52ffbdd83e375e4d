// process.entity_id: unique per host boot, unlike a pid. Every collector and importer derives it
// the same way, so telemetry from two sources about one process joins.

import { createHash } from 'node:crypto';

/**
 * A stable id for one process image: the host, the pid and the time its current image started
 * (the exec). A new exec in the same pid is a new entity, as Elastic Defend does it.
 */
export function makeEntityId(hostId: string, pid: number, startMs: number): string {
  return createHash('sha256').update(`${hostId}\0${pid}\0${Math.round(startMs)}`).digest('base64url').slice(0, 22);
}
