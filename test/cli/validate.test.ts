// `purple validate`: the shipped catalogue and rules are clean; broken scenario, rule and
// configuration files are each reported as file:line:column with a hint, and the exit code is 2.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCommandRunner } from '../../harness/command-runner.js';
import { classifyFile, validatePaths, type ValidationResult } from '../../src/cli/validate.js';

const ROOT = join(import.meta.dirname, '..', '..');
const runner = createCommandRunner();

function purple(args: string[]): Promise<{ exitCode: number | null; stdout: string; stderr: string }> {
  return runner.run([process.execPath, '--import', 'tsx', join(ROOT, 'src', 'cli', 'main.ts'), ...args], { timeoutMs: 60_000 });
}

const shipped = (dir: string, ext: RegExp): string[] => readdirSync(join(ROOT, dir)).filter((n) => ext.test(n));
/** 1-based line of the first line of `text` that contains `needle`. */
const lineOf = (text: string, needle: string): number => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

let dir = '';
const texts: Record<string, string> = {};
function put(rel: string, text: string): string {
  const p = join(dir, rel);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, text);
  texts[rel] = text;
  return p;
}

describe('purple validate', () => {
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'purple-validate-'));
    const scenario = readFileSync(join(ROOT, 'scenarios', 'browser-upload.yaml'), 'utf8');
    put('scenarios/browser-upload.yaml', scenario);
    // YAML that does not parse: an unclosed flow sequence.
    put('scenarios/bad-yaml.yaml', 'id: bad-yaml\ntitle: x\nplatforms: [linux\nvariants:\n  single: []\n');
    // Parses, but the schema refuses a platform.
    put('scenarios/bad-schema.yaml', scenario.replace(/^id: browser-upload$/m, 'id: bad-schema').replace(/^platforms: .*$/m, 'platforms: [linux, plan9]'));
    // Passes the schema, but a step uses a placeholder the emulation contract does not define.
    put('scenarios/bad-placeholder.yaml', scenario.replace(/^id: browser-upload$/m, 'id: bad-placeholder').replace('{scenarios}/browser', '{scenario_dir}/browser'));
    put('rules/good.toml', readFileSync(join(ROOT, 'rules', 'eql', 'det0503_linux_siblings.toml'), 'utf8'));
    put('rules/bad.toml', readFileSync(join(ROOT, 'rules', 'eql', 'det0503_linux_same_process.toml'), 'utf8').replace('sequence by', 'sequense by'));
    put('rules/unknown-placeholder.eql', '// name: uses a list nobody defined\nprocess where process.name : (${NoSuchList})\n');
    put('rules/sigma/bad-level.yml', readFileSync(join(ROOT, 'rules', 'sigma', 'det0503_linux.yml'), 'utf8').replace(/^level: informational$/m, 'level: huge'));
    put('rules/config/det0503.yaml', 'DET0503:\n  maxspan: 60s\nEncryptionRoutinePattern:\n  command_line:\n    - {a: 1}\n');
    put('rules/what.yaml', 'hello: world\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('the shipped scenarios/ and rules/ are clean (default paths)', async () => {
    const r = await purple(['validate']);
    assert.equal(r.exitCode, 0, r.stdout + r.stderr);
    const scenarios = shipped('scenarios', /\.yaml$/).length;
    const rules = shipped('rules/eql', /\.toml$/).length + shipped('rules/sigma', /\.yml$/).length;
    assert.match(r.stdout, new RegExp(`^purple validate: ${scenarios + rules + 3} files checked: ${scenarios} scenario files \\(\\d+ variants\\), ${rules} rule files \\(\\d+ rules, compiled with rules/config/det0503\\.yaml\\), 3 configuration files; no problems\\n$`));
    const json = JSON.parse((await purple(['validate', '--json'])).stdout) as ValidationResult;
    assert.equal(json.ok, true);
    assert.ok(json.summary.variants >= 30);
    assert.ok(json.files.filter((f) => f.kind === 'eql-rule' || f.kind === 'sigma-rule').every((f) => (f.rules ?? 0) > 0), 'every rule file gives rules');
  });

  test('every broken file is reported as file:line:column with a hint; exit 2', async () => {
    const r = await purple(['validate', dir]);
    assert.equal(r.exitCode, 2, r.stdout + r.stderr);
    const at = (rel: string, line: number, rest: string): RegExp => new RegExp(`^${join(dir, rel).replace(/[.+]/g, '\\$&')}:${line}:\\d+: ${rest}`, 'm');
    // The YAML parser notices the unclosed `[` of line 3 where the next key starts.
    assert.match(r.stdout, at('scenarios/bad-yaml.yaml', 4, 'YAML syntax: '));
    assert.match(r.stdout, at('scenarios/bad-schema.yaml', lineOf(texts['scenarios/bad-schema.yaml']!, 'platforms:'), 'platforms\\[1\\]: must be one of "linux", "macos"'));
    assert.match(r.stdout, at('scenarios/bad-placeholder.yaml', lineOf(texts['scenarios/bad-placeholder.yaml']!, 'single:') + 1, 'bad-placeholder/negative-chromium-fetch: unknown placeholder\\(s\\) \\{scenario_dir\\}\n {2}hint: the contract defines: \\{workspace\\}'));
    assert.match(r.stdout, at('rules/bad.toml', lineOf(texts['rules/bad.toml']!, 'sequense by'), ''));
    assert.match(r.stdout, new RegExp(`${join(dir, 'rules/unknown-placeholder.eql').replace(/\./g, '\\.')}:2:\\d+: .*NoSuchList`));
    assert.match(r.stdout, at('rules/sigma/bad-level.yml', lineOf(texts['rules/sigma/bad-level.yml']!, 'level: huge'), 'Sigma schema: rule document 1: /level must be one of: informational, low, medium, high, critical'));
    assert.match(r.stdout, at('rules/config/det0503.yaml', 5, 'EncryptionRoutinePattern.command_line: every value must be a string or number'));
    assert.match(r.stdout, new RegExp(`${join(dir, 'rules/what.yaml').replace(/\./g, '\\.')}: cannot tell what kind of file this is\\n {2}hint: `));
    // Every problem has a hint line; the summary counts them; the good files are not blamed.
    const problems = r.stdout.split('\n').filter((l) => l.startsWith(dir));
    const hints = r.stdout.split('\n').filter((l) => l.startsWith('  hint: '));
    assert.equal(hints.length, problems.length);
    assert.ok(!problems.some((l) => /browser-upload\.yaml|good\.toml/.test(l)), problems.join('\n'));
    const summary = r.stdout.trim().split('\n').at(-1) ?? '';
    assert.match(summary, new RegExp(`; ${problems.length} problems in 8 files$`));
    // The broken configuration is reported, and the rules are compiled with the shipped one instead.
    assert.match(summary, /compiled with rules\/config\/det0503\.yaml/);
  });

  test('--json carries the same problems with line and column', async () => {
    const r = await purple(['validate', '--json', join(dir, 'scenarios', 'bad-yaml.yaml'), join(dir, 'rules', 'bad.toml')]);
    assert.equal(r.exitCode, 2);
    const j = JSON.parse(r.stdout) as ValidationResult;
    assert.equal(j.ok, false);
    assert.deepEqual(j.files.map((f) => [f.kind, f.problems > 0]), [['scenario', true], ['eql-rule', true]]);
    for (const p of j.problems) {
      assert.ok(p.line && p.column && p.hint, JSON.stringify(p));
    }
  });

  test('a path that does not exist, and a file of a kind it does not check', async () => {
    const r = await purple(['validate', join(dir, 'nope.yaml'), join(ROOT, 'README.md')]);
    assert.equal(r.exitCode, 2);
    assert.match(r.stdout, /nope\.yaml: does not exist\n {2}hint: /);
    assert.match(r.stdout, /README\.md: not a file purple validate checks \(\.md\)/);
  });

  test('an explicit --config compiles the rules with its lists', () => {
    put('site/det0503.yaml', 'NoSuchList:\n  - "x*"\nDET0503:\n  maxspan: 60s\n');
    const r = validatePaths([join(dir, 'rules', 'unknown-placeholder.eql')], { config: join(dir, 'site', 'det0503.yaml'), cwd: dir });
    assert.deepEqual(r.problems, []);
    assert.equal(r.rulesCompiledWith, 'site/det0503.yaml');
    assert.equal(r.files[0]?.rules, 1);
  });

  test('classifyFile: by extension, top-level keys, then folder', () => {
    const cases: Array<[string, string, string | undefined]> = [
      ['/x/a.toml', '', 'eql-rule'],
      ['/x/a.eql', '', 'eql-rule'],
      ['/x/a.yml', 'title: t\ndetection:\n  sel: {}\n', 'sigma-rule'],
      ['/x/a.yaml', 'title: t\ncorrelation:\n  type: temporal\n', 'sigma-rule'],
      ['/x/a.yaml', 'id: a\nvariants:\n  single: []\n', 'scenario'],
      ['/x/a.yaml', 'fields:\n  Image: process.executable\n', 'sigma-mapping'],
      ['/x/a.yaml', 'placeholders: {}\n', 'sigma-placeholders'],
      ['/x/site.yaml', 'ApplicationProfileBaseline:\n  executable: []\n', 'detector-config'],
      ['/x/scenarios/a.yaml', ': : :', 'scenario'],
      ['/x/config/a.yaml', ': : :', 'detector-config'],
      ['/x/a.yaml', 'hello: 1\n', undefined],
      ['/x/a.json', '{}', undefined],
    ];
    for (const [p, text, want] of cases) assert.equal(classifyFile(p, text), want, `${p} ${JSON.stringify(text)}`);
  });
});
