// Black-box runs of the report verbs in a temp folder, parsing what they write.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, REPO, makeTempDir } from './helpers.js';
import { parseXml } from './xml.js';
import type { RunReport } from '../../src/model/index.js';

function purple(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO, 'src', 'cli', 'main.ts'), ...args], {
    cwd: REPO,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', GITHUB_STEP_SUMMARY: '', ...env },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function copyRun(t: { after(fn: () => void): void }, name: string): string {
  const dir = join(makeTempDir(t), name);
  cpSync(join(FIXTURES, name), dir, { recursive: true });
  return dir;
}

describe('purple report / merge / keygen / verify (CLI)', () => {
  test('report re-renders every format from report.json', (t) => {
    const dir = copyRun(t, 'run-a');
    const r = purple(['report', dir]);
    assert.equal(r.code, 0, r.err);
    for (const f of ['index.html', 'junit.xml', 'summary.md', 'navigator-layer.json', 'report.json']) assert.ok(existsSync(join(dir, f)), f);
    parseXml(readFileSync(join(dir, 'junit.xml'), 'utf8'));
    assert.equal(JSON.parse(readFileSync(join(dir, 'navigator-layer.json'), 'utf8')).versions.layer, '4.5');
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')), JSON.parse(readFileSync(join(FIXTURES, 'run-a', 'report.json'), 'utf8')));
    assert.match(r.out, /coverage 50\.0%/);
    assert.doesNotMatch(r.out, /\u001b\[/, 'NO_COLOR is respected');
  });

  test('report --check exits with the run result; --format picks formats', (t) => {
    const dir = copyRun(t, 'run-a');
    const out = join(dir, 'view');
    const r = purple(['report', dir, '--format', 'junit', '--out', out, '--check', '--quiet']);
    assert.equal(r.code, 1);
    assert.equal(r.out, '');
    assert.ok(existsSync(join(out, 'junit.xml')));
    assert.ok(!existsSync(join(out, 'index.html')));
  });

  test('bad input ends with exit 2 and a hint, never a stack trace', (t) => {
    const empty = makeTempDir(t);
    const notRun = purple(['report', empty]);
    assert.equal(notRun.code, 2);
    assert.match(notRun.err, /not a run folder[\s\S]*hint:/);
    const dir = copyRun(t, 'run-b');
    const badFormat = purple(['report', dir, '--format', 'pdf']);
    assert.equal(badFormat.code, 2);
    assert.match(badFormat.err, /unknown report format "pdf"[\s\S]*valid formats: json, html, junit, md, navigator/);
    writeFileSync(join(dir, 'report.json'), '{"schema_version": "1.0.0"}');
    const invalid = purple(['report', dir]);
    assert.equal(invalid.code, 2);
    assert.match(invalid.err, /does not match schemas\/report\.schema\.json/);
    for (const r of [notRun, badFormat, invalid]) assert.doesNotMatch(r.err, /\n\s+at /);
  });

  test('report --step-summary appends the Markdown to $GITHUB_STEP_SUMMARY', (t) => {
    const dir = copyRun(t, 'run-b');
    const summary = join(dir, 'step-summary.md');
    const r = purple(['report', dir, '--format', 'md', '--step-summary', '-q'], { GITHUB_STEP_SUMMARY: summary });
    assert.equal(r.code, 0, r.err);
    assert.equal(readFileSync(summary, 'utf8'), readFileSync(join(dir, 'summary.md'), 'utf8'));
  });

  test('merge joins two hosts into one fleet report', (t) => {
    const a = copyRun(t, 'run-a');
    const b = copyRun(t, 'run-b');
    const out = join(makeTempDir(t), 'fleet');
    const r = purple(['merge', a, b, '--out', out]);
    assert.equal(r.code, 0, r.err);
    const merged = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as RunReport;
    assert.deepEqual(Object.keys(merged.coverage.by_axis['host']!).sort(), ['lab-deb12', 'mac-ci-14']);
    assert.equal(merged.verdicts.length, 21);
    assert.match(r.out, /lab-deb12\s+Debian GNU\/Linux 12\s+coverage 50\.0% \(5\/10\)/);
    assert.match(r.out, /mac-ci-14\s+macOS 14\.7\.1\s+coverage 75\.0% \(3\/4\)/);
    const junit = parseXml(readFileSync(join(out, 'junit.xml'), 'utf8'));
    assert.equal(junit.attrs['tests'], '21');
    assert.match(readFileSync(join(out, 'index.html'), 'utf8'), /data-default-x="host"/);
    assert.equal(purple(['merge', a, b, '--out', out, '--check', '-q']).code, 1);
  });

  test('keygen, signed report, verify: 0 when intact, 1 with exactly what changed, 2 for a non-bundle', (t) => {
    const keys = join(makeTempDir(t), 'keys');
    const kg = purple(['keygen', '--out', keys]);
    assert.equal(kg.code, 0, kg.err);
    assert.match(kg.out, /fingerprint: sha256:[0-9a-f]{64}/);
    assert.equal(purple(['keygen', '--out', keys]).code, 2, 'refuses to overwrite');

    const dir = copyRun(t, 'run-a');
    assert.equal(purple(['report', dir, '--sign', join(keys, 'purple-signing.pem'), '-q']).code, 0);
    const ok = purple(['verify', dir, '--key', join(keys, 'purple-signing.pub')]);
    assert.equal(ok.code, 0, ok.out + ok.err);
    assert.match(ok.out, /^valid:/m);

    const html = join(dir, 'index.html');
    const bytes = readFileSync(html);
    bytes[100] = bytes[100]! ^ 0x20;
    writeFileSync(html, bytes);
    const bad = purple(['verify', dir, '--key', join(keys, 'purple-signing.pub')]);
    assert.equal(bad.code, 1);
    assert.match(bad.out, /^changed: index\.html /m);
    const json = purple(['verify', dir, '--json']);
    assert.equal(json.code, 1);
    assert.deepEqual(JSON.parse(json.out).changed.map((c: { path: string }) => c.path), ['index.html']);

    assert.equal(purple(['verify', makeTempDir(t)]).code, 2);
    assert.equal(purple(['verify', dir, '--key', join(keys, 'purple-signing.pem')]).code, 2, 'a private key is not a public key');
  });

  test('every verb has examples in --help', () => {
    for (const verb of ['report', 'merge', 'verify', 'keygen']) {
      const r = purple([verb, '--help']);
      assert.equal(r.code, 0);
      assert.match(r.out, /Examples:\n\s+purple /, verb);
    }
  });
});
