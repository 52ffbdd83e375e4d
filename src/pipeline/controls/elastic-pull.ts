// Elastic Security alerts by search: POST <es>/<index>/_search over `.alerts-security.alerts-*`
// (Authorization: ApiKey <base64 id:key>), sorted by @timestamp and the alert uuid, paged with
// search_after. With api=kibana: POST <kibana>/s/<space>/api/detection_engine/signals/search
// (kbn-xsrf header), one page. Errors as Elasticsearch documents them: 401 (key rejected), 403
// (no read privilege on the index), 404 index_not_found_exception, 400 (query), 429 (retried).

import { PurpleError } from '../../model/index.js';
import { readAlerts } from './read-alerts.js';
import { readBaseUrl, readCredential } from './credentials.js';
import { ALERT_CLOCK_SKEW_MS, errorText, redactUrl, requestWithRetry, type RequestLog } from './http-client.js';
import type { ControlSession, FetchWindow, OpenContext } from './sources.js';
import type { ControlSpec } from './spec.js';

const DEFAULT_INDEX = '.alerts-security.alerts-*';
const MAX_PAGES = 200;

export async function openElasticPull(spec: ControlSpec, ctx: OpenContext): Promise<ControlSession> {
  const base = readBaseUrl(ctx.env, spec.options['url'] ?? spec.target, 'PURPLE_ELASTIC_URL', 'https://es.example.net:9200');
  const key = readCredential(ctx.env, 'PURPLE_ELASTIC_API_KEY', 'Elasticsearch API key (the base64 "encoded" value)');
  const kibana = spec.options['api'] === 'kibana';
  if (spec.options['api'] && !['kibana', 'elasticsearch'].includes(spec.options['api'])) {
    throw new PurpleError('BAD_INPUT', `--control ${spec.text}: api= is elasticsearch or kibana`, { hint: 'api=kibana searches through Kibana\'s detection engine API' });
  }
  const index = spec.options['index'] ?? DEFAULT_INDEX;
  const space = spec.options['space'] ?? 'default';
  const pageSize = Math.min(10_000, Math.max(1, Number(spec.options['page-size'] ?? 500) || 500));
  const url = kibana ? `${base}${space === 'default' ? '' : `/s/${encodeURIComponent(space)}`}/api/detection_engine/signals/search` : `${base}/${index.split(',').map(encodeURIComponent).join(',')}/_search`;
  const headers: Record<string, string> = { authorization: `ApiKey ${key.value}`, 'content-type': 'application/json', accept: 'application/json' };
  if (kibana) headers['kbn-xsrf'] = 'purple-harness';
  const caFile = spec.options['ca'];

  return {
    spec,
    kind: 'elastic-pull',
    format: 'elastic',
    target: redactUrl(url),
    live: true,
    secrets: [key.value],
    async fetch(window: FetchWindow) {
      const log: RequestLog = { requests: 0, warnings: [] };
      const raw: unknown[] = [];
      const alerts = [];
      const warnings: string[] = [];
      let after: unknown[] | undefined;
      for (let page = 0; page < MAX_PAGES; page++) {
        const body = {
          size: pageSize,
          sort: [{ '@timestamp': 'asc' }, { 'kibana.alert.uuid': 'asc' }],
          query: { bool: { filter: [{ range: { '@timestamp': { gte: new Date(window.start_ms - ALERT_CLOCK_SKEW_MS).toISOString() } } }, ...(spec.options['query'] ? [{ query_string: { query: spec.options['query'] } }] : [])] } },
          ...(after ? { search_after: after } : {}),
        };
        const res = await requestWithRetry(url, { method: 'POST', headers, body: JSON.stringify(body), ...(caFile ? { caFile } : {}) }, log);
        if (res.status !== 200) throw elasticError(res.status, res.body, redactUrl(url), index);
        let parsed: { hits?: { hits?: Array<{ sort?: unknown[] }>; total?: { value?: number } | number } };
        try {
          parsed = JSON.parse(res.body) as typeof parsed;
        } catch (e) {
          throw new PurpleError('BAD_INPUT', `${spec.name}: ${redactUrl(url)} answered 200 with a body that is not JSON (${(e as Error).message})`, { hint: 'is the URL the Elasticsearch (or Kibana with api=kibana) endpoint?' });
        }
        const hits = parsed.hits?.hits;
        if (!Array.isArray(hits)) throw new PurpleError('BAD_INPUT', `${spec.name}: the search answer has no hits.hits`, { hint: 'is the URL the Elasticsearch search endpoint?' });
        if (hits.length) {
          const got = readAlerts(JSON.stringify(hits), { control: spec.name, format: 'elastic', origin: `${redactUrl(url)} page ${page + 1}` });
          alerts.push(...got.alerts);
          raw.push(...got.raw);
          warnings.push(...got.warnings);
        }
        if (kibana) {
          const total = typeof parsed.hits?.total === 'number' ? parsed.hits.total : parsed.hits?.total?.value;
          if (total !== undefined && total > hits.length) warnings.push(`${spec.name}: Kibana's search returned ${hits.length} of ${total} alerts (one page); narrow query= or search Elasticsearch directly`);
          break;
        }
        if (hits.length < pageSize) break;
        after = hits[hits.length - 1]?.sort;
        if (!after) break;
        if (page === MAX_PAGES - 1) warnings.push(`${spec.name}: stopped after ${MAX_PAGES} pages; narrow query=`);
      }
      return { alerts, raw, warnings: [...log.warnings, ...warnings], requests: log.requests, format: 'elastic' };
    },
    async close() {},
  };
}

function elasticError(status: number, body: string, url: string, index: string): PurpleError {
  const why = errorText(body);
  if (status === 401) return new PurpleError('PERMISSION', `${url}: 401, the API key was rejected (${why})`, { hint: 'create an API key (Stack Management → API keys) and set PURPLE_ELASTIC_API_KEY to its encoded value' });
  if (status === 403) return new PurpleError('PERMISSION', `${url}: 403, the API key may not read ${index} (${why})`, { hint: `grant the key "read" on ${index} (for Kibana: the Security feature)` });
  if (status === 404) return new PurpleError('NOT_FOUND', `${url}: 404 (${why})`, { hint: `no alerts index ${index} yet: enable a detection rule in Elastic Security, or pass index=` });
  if (status === 429) return new PurpleError('ENVIRONMENT', `${url}: still rate limited after retries (${why})`, { hint: 'raise --control-poll, or ask again later with `purple alerts`' });
  return new PurpleError('ENVIRONMENT', `${url}: HTTP ${status} (${why})`, { hint: status === 400 ? 'the query was rejected: check query=' : 'check the cluster health and the URL' });
}
