// `purple run` finds bad detector content and a bad signing key before it starts a process: exit 2
// with the file (and line), no emulation ran (its sentinel file is absent), no workspace, no report.
// The control case runs the same one-variant catalogue with good input and sees the sentinel, so
// the absence above proves something.

import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { cpSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, runPurple } from '../support/cli.js';
import { tempDir, writeTree } from '../support/temp.js';
import { createCommandRunner } from '../../harness/command-runner.js';
import { procfsCollector } from '../../collectors/procfs/collector.js';

const dir = tempDir(after, 'purple-preflight-');
const sentinel = join(dir, 'emulation-ran');
const catalogue = writeTree(join(dir, 'scenarios'), {
  'sentinel.yaml': `id: sentinel
title: writes a sentinel file when it runs
description: proves whether an emulation process started
attack: { techniques: [T1048.001], detection_strategy: DET0503, analytics: [AN1390] }
platforms: [linux, macos]
defaults:
  expect: negative
  timeout_s: 30
  cipher: none
  requires: [sh]
  axes: { interpreter: sh, encryption: none, upload: none, lineage: none, delay_s: 0, masquerade: false }
variants:
  single:
    - name: touch
      steps:
        - argv: [sh, -c, "touch ${sentinel}"]
`,
});

function run(runId: string, extra: string[]) {
  return runPurple(['run', '--scenarios', catalogue, '--collector', 'procfs', '--out', join(dir, `out-${runId}`), '--run-id', runId, '--no-progress', ...extra], { timeoutMs: 120_000 });
}

function noTrace(runId: string): void {
  assert.equal(existsSync(sentinel), false, 'the emulation ran');
  assert.equal(existsSync(join(tmpdir(), `purple-${runId}`)), false, 'a workspace was created');
  assert.equal(existsSync(join(dir, `out-${runId}`)), false, 'a report folder was written');
}

describe('purple run: input errors before the first process', async () => {
  const probe = process.platform === 'linux' ? await procfsCollector.probe({ runner: createCommandRunner(), hostName: 't', hostId: 't', isRoot: process.getuid?.() === 0, options: {} }) : { available: false };
  const skip = probe.available ? false : 'needs the procfs collector (Linux)';

  test('a rule that does not compile: exit 2 with file:line, nothing started', { skip }, async () => {
    const rules = join(dir, 'bad-rules');
    cpSync(join(ROOT, 'rules'), rules, { recursive: true });
    writeFileSync(join(rules, 'eql', 'zz-broken.eql'), '// name: broken\nprocess where process.name ==\n');
    const runId = `t-badrule-${process.pid}`;
    const r = await run(runId, ['--rules', rules]);
    assert.equal(r.exitCode, 2, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, /zz-broken\.eql:\d+/);
    assert.doesNotMatch(r.stderr, /internal error/);
    noTrace(runId);
  });

  test('a signing key that is not Ed25519: exit 2 naming the key file, nothing started', { skip }, async () => {
    const key = join(dir, 'rsa.pem');
    writeFileSync(key, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    const runId = `t-badkey-${process.pid}`;
    const r = await run(runId, ['--sign', key]);
    assert.equal(r.exitCode, 2, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, /rsa\.pem.*rsa key; evidence bundles are signed with Ed25519/);
    assert.doesNotMatch(r.stderr, /internal error/);
    noTrace(runId);
  });

  test('control: the same catalogue with good input runs the emulation', { skip }, async () => {
    const runId = `t-good-${process.pid}`;
    const r = await run(runId, []);
    assert.ok(r.exitCode === 0 || r.exitCode === 1, `${r.stdout}\n${r.stderr}`);
    assert.equal(existsSync(sentinel), true, 'the emulation did not run');
    assert.ok(readdirSync(join(dir, `out-${runId}`)).includes(runId));
  });
});
