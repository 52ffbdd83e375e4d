// The normalised telemetry event: Elastic Common Schema field names, nested on disk (NDJSON),
// addressed by flat dotted paths in rules. See DESIGN.md §4. Every collector and importer emits
// this shape; the detector and scoring read only this shape.

export type EventCategory = 'process' | 'network' | 'library' | 'file';
export type OsType = 'macos' | 'linux';

export interface CodeSignature {
  signing_id?: string;
  team_id?: string;
  platform_binary?: boolean;
}

export interface ProcessParent {
  pid?: number;
  entity_id?: string;
  name?: string;
  executable?: string;
  command_line?: string;
  args?: string[];
}

export interface ProcessFields {
  pid?: number;
  entity_id?: string;
  name?: string;
  executable?: string;
  args?: string[];
  args_count?: number;
  command_line?: string;
  working_directory?: string;
  /** ISO 8601 start time of the process (its exec). */
  start?: string;
  parent?: ProcessParent;
  group_leader?: { entity_id?: string; pid?: number };
  code_signature?: CodeSignature;
  Ext?: { ancestry?: string[] };
}

export interface TelemetryEvent {
  '@timestamp': string;
  event: {
    id: string;
    kind: 'event' | 'alert' | 'signal';
    category: EventCategory;
    type: string; // start | end | connection | info | ...
    action: string; // exec | fork | exit | connect | load | ...
    dataset: string; // collector id, e.g. "linux-audit"
    outcome?: 'success' | 'failure' | 'unknown';
    /** Record number / serial in the source, for tie-breaking and evidence. */
    sequence?: number;
  };
  host?: { name?: string; id?: string; os?: { type?: OsType; version?: string } };
  user?: { name?: string; id?: string; effective?: { id?: string; name?: string } };
  process?: ProcessFields;
  destination?: { ip?: string; port?: number; domain?: string };
  source?: { ip?: string; port?: number };
  network?: { transport?: string; direction?: 'egress' | 'ingress' | 'unknown'; type?: 'ipv4' | 'ipv6' };
  dll?: { path?: string; name?: string };
  file?: { path?: string; name?: string };
  labels?: { purple_run_id?: string; purple_variant_id?: string; [k: string]: string | undefined };
  /** Fields a source has that ECS does not name; kept for evidence, never needed by rules. */
  [extra: string]: unknown;
}

/** Milliseconds since the epoch of an event's @timestamp (NaN when unparseable). */
export function eventTimeMs(e: Pick<TelemetryEvent, '@timestamp'>): number {
  return Date.parse(e['@timestamp']);
}
