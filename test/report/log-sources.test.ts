// Which of AN1391's log sources a macOS run covered: derived from the collectors that ran, shown in
// summary.md and index.html, absent for Linux runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { an1391LogSources, renderHtml, renderMarkdown } from '../../src/report/index.js';
import type { CollectorInfo, RunReport } from '../../src/model/index.js';
import { loadFixture } from './helpers.js';

const collector = (id: string): CollectorInfo => ({ id, fidelity: { process_exec: id === 'eslogger', process_args: id === 'eslogger', network: id !== 'eslogger', network_attribution: id !== 'eslogger', library_loads: false }, blind_spots: [], lost_records: 0, details: {}, errors: [] });

function macRun(ids: string[]): RunReport {
  const r = loadFixture('run-a');
  return { ...r, host: { ...r.host, os: 'macos' }, collectors: ids.map(collector) };
}

test('eslogger + unifiedlog cover the unified log and ES, never osquery', () => {
  const s = an1391LogSources(macRun(['eslogger', 'unifiedlog']));
  assert.deepEqual(s.map((x) => [x.source, x.covered, x.by]), [
    ['macos:unifiedlog', true, ['unifiedlog']],
    ['macos:osquery', false, []],
    ['EDR/ES', true, ['eslogger']],
  ]);
  assert.match(s[1]?.note ?? '', /OpenBSM/);
});

test('eslogger + pktap cover ES only', () => {
  const s = an1391LogSources(macRun(['eslogger', 'pktap']));
  assert.deepEqual(s.filter((x) => x.covered).map((x) => x.source), ['EDR/ES']);
});

test('a Linux run lists no AN1391 source', () => {
  const r = loadFixture('run-a');
  assert.deepEqual(an1391LogSources({ ...r, host: { ...r.host, os: 'linux' } }), []);
});

test('summary.md and index.html say it', () => {
  const r = macRun(['eslogger', 'unifiedlog']);
  const md = renderMarkdown(r);
  assert.match(md, /AN1391 log sources: `macos:unifiedlog` covered \(unifiedlog\); `macos:osquery` not covered; `EDR\/ES` covered \(eslogger\)\./);
  const html = renderHtml(r);
  assert.match(html, /data-log-source="macos:osquery" class="no">macos:osquery not covered: /);
  assert.doesNotMatch(renderMarkdown({ ...r, host: { ...r.host, os: 'linux' } }), /AN1391 log sources/);
});
