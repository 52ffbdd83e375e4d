// Splunk alerts by REST search: POST /services/search/jobs (search, earliest_time, output_mode=json)
// → sid; GET /services/search/jobs/<sid> until dispatchState is DONE (or FAILED); GET
// …/<sid>/results?output_mode=json&offset=&count= page by page; DELETE the job. Authorization:
// Bearer <authentication token>. 401 (token), 403 (capability), 400 (SPL, with Splunk's messages),
// 404 (job gone), 429/503 retried with Retry-After.

import { PurpleError } from '../../model/index.js';
import { readAlerts } from './read-alerts.js';
import { readBaseUrl, readCredential } from './credentials.js';
import { ALERT_CLOCK_SKEW_MS, errorText, redactUrl, requestWithRetry, type RequestLog } from './http-client.js';
import type { ControlSession, FetchWindow, OpenContext } from './sources.js';
import type { ControlSpec } from './spec.js';

const DEFAULT_SEARCH = 'search index=notable';
const JOB_TIMEOUT_MS = 120_000;

export async function openSplunkPull(spec: ControlSpec, ctx: OpenContext): Promise<ControlSession> {
  const base = readBaseUrl(ctx.env, spec.options['url'] ?? spec.target, 'PURPLE_SPLUNK_URL', 'https://splunk.example.net:8089');
  const token = readCredential(ctx.env, 'PURPLE_SPLUNK_TOKEN', 'Splunk authentication token');
  const raw = spec.options['search'] ?? DEFAULT_SEARCH;
  const search = /^\s*(search\b|\|)/.test(raw) ? raw : `search ${raw}`;
  const count = Math.min(50_000, Math.max(1, Number(spec.options['page-size'] ?? 1000) || 1000));
  const headers = { authorization: `Bearer ${token.value}`, accept: 'application/json' };
  const caFile = spec.options['ca'];
  const req = (url: string, method: 'GET' | 'POST' | 'DELETE', log: RequestLog, form?: Record<string, string>) =>
    requestWithRetry(url, { method, headers: { ...headers, ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) }, ...(form ? { body: new URLSearchParams(form).toString() } : {}), ...(caFile ? { caFile } : {}) }, log);

  return {
    spec,
    kind: 'splunk-pull',
    format: 'splunk',
    target: redactUrl(`${base}/services/search/jobs`),
    live: true,
    secrets: [token.value],
    async fetch(window: FetchWindow) {
      const log: RequestLog = { requests: 0, warnings: [] };
      const jobs = `${base}/services/search/jobs`;
      const created = await req(jobs, 'POST', log, { search, earliest_time: String(Math.floor((window.start_ms - ALERT_CLOCK_SKEW_MS) / 1000)), latest_time: 'now', output_mode: 'json' });
      if (created.status !== 201 && created.status !== 200) throw splunkError(created.status, created.body, redactUrl(jobs));
      const sid = parseJson<{ sid?: string }>(created.body, jobs).sid;
      if (!sid) throw new PurpleError('BAD_INPUT', `${redactUrl(jobs)}: the answer names no sid`, { hint: 'is the URL the Splunk management port (8089)?' });
      const job = `${jobs}/${encodeURIComponent(sid)}`;
      try {
        const started = Date.now();
        for (;;) {
          const st = await req(`${job}?output_mode=json`, 'GET', log);
          if (st.status !== 200) throw splunkError(st.status, st.body, redactUrl(job));
          const content = parseJson<{ entry?: Array<{ content?: { dispatchState?: string; isDone?: boolean; messages?: unknown } }> }>(st.body, job).entry?.[0]?.content;
          const state = content?.dispatchState;
          if (state === 'FAILED') throw new PurpleError('ENVIRONMENT', `${redactUrl(job)}: the search failed (${errorText(st.body)})`, { hint: 'run the search= in Splunk to see why' });
          if (state === 'DONE' || content?.isDone === true) break;
          if (Date.now() - started > JOB_TIMEOUT_MS) throw new PurpleError('ENVIRONMENT', `${redactUrl(job)}: the search did not finish within ${JOB_TIMEOUT_MS / 1000} s (state ${state ?? 'unknown'})`, { hint: 'narrow search=' });
          await new Promise((r) => setTimeout(r, 250));
        }
        const alerts = [];
        const raws: unknown[] = [];
        const warnings: string[] = [];
        for (let offset = 0; ; offset += count) {
          const res = await req(`${job}/results?output_mode=json&offset=${offset}&count=${count}`, 'GET', log);
          if (res.status === 204) break;
          if (res.status !== 200) throw splunkError(res.status, res.body, redactUrl(`${job}/results`));
          const results = parseJson<{ results?: unknown[] }>(res.body, `${job}/results`).results ?? [];
          if (results.length) {
            const got = readAlerts(JSON.stringify(results), { control: spec.name, format: 'splunk', origin: `${redactUrl(job)}/results offset ${offset}` });
            alerts.push(...got.alerts);
            raws.push(...got.raw);
            warnings.push(...got.warnings);
          }
          if (results.length < count) break;
        }
        return { alerts, raw: raws, warnings: [...log.warnings, ...warnings], requests: log.requests, format: 'splunk' };
      } finally {
        // The job holds disk quota on the search head until it expires; free it now (best effort).
        await req(job, 'DELETE', log).catch(() => undefined);
      }
    },
    async close() {},
  };
}

function parseJson<T>(body: string, url: string): T {
  try {
    return JSON.parse(body) as T;
  } catch (e) {
    throw new PurpleError('BAD_INPUT', `${redactUrl(url)}: the answer is not JSON (${(e as Error).message})`, { hint: 'is the URL the Splunk management port (https://host:8089)?' });
  }
}

function splunkError(status: number, body: string, url: string): PurpleError {
  const why = errorText(body);
  if (status === 401) return new PurpleError('PERMISSION', `${url}: 401, the token was rejected (${why})`, { hint: 'create an authentication token (Settings → Tokens) and set PURPLE_SPLUNK_TOKEN' });
  if (status === 403) return new PurpleError('PERMISSION', `${url}: 403 (${why})`, { hint: "the token's role needs the search capability and access to the index" });
  if (status === 400) return new PurpleError('BAD_INPUT', `${url}: 400, Splunk rejected the search (${why})`, { hint: 'check search= in Splunk' });
  if (status === 404) return new PurpleError('NOT_FOUND', `${url}: 404 (${why})`, { hint: 'the job expired or the URL is not the management port' });
  return new PurpleError('ENVIRONMENT', `${url}: HTTP ${status} (${why})`, { hint: 'check the search head and the URL' });
}
