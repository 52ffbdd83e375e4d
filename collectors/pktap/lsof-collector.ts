// Fallback: lsof snapshots of open internet sockets with pid, ppid, command and user.

import { parseLsofFields } from './parse-lsof.js';
import { createSnapshotCollector } from './snapshot-collector.js';

export const LSOF_ARGV_TAIL = ['-i', '-n', '-P', '+c', '0', '-F'];

export const lsofCollector = createSnapshotCollector({
  id: 'lsof',
  description: 'lsof snapshots: open TCP/UDP sockets with pid, parent pid, command and user, polled once a second',
  binary: 'lsof',
  argv: (path) => [path, ...LSOF_ARGV_TAIL],
  parse: (stdout) => parseLsofFields(stdout),
  blindSpots: (ctx) => [
    'snapshots: a connection opened and closed between two polls (a short upload) is never seen',
    'no timestamps in lsof: the time is when a snapshot first saw the connection',
    'who opened the connection is guessed from the ports unless lsof shows SYN_SENT',
    ...(ctx.isRoot ? [] : ["not root: only this user's processes are visible"]),
  ],
  notFoundFix: 'lsof ships with macOS at /usr/sbin/lsof',
});
