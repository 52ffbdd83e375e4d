import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readReport, validateReport } from '../../src/report/index.js';
import { FIXTURES, REPO, loadFixture, makeTempDir } from './helpers.js';
import type { RunReport } from '../../src/model/index.js';

describe('report.json schema', () => {
  test('both fixture runs validate', () => {
    assert.deepEqual(validateReport(loadFixture('run-a')), []);
    assert.deepEqual(validateReport(loadFixture('run-b')), []);
  });

  // Each mutation breaks one rule of the model; the schema must notice every one.
  const mutations: Array<[string, (r: RunReport) => void, RegExp]> = [
    ['missing top-level field', (r) => delete (r as Partial<RunReport>).coverage, /required property 'coverage'/],
    ['unknown top-level field', (r) => ((r as unknown as Record<string, unknown>)['extra'] = 1), /additional properties \(extra\)/],
    ['bad outcome', (r) => ((r.verdicts[0] as { outcome: string }).outcome = 'caught'), /verdicts\/0\/outcome/],
    ['missed without a reason', (r) => {
      const v = r.verdicts.find((x) => x.outcome === 'missed')!;
      delete v.reason;
    }, /required property 'reason'/],
    ['bad join strength', (r) => ((r.alerts[0] as { join_strength: string }).join_strength = 'cousins'), /alerts\/0\/join_strength/],
    ['coverage above 1', (r) => (r.coverage.coverage = 1.5), /coverage\/coverage/],
    ['sha256 not hex', (r) => (r.rules[0]!.sha256 = 'xyz'), /rules\/0\/sha256/],
    ['event without id', (r) => delete (r.events[0]!.event as Partial<RunReport['events'][0]['event']>).id, /events\/0\/event/],
    ['axis of a bad type', (r) => ((r.verdicts[0]!.axes as Record<string, unknown>)['host'] = { nested: true }), /axes/],
    ['bad timestamp', (r) => (r.run.started_at = 'yesterday'), /run\/started_at/],
    ['exit code 2', (r) => ((r as { exit_code: number }).exit_code = 2), /exit_code/],
  ];
  for (const [name, mutate, expected] of mutations) {
    test(`rejects: ${name}`, () => {
      const r = loadFixture('run-a');
      mutate(r);
      const problems = validateReport(r);
      assert.ok(problems.some((p) => expected.test(p)), `expected ${expected} in:\n${problems.join('\n')}`);
    });
  }

  test('the fixture type-checks as RunReport (model and schema in step)', (t) => {
    // The schema side is checked above; here the TypeScript compiler checks the same JSON
    // against the model's types, with the project's strict options.
    const dir = makeTempDir(t);
    const model = join(REPO, 'src', 'model', 'index.js');
    const lines = ['run-a', 'run-b'].map(
      (name, i) => `export const r${i}: RunReport = ${JSON.stringify(loadFixture(name as 'run-a'))};`,
    );
    // A sentinel that must fail proves the compiler really checks the literals.
    const bad = loadFixture('run-b');
    (bad.verdicts[0] as { outcome: string }).outcome = 'caught';
    lines.push(`export const sentinel: RunReport = ${JSON.stringify(bad)};`);
    writeFileSync(join(dir, 'check.ts'), `import type { RunReport } from ${JSON.stringify(model)};\n${lines.join('\n')}\n`);
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { strict: true, noUncheckedIndexedAccess: true, exactOptionalPropertyTypes: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', noEmit: true, typeRoots: [join(REPO, 'node_modules', '@types')], types: ['node'], skipLibCheck: true }, files: ['check.ts'] }),
    );
    const tsc = join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');
    let out = '';
    try {
      execFileSync(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json')], { encoding: 'utf8' });
    } catch (e) {
      out = String((e as { stdout?: string }).stdout ?? e);
    }
    const errors = out.split('\n').filter((l) => /error TS/.test(l));
    assert.equal(errors.length, 1, out);
    assert.match(errors[0]!, /check\.ts\(4,/, 'only the sentinel (line 4) may fail');
    assert.match(errors[0]!, /"caught"/);
  });

  test('readReport: a folder without report.json is a clear NOT_FOUND', async (t) => {
    const dir = makeTempDir(t);
    await assert.rejects(readReport(dir), (e: Error & { code?: string; hint?: string }) => e.code === 'NOT_FOUND' && /not a run folder/.test(e.message) && !!e.hint);
  });

  test('readReport: broken JSON names the line', async (t) => {
    const dir = makeTempDir(t);
    writeFileSync(join(dir, 'report.json'), '{\n  "schema_version": "1.0.0",\n  oops\n}\n');
    await assert.rejects(readReport(dir), (e: Error & { code?: string; location?: { line?: number } }) => e.code === 'BAD_INPUT' && e.location?.line === 3);
  });

  test('readReport: a schema violation is SCHEMA with the path', async (t) => {
    const dir = makeTempDir(t);
    const r = loadFixture('run-b') as unknown as Record<string, unknown>;
    delete r['verdicts'];
    writeFileSync(join(dir, 'report.json'), JSON.stringify(r));
    await assert.rejects(readReport(dir), (e: Error & { code?: string }) => e.code === 'SCHEMA' && /verdicts/.test(e.message));
  });

  test('readReport accepts the path of report.json itself', async () => {
    const r = await readReport(join(FIXTURES, 'run-b', 'report.json'));
    assert.equal(r.host.name, 'mac-ci-14');
  });
});
