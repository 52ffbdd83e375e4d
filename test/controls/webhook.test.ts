// The webhook receiver: loopback by default, per-run token (path or Bearer), size and count
// limits, located 400s for unreadable bodies, TLS from a certificate file, every vendor format.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openControlSessions, parseControlSpec, type ControlSession } from '../../src/pipeline/controls/index.js';
import { isPurpleError } from '../../src/model/index.js';
import { FIXTURES } from './helpers.js';

async function open(spec: string, t: { after(fn: () => unknown): void }): Promise<{ s: ControlSession; url: string; token: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'purple-wh-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const urlFile = join(dir, 'url');
  const [s] = await openControlSessions([parseControlSpec(`${spec},url-file=${urlFile}`)], { runId: 'r', env: {} });
  t.after(() => s!.close());
  const url = readFileSync(urlFile, 'utf8').trim();
  return { s: s!, url, token: url.split('/').pop()! };
}

const post = (url: string, body: string, headers: Record<string, string> = {}, method = 'POST') =>
  fetch(url, { method, body: method === 'GET' ? undefined : body, headers: { 'content-type': 'application/json', ...headers } }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));

test('listens on 127.0.0.1 with a per-run token; the token is in no record of the session', async (t) => {
  const { s, url, token } = await open('webhook', t);
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/alerts\/[0-9a-f]{48}$/);
  assert.equal(s.target.includes(token), false);
  assert.deepEqual(s.secrets, [token]);
  const base = url.slice(0, url.lastIndexOf('/'));
  const body = readFileSync(join(FIXTURES, 'crowdstrike-alerts.json'), 'utf8');
  assert.equal((await post(base, body)).status, 401);
  assert.equal((await post(`${base}/wrong`, body)).status, 401);
  assert.equal((await post(`${base.replace('/alerts', '/nope')}`, body)).status, 404);
  assert.equal((await post(url, '', {}, 'GET')).status, 405);
  const ok = await post(url, body);
  assert.equal(ok.status, 202);
  assert.equal(ok.body['accepted'], 1);
  const bearer = await post(base, readFileSync(join(FIXTURES, 'defender-alerts-v2.json'), 'utf8'), { authorization: `Bearer ${token}` });
  assert.equal(bearer.status, 202);
  const got = await s.fetch({ start_ms: 0, end_ms: 0 });
  assert.deepEqual(got.alerts.map((a) => a.format), ['crowdstrike', 'defender']);
  assert.equal(got.raw.length, 2);
});

test('every format is accepted as pushed, CSV by its content type', async (t) => {
  const { s, url } = await open('webhook', t);
  for (const f of ['elastic-search-response.json', 'sentinelone-threats.json', 'jamf-protect-alerts.ndjson', 'splunk-results.json', 'purple-alerts.ndjson']) {
    assert.equal((await post(url, readFileSync(join(FIXTURES, f), 'utf8'))).status, 202, f);
  }
  assert.equal((await post(url, readFileSync(join(FIXTURES, 'splunk-results.csv'), 'utf8'), { 'content-type': 'text/csv' })).status, 202);
  const got = await s.fetch({ start_ms: 0, end_ms: 0 });
  // 3 + 1 + 2 + 2 + 1, and the CSV repeats the Splunk JSON's ids: counted once.
  assert.equal(got.alerts.length, 3 + 1 + 2 + 2 + 1);
});

test('unreadable bodies get a located 400 and are kept as warnings; size and count limits hold', async (t) => {
  const { s, url } = await open('webhook,max-body=2000,max-alerts=2', t);
  const bad = await post(url, '{"createdDateTime": "2026-12-02T19:00:00Z", "evidence": [');
  assert.equal(bad.status, 400);
  assert.match(String(bad.body['error']), /webhook webhook body #1/);
  assert.equal((await post(url, 'x'.repeat(5000))).status, 413);
  const small = JSON.stringify({ composite_id: 'c1', created_timestamp: '2026-12-02T19:03:00Z', device: { hostname: 'h' } });
  assert.equal((await post(url, small)).status, 202);
  assert.equal((await post(url, JSON.stringify({ ...JSON.parse(small), composite_id: 'c2' }))).status, 202);
  assert.equal((await post(url, JSON.stringify({ ...JSON.parse(small), composite_id: 'c3' }))).status, 429);
  const got = await s.fetch({ start_ms: 0, end_ms: 0 });
  assert.equal(got.alerts.length, 2);
  assert.ok(got.warnings.some((w) => /body #1/.test(w)));
});

test('TLS from a certificate and key file', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'purple-wh-tls-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'), '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  const { s, url } = await open(`webhook,tls-cert=${join(dir, 'c.pem')},tls-key=${join(dir, 'k.pem')}`, t);
  assert.match(url, /^https:\/\/127\.0\.0\.1:/);
  const body = readFileSync(join(FIXTURES, 'crowdstrike-alerts.json'));
  const status = await new Promise<number>((resolve, reject) => {
    const req = request(url, { method: 'POST', ca: readFileSync(join(dir, 'c.pem')), headers: { 'content-type': 'application/json', 'content-length': body.length } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
  assert.equal(status, 202);
  assert.equal((await s.fetch({ start_ms: 0, end_ms: 0 })).alerts.length, 1);
  await assert.rejects(openControlSessions([parseControlSpec(`webhook,tls-cert=${join(dir, 'c.pem')}`)], { runId: 'r', env: {} }), /both tls-cert= and tls-key=/);
});

test('the source registry: an unknown id lists the valid ones; unknown options are typos', () => {
  assert.throws(() => parseControlSpec('qradar:x'), (e: unknown) => isPurpleError(e) && e.code === 'UNKNOWN_ID' && /file, webhook, elastic-pull, elastic, kibana, splunk-pull, splunk/.test(e.hint ?? ''));
  assert.throws(() => parseControlSpec('webhook,prot=1'), (e: unknown) => isPurpleError(e) && /unknown option "prot"/.test(e.message) && /port/.test(e.hint ?? ''));
  assert.throws(() => parseControlSpec('file'), /needs a path/);
});
