// The pull sources against local servers that answer as Elasticsearch, Kibana and Splunk document
// their APIs: paging, auth errors, missing index, rejected search, 429/503 with Retry-After.
// Credentials come from the environment (or a file it names) and never appear in what is kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectControls, openControlSessions, parseControlSpec, parseControlSpecs } from '../../src/pipeline/controls/index.js';
import { isPurpleError } from '../../src/model/index.js';
import { A, B, FIXTURES, N, fixtureRun } from './helpers.js';
import { fakeElastic, fakeSplunk } from './vendor-servers.js';

const ES_KEY = 'VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw==';
const SPLUNK_TOKEN = 'eyJraWQiOiJzcGx1bmsuc2VjcmV0IiwiYWxnIjoiSFM1MTIifQ.fake-token-value';

function elasticDocs(): Array<Record<string, unknown>> {
  const resp = JSON.parse(readFileSync(join(FIXTURES, 'elastic-search-response.json'), 'utf8')) as { hits: { hits: Array<{ _source: Record<string, unknown> }> } };
  return resp.hits.hits.map((h) => h._source);
}

const window = { start_ms: Date.parse('2026-12-02T19:00:10.000Z'), end_ms: Date.parse('2026-12-02T19:00:32.000Z') };

test('elastic: pages with search_after (page-size=1), ApiKey auth, 429 with Retry-After retried', async (t) => {
  const es = await fakeElastic({ apiKey: ES_KEY, docs: elasticDocs(), rateLimitFirst: 1 });
  t.after(() => es.close());
  const [s] = await openControlSessions([parseControlSpec(`elastic,url=${es.url},page-size=1`)], { runId: 'r', env: { PURPLE_ELASTIC_API_KEY: ES_KEY } });
  const got = await s!.fetch(window);
  assert.equal(got.alerts.length, 3);
  assert.deepEqual(got.alerts.map((a) => a.vendor_id), ['e-alert-1', 'e-alert-2', 'e-alert-3']);
  // 1 limited + 3 pages of one + the empty last page.
  assert.equal(got.requests, 5);
  assert.match(got.warnings[0] ?? '', /429 rate limited; retried/);
  const searches = es.requests.filter((r) => r.path.includes('_search'));
  assert.equal(searches[0]?.path, '/.alerts-security.alerts-*/_search');
  const second = JSON.parse(searches[2]?.body ?? '{}') as { search_after?: unknown[] };
  assert.deepEqual(second.search_after, ['2026-12-02T19:01:30.000Z', 'e-alert-1']);
  await s!.close();
});

test('elastic via Kibana (api=kibana): kbn-xsrf header, detection engine path', async (t) => {
  const es = await fakeElastic({ apiKey: ES_KEY, docs: elasticDocs() });
  t.after(() => es.close());
  const [s] = await openControlSessions([parseControlSpec(`kibana,url=${es.url},api=kibana`)], { runId: 'r', env: { PURPLE_ELASTIC_API_KEY: ES_KEY } });
  const got = await s!.fetch(window);
  assert.equal(got.alerts.length, 3);
  assert.equal(es.requests[0]?.path, '/api/detection_engine/signals/search');
  assert.equal(es.requests[0]?.headers['kbn-xsrf'], 'purple-harness');
});

test('elastic: a rejected key, a missing index — clear errors; the key never appears in them', async (t) => {
  const es = await fakeElastic({ apiKey: 'the-right-key', docs: [] });
  t.after(() => es.close());
  const [s] = await openControlSessions([parseControlSpec(`elastic,url=${es.url}`)], { runId: 'r', env: { PURPLE_ELASTIC_API_KEY: ES_KEY } });
  await assert.rejects(s!.fetch(window), (e: unknown) => isPurpleError(e) && /401, the API key was rejected/.test(e.message) && !e.format().includes(ES_KEY));
  const missing = await fakeElastic({ apiKey: ES_KEY, docs: [], missingIndex: true });
  t.after(() => missing.close());
  const [m] = await openControlSessions([parseControlSpec(`elastic,url=${missing.url}`)], { runId: 'r', env: { PURPLE_ELASTIC_API_KEY: ES_KEY } });
  await assert.rejects(m!.fetch(window), (e: unknown) => isPurpleError(e) && /404/.test(e.message) && /index_not_found|no such index/.test(e.message) && /detection rule/.test(e.hint ?? ''));
});

test('credentials: from a file named by the environment; never from the command line; never a URL with user:pass', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'purple-cred-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const es = await fakeElastic({ apiKey: ES_KEY, docs: elasticDocs() });
  t.after(() => es.close());
  writeFileSync(join(dir, 'key'), `${ES_KEY}\n`, { mode: 0o600 });
  const [s] = await openControlSessions([parseControlSpec(`elastic,url=${es.url}`)], { runId: 'r', env: { PURPLE_ELASTIC_API_KEY_FILE: join(dir, 'key') } });
  assert.equal((await s!.fetch(window)).alerts.length, 3);
  assert.throws(() => parseControlSpec(`elastic,url=${es.url},api-key=${ES_KEY}`), (e: unknown) => isPurpleError(e) && /not taken on the command line/.test(e.message));
  assert.throws(() => parseControlSpec('elastic,url=https://elastic:changeme@es.example.net'), (e: unknown) => isPurpleError(e) && /carries credentials/.test(e.message));
  await assert.rejects(openControlSessions([parseControlSpec(`elastic,url=${es.url}`)], { runId: 'r', env: {} }), (e: unknown) => isPurpleError(e) && /PURPLE_ELASTIC_API_KEY or PURPLE_ELASTIC_API_KEY_FILE/.test(e.message));
});

test('splunk: job created, polled until DONE, results paged, job deleted; 503 Retry-After retried', async (t) => {
  const results = (JSON.parse(readFileSync(join(FIXTURES, 'splunk-results.json'), 'utf8')) as { results: unknown[] }).results as Array<Record<string, unknown>>;
  const sp = await fakeSplunk({ token: SPLUNK_TOKEN, results, runningPolls: 2, rateLimitFirst: 1 });
  t.after(() => sp.close());
  const [s] = await openControlSessions([parseControlSpec(`splunk,url=${sp.url},page-size=1,search=index=notable search_name="ESCU*"`)], { runId: 'r', env: { PURPLE_SPLUNK_TOKEN: SPLUNK_TOKEN } });
  const got = await s!.fetch(window);
  assert.equal(got.alerts.length, 2);
  const create = sp.requests.find((r) => r.method === 'POST' && r.path === '/services/search/jobs');
  const form = new URLSearchParams(create?.body ?? '');
  assert.equal(form.get('search'), 'search index=notable search_name="ESCU*"');
  assert.equal(form.get('earliest_time'), String(Math.floor((window.start_ms - 60_000) / 1000)));
  assert.equal(sp.requests.filter((r) => r.path.includes('/results')).length, 3);
  assert.equal(sp.requests.filter((r) => r.method === 'DELETE').length, 1);
  assert.match(got.warnings.join('\n'), /503 unavailable; retried/);
});

test('splunk: a rejected search and a failed job are located errors with Splunk\'s own message', async (t) => {
  const bad = await fakeSplunk({ token: SPLUNK_TOKEN, results: [], badSearch: /\|\|/ });
  t.after(() => bad.close());
  const [s] = await openControlSessions([parseControlSpec(`splunk,url=${bad.url},search=index=notable || oops`)], { runId: 'r', env: { PURPLE_SPLUNK_TOKEN: SPLUNK_TOKEN } });
  await assert.rejects(s!.fetch(window), (e: unknown) => isPurpleError(e) && /400, Splunk rejected the search \(Error in 'search' command/.test(e.message));
  const failing = await fakeSplunk({ token: SPLUNK_TOKEN, results: [], fail: true });
  t.after(() => failing.close());
  const [f] = await openControlSessions([parseControlSpec(`splunk,url=${failing.url}`)], { runId: 'r', env: { PURPLE_SPLUNK_TOKEN: SPLUNK_TOKEN } });
  await assert.rejects(f!.fetch(window), (e: unknown) => isPurpleError(e) && /the search failed/.test(e.message));
  assert.equal(failing.requests.filter((r) => r.method === 'DELETE').length, 1);
});

test('collect: --wait polls a pull source until every positive has an alert; a failing one is unavailable, the other kept', async (t) => {
  const docs = elasticDocs();
  // At first only A's alert exists; B's appears later (controls alert minutes after the fact).
  const served = [docs[0]!];
  const es = await fakeElastic({ apiKey: ES_KEY, docs: served });
  t.after(() => es.close());
  const dir = mkdtempSync(join(tmpdir(), 'purple-collect-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const report = fixtureRun();
  const sessions = await openControlSessions(parseControlSpecs([`elastic,url=${es.url}`, 'splunk,url=http://127.0.0.1:9']), { runId: report.run.id, env: { PURPLE_ELASTIC_API_KEY: ES_KEY, PURPLE_SPLUNK_TOKEN: SPLUNK_TOKEN } });
  t.after(() => Promise.all(sessions.map((s) => s.close())));
  let polls = 0;
  const original = sessions[0]!.fetch.bind(sessions[0]);
  sessions[0]!.fetch = async (w) => {
    if (++polls === 3) {
      const late = structuredClone(docs[0]!) as Record<string, unknown> & { process: Record<string, unknown> };
      late['kibana.alert.uuid'] = 'e-late-b';
      late['@timestamp'] = '2026-12-02T19:05:00.000Z';
      late['kibana.alert.original_time'] = '2026-12-02T19:00:21.000Z';
      late.process = { pid: 4343, entity_id: 'ent-4343', executable: '/usr/bin/curl', command_line: 'curl -F file=@payload.enc', working_directory: '/somewhere' };
      served.push(late);
    }
    return original(w);
  };
  const lines: string[] = [];
  const section = await collectControls(sessions, report, { waitMs: 10_000, pollMs: 10, secrets: [], runDir: dir, log: (l) => lines.push(l) });
  assert.equal(polls, 3);
  assert.match(lines[0] ?? '', new RegExp(`control elastic: waiting for 1 variant\\(s\\).*${B.replace(/[+/]/g, '.')}`));
  const elastic = section.sources.find((s) => s.control === 'elastic');
  const splunk = section.sources.find((s) => s.control === 'splunk');
  assert.equal(elastic?.status, 'ok');
  assert.equal(elastic?.alerts_received, 2);
  assert.equal(splunk?.status, 'failed');
  assert.match(splunk?.error ?? '', /ECONNREFUSED|connect/);
  const cell = (c: string, v: string) => section.verdicts.find((x) => x.control === c && x.variant_id === v);
  assert.equal(cell('elastic', A)?.status, 'alerted');
  assert.equal(cell('elastic', B)?.status, 'alerted');
  assert.equal(cell('elastic', B)?.matched_by, 'process');
  assert.equal(cell('elastic', N)?.status, 'not-alerted');
  assert.ok([A, B, N].every((v) => cell('splunk', v)?.status === 'unavailable'));
  assert.deepEqual(section.markers.map((m) => m.marker), ['purple-20261202T190000Z-ab12/v-e98a01d771bd', 'purple-20261202T190000Z-ab12/v-fe5f9a248c86', 'purple-20261202T190000Z-ab12/v-71ae462d462c']);
  const raw = readFileSync(join(dir, 'controls', 'elastic.ndjson'), 'utf8');
  assert.equal(raw.trim().split('\n').length, 2);
  assert.equal(elastic?.raw_file, 'controls/elastic.ndjson');
  assert.ok(!raw.includes(ES_KEY) && !JSON.stringify(section).includes(ES_KEY) && !JSON.stringify(section).includes(SPLUNK_TOKEN));
});

test('collect: a wait that runs out leaves the positives without an alert pending', async (t) => {
  const es = await fakeElastic({ apiKey: ES_KEY, docs: [elasticDocs()[0]!] });
  t.after(() => es.close());
  const report = fixtureRun();
  const sessions = await openControlSessions([parseControlSpec(`elastic,url=${es.url}`)], { runId: report.run.id, env: { PURPLE_ELASTIC_API_KEY: ES_KEY } });
  const section = await collectControls(sessions, report, { waitMs: 200, pollMs: 50, secrets: [] });
  assert.equal(section.sources[0]?.status, 'timed-out');
  assert.ok((section.sources[0]?.requests ?? 0) >= 2);
  assert.deepEqual(section.verdicts.map((v) => v.status), ['alerted', 'pending', 'not-alerted']);
});

test('after the fact the run\'s secrets are unknown: they are removed by their shape from what a control recorded', async (t) => {
  const { redactSecretShapes } = await import('../../src/pipeline/controls/collect.js');
  const token = 'AbCdEfGhIjKlMnOpQrStUvWxYz012345';
  const key = 'ab'.repeat(32);
  const iv = 'cd'.repeat(16);
  const doc = { process: { command_line: `curl -H "Authorization: Bearer ${token}" --data-binary @x`, args: ['openssl', 'enc', '-K', key, '-iv', iv], env_vars: [`PURPLE_SINK_TOKEN=${token}`, 'PURPLE_MARKER=purple-r/v-0123456789ab'] } };
  const out = redactSecretShapes(JSON.stringify(doc));
  for (const s of [token, key, iv]) assert.ok(!out.includes(s), s);
  assert.ok(out.includes('PURPLE_MARKER=purple-r/v-0123456789ab'));
  assert.equal((JSON.parse(out) as typeof doc).process.args[3], '<redacted>');
  // And end to end through collect: the raw file and the section are clean.
  const dir = mkdtempSync(join(tmpdir(), 'purple-shapes-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'a.ndjson');
  writeFileSync(file, JSON.stringify({ '@timestamp': '2026-12-02T19:01:00Z', 'kibana.alert.uuid': 'u1', 'kibana.alert.original_time': '2026-12-02T19:00:11Z', host: { name: 'lab-host-01' }, ...doc }) + '\n');
  const report = fixtureRun();
  const sessions = await openControlSessions([parseControlSpec(`file:${file}`)], { runId: report.run.id, env: {} });
  const section = await collectControls(sessions, report, { waitMs: 0, pollMs: 0, secrets: [], runDir: dir });
  const raw = readFileSync(join(dir, 'controls', 'file.ndjson'), 'utf8');
  for (const s of [token, key, iv]) assert.ok(!raw.includes(s) && !JSON.stringify(section).includes(s), s);
});
