// Pure: unified-log records → ECS events, with the standard values Elastic Defend writes
// (event.category/type arrays, network action connection_attempted). Only network activity is
// normalised: libnetwork (subsystem com.apple.network) logs each outbound nw_connection with its
// id, endpoint and transport, e.g. `[C3 127.0.0.1:8443 tcp, …]`. That bracket shape comes from
// public log samples, not from Apple's documentation, and endpoints are `<private>` unless the
// host enables private data; a record without a numeric endpoint is counted, not guessed.
// The process subsystem names each record's process (pid, image path) but logs no exec with argv
// or parent: those records are counted as seen, never turned into process starts.

import { isIP } from 'node:net';
import type { TelemetryEvent } from '../../src/model/index.js';
import { baseName, makeEventId } from '../importers/fields.js';
import type { UnifiedLogRecord } from './parse.js';

export const UNIFIEDLOG_DATASET = 'unifiedlog';
export const ECS_VERSION = '8.17.0';

export interface NormalizeState {
  /** `pid connection-id` pairs already turned into an event (libnetwork logs a connection many times). */
  seen: Set<string>;
  /** Network records whose endpoint was redacted or a host name. */
  unresolved: number;
}

export function newNormalizeState(): NormalizeState {
  return { seen: new Set(), unresolved: 0 };
}

const CONNECTION = /\[C(\d+(?:\.\d+)*) (\S+?) (tcp|udp|quic)\b/;

function splitEndpoint(s: string): { ip: string; port: number } | undefined {
  const m = /^\[([^\]]+)\]:(\d{1,5})$/.exec(s) ?? /^([^:\s]+):(\d{1,5})$/.exec(s) ?? /^([0-9a-fA-F:]+)\.(\d{1,5})$/.exec(s);
  if (!m) return undefined;
  const ip = (m[1] as string).replace(/%.*$/, '');
  const port = Number(m[2]);
  return isIP(ip) && port <= 65535 ? { ip, port } : undefined;
}

export interface HostFacts {
  hostId: string;
  hostName?: string;
}

/** The events one record yields (none for most records), updating the dedup state. */
export function normalizeUnifiedLogRecord(r: UnifiedLogRecord, host: HostFacts, state: NormalizeState): TelemetryEvent[] {
  if (r.subsystem !== 'com.apple.network') return [];
  const m = CONNECTION.exec(r.eventMessage);
  if (!m) return [];
  const connId = (m[1] as string).split('.')[0] as string;
  const key = `${r.pid ?? '?'} C${connId}`;
  if (state.seen.has(key)) return [];
  const dest = splitEndpoint(m[2] as string);
  if (!dest) {
    state.unresolved++;
    return [];
  }
  state.seen.add(key);
  const transport = m[3] === 'quic' ? 'udp' : (m[3] as string);
  const e = {
    '@timestamp': r.timestamp,
    ecs: { version: ECS_VERSION },
    event: {
      id: makeEventId(UNIFIEDLOG_DATASET, host.hostId, r.timestamp, r.pid, key, dest.ip, dest.port),
      kind: 'event',
      category: ['network'],
      type: ['start'],
      action: 'connection_attempted',
      dataset: UNIFIEDLOG_DATASET,
      ...(r.machTimestamp !== undefined ? { sequence: r.machTimestamp } : {}),
    },
    host: { id: host.hostId, ...(host.hostName !== undefined ? { name: host.hostName } : {}), os: { type: 'macos' } },
    process: {
      ...(r.pid !== undefined ? { pid: r.pid } : {}),
      ...(r.processImagePath !== undefined ? { executable: r.processImagePath, name: baseName(r.processImagePath) } : {}),
    },
    destination: { ip: dest.ip, port: dest.port },
    network: { transport, direction: 'egress', type: dest.ip.includes(':') ? 'ipv6' : 'ipv4' },
    unifiedlog: {
      connection: `C${m[1] as string}`,
      ...(r.category !== undefined ? { category: r.category } : {}),
      ...(r.senderImagePath !== undefined ? { sender: r.senderImagePath } : {}),
      message: r.eventMessage.slice(0, 500),
    },
  };
  // The shared TelemetryEvent type still declares a single category string until the ECS
  // conversion (issue 14a) lands; this event already carries the standard ECS arrays.
  return [e as unknown as TelemetryEvent];
}
