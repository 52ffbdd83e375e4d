import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pointLatest, readReport, resolveRunDir, verifyBundle, writeManifest } from '../../src/report/index.js';
import { loadFixture, makeTempDir } from './helpers.js';

function runFolder(root: string, id: string): string {
  const dir = join(root, id);
  mkdirSync(dir, { recursive: true });
  const r = loadFixture('run-a');
  r.run.id = id;
  writeFileSync(join(dir, 'report.json'), JSON.stringify(r));
  return dir;
}

describe('reports/latest', () => {
  test('is a relative symlink to the newest run, replaced by the next run', async (t) => {
    const root = makeTempDir(t);
    runFolder(root, 'run-1');
    runFolder(root, 'run-2');
    assert.equal(await pointLatest(root, 'run-1'), 'symlink');
    assert.equal(readlinkSync(join(root, 'latest')), 'run-1');
    await pointLatest(root, 'run-2');
    assert.ok(lstatSync(join(root, 'latest')).isSymbolicLink());
    assert.equal(readlinkSync(join(root, 'latest')), 'run-2');
    assert.equal((await readReport(join(root, 'latest'))).run.id, 'run-2');
  });

  test('the older text-file form is accepted by every reader', async (t) => {
    const root = makeTempDir(t);
    const dir = runFolder(root, 'run-7');
    writeFileSync(join(root, 'latest'), 'run-7\n');
    assert.equal(resolveRunDir(join(root, 'latest')), dir);
    assert.equal((await readReport(join(root, 'latest'))).run.id, 'run-7');
    await writeManifest(dir, loadFixture('run-a'));
    const check = await verifyBundle(join(root, 'latest'));
    assert.deepEqual([check.changed, check.missing, check.extra], [[], [], []]);
    assert.equal(check.signature, 'missing');
  });

  test('a text file naming something that is not a run is left as given (clear error, not a wrong folder)', async (t) => {
    const root = makeTempDir(t);
    writeFileSync(join(root, 'latest'), '../../etc\n');
    assert.equal(resolveRunDir(join(root, 'latest')), join(root, 'latest'));
    await assert.rejects(readReport(join(root, 'latest')), /not valid JSON|not a run folder/);
  });

  test('a real folder named latest is refused with the fix', async (t) => {
    const root = makeTempDir(t);
    mkdirSync(join(root, 'latest'));
    await assert.rejects(pointLatest(root, 'run-1'), /is a folder/);
  });
});
