import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { computeCoverage } from '../../src/scoring/index.js';
import { mergeReports, renderHtml, validateReport } from '../../src/report/index.js';
import { loadFixture } from './helpers.js';

describe('fleet merge', () => {
  const a = loadFixture('run-a');
  const b = loadFixture('run-b');
  const merged = mergeReports([a, b], computeCoverage);

  test('the merged report is a valid report.json', () => {
    assert.deepEqual(validateReport(merged), []);
  });

  test('every verdict gets a host axis and a unique id', () => {
    assert.equal(merged.verdicts.length, a.verdicts.length + b.verdicts.length);
    assert.equal(new Set(merged.verdicts.map((v) => v.variant_id)).size, merged.verdicts.length);
    assert.ok(merged.verdicts.some((v) => v.variant_id === 'openssl-curl/siblings@lab-deb12'));
    assert.ok(merged.verdicts.some((v) => v.variant_id === 'openssl-curl/siblings@mac-ci-14'));
    assert.ok(merged.verdicts.every((v) => v.axes['host'] === 'lab-deb12' || v.axes['host'] === 'mac-ci-14'));
  });

  test('per-host coverage equals each run, overall covers both', () => {
    const hosts = merged.coverage.by_axis['host']!;
    for (const r of [a, b]) {
      assert.equal(hosts[r.host.name]!.detected, r.coverage.detected);
      assert.equal(hosts[r.host.name]!.positives, r.coverage.positives);
    }
    assert.equal(merged.coverage.positives, a.coverage.positives + b.coverage.positives);
    assert.equal(merged.coverage.detected, a.coverage.detected + b.coverage.detected);
    assert.equal(merged.exit_code, 1);
  });

  test('every reference still resolves after the ids were prefixed', () => {
    const events = new Set(merged.events.map((e) => e.event.id));
    const alerts = new Set(merged.alerts.map((x) => x.id));
    assert.equal(events.size, merged.events.length);
    for (const al of merged.alerts) for (const id of al.event_ids) assert.ok(events.has(id), id);
    for (const v of merged.verdicts) {
      for (const id of v.alert_ids) assert.ok(alerts.has(id), id);
      for (const act of v.actions) for (const id of act.event_ids) assert.ok(events.has(id), id);
    }
    assert.deepEqual(merged.collectors.map((c) => c.id), ['lab-deb12:linux-audit', 'lab-deb12:strace', 'mac-ci-14:eslogger']);
  });

  test('the same host twice stays apart', () => {
    const twice = mergeReports([b, loadFixture('run-b')], computeCoverage);
    assert.deepEqual(Object.keys(twice.coverage.by_axis['host']!).sort(), ['mac-ci-14', 'mac-ci-14#2']);
  });

  test('the HTML of a fleet offers the host axis and defaults the matrix to it', () => {
    const html = renderHtml(merged);
    assert.match(html, /data-default-x="host"/);
    assert.match(html, /<section id="hosts">/);
    assert.match(html, /data-host="mac-ci-14"/);
  });
});
