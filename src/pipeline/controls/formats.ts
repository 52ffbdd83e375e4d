// The alert formats a control source reads, one registry: id → how to recognise a document, how
// to take the documents out of the vendor's envelope, and how to normalise one into a ControlAlert.
// Field names follow each vendor's published documentation of the format (docs/controls.md lists
// them); the fixtures in test/controls/fixtures were written from that documentation, not taken
// from a live tenant.

import { PurpleError, type ControlAlert } from '../../model/index.js';
import { compact, digestId, findMarkers, getPath, int, isDoc, isoTime, str, type Doc } from './fields.js';

export interface NormalizeContext {
  control: string;
  /** `file:line`, `webhook #3`, `index/_id`. */
  ref: string;
  /** generic format: canonical field → the column or path holding it. */
  columnMap?: Record<string, string>;
}

export interface AlertFormat {
  id: string;
  description: string;
  /** Does this (unwrapped) document look like one of this format's alerts? */
  recognise(doc: Doc): boolean;
  /** The alert documents inside one top-level value (the API's envelope), or undefined when it is one alert. */
  unwrap?(top: Doc): unknown[] | undefined;
  normalize(doc: Doc, ctx: NormalizeContext): ControlAlert | undefined;
}

/** What a format reads out of a document; every value may be missing (compact() drops those). */
interface AlertDraft {
  vendor_id: string | undefined;
  created_at: string | undefined;
  event_time: string | undefined;
  rule_name: string | undefined;
  severity: string | undefined;
  host: { name?: string | undefined; id?: string | undefined };
  process: { [K in keyof NonNullable<ControlAlert['process']>]?: NonNullable<ControlAlert['process']>[K] | undefined };
}

function build(doc: Doc, ctx: NormalizeContext, format: string, a: AlertDraft): ControlAlert | undefined {
  if (!a.created_at) return undefined;
  const vendorId = a.vendor_id ?? digestId(doc);
  return compact<ControlAlert>({
    ...(a as Omit<ControlAlert, 'id' | 'control' | 'format' | 'markers' | 'source_ref' | 'created_at'>),
    id: `${ctx.control}:${vendorId}`,
    control: ctx.control,
    format,
    created_at: a.created_at,
    vendor_id: vendorId,
    markers: findMarkers(doc),
    source_ref: ctx.ref,
  });
}

// --- Elastic Security: documents of .alerts-security.alerts-<space> (ECS + kibana.alert.*) ------
const elastic: AlertFormat = {
  id: 'elastic',
  description: 'Elastic Security alert documents (.alerts-security.alerts-*: ECS fields + kibana.alert.*), bare or as search hits',
  recognise: (d) => str(d, 'kibana.alert.uuid', 'kibana.alert.rule.uuid', 'kibana.alert.rule.name', '_source.kibana.alert.uuid') !== undefined,
  unwrap: (top) => {
    const hits = getPath(top, 'hits.hits');
    return Array.isArray(hits) ? hits : undefined;
  },
  normalize(raw, ctx) {
    const d = isDoc(raw['_source']) ? (raw['_source'] as Doc) : raw;
    return build(raw, ctx, 'elastic', {
      vendor_id: str(d, 'kibana.alert.uuid') ?? str(raw, '_id'),
      created_at: isoTime(d, '@timestamp', 'kibana.alert.start'),
      event_time: isoTime(d, 'kibana.alert.original_time'),
      rule_name: str(d, 'kibana.alert.rule.name', 'rule.name'),
      severity: str(d, 'kibana.alert.severity'),
      host: { name: str(d, 'host.name', 'host.hostname'), id: str(d, 'host.id') },
      process: {
        pid: int(d, 'process.pid'),
        entity_id: str(d, 'process.entity_id'),
        executable: str(d, 'process.executable'),
        name: str(d, 'process.name'),
        command_line: str(d, 'process.command_line'),
        working_directory: str(d, 'process.working_directory'),
        parent_pid: int(d, 'process.parent.pid'),
      },
    });
  },
};

// --- Microsoft Defender XDR / Sentinel: Graph security alert (alerts_v2) ---------------------
function evidenceOf(d: Doc, type: string): Doc[] {
  const ev = d['evidence'];
  return Array.isArray(ev) ? ev.filter((e): e is Doc => isDoc(e) && String(e['@odata.type'] ?? '').toLowerCase().endsWith(type.toLowerCase())) : [];
}

const defender: AlertFormat = {
  id: 'defender',
  description: 'Microsoft Defender XDR / Sentinel alerts as Microsoft Graph security alert (v2) JSON, bare or in {"value": […]}',
  recognise: (d) => ('createdDateTime' in d && ('evidence' in d || 'detectionSource' in d || 'serviceSource' in d)) || String(d['@odata.type'] ?? '').includes('security.alert'),
  unwrap: (top) => (Array.isArray(top['value']) ? (top['value'] as unknown[]) : undefined),
  normalize(d, ctx) {
    const proc = evidenceOf(d, 'processEvidence')[0];
    const device = evidenceOf(d, 'deviceEvidence')[0];
    const imagePath = proc ? str(proc, 'imageFile.filePath') : undefined;
    const imageName = proc ? str(proc, 'imageFile.fileName') : undefined;
    return build(d, ctx, 'defender', {
      vendor_id: str(d, 'id'),
      created_at: isoTime(d, 'createdDateTime'),
      event_time: isoTime(d, 'firstActivityDateTime'),
      rule_name: str(d, 'title'),
      severity: str(d, 'severity'),
      host: device ? { name: str(device, 'deviceDnsName', 'hostName'), id: str(device, 'mdeDeviceId') } : {},
      process: proc
        ? {
            pid: int(proc, 'processId'),
            executable: imagePath && imageName ? `${imagePath.replace(/[\\/]+$/, '')}/${imageName}` : imagePath,
            name: imageName,
            command_line: str(proc, 'processCommandLine'),
            parent_pid: int(proc, 'parentProcessId'),
          }
        : {},
    });
  },
};

// --- CrowdStrike Falcon: Alerts API v2 entities, and legacy detection summaries -------------
const crowdstrike: AlertFormat = {
  id: 'crowdstrike',
  description: 'CrowdStrike Falcon alerts (Alerts API entities: composite_id …) or legacy detections (detection_id + behaviors), bare or in {"resources": […]}',
  recognise: (d) => 'composite_id' in d || ('detection_id' in d && 'behaviors' in d) || (isDoc(d['device']) && 'created_timestamp' in d),
  unwrap: (top) => (Array.isArray(top['resources']) && !('composite_id' in top) ? (top['resources'] as unknown[]) : undefined),
  normalize(d, ctx) {
    const behavior = Array.isArray(d['behaviors']) && isDoc(d['behaviors'][0]) ? (d['behaviors'][0] as Doc) : d;
    return build(d, ctx, 'crowdstrike', {
      vendor_id: str(d, 'composite_id', 'detection_id', 'id'),
      created_at: isoTime(d, 'created_timestamp'),
      event_time: isoTime(behavior, 'timestamp', 'context_timestamp'),
      rule_name: str(behavior, 'display_name', 'name', 'scenario', 'description'),
      severity: str(d, 'severity_name', 'max_severity_displayname') ?? str(behavior, 'severity'),
      host: { name: str(d, 'device.hostname', 'hostname'), id: str(d, 'device.device_id', 'agent_id', 'aid') },
      process: {
        pid: int(behavior, 'local_process_id'),
        entity_id: str(behavior, 'triggering_process_graph_id'),
        executable: str(behavior, 'filepath'),
        name: str(behavior, 'filename'),
        command_line: str(behavior, 'cmdline'),
        parent_pid: int(behavior, 'parent_details.local_process_id'),
      },
    });
  },
};

// --- SentinelOne: Management API v2.1 threats -----------------------------------------------
const sentinelone: AlertFormat = {
  id: 'sentinelone',
  description: 'SentinelOne threats (Management API /web/api/v2.1/threats: threatInfo, agentRealtimeInfo …), bare or in {"data": […]}',
  recognise: (d) => isDoc(d['threatInfo']),
  unwrap: (top) => (Array.isArray(top['data']) ? (top['data'] as unknown[]) : undefined),
  normalize(d, ctx) {
    return build(d, ctx, 'sentinelone', {
      vendor_id: str(d, 'id', 'threatInfo.threatId'),
      created_at: isoTime(d, 'threatInfo.createdAt', 'createdAt'),
      event_time: isoTime(d, 'threatInfo.identifiedAt'),
      rule_name: str(d, 'threatInfo.threatName', 'threatInfo.classification'),
      severity: str(d, 'threatInfo.confidenceLevel'),
      host: { name: str(d, 'agentRealtimeInfo.agentComputerName', 'agentDetectionInfo.agentComputerName'), id: str(d, 'agentRealtimeInfo.agentUuid', 'agentDetectionInfo.agentUuid') },
      process: {
        name: str(d, 'threatInfo.originatorProcess'),
        command_line: str(d, 'threatInfo.maliciousProcessArguments'),
        entity_id: str(d, 'threatInfo.storyline'),
      },
    });
  },
};

// --- Jamf Protect: alerts as its actions send them (HTTP endpoint, cloud storage) ------------
function jamfProcess(d: Doc): Doc | undefined {
  const procs = getPath(d, 'input.related.processes');
  if (!Array.isArray(procs)) return undefined;
  const pid = int(d, 'input.match.event.pid');
  const hit = procs.find((p) => isDoc(p) && pid !== undefined && int(p, 'pid') === pid) ?? procs[0];
  return isDoc(hit) ? hit : undefined;
}

const jamfProtect: AlertFormat = {
  id: 'jamf-protect',
  description: 'Jamf Protect alerts (input.host, input.match.facts, input.related.processes …) as its HTTP and storage actions send them',
  recognise: (d) => isDoc(getPath(d, 'input.match')) || isDoc(getPath(d, 'input.host')),
  normalize(d, ctx) {
    const p = jamfProcess(d);
    const args = p ? getPath(p, 'args') : undefined;
    const facts = getPath(d, 'input.match.facts');
    const fact = Array.isArray(facts) && isDoc(facts[0]) ? (facts[0] as Doc) : undefined;
    return build(d, ctx, 'jamf-protect', {
      vendor_id: str(d, 'input.match.uuid', 'uuid'),
      created_at: isoTime(d, 'timestamp', 'input.eventTime', 'input.match.event.timestamp'),
      event_time: isoTime(d, 'input.match.event.timestamp'),
      rule_name: fact ? str(fact, 'human', 'name') : undefined,
      severity: str(d, 'input.match.severity', 'severity'),
      host: { name: str(d, 'input.host.hostname'), id: str(d, 'input.host.serial', 'input.host.provisioningUDID') },
      process: p
        ? {
            pid: int(p, 'pid'),
            entity_id: str(p, 'uuid'),
            executable: str(p, 'path'),
            name: str(p, 'name'),
            command_line: Array.isArray(args) ? args.map(String).join(' ') : str(p, 'args'),
            parent_pid: int(p, 'ppid'),
          }
        : {},
    });
  },
};

// --- Splunk: search results (REST /results or /export JSON, CSV export); CIM field names ----
const splunk: AlertFormat = {
  id: 'splunk',
  description: 'Splunk search results: REST JSON ({"results": […]} or export lines {"result": {…}}), or a CSV export; CIM Endpoint fields (dest, process_id, process, process_path …)',
  recognise: (d) => '_time' in d || isDoc(d['result']) || 'search_name' in d,
  unwrap: (top) => (Array.isArray(top['results']) ? (top['results'] as unknown[]) : isDoc(top['result']) ? [top['result']] : undefined),
  normalize(d, ctx) {
    return build(d, ctx, 'splunk', {
      vendor_id: str(d, 'event_id', 'rule_id', '_cd', '_serial'),
      created_at: isoTime(d, '_time'),
      event_time: isoTime(d, 'orig_time', 'info_min_time'),
      rule_name: str(d, 'search_name', 'rule_name', 'source'),
      severity: str(d, 'urgency', 'severity'),
      host: { name: str(d, 'dest', 'dest_host', 'host', 'dvc') },
      process: {
        pid: int(d, 'process_id', 'pid'),
        entity_id: str(d, 'process_guid'),
        executable: str(d, 'process_path', 'process_exec'),
        name: str(d, 'process_name'),
        command_line: str(d, 'process'),
        working_directory: str(d, 'process_current_directory'),
        parent_pid: int(d, 'parent_process_id'),
      },
    });
  },
};

// --- purple's own alerts (purple detect --alerts, the `alerts` array of report.json) ----------
const purple: AlertFormat = {
  id: 'purple',
  description: "purple's own alert NDJSON (rule, timestamp, event_ids …), e.g. `purple detect` run by the SIEM team on its own export",
  recognise: (d) => isDoc(d['rule']) && Array.isArray(d['event_ids']),
  unwrap: (top) => (Array.isArray(top['alerts']) && 'schema_version' in top ? (top['alerts'] as unknown[]) : undefined),
  normalize(d, ctx) {
    return build(d, ctx, 'purple', {
      vendor_id: str(d, 'id'),
      created_at: isoTime(d, 'timestamp'),
      event_time: isoTime(d, 'first_event_time'),
      rule_name: str(d, 'rule.name', 'rule.id'),
      severity: str(d, 'rule.severity'),
      host: { name: str(d, 'host.name') },
      process: { pid: int(d, 'process.pid'), entity_id: str(d, 'process.entity_id'), executable: str(d, 'process.executable'), command_line: str(d, 'process.command_line') },
    });
  },
};

// --- anything else: NDJSON or CSV with a column map ------------------------------------------
export const GENERIC_FIELDS = [
  'id', 'created_at', 'event_time', 'rule_name', 'severity', 'host.name', 'host.id', 'process.pid', 'process.entity_id',
  'process.executable', 'process.name', 'process.command_line', 'process.working_directory', 'process.parent_pid',
] as const;

const generic: AlertFormat = {
  id: 'generic',
  description: 'any NDJSON or CSV, with a column map (map=FILE: JSON object canonical field → column); created_at is required',
  recognise: () => false,
  normalize(d, ctx) {
    const map = ctx.columnMap ?? {};
    const col = (f: string): string => map[f] ?? f;
    return build(d, ctx, 'generic', {
      vendor_id: str(d, col('id')),
      created_at: isoTime(d, col('created_at')),
      event_time: isoTime(d, col('event_time')),
      rule_name: str(d, col('rule_name')),
      severity: str(d, col('severity')),
      host: { name: str(d, col('host.name')), id: str(d, col('host.id')) },
      process: {
        pid: int(d, col('process.pid')),
        entity_id: str(d, col('process.entity_id')),
        executable: str(d, col('process.executable')),
        name: str(d, col('process.name')),
        command_line: str(d, col('process.command_line')),
        working_directory: str(d, col('process.working_directory')),
        parent_pid: int(d, col('process.parent_pid')),
      },
    });
  },
};

export const ALERT_FORMATS: Readonly<Record<string, AlertFormat>> = {
  elastic,
  defender,
  crowdstrike,
  sentinelone,
  'jamf-protect': jamfProtect,
  splunk,
  purple,
  generic,
};

export function getAlertFormat(id: string): AlertFormat {
  const f = ALERT_FORMATS[id];
  if (!f) throw new PurpleError('UNKNOWN_ID', `unknown alert format "${id}"`, { hint: `valid formats: ${Object.keys(ALERT_FORMATS).join(', ')}, or auto` });
  return f;
}

/** The format a document looks like (auto-detection), or undefined. */
export function recogniseFormat(doc: Doc): AlertFormat | undefined {
  for (const f of Object.values(ALERT_FORMATS)) {
    const inner = f.unwrap?.(doc);
    if (inner?.length && isDoc(inner[0]) && f.recognise(inner[0] as Doc)) return f;
    if (f.recognise(doc)) return f;
  }
  return undefined;
}
