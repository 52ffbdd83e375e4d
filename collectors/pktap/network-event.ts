// What pktap, nettop and lsof share: endpoint parsing and the ECS `network` `connection` event.
// None of these sources knows a process's start time, so process.entity_id is left unset and
// the detector's process-tree enrichment joins these events to process events by host + pid + time.

import { isIP } from 'node:net';
import type { TelemetryEvent } from '../../src/model/index.js';
import { makeEventId, pruneUndefined } from '../importers/fields.js';

export interface Endpoint {
  ip: string;
  port: number;
}

function readPort(s: string): number | undefined {
  if (!/^\d{1,5}$/.test(s)) return undefined;
  const n = Number(s);
  return n <= 65535 ? n : undefined;
}

/** Drops an IPv6 zone (`fe80::1%en0`): ECS ip fields hold addresses, not scopes. */
function cleanIp(ip: string): string | undefined {
  const bare = ip.replace(/^\[|\]$/g, '').replace(/%[^%]*$/, '');
  return isIP(bare) ? bare : undefined;
}

/** tcpdump and nettop's IPv6 form: `addr.port` (`192.168.1.5.53211`, `2001:db8::1.443`). */
export function splitDottedEndpoint(s: string): Endpoint | undefined {
  const i = s.lastIndexOf('.');
  if (i <= 0) return undefined;
  const ip = cleanIp(s.slice(0, i));
  const port = readPort(s.slice(i + 1));
  return ip !== undefined && port !== undefined ? { ip, port } : undefined;
}

/** lsof's and nettop's IPv4 form: `ip:port`, `[v6]:port`; nettop also prints IPv6 as `addr.port`. */
export function splitColonEndpoint(s: string): Endpoint | undefined {
  const bracket = /^\[([^\]]+)\]:(\d+)$/.exec(s);
  if (bracket) {
    const ip = cleanIp(bracket[1] as string);
    const port = readPort(bracket[2] as string);
    return ip !== undefined && port !== undefined ? { ip, port } : undefined;
  }
  const i = s.lastIndexOf(':');
  if (i > 0 && !s.slice(0, i).includes(':')) {
    const ip = cleanIp(s.slice(0, i));
    const port = readPort(s.slice(i + 1));
    if (ip !== undefined && port !== undefined) return { ip, port };
  }
  return splitDottedEndpoint(s);
}

/** First port of macOS's ephemeral range (sysctl net.inet.ip.portrange.first). */
export const EPHEMERAL_PORT_MIN = 49152;

/**
 * Who opened a connection, when the source does not say: a local ephemeral port talking to a
 * service port is the client side. Guessed, so sources that can, say it themselves.
 */
export function inferDirection(local: Endpoint, remote: Endpoint): 'egress' | 'ingress' | 'unknown' {
  const localEphemeral = local.port >= EPHEMERAL_PORT_MIN;
  const remoteEphemeral = remote.port >= EPHEMERAL_PORT_MIN;
  if (localEphemeral && !remoteEphemeral) return 'egress';
  if (!localEphemeral && remoteEphemeral) return 'ingress';
  return 'unknown';
}

export interface ConnectionFacts {
  dataset: string;
  hostId: string;
  hostName?: string;
  timestamp: string;
  pid?: number;
  processName?: string;
  parentPid?: number;
  userId?: string;
  userName?: string;
  source: Endpoint;
  destination: Endpoint;
  transport: string;
  direction: 'egress' | 'ingress' | 'unknown';
  sequence?: number;
  /** Source-specific evidence (interface, tcp flags, state), kept under the dataset's name. */
  extra?: Record<string, unknown>;
}

export function makeConnectionEvent(f: ConnectionFacts): TelemetryEvent {
  const ipv6 = f.destination.ip.includes(':') || f.source.ip.includes(':');
  const e: TelemetryEvent = pruneUndefined({
    '@timestamp': f.timestamp,
    event: {
      id: makeEventId(f.dataset, f.hostId, f.timestamp, f.pid, f.transport, f.source.ip, f.source.port, f.destination.ip, f.destination.port),
      kind: 'event' as const,
      category: 'network' as const,
      type: 'connection',
      action: 'connect',
      dataset: f.dataset,
      sequence: f.sequence,
    },
    host: { name: f.hostName, id: f.hostId, os: { type: 'macos' as const } },
    process: { pid: f.pid, name: f.processName, parent: f.parentPid !== undefined ? { pid: f.parentPid } : undefined },
    user: { id: f.userId, name: f.userName },
    source: { ip: f.source.ip, port: f.source.port },
    destination: { ip: f.destination.ip, port: f.destination.port },
    network: { transport: f.transport, direction: f.direction, type: ipv6 ? ('ipv6' as const) : ('ipv4' as const) },
  });
  if (f.extra && Object.keys(f.extra).length) e[f.dataset] = pruneUndefined(f.extra);
  return e;
}
