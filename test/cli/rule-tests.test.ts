// `purple test`: the shipped rules carry passing cases of both kinds (CI runs this), a failing case
// exits 1 with a FAIL row and a JUnit <failure>, a malformed case is exit 2 at its file:line.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { readRuleTests } from '../../src/detector/index.js';

const ROOT = join(import.meta.dirname, '..', '..');
// Run in the temp folder, so the messages' relative paths can be checked.
const purple = async (args: string[]): Promise<{ exitCode: number | undefined; stdout: string; stderr: string }> => {
  const r = await execa(process.execPath, ['--import', import.meta.resolve('tsx'), join(ROOT, 'src', 'cli', 'main.ts'), ...args], { cwd: dir, reject: false, timeout: 120_000 });
  return { exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
};

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'purple-rule-tests-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const ev = (t: string, extra: Record<string, unknown>): string =>
  JSON.stringify({ '@timestamp': t, ecs: { version: '8.11.0' }, event: { id: t, kind: 'event', category: ['process'], type: ['start'], action: 'exec' }, host: { id: 'h', os: { type: 'linux' } }, ...extra });

const eqlRule = (tests: string): string => `[rule]
name = "curl starts"
rule_id = "t-curl"
severity = "low"
language = "eql"
query = '''
process where event.type == "start" and process.name == "curl"
'''
${tests}`;

describe('purple test', () => {
  test('the shipped rules: every rule has an alert and a no-alert case, all pass; JUnit lists each case', async () => {
    const junit = join(dir, 'shipped.xml');
    const r = await purple(['test', join(ROOT, 'rules'), '--require-cases', '--junit', junit]);
    assert.equal(r.exitCode, 0, r.stdout + r.stderr);
    const m = /purple test: (\d+) cases of (\d+) rules: (\d+) passed, 0 failed$/m.exec(r.stdout);
    assert.ok(m, r.stdout.slice(-500));
    assert.equal(m[1], m[3]);
    assert.ok(Number(m[2]) >= 24, 'EQL and Sigma rules');
    assert.doesNotMatch(r.stdout, /without both kinds|FAIL/);
    const xml = readFileSync(junit, 'utf8');
    assert.equal((xml.match(/<testcase /g) ?? []).length, Number(m[1]));
    assert.doesNotMatch(xml, /<failure/);
  });

  test('a failing case: exit 1, a FAIL row with the file and line, a JUnit failure', async () => {
    const file = join(dir, 'fail.toml');
    writeFileSync(
      file,
      eqlRule(`[[tests]]
name = "curl fires"
expect = "alert"
events = '''
${ev('2026-01-01T00:00:00Z', { process: { pid: 1, name: 'curl' } })}
'''

[[tests]]
name = "wget must not fire"
expect = "no-alert"
events = '''
${ev('2026-01-01T00:00:00Z', { process: { pid: 1, name: 'curl' } })}
'''
`),
    );
    const junit = join(dir, 'fail.xml');
    const r = await purple(['test', 'fail.toml', '--junit', junit]);
    assert.equal(r.exitCode, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /curl fires\s+alert\s+alert\s+pass/);
    assert.match(r.stdout, /wget must not fire\s+no-alert\s+alert\s+FAIL/);
    assert.match(r.stdout, /^fail\.toml:16: FAIL curl starts \/ wget must not fire: the rule fired 1 time$/m);
    assert.match(r.stdout, /1 passed, 1 failed/);
    const xml = readFileSync(junit, 'utf8');
    assert.equal((xml.match(/<failure /g) ?? []).length, 1);
    assert.match(xml, /name="wget must not fire"[^>]*><failure message="the rule fired 1 time"/);
  });

  test('a case with the wrong join strength fails', async () => {
    writeFileSync(
      join(dir, 'join.toml'),
      eqlRule(`[[tests]]
name = "needs parent-child"
expect = "alert"
join = "parent-child"
events = '''
${ev('2026-01-01T00:00:00Z', { process: { pid: 1, name: 'curl' } })}
'''
`),
    );
    const r = await purple(['test', 'join.toml']);
    assert.equal(r.exitCode, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /the rule fired with join none, expected parent-child/);
  });

  test('malformed cases are exit 2 at file:line: bad expect (schema), bad JSON event line', async () => {
    writeFileSync(join(dir, 'bad.toml'), eqlRule(`[[tests]]\nname = "x"\nexpect = "maybe"\nevents = '''\n${ev('2026-01-01T00:00:00Z', {})}\n'''\n`));
    const r = await purple(['test', 'bad.toml']);
    assert.equal(r.exitCode, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /bad\.toml:9: test case 1 of rule t-curl: expect must be equal to one of the allowed values/);
    writeFileSync(join(dir, 'badjson.toml'), eqlRule(`[[tests]]\nname = "x"\nexpect = "alert"\nevents = '''\n${ev('2026-01-01T00:00:00Z', {})}\n{"@timestamp": nope}\n'''\n`));
    const j = await purple(['test', 'badjson.toml']);
    assert.equal(j.exitCode, 2, j.stdout + j.stderr);
    assert.match(j.stderr, /badjson\.toml:14: test event is not valid JSON/);
  });

  test('--require-cases: a rule without a no-alert case is exit 1 and named', async () => {
    writeFileSync(join(dir, 'one.toml'), eqlRule(`[[tests]]\nname = "fires"\nexpect = "alert"\nevents = '''\n${ev('2026-01-01T00:00:00Z', { process: { name: 'curl' } })}\n'''\n`));
    const plain = await purple(['test', 'one.toml']);
    assert.equal(plain.exitCode, 0, plain.stdout + plain.stderr);
    const strict = await purple(['test', 'one.toml', '--require-cases']);
    assert.equal(strict.exitCode, 1);
    assert.match(strict.stdout, /one\.toml: rule curl starts has no "no-alert" test case/);
  });
});

describe('rule test cases in Sigma YAML', () => {
  test('a tests: list in the rule document, with the line of each case; a building block is tested on its own', () => {
    const text = `title: base\nname: base\nlogsource: { product: linux, category: process_creation }\ndetection: { sel: { Image|endswith: /curl }, condition: sel }\ntests:\n    - name: curl\n      expect: alert\n      events:\n          - {"@timestamp": "2026-01-01T00:00:00Z", "event": {"category": ["process"], "type": ["start"], "action": "exec"}, "process": {"executable": "/usr/bin/curl"}}\n`;
    const read = readRuleTests([{ path: 'r.yml', text }]);
    assert.equal(read.errors.length, 0, read.errors.map((e) => e.format()).join('\n'));
    assert.equal(read.cases.length, 1);
    assert.equal(read.cases[0]!.line, 6);
    assert.equal(read.cases[0]!.ruleId, 'base');
    assert.ok(read.cases[0]!.alone);
  });
});
