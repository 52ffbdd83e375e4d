// The real control's verdict: alerts of the team's own EDR or SIEM, normalised from the vendor's
// format, and per variant × control whether that control alerted. report.json carries them in its
// optional `controls` section (older reports have none).

export type ControlStatus = 'alerted' | 'not-alerted' | 'pending' | 'unavailable';

/** How an alert was tied to a variant: the marker, or the process it names, or host + time only. */
export type ControlMatch = 'marker' | 'process' | 'host-time';

/** One alert of a real control, normalised. Every field but id/control/format/created_at is optional. */
export interface ControlAlert {
  /** Unique within the report: `<control>:<vendor id>` (or a content digest when the vendor has none). */
  id: string;
  /** The control (source) name the user gave, e.g. `elastic`, `webhook`, `defender-export`. */
  control: string;
  /** The format it was read as (elastic, defender, crowdstrike, …). */
  format: string;
  /** When the control created the alert (ISO 8601, UTC). */
  created_at: string;
  /** When the activity it is about happened, when the vendor says so. */
  event_time?: string;
  vendor_id?: string;
  rule_name?: string;
  severity?: string;
  host?: { name?: string; id?: string };
  process?: {
    pid?: number;
    entity_id?: string;
    executable?: string;
    name?: string;
    command_line?: string;
    working_directory?: string;
    parent_pid?: number;
  };
  /** Every run-id / variant-marker pair found anywhere in the vendor's document. */
  markers: Array<{ run_id: string; variant_marker: string; field: string }>;
  /** Where it came from: `file:line`, `webhook #n`, `index/_id`. */
  source_ref: string;
}

export interface ControlSourceRecord {
  /** The control name (unique in a report). */
  control: string;
  kind: 'file' | 'webhook' | 'elastic-pull' | 'splunk-pull';
  format: string;
  /** Where, without secrets: a file path, the receiver address, the URL without credentials. */
  target: string;
  asked_at: string;
  finished_at: string;
  status: 'ok' | 'failed' | 'timed-out';
  /** Why it failed (status failed): what, where, what to do. */
  error?: string;
  /** Problems that did not stop the source (a malformed line, a 429 retried, a skipped document). */
  warnings: string[];
  alerts_received: number;
  /** The raw documents as received (secrets removed), relative to the run folder: controls/<name>.ndjson. */
  raw_file?: string;
  /** The polls or pages asked (pull sources). */
  requests?: number;
}

export interface ControlVariantVerdict {
  variant_id: string;
  control: string;
  status: ControlStatus;
  /** positive / negative, copied from the variant. */
  expect: 'positive' | 'negative';
  alert_ids: string[];
  matched_by?: ControlMatch;
  /** From the upload (the sink's receipt, else the journal) to the control's earliest alert. */
  latency_ms?: number;
  /** An alert on a negative control: the real control's false positive. */
  false_positive: boolean;
  /** Did the control do what the variant expects (alert on positives, stay quiet on negatives)? Pending and unavailable: undefined. */
  expectation_met?: boolean;
  /** unavailable: the source's error; pending: what was waited for. */
  reason?: string;
}

export interface ControlsSection {
  sources: ControlSourceRecord[];
  alerts: ControlAlert[];
  verdicts: ControlVariantVerdict[];
  /** Alerts in the run window that match nothing purple did (by control). */
  unexpected_alert_ids: string[];
  /** Each variant's marker, so a user knows what to search their SIEM for. */
  markers: Array<{ variant_id: string; marker: string }>;
}
