// purple rescore: a recorded run (test/fixtures/runs/, made by a real run here under auditd)
// rescored with the rules it was recorded with gives its own verdicts and names the same rule-set
// digest; a changed rule or configuration gives the changed verdict, and the report names both.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { validateReport } from '../../src/report/schema-validator.js';
import type { RunReport } from '../../src/model/index.js';

const ROOT = join(import.meta.dirname, '..', '..');
const RUN = join(ROOT, 'test', 'fixtures', 'runs', 'linux-audit-openssl-curl');
const recorded = JSON.parse(readFileSync(join(RUN, 'report.json'), 'utf8')) as RunReport;

const purple = async (args: string[]): Promise<{ exitCode: number | undefined; stdout: string; stderr: string }> => {
  const r = await execa(process.execPath, ['--import', import.meta.resolve('tsx'), join(ROOT, 'src', 'cli', 'main.ts'), ...args], { reject: false, timeout: 120_000 });
  return { exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
};

const summary = (r: RunReport): string[] => r.verdicts.map((v) => `${v.variant_id} ${v.outcome} ${v.strongest_join ?? '-'} ${[...v.rules_fired].sort().join(',')}`);

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'purple-rescore-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('purple rescore', () => {
  test('the recording is what the test needs: a detected positive and a true negative', () => {
    assert.deepEqual(recorded.verdicts.map((v) => v.outcome), ['detected', 'true-negative']);
    assert.ok(recorded.events.length > 10);
  });

  test('with the rules it was recorded with: the same verdicts, the same rule-set digest, nothing changed', async () => {
    const out = join(dir, 'same');
    const r = await purple(['rescore', RUN, '--rules', join(RUN, 'rules'), '--config', join(RUN, 'rules', 'config', 'det0503.yaml'), '--out', out, '--format', 'json,junit']);
    assert.equal(r.exitCode, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /no verdict changed/);
    const rescored = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as RunReport;
    assert.deepEqual(validateReport(rescored), []);
    assert.deepEqual(summary(rescored), summary(recorded));
    assert.deepEqual(rescored.rescore?.changed, []);
    assert.equal(rescored.rescore?.original.run_id, recorded.run.id);
    assert.equal(rescored.rescore?.rules.digest, rescored.rescore?.original.rules_digest, 'the same files, so the same digest');
    assert.equal(rescored.rescore?.telemetry, 'report.json');
    assert.equal(rescored.alerts.length, recorded.alerts.length);
  });

  test('with a changed rule set: the changed verdict, and the report names both rule sets', async () => {
    const rules = join(dir, 'rules-no-siblings');
    cpSync(join(RUN, 'rules'), rules, { recursive: true });
    // Drop the siblings join (the strongest the recording proved) from both packs.
    rmSync(join(rules, 'eql', 'det0503_linux_siblings.toml'));
    const sigma = join(rules, 'sigma', 'det0503_linux.yml');
    writeFileSync(sigma, readFileSync(sigma, 'utf8').split('\n---\n').filter((d) => !/^title: .*\(siblings\)$/m.test(d)).join('\n---\n'));
    const out = join(dir, 'changed');
    const r = await purple(['rescore', RUN, '--rules', rules, '--config', join(rules, 'config', 'det0503.yaml'), '--out', out, '--format', 'json']);
    assert.equal(r.exitCode, 0, r.stdout + r.stderr);
    const rescored = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as RunReport;
    assert.deepEqual(validateReport(rescored), []);
    const positive = rescored.verdicts[0]!;
    assert.equal(positive.outcome, 'detected');
    assert.equal(positive.strongest_join, 'same-user-host');
    assert.deepEqual(rescored.rescore?.changed, [{ variant_id: positive.variant_id, before: 'detected', after: 'detected', join_before: 'siblings', join_after: 'same-user-host' }]);
    assert.notEqual(rescored.rescore?.rules.digest, rescored.rescore?.original.rules_digest);
    assert.match(r.stdout, /changed: .*detected \(siblings\) → detected \(same-user-host\)/);
  });

  test('with a changed configuration: curl baselined, the positive is missed and the exit code says so', async () => {
    const rules = join(dir, 'rules-curl-baselined');
    cpSync(join(RUN, 'rules'), rules, { recursive: true });
    const cfg = join(rules, 'config', 'det0503.yaml');
    writeFileSync(cfg, readFileSync(cfg, 'utf8').replace('  executable:\n    - "/Applications/Safari.app/*"\n', '  executable:\n    - "*/curl"\n    - "/Applications/Safari.app/*"\n'));
    const out = join(dir, 'baselined');
    const r = await purple(['rescore', RUN, '--rules', rules, '--config', cfg, '--out', out, '--json']);
    assert.equal(r.exitCode, 1, r.stdout + r.stderr);
    const j = JSON.parse(r.stdout) as { changed: Array<{ before: string; after: string }>; exit_code: number };
    assert.deepEqual(j.changed.map((c) => `${c.before}→${c.after}`), ['detected→missed']);
    const rescored = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as RunReport;
    assert.ok(rescored.rescore!.rules.config.some((c) => c.file.endsWith('det0503.yaml')));
  });

  test('bad input is exit 2: no run folder, and --out onto the recording', async () => {
    const none = await purple(['rescore', join(dir, 'nope')]);
    assert.equal(none.exitCode, 2);
    assert.match(none.stderr, /does not exist/);
    const self = await purple(['rescore', RUN, '--out', RUN]);
    assert.equal(self.exitCode, 2);
    assert.match(self.stderr, /--out is the recorded run folder itself/);
  });
});
