// Black-box: `purple detect` in a temp folder, outputs parsed.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCommandRunner } from '../../harness/command-runner.js';
import type { Alert } from '../../src/model/index.js';

const ROOT = join(import.meta.dirname, '..', '..');
const FIX = join(ROOT, 'test', 'fixtures', 'det0503');
const runner = createCommandRunner();
let dir = '';

function purple(args: string[], input?: string): Promise<{ exitCode: number | null; stdout: string; stderr: string }> {
  return runner.run([process.execPath, '--import', 'tsx', join(ROOT, 'src', 'cli', 'main.ts'), ...args], { timeoutMs: 60_000, ...(input !== undefined ? { input } : {}) });
}

const alertsOf = (ndjson: string): Alert[] =>
  ndjson
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Alert);

describe('purple detect (CLI)', () => {
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'purple-detect-'));
    // Telemetry with one malformed line in the middle.
    const lines = readFileSync(join(FIX, 'linux-siblings.ndjson'), 'utf8').trim().split('\n');
    lines.splice(2, 0, '{"this is": not json');
    writeFileSync(join(dir, 'events.ndjson'), lines.join('\n') + '\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('every line malformed: exit 2 with the fix (one good line: exit 0)', async () => {
    writeFileSync(join(dir, 'all-bad.ndjson'), 'not json\n{oops\n');
    const r = await purple(['detect', '--events', join(dir, 'all-bad.ndjson')]);
    assert.equal(r.exitCode, 2, r.stderr);
    assert.match(r.stderr, /every one of the 2 input line\(s\) is malformed[\s\S]*hint: check --from/);
  });

  test('file in, NDJSON alerts out (EQL and Sigma packs), malformed line counted with its number', async () => {
    const r = await purple(['detect', '--events', join(dir, 'events.ndjson')]);
    assert.equal(r.exitCode, 0, r.stderr);
    const alerts = alertsOf(r.stdout);
    const eql = alerts.filter((a) => a.rule.language === 'eql');
    assert.deepEqual([...new Set(eql.map((a) => a.join_strength))].sort(), ['same-user-host', 'siblings']);
    assert.ok(eql.every((a) => /^eql\/det0503_linux_\w+\.toml$/.test(a.rule.file)));
    assert.ok(alerts.some((a) => a.rule.language === 'sigma'), 'the shipped Sigma pack runs too');
    assert.match(r.stderr, /5 lines read as ecs: 4 events, 0 skipped, 1 malformed/);
    assert.match(r.stderr, /line 3: /);
    assert.match(r.stderr, /sequences open at end \d+, evicted 0/);
  });

  test('a line past --max-line-bytes is a located malformed line, never fatal (file, stdin and --threads)', async () => {
    const lines = readFileSync(join(FIX, 'linux-siblings.ndjson'), 'utf8').trim().split('\n');
    // A valid-looking JSON line of 300 KB: too long for a 100,000-byte cap.
    lines.splice(1, 0, JSON.stringify({ '@timestamp': '2024-01-01T00:00:00Z', event: { kind: 'event' }, pad: 'x'.repeat(300_000) }));
    const file = join(dir, 'long-line.ndjson');
    writeFileSync(file, lines.join('\n') + '\n');
    const full = await purple(['detect', '--events', file]);
    assert.equal(full.exitCode, 0, full.stderr);
    const want = alertsOf(full.stdout).map((a) => a.rule.id).sort();
    for (const args of [['--events', file], ['--events', file, '--threads', '1'], ['--events', '-']]) {
      const r = await purple(['detect', ...args, '--max-line-bytes', '100000'], args[1] === '-' ? lines.join('\n') + '\n' : undefined);
      assert.equal(r.exitCode, 0, r.stderr);
      assert.match(r.stderr, /5 lines read as ecs: 4 events, 0 skipped, 1 malformed/, args.join(' '));
      assert.match(r.stderr, /line 2: line of \d+ bytes or more is longer than --max-line-bytes 100000: skipped/, args.join(' '));
      assert.deepEqual(alertsOf(r.stdout).map((a) => a.rule.id).sort(), want, 'the other lines are read as before');
    }
    const bad = await purple(['detect', '--events', file, '--max-line-bytes', 'lots']);
    assert.equal(bad.exitCode, 2);
  });

  test('stdin in, JSON file out, only the rules asked for', async () => {
    const out = join(dir, 'alerts.json');
    const text = readFileSync(join(FIX, 'macos-same-process.ndjson'), 'utf8');
    const r = await purple(['detect', '--events', '-', '--rules', join(ROOT, 'rules', 'eql'), '--format', 'json', '--output', out, '--quiet'], text);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, '');
    const alerts = JSON.parse(readFileSync(out, 'utf8')) as Alert[];
    assert.deepEqual(alerts.map((a) => a.join_strength).sort(), ['same-process', 'same-user-host', 'siblings']);
    assert.ok(alerts.every((a) => a.rule.language === 'eql' && a.rule.platforms?.[0] === 'macos'));
  });

  test('table output lists time, strength, severity, rule and rule file', async () => {
    const r = await purple(['detect', '-e', join(FIX, 'linux-near-browser.ndjson'), '--rules', join(ROOT, 'rules', 'eql'), '--format', 'table']);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(r.stdout, 'no alerts\n');
    const r2 = await purple(['detect', '-e', join(FIX, 'linux-same-user-host.ndjson'), '--rules', join(ROOT, 'rules', 'eql'), '--format', 'table']);
    const rows = r2.stdout.trim().split('\n');
    assert.equal(rows.length, 1);
    assert.match(rows[0]!, /^2024-06-01T12:00:05\.200000Z\s+same-user-host\s+low\s+DET0503 Linux: .*\[ev-\d+,ev-\d+\]\s+det0503_linux_same_user_host\.toml$/);
  });

  test('a site config given with --config tunes the pack', async () => {
    const cfgDir = join(dir, 'site');
    mkdirSync(cfgDir, { recursive: true });
    const cfg = readFileSync(join(ROOT, 'rules', 'config', 'det0503.yaml'), 'utf8').replace('maxspan: 60s', 'maxspan: 1s');
    writeFileSync(join(cfgDir, 'det0503.yaml'), cfg);
    const r = await purple(['detect', '-e', join(FIX, 'linux-same-user-host.ndjson'), '--rules', join(ROOT, 'rules', 'eql'), '--config', join(cfgDir, 'det0503.yaml')]);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(alertsOf(r.stdout).length, 0);
  });

  test('bad input exits 2 with a message, never a stack trace', async () => {
    const missing = await purple(['detect', '--events', join(dir, 'nope.ndjson')]);
    assert.equal(missing.exitCode, 2);
    assert.match(missing.stderr, /events file .* does not exist/);
    assert.doesNotMatch(missing.stderr, /\n\s+at /);
    const fmt = await purple(['detect', '--events', join(dir, 'events.ndjson'), '--format', 'xml']);
    assert.equal(fmt.exitCode, 2);
    assert.match(fmt.stderr, /unknown --format xml/);
    // A broken rule file: reported with its location, the good rules still run, exit 2.
    const rules = join(dir, 'rules');
    mkdirSync(rules, { recursive: true });
    copyFileSync(join(ROOT, 'rules', 'eql', 'det0503_linux_siblings.toml'), join(rules, 'siblings.toml'));
    writeFileSync(join(rules, 'broken.eql'), 'process where (');
    const mixed = await purple(['detect', '--events', join(dir, 'events.ndjson'), '--rules', rules]);
    assert.equal(mixed.exitCode, 2);
    assert.match(mixed.stderr, /broken\.eql:1:16: expected a value/);
    assert.deepEqual(alertsOf(mixed.stdout).map((a) => a.join_strength), ['siblings']);
  });
});
