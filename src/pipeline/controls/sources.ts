// The control sources, one registry: file (an export), webhook (a receiver the SOAR/SIEM pushes
// to), elastic-pull (search of the alerts index), splunk-pull (REST search). Each opens a session
// before the run (the webhook must listen while the variants run; credentials are checked before
// anything starts) and is asked for what it has after the run, as often as --control-wait polls.

import { readFileSync } from 'node:fs';
import { PurpleError, type ControlAlert, type ControlSourceRecord } from '../../model/index.js';
import { isDoc } from './fields.js';
import { readAlerts } from './read-alerts.js';
import { openElasticPull } from './elastic-pull.js';
import { openSplunkPull } from './splunk-pull.js';
import { openWebhook } from './webhook.js';
import type { ControlKind, ControlSpec } from './spec.js';

export interface FetchWindow {
  /** The run's first variant start and last variant end (epoch ms). */
  start_ms: number;
  end_ms: number;
}

export interface FetchResult {
  alerts: ControlAlert[];
  raw: unknown[];
  warnings: string[];
  requests?: number;
  format?: string;
}

export interface ControlSession {
  spec: ControlSpec;
  kind: ControlKind;
  format: string;
  /** Where, without secrets. */
  target: string;
  /** Can asking again bring more (webhook, pulls)? A file is read once. */
  live: boolean;
  /** Secret values this session holds (tokens, keys): redacted from everything written. */
  secrets: string[];
  /** For people: how to point the control at it (the webhook URL). */
  instructions?: string;
  fetch(window: FetchWindow): Promise<FetchResult>;
  close(): Promise<void>;
}

export interface OpenContext {
  runId: string;
  env: NodeJS.ProcessEnv;
  /** Report progress lines (waiting, retries). */
  log?: (line: string) => void;
}

export interface ControlSource {
  kind: ControlKind;
  description: string;
  open(spec: ControlSpec, ctx: OpenContext): Promise<ControlSession>;
}

function readColumnMap(path: string | undefined): Record<string, string> | undefined {
  if (!path) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new PurpleError('BAD_INPUT', `column map ${path}: ${(e as Error).message}`, { location: { file: path }, hint: 'a JSON object: {"created_at": "Time", "host.name": "Computer"}' });
  }
  if (!isDoc(parsed) || Object.values(parsed).some((v) => typeof v !== 'string')) {
    throw new PurpleError('BAD_INPUT', `column map ${path} is not an object of strings`, { location: { file: path }, hint: 'a JSON object: {"created_at": "Time", "host.name": "Computer"}' });
  }
  return parsed as Record<string, string>;
}

const fileSource: ControlSource = {
  kind: 'file',
  description: 'an export of alerts (JSON, NDJSON or CSV) read by format',
  async open(spec) {
    const path = spec.target as string;
    const columnMap = readColumnMap(spec.options['map']);
    const format = spec.options['format'] ?? 'auto';
    return {
      spec,
      kind: 'file',
      format,
      target: path,
      live: false,
      secrets: [],
      async fetch() {
        let text: string;
        try {
          text = readFileSync(path, 'utf8');
        } catch (e) {
          throw new PurpleError('NOT_FOUND', `${spec.name}: cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { location: { file: path }, hint: 'export the alerts to that path first' });
        }
        const got = readAlerts(text, { control: spec.name, format, origin: path, ...(columnMap ? { columnMap } : {}), csv: spec.options['csv'] === 'true' || /\.csv$/i.test(path) });
        return { alerts: got.alerts, raw: got.raw, warnings: got.warnings, ...(got.format ? { format: got.format } : {}) };
      },
      async close() {},
    };
  },
};

export const CONTROL_SOURCES: Readonly<Record<ControlKind, ControlSource>> = {
  file: fileSource,
  webhook: { kind: 'webhook', description: 'a receiver (127.0.0.1 by default, per-run token, optional TLS) a SOAR or SIEM pushes alerts to', open: openWebhook },
  'elastic-pull': { kind: 'elastic-pull', description: 'Elasticsearch/Kibana: search of .alerts-security.alerts-* with an API key', open: openElasticPull },
  'splunk-pull': { kind: 'splunk-pull', description: 'Splunk REST search (search/jobs) with an authentication token', open: openSplunkPull },
};

export function getControlSource(kind: string): ControlSource {
  const s = (CONTROL_SOURCES as Record<string, ControlSource>)[kind];
  if (!s) throw new PurpleError('UNKNOWN_ID', `unknown control source "${kind}"`, { hint: `valid sources: ${Object.keys(CONTROL_SOURCES).join(', ')}` });
  return s;
}

/** Opens every session; when one fails, those already open are closed before the error goes up. */
export async function openControlSessions(specs: readonly ControlSpec[], ctx: OpenContext): Promise<ControlSession[]> {
  const open: ControlSession[] = [];
  try {
    for (const s of specs) open.push(await getControlSource(s.kind).open(s, ctx));
  } catch (e) {
    await Promise.allSettled(open.map((o) => o.close()));
    throw e;
  }
  return open;
}

export type { ControlSourceRecord };
