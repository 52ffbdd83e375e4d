// `purple show` and `purple doctor --variant`: the commands a variant runs with the placeholders
// filled, its expectation and gap, inputs (--var), and prerequisites with install hints.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCommandRunner } from '../../harness/command-runner.js';
import { checkPrerequisites, loadCatalogue, type HostProbes } from '../../harness/scenario/index.js';
import { formatShown, showVariants } from '../../src/cli/show.js';

const ROOT = join(import.meta.dirname, '..', '..');
const runner = createCommandRunner();
const purple = (args: string[]) => runner.run([process.execPath, '--import', 'tsx', join(ROOT, 'src', 'cli', 'main.ts'), ...args], { timeoutMs: 60_000 });

const SCENARIO = `id: ext
title: External
description: a scenario outside the shipped catalogue that uses the shipped script library
attack: { techniques: [T1048.001], detection_strategy: DET0503, analytics: [AN1390] }
platforms: [linux, macos]
inputs:
  max_time_s: { description: seconds curl may take, default: 30, pattern: "[0-9]+" }
defaults:
  expect: positive
  requires: [sh, openssl, curl, purple-no-such-tool]
  axes: { interpreter: sh, delay_s: 0, masquerade: false, lineage: siblings, encryption: openssl, upload: curl }
  known_gap: made up for the test
variants:
  single:
    - name: one
      cipher: aes-256-cbc-pbkdf2
      steps:
        - argv: [sh, "{scenarios}/sh/encrypt-upload.sh", enc-aes-256-cbc-pbkdf2, curl-data-binary, "{$max_time_s}"]
`;

function tempCatalogue(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'purple-show-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'ext.yaml'), SCENARIO);
  return dir;
}

describe('purple show', () => {
  test('a shipped variant: steps with {scenarios} filled, expectation, axes, ATT&CK, file:line', async () => {
    const [v] = await showVariants({ variant: ['openssl-curl/detached'], cwd: ROOT });
    assert.ok(v);
    assert.equal(v.file, 'scenarios/openssl-curl.yaml');
    assert.ok(v.line && v.line > 1);
    assert.equal(v.steps.length, 2);
    assert.deepEqual(v.steps[0]!.argv, ['sh', join(ROOT, 'scenarios', 'sh', 'encrypt-upload.sh'), 'enc-aes-256-cbc-pbkdf2', 'none', '0']);
    assert.equal(v.steps[1]!.detached, true);
    assert.ok(v.steps.every((s) => s.argv.every((a) => !/\{[a-z_]+\}/.test(a))), 'no placeholder left');
    assert.equal(v.axes['lineage'], 'detached');
    assert.ok(v.attack.techniques.includes('T1048.001'));
    const text = formatShown([v]);
    assert.match(text, /defined at {3}scenarios\/openssl-curl\.yaml:\d+/);
    assert.match(text, /\[detached\] sh \S+encrypt-upload\.sh existing curl-data-binary 0/);
  });

  test('an external folder uses the shipped script library through {scenarios}; inputs, --var, gap, missing prerequisite with install hint', async (t) => {
    const dir = tempCatalogue(t);
    const [v] = await showVariants({ variant: ['ext/one'], scenarios: dir, vars: { max_time_s: '7' }, platform: 'linux' });
    assert.ok(v);
    assert.equal(v.known_gap, 'made up for the test');
    assert.deepEqual(v.inputs, { max_time_s: { description: 'seconds curl may take', default: '30', value: '7' } });
    assert.equal(v.steps[0]!.argv.at(-1), '7', '--var reached the argv');
    assert.equal(v.steps[0]!.argv[1], join(ROOT, 'scenarios', 'sh', 'encrypt-upload.sh'), '{scenarios} falls back to the shipped library');
    const missing = v.prerequisites.find((p) => p.name === 'purple-no-such-tool')!;
    assert.equal(missing.present, false);
    assert.equal(missing.install, 'sudo apt-get install -y purple-no-such-tool');
    assert.match(v.skip_reason ?? '', /purple-no-such-tool not found/);
    const [d] = await showVariants({ variant: ['ext/one'], scenarios: dir, platform: 'linux' });
    assert.equal(d!.steps[0]!.argv.at(-1), '30', 'the default applies without --var');
  });

  test('--var problems are bad input with the fix: not name=value, undeclared, not matching the pattern', async (t) => {
    const dir = tempCatalogue(t);
    let r = await purple(['show', 'ext/one', '--scenarios', dir, '--var', 'nope']);
    assert.equal(r.exitCode, 2);
    assert.match(r.stderr, /is not name=value/);
    r = await purple(['show', 'ext/one', '--scenarios', dir, '--var', 'other=1']);
    assert.equal(r.exitCode, 2);
    assert.match(r.stderr, /no scenario of the catalogue declares an input "other"[\s\S]*max_time_s/);
    r = await purple(['show', 'ext/one', '--scenarios', dir, '--var', 'max_time_s=abc']);
    assert.equal(r.exitCode, 2);
    assert.match(r.stderr, /ext\.yaml:\d+.*does not match its pattern/);
  });

  test('the CLI: text and JSON; an unknown variant exits 2 with the hint', async () => {
    let r = await purple(['show', 'openssl-curl/detached', '--json']);
    assert.equal(r.exitCode, 0, r.stderr);
    const j = JSON.parse(r.stdout) as { variants: Array<{ id: string; skip_reason?: string }> };
    assert.deepEqual(j.variants.map((v) => v.id), ['openssl-curl/detached']);
    r = await purple(['show', 'nope/none']);
    assert.equal(r.exitCode, 2);
    assert.match(r.stderr, /no variant matches[\s\S]*purple list/);
  });

  test('prerequisites: python modules with the apt and pip commands; macOS gets brew; nothing present is flagged', async (t) => {
    const dir = tempCatalogue(t);
    const [v] = loadCatalogue(dir)[0]!.variants;
    const host = (platform: 'linux' | 'macos', missing: string[]): HostProbes => ({ platform, which: async (b) => (missing.includes(b) ? undefined : `/usr/bin/${b}`), pythonHas: async (m) => !missing.includes(m), nodeHas: async () => true });
    const withPy = { ...v!, requires_python: ['cryptography'] };
    const linux = await checkPrerequisites(withPy, host('linux', ['cryptography', 'curl']));
    assert.match(linux.find((p) => p.name === 'cryptography')!.install!, /^sudo apt-get install -y python3-cryptography {3}\(or: python3 -m pip install --user cryptography\)$/);
    const mac = await checkPrerequisites(withPy, host('macos', ['curl']));
    assert.equal(mac.find((p) => p.name === 'curl')!.install, 'brew install curl');
    const all = await checkPrerequisites(v!, host('linux', []));
    assert.ok(all.every((p) => p.present === true && p.install === undefined));
  });
});

test('validate flags a {scenarios}/ script that exists nowhere, at the variant line', async (t) => {
  const dir = tempCatalogue(t);
  writeFileSync(join(dir, 'ext.yaml'), SCENARIO.replace('sh/encrypt-upload.sh', 'sh/no-such.sh'));
  const r = await purple(['validate', dir]);
  assert.equal(r.exitCode, 2, r.stdout + r.stderr);
  assert.match(r.stdout + r.stderr, /ext\.yaml:\d+.*script \{scenarios\}\/sh\/no-such\.sh does not exist/);
});

describe('purple doctor --variant', () => {
  test('lists the prerequisites and exits 1 when one is missing, with the install command', async (t) => {
    const dir = tempCatalogue(t);
    const r = await purple(['doctor', '--variant', 'ext/one', '--scenarios', dir]);
    assert.equal(r.exitCode, 1, r.stderr);
    assert.match(r.stdout, /variant ext\/one: prerequisites MISSING/);
    assert.match(r.stdout, /MISSING binary purple-no-such-tool\n\s+install: sudo apt-get install -y purple-no-such-tool/);
    const ok = await purple(['doctor', '--variant', 'openssl-curl/detached', '--json']);
    assert.equal(ok.exitCode, 0, ok.stdout);
    const j = JSON.parse(ok.stdout) as { variants: Array<{ variant_id: string; prerequisites: Array<{ present: boolean }> }> };
    assert.equal(j.variants[0]!.variant_id, 'openssl-curl/detached');
  });
});
