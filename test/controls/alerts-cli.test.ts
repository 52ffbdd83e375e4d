// `purple alerts RUN-DIR --from …` black-box: attaches alerts to a finished run, re-renders every
// output with the control dimension, records what came back in controls/, keeps schema validity,
// re-signs a signed bundle (and refuses to break one silently), applies the exit-code rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateReport } from '../../src/report/index.js';
import type { RunReport } from '../../src/model/index.js';
import { REPO, makeTempDir } from '../report/helpers.js';
import { parseXml } from '../report/xml.js';
import { cliEnv, purpleArgv } from '../support/cli.js';
import { A, B, FIXTURES, N, fixtureRun } from './helpers.js';

function purple(args: string[], env: Record<string, string> = {}) {
  const [cmd, ...argv] = purpleArgv(args);
  const r = spawnSync(cmd!, argv, { cwd: REPO, encoding: 'utf8', env: cliEnv(env) });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function runDir(t: { after(fn: () => void): void }): string {
  const dir = join(makeTempDir(t, 'purple-alerts-'), fixtureRun().run.id);
  mkdirSync(dir);
  writeFileSync(join(dir, 'report.json'), JSON.stringify(fixtureRun(), null, 2));
  return dir;
}

test('an old report without controls still validates; the fixture run is valid', () => {
  assert.deepEqual(validateReport(fixtureRun()), []);
});

test('purple alerts attaches two file exports side by side and re-renders every output', (t) => {
  const dir = runDir(t);
  const r = purple(['alerts', dir, '--from', `file:${join(FIXTURES, 'elastic-search-response.json')},name=elastic`, `file:${join(FIXTURES, 'crowdstrike-alerts.json')},format=crowdstrike,name=falcon`]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /elastic: alerted on 1\/2 positive variant\(s\), 1 false positive\(s\)/);
  assert.match(r.out, /falcon: alerted on 1\/2 positive variant\(s\)/);
  assert.match(r.out, /1 unexpected alert\(s\)/);
  const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as RunReport;
  assert.deepEqual(validateReport(report), []);
  const c = report.controls!;
  assert.deepEqual(c.sources.map((s) => [s.control, s.kind, s.format, s.status, s.alerts_received, s.raw_file]), [
    ['elastic', 'file', 'elastic', 'ok', 3, 'controls/elastic.ndjson'],
    ['falcon', 'file', 'crowdstrike', 'ok', 1, 'controls/falcon.ndjson'],
  ]);
  assert.equal(readFileSync(join(dir, 'controls', 'elastic.ndjson'), 'utf8').trim().split('\n').length, 3);
  // HTML: the side-by-side section, the control column per variant, the alert on A's timeline.
  const html = readFileSync(join(dir, 'index.html'), 'utf8');
  assert.match(html, /<section id="controls">/);
  assert.match(html, /<th>elastic<\/th><th>falcon<\/th>/);
  assert.match(html, /class="tl-control"/);
  assert.match(html, /id="unexpected-alerts"/);
  // JUnit: a suite per control, a case per variant × control; B not alerted by elastic fails.
  const xml = readFileSync(join(dir, 'junit.xml'), 'utf8');
  parseXml(xml);
  assert.match(xml, /<testsuite name="control: elastic" tests="3" failures="2"/);
  assert.match(xml, /<testsuite name="control: falcon" tests="3" failures="1"/);
  assert.ok(xml.includes(`name="${B} [elastic]"`));
  // Markdown and one Navigator layer per control.
  const md = readFileSync(join(dir, 'summary.md'), 'utf8');
  assert.match(md, /### Real controls/);
  assert.match(md, /\| elastic \| file \(elastic\) \| ok \| 1 \/ 2 \| 1 \/ 1 \| 0 \| 1 \|/);
  for (const n of ['elastic', 'falcon']) {
    const layer = JSON.parse(readFileSync(join(dir, `navigator-layer-${n}.json`), 'utf8')) as { name: string; techniques: Array<{ techniqueID: string; score?: number }> };
    assert.match(layer.name, new RegExp(`control ${n}`));
    assert.equal(layer.techniques.find((x) => x.techniqueID === 'T1048.001')?.score, 50);
  }
});

test('asking one source again replaces its answer and keeps the others; --require-control sets the exit code', (t) => {
  const dir = runDir(t);
  assert.equal(purple(['alerts', dir, '--from', `file:${join(FIXTURES, 'elastic-search-response.json')},name=elastic`, `file:${join(FIXTURES, 'splunk-results.json')},name=splunk`]).code, 0);
  const r = purple(['alerts', dir, '--from', `file:${join(FIXTURES, 'jamf-protect-alerts.ndjson')},name=elastic`, '--require-control', 'splunk', '--json']);
  assert.equal(r.code, 0, r.err);
  const out = JSON.parse(r.out) as { controls: NonNullable<RunReport['controls']>; required_not_met: string[] };
  assert.deepEqual(out.controls.sources.map((s) => [s.control, s.format]), [['splunk', 'splunk'], ['elastic', 'jamf-protect']]);
  const cell = (c: string, v: string) => out.controls.verdicts.find((x) => x.control === c && x.variant_id === v)?.status;
  assert.deepEqual([cell('elastic', A), cell('elastic', B), cell('elastic', N), cell('splunk', A), cell('splunk', B)], ['alerted', 'alerted', 'not-alerted', 'alerted', 'alerted']);
  // Splunk met every expectation (N is quiet): only a control that did not is listed.
  assert.deepEqual(out.required_not_met, []);
  assert.equal(purple(['alerts', dir, '--from', `file:${join(FIXTURES, 'elastic-search-response.json')},name=elastic`, '--require-control', 'elastic', '-q']).code, 1);
  assert.equal(purple(['alerts', dir, '--from', `file:${join(FIXTURES, 'elastic-search-response.json')},name=elastic`, '--require-control', 'nope']).code, 2);
});

test('a source that fails is unavailable with why; the run\'s own results stay', (t) => {
  const dir = runDir(t);
  const before = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as RunReport;
  const r = purple(['alerts', dir, '--from', `file:${join(FIXTURES, 'malformed-truncated.json')},name=broken`, '--json']);
  assert.equal(r.code, 0, r.err);
  const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as RunReport;
  assert.deepEqual(report.verdicts, before.verdicts);
  assert.equal(report.controls?.sources[0]?.status, 'failed');
  assert.match(report.controls?.sources[0]?.error ?? '', /malformed-truncated\.json:\d+:\d+: broken: the JSON document is incomplete/);
  assert.ok(report.controls?.verdicts.every((v) => v.status === 'unavailable'));
});

test('a signed bundle: refused without --sign, re-signed with it, and verify passes with controls/ in the manifest', (t) => {
  const dir = runDir(t);
  const keys = makeTempDir(t, 'purple-keys-');
  assert.equal(purple(['keygen', '--out', keys]).code, 0);
  assert.equal(purple(['report', dir, '--sign', join(keys, 'purple-signing.pem')]).code, 0);
  const refused = purple(['alerts', dir, '--from', `file:${join(FIXTURES, 'crowdstrike-alerts.json')}`]);
  assert.equal(refused.code, 2);
  assert.match(refused.err, /signed evidence bundle/);
  const ok = purple(['alerts', dir, '--from', `file:${join(FIXTURES, 'crowdstrike-alerts.json')}`, '--sign', join(keys, 'purple-signing.pem')]);
  assert.equal(ok.code, 0, ok.err);
  const manifest = readFileSync(join(dir, 'manifest.json'), 'utf8');
  assert.match(manifest, /controls\/file\.ndjson/);
  const v = purple(['verify', dir, '--key', join(keys, 'purple-signing.pub')]);
  assert.equal(v.code, 0, v.out + v.err);
  assert.ok(existsSync(join(dir, 'navigator-layer-file.json')));
});

test('purple report re-renders a run with controls, its control layers included', (t) => {
  const dir = runDir(t);
  assert.equal(purple(['alerts', dir, '--from', `file:${join(FIXTURES, 'crowdstrike-alerts.json')},name=falcon`, '-q']).code, 0);
  const out = join(makeTempDir(t, 'purple-rerender-'), 'view');
  mkdirSync(out);
  const r = purple(['report', dir, '--out', out, '-q']);
  assert.equal(r.code, 0, r.err);
  assert.ok(existsSync(join(out, 'navigator-layer-falcon.json')));
  assert.match(readFileSync(join(out, 'index.html'), 'utf8'), /<section id="controls">/);
});
