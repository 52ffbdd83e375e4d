// Every alert format, from fixtures written after each vendor's documentation of the format
// (not exported from a live tenant): recognised, normalised, the marker found; partial and
// malformed exports give located errors or located warnings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ALERT_FORMATS, findMarkers, getAlertFormat, readAlerts } from '../../src/pipeline/controls/index.js';
import { isPurpleError, type PurpleError } from '../../src/model/index.js';
import { A, FIXTURES, HOST, MARK, RUN_ID } from './helpers.js';

const read = (f: string, format = 'auto', extra: { columnMap?: Record<string, string>; csv?: boolean } = {}) =>
  readAlerts(readFileSync(join(FIXTURES, f), 'utf8'), { control: 'c', format, origin: join(FIXTURES, f), ...extra });

const cases: Array<{ file: string; format: string; count: number; first: { pid?: number; host: string; created: string; event?: string; rule: RegExp; marker: boolean } }> = [
  { file: 'elastic-search-response.json', format: 'elastic', count: 3, first: { pid: 4242, host: HOST, created: '2026-12-02T19:01:30.000Z', event: '2026-12-02T19:00:11.400Z', rule: /Encrypted file upload/, marker: true } },
  { file: 'defender-alerts-v2.json', format: 'defender', count: 1, first: { pid: 4242, host: `${HOST}.corp.example`, created: '2026-12-02T19:02:10.123Z', event: '2026-12-02T19:00:11.300Z', rule: /Encrypted archive/, marker: true } },
  { file: 'crowdstrike-alerts.json', format: 'crowdstrike', count: 1, first: { pid: 4343, host: HOST, created: '2026-12-02T19:03:00.000Z', event: '2026-12-02T19:00:21.000Z', rule: /CustomIOA/, marker: false } },
  { file: 'sentinelone-threats.json', format: 'sentinelone', count: 1, first: { host: HOST, created: '2026-12-02T19:02:40.000Z', event: '2026-12-02T19:00:11.700Z', rule: /payload\.enc/, marker: true } },
  { file: 'jamf-protect-alerts.ndjson', format: 'jamf-protect', count: 2, first: { pid: 4242, host: HOST, created: '2026-12-02T19:01:46.500Z', event: '2026-12-02T19:00:11.500Z', rule: /Encrypted upload/, marker: true } },
  { file: 'splunk-results.json', format: 'splunk', count: 2, first: { pid: 4343, host: HOST, created: '2026-12-02T19:04:00.000Z', event: '2026-12-02T19:00:21.100Z', rule: /ESCU/, marker: false } },
  { file: 'splunk-results.csv', format: 'splunk', count: 2, first: { pid: 4343, host: HOST, created: '2026-12-02T19:04:00.000Z', event: '2026-12-02T19:00:21.100Z', rule: /ESCU/, marker: false } },
  { file: 'purple-alerts.ndjson', format: 'purple', count: 1, first: { pid: 4242, host: HOST, created: '2026-12-02T19:00:11.600Z', event: '2026-12-02T19:00:10.500Z', rule: /DET0503/, marker: true } },
];

for (const c of cases) {
  test(`${c.file}: recognised as ${c.format} and normalised`, () => {
    for (const format of ['auto', c.format]) {
      const got = read(c.file, format, c.file.endsWith('.csv') ? { csv: true } : {});
      assert.equal(got.format, c.format);
      assert.equal(got.alerts.length, c.count);
      assert.deepEqual(got.warnings, []);
      const a = got.alerts[0]!;
      assert.equal(a.format, c.format);
      assert.equal(a.control, 'c');
      assert.ok(a.id.startsWith('c:'), a.id);
      assert.equal(a.created_at, c.first.created);
      assert.equal(a.event_time, c.first.event);
      assert.equal(a.host?.name, c.first.host);
      assert.equal(a.process?.pid, c.first.pid);
      assert.match(a.rule_name ?? '', c.first.rule);
      assert.equal(a.markers.some((m) => m.run_id === RUN_ID && m.variant_marker === MARK[A]), c.first.marker, JSON.stringify(a.markers));
      assert.match(a.source_ref, new RegExp(`${c.file.replace('.', '\\.')}:\\d+`));
    }
  });
}

test('every format in the registry has a fixture or a dedicated test', () => {
  const covered = new Set([...cases.map((c) => c.format), 'generic']);
  assert.deepEqual(Object.keys(ALERT_FORMATS).filter((f) => !covered.has(f)), []);
});

test('generic CSV with a column map; without one it is refused with a hint', () => {
  const map = JSON.parse(readFileSync(join(FIXTURES, 'generic-map.json'), 'utf8')) as Record<string, string>;
  const got = read('generic-alerts.csv', 'generic', { columnMap: map, csv: true });
  assert.equal(got.alerts.length, 2);
  assert.equal(got.alerts[1]?.process?.pid, 4242);
  assert.equal(got.alerts[1]?.created_at, '2026-12-02T19:05:01.000Z');
  assert.equal(got.alerts[1]?.markers[0]?.variant_marker, MARK[A]);
  assert.equal(got.alerts[0]?.source_ref.endsWith('generic-alerts.csv:2'), true);
  assert.throws(() => read('generic-alerts.csv', 'generic', { csv: true }), (e: unknown) => isPurpleError(e) && /column map naming created_at/.test(e.message));
});

test('a truncated JSON export is a located error that says it was cut', () => {
  assert.throws(
    () => read('malformed-truncated.json'),
    (e: unknown) => {
      const p = e as PurpleError;
      return isPurpleError(e) && /incomplete/.test(p.message) && p.location.file?.endsWith('malformed-truncated.json') === true && (p.location.line ?? 0) > 1 && /cut short/.test(p.hint ?? '');
    },
  );
});

test('a partial NDJSON export keeps the complete lines and names the broken one', () => {
  const got = read('partial-elastic.ndjson');
  assert.equal(got.alerts.length, 2);
  assert.equal(got.warnings.length, 1);
  assert.match(got.warnings[0]!, /partial-elastic\.ndjson:2:\d+: not a JSON document/);
});

test('a malformed CSV and unrecognised documents are located errors', () => {
  assert.throws(() => read('malformed.csv', 'auto', { csv: true }), (e: unknown) => isPurpleError(e) && (e as PurpleError).location.line === 2 && /CSV/.test(e.message));
  assert.throws(() => read('unrecognised.json'), (e: unknown) => isPurpleError(e) && /none of the 2 document/.test(e.message) && /unrecognised\.json:1 \(document 2\): not recognised/.test((e as PurpleError).hint ?? ''));
});

test('a named format that does not fit the documents is refused, not misread', () => {
  assert.throws(() => read('crowdstrike-alerts.json', 'defender'), (e: unknown) => isPurpleError(e) && /readable defender alert/.test(e.message));
});

test('an unknown format id lists the valid ones', () => {
  assert.throws(() => getAlertFormat('qradar'), (e: unknown) => isPurpleError(e) && e.code === 'UNKNOWN_ID' && /elastic, defender, crowdstrike/.test((e as PurpleError).hint ?? ''));
});

test('markers: workspace paths, env-style and URL-encoded forms; another run stays another run', () => {
  const m = findMarkers({
    a: `/tmp/purple-${RUN_ID}/variants/${MARK[A]}/payload.txt`,
    b: { env: [`PURPLE_MARKER=purple-other-run.1/v-0123456789ab`] },
    c: `http://h/upload/x?purple_marker=purple-${encodeURIComponent(`${RUN_ID}/${MARK[A]}`)}`,
    d: 'purple-x/v-0123', // too short: not a marker
  });
  assert.deepEqual(
    m.map((x) => [x.field, x.run_id, x.variant_marker]),
    [
      ['a', RUN_ID, MARK[A]],
      ['b.env[0]', 'other-run.1', 'v-0123456789ab'],
      ['c', RUN_ID, MARK[A]],
    ],
  );
});
