// Fallback: nettop snapshots (no root needed) of every process's sockets.

import { parseNettopCsv } from './parse-nettop.js';
import { createSnapshotCollector } from './snapshot-collector.js';

export const NETTOP_ARGV_TAIL = ['-L', '1', '-n', '-x', '-J', 'time,interface,state,bytes_in,bytes_out'];

export const nettopCollector = createSnapshotCollector({
  id: 'nettop',
  description: 'macOS nettop snapshots: per-process sockets polled once a second (fallback when PKTAP is not available)',
  binary: 'nettop',
  argv: (path) => [path, ...NETTOP_ARGV_TAIL],
  parse: parseNettopCsv,
  blindSpots: () => [
    'snapshots: a connection opened and closed between two polls (a short upload) is never seen',
    'the time is when a snapshot first saw the connection, up to one poll interval after the connect',
    'who opened the connection is guessed from the ports (ephemeral local port = outbound)',
    'process names are cut short by nettop (e.g. "com.apple.WebKi"); no argv, no process start time',
  ],
  notFoundFix: 'nettop ships with macOS at /usr/bin/nettop',
});
