// Attribution and the per-control verdicts: marker first, then host + process + window, host and
// time only for alerts that name no process; unexpected alerts; negative controls; pending and
// unavailable; latency from the upload.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readAlerts, variantFactsOf } from '../../src/pipeline/controls/index.js';
import { attributeAlert, controlsFail, scoreControls } from '../../src/scoring/index.js';
import type { ControlAlert } from '../../src/model/index.js';
import { A, B, FIXTURES, HOST, N, RUN_ID, fixtureRun } from './helpers.js';

const alertsOf = (file: string, control: string): ControlAlert[] =>
  readAlerts(readFileSync(join(FIXTURES, file), 'utf8'), { control, format: 'auto', origin: file, csv: file.endsWith('.csv') }).alerts;

const facts = variantFactsOf(fixtureRun());
const base = { runId: RUN_ID, hostNames: [HOST], variants: facts };

test('the facts of the run: markers, windows, uploads, processes from report.json', () => {
  assert.deepEqual(facts.map((f) => [f.variant_id, f.expect, f.marker]), [
    [A, 'positive', 'v-e98a01d771bd'],
    [B, 'positive', 'v-fe5f9a248c86'],
    [N, 'negative', 'v-71ae462d462c'],
  ]);
  assert.equal(facts[0]?.upload_ms, Date.parse('2026-12-02T19:00:11.500Z'));
  assert.ok(facts[1]?.processes.some((p) => p.pid === 4343 && p.entity_id === 'ent-4343'));
});

test('Elastic: marker → A, marker on the negative → false positive, the backup agent → unexpected', () => {
  const alerts = alertsOf('elastic-search-response.json', 'elastic');
  const r = scoreControls({ ...base, alerts, sources: [{ control: 'elastic', status: 'ok' }] });
  assert.deepEqual(r.attribution['elastic:e-alert-1'], { variant_id: A, matched_by: 'marker' });
  assert.deepEqual(r.attribution['elastic:e-alert-2'], { variant_id: N, matched_by: 'marker' });
  assert.deepEqual(r.unexpected_alert_ids, ['elastic:e-alert-3']);
  const by = Object.fromEntries(r.verdicts.map((v) => [v.variant_id, v]));
  assert.equal(by[A]?.status, 'alerted');
  assert.equal(by[A]?.expectation_met, true);
  // Created 19:01:30, upload 19:00:11.5.
  assert.equal(by[A]?.latency_ms, 78_500);
  assert.equal(by[B]?.status, 'not-alerted');
  assert.equal(by[B]?.expectation_met, false);
  assert.equal(by[N]?.status, 'alerted');
  assert.equal(by[N]?.false_positive, true);
  assert.equal(by[N]?.expectation_met, false);
});

test('CrowdStrike and Splunk without a marker: host + pid inside the window → B by process', () => {
  for (const [file, control] of [['crowdstrike-alerts.json', 'cs'], ['splunk-results.json', 'splunk'], ['splunk-results.csv', 'splunk-csv']] as const) {
    const alerts = alertsOf(file, control);
    const r = scoreControls({ ...base, alerts, sources: [{ control, status: 'ok' }] });
    const b = r.verdicts.find((v) => v.variant_id === B);
    assert.equal(b?.status, 'alerted', file);
    assert.equal(b?.matched_by, 'process', file);
    assert.deepEqual(r.unexpected_alert_ids, [], file);
  }
});

test('Defender with the host FQDN, SentinelOne and Jamf Protect by marker', () => {
  for (const [file, control] of [['defender-alerts-v2.json', 'mde'], ['sentinelone-threats.json', 's1'], ['jamf-protect-alerts.ndjson', 'jamf']] as const) {
    const r = scoreControls({ ...base, alerts: alertsOf(file, control), sources: [{ control, status: 'ok' }] });
    const a = r.verdicts.find((v) => v.variant_id === A);
    assert.equal(a?.status, 'alerted', file);
    assert.equal(a?.matched_by, 'marker', file);
  }
});

test('a pid of the variant outside its window, or on another host, does not attribute', () => {
  const late: ControlAlert = { id: 'x:1', control: 'x', format: 'generic', created_at: '2026-12-02T20:00:00.000Z', event_time: '2026-12-02T19:30:00.000Z', host: { name: HOST }, process: { pid: 4343 }, markers: [], source_ref: 't' };
  assert.equal(attributeAlert(late, base), undefined);
  const elsewhere: ControlAlert = { ...late, id: 'x:2', event_time: '2026-12-02T19:00:21.000Z', host: { name: 'other-host' } };
  assert.equal(attributeAlert(elsewhere, base), undefined);
  const here: ControlAlert = { ...elsewhere, id: 'x:3', host: { name: `${HOST}.corp.example` } };
  assert.deepEqual(attributeAlert(here, base), { variant_id: B, matched_by: 'process' });
});

test('another run\'s marker belongs to that run: neither attributed nor unexpected', () => {
  const other: ControlAlert = { id: 'x:o', control: 'x', format: 'elastic', created_at: '2026-12-02T19:00:12.000Z', event_time: '2026-12-02T19:00:11.000Z', host: { name: HOST }, process: { pid: 4242 }, markers: [{ run_id: 'someone-else', variant_marker: 'v-e98a01d771bd', field: 'f' }], source_ref: 't' };
  const r = scoreControls({ ...base, alerts: [other], sources: [{ control: 'x', status: 'ok' }] });
  assert.equal(r.attribution['x:o'], undefined);
  assert.deepEqual(r.unexpected_alert_ids, []);
});

test('host and time alone only for an alert that names no process, and only in one window', () => {
  const net: ControlAlert = { id: 'x:n', control: 'x', format: 'generic', created_at: '2026-12-02T19:02:00.000Z', event_time: '2026-12-02T19:00:21.500Z', host: { name: HOST }, markers: [], source_ref: 't' };
  assert.deepEqual(attributeAlert(net, base), { variant_id: B, matched_by: 'host-time' });
  assert.equal(attributeAlert({ ...net, host: {} }, base), undefined);
  assert.equal(attributeAlert({ ...net, event_time: '2026-12-02T19:00:25.000Z' }, base), undefined);
});

test('a failed source makes every variant unavailable with the reason; a timed-out wait makes positives pending', () => {
  const failed = scoreControls({ ...base, alerts: [], sources: [{ control: 'es', status: 'failed', error: '401, the API key was rejected' }] });
  assert.ok(failed.verdicts.every((v) => v.status === 'unavailable' && v.reason === '401, the API key was rejected' && v.expectation_met === undefined));
  const waited = scoreControls({ ...base, alerts: alertsOf('elastic-search-response.json', 'es'), sources: [{ control: 'es', status: 'timed-out' }] });
  const by = Object.fromEntries(waited.verdicts.map((v) => [v.variant_id, v.status]));
  assert.deepEqual(by, { [A]: 'alerted', [B]: 'pending', [N]: 'alerted' });
  assert.deepEqual(controlsFail(waited.verdicts, ['es']).map((v) => v.variant_id), [B, N]);
  assert.deepEqual(controlsFail(waited.verdicts, ['other']), []);
});

test('two controls side by side: each gets its own verdicts from its own alerts', () => {
  const alerts = [...alertsOf('elastic-search-response.json', 'elastic'), ...alertsOf('crowdstrike-alerts.json', 'cs')];
  const r = scoreControls({ ...base, alerts, sources: [{ control: 'elastic', status: 'ok' }, { control: 'cs', status: 'ok' }] });
  const cell = (c: string, v: string) => r.verdicts.find((x) => x.control === c && x.variant_id === v)?.status;
  assert.deepEqual([cell('elastic', A), cell('elastic', B), cell('cs', A), cell('cs', B), cell('cs', N)], ['alerted', 'not-alerted', 'not-alerted', 'alerted', 'not-alerted']);
});
