import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPORT_FORMATS, writeRunReports, validateAgainst, generateSigningKeyPair, hashFolder, verifyBundle, writeKeyPair, writeManifest, type Manifest } from '../../src/report/index.js';
import { loadFixture, makeTempDir } from './helpers.js';

/** A run folder with every report format, a raw collector file, and a signed manifest. */
async function makeBundle(t: { after(fn: () => void): void }) {
  const dir = makeTempDir(t, 'purple-bundle-');
  const report = loadFixture('run-a');
  for (const f of Object.values(REPORT_FORMATS)) writeFileSync(join(dir, f.file), f.render(report));
  mkdirSync(join(dir, 'raw'));
  writeFileSync(join(dir, 'raw', 'audit.log'), 'type=SYSCALL msg=audit(1.0:1): arch=c000003e syscall=59\n');
  const keys = generateSigningKeyPair();
  const manifest = await writeManifest(dir, report, { privateKeyPem: keys.privateKeyPem, now: new Date('2026-11-29T11:00:00Z') });
  return { dir, keys, report, manifest };
}

describe('evidence bundle', () => {
  test('the manifest lists every artifact with SHA-256 and the run facts', async (t) => {
    const { dir, manifest, report } = await makeBundle(t);
    const onDisk = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
    assert.deepEqual(onDisk, manifest);
    assert.deepEqual(validateAgainst('manifest.schema.json', onDisk), []);
    assert.deepEqual(validateAgainst('manifest.schema.json', JSON.parse(readFileSync(join(dir, 'manifest.sig.json'), 'utf8'))), []);
    assert.notDeepEqual(validateAgainst('manifest.schema.json', { ...onDisk, files: [{ path: '../etc/passwd', sha256: 'a'.repeat(64), bytes: 1 }] }), []);
    assert.deepEqual(manifest.files.map((f) => f.path), ['index.html', 'junit.xml', 'navigator-layer.json', 'raw/audit.log', 'report.json', 'summary.md']);
    const audit = manifest.files.find((f) => f.path === 'raw/audit.log')!;
    assert.match(audit.sha256, /^[0-9a-f]{64}$/);
    assert.equal(audit.bytes, statSync(join(dir, 'raw', 'audit.log')).size);
    assert.equal(manifest.tool.git_commit, report.tool.git_commit);
    assert.equal(manifest.host.os, report.host.os);
    assert.deepEqual(manifest.collectors.map((c) => c.id), ['linux-audit', 'strace']);
    assert.equal(manifest.run.operator, 'ci-runner');
    assert.equal(manifest.run.started_at, report.run.started_at);
    assert.equal(manifest.rules.length, report.rules.length);
    assert.equal(manifest.scenarios[0]!.sha256, report.scenarios[0]!.sha256);
  });

  test('an untouched bundle verifies, with and without the pinned key', async (t) => {
    const { dir, keys } = await makeBundle(t);
    const pinned = await verifyBundle(dir, keys.publicKeyPem);
    assert.equal(pinned.valid, true, JSON.stringify(pinned));
    assert.equal(pinned.key_pinned, true);
    const embedded = await verifyBundle(dir);
    assert.equal(embedded.valid, true);
    assert.equal(embedded.key_pinned, false);
  });

  test('a changed byte in any artifact is detected, and only that file is named', async (t) => {
    const { dir, keys } = await makeBundle(t);
    const files = (await hashFolder(dir)).map((f) => f.path).filter((p) => !p.startsWith('manifest'));
    assert.ok(files.length >= 6);
    for (const path of files) {
      const full = join(dir, path);
      const original = readFileSync(full);
      const altered = Buffer.from(original);
      const at = Math.floor(altered.length / 2);
      altered[at] = altered[at]! ^ 0x01;
      writeFileSync(full, altered);
      const check = await verifyBundle(dir, keys.publicKeyPem);
      assert.equal(check.valid, false, path);
      assert.deepEqual(check.changed.map((c) => c.path), [path]);
      assert.deepEqual([check.missing, check.extra], [[], []]);
      assert.equal(check.signature, 'valid', 'the manifest itself is intact');
      writeFileSync(full, original);
    }
    assert.equal((await verifyBundle(dir, keys.publicKeyPem)).valid, true);
  });

  test('missing and extra files are named', async (t) => {
    const { dir } = await makeBundle(t);
    rmSync(join(dir, 'junit.xml'));
    writeFileSync(join(dir, 'raw', 'planted.txt'), 'x');
    const check = await verifyBundle(dir);
    assert.deepEqual(check.missing, ['junit.xml']);
    assert.deepEqual(check.extra, ['raw/planted.txt']);
    assert.equal(check.valid, false);
  });

  test('a bad signature, an edited manifest and a foreign key are each detected', async (t) => {
    const { dir, keys } = await makeBundle(t);
    const sigPath = join(dir, 'manifest.sig.json');
    const sigText = readFileSync(sigPath, 'utf8');
    const sig = JSON.parse(sigText) as { signature: string };
    const raw = Buffer.from(sig.signature, 'base64');
    raw[5] = raw[5]! ^ 0xff;
    writeFileSync(sigPath, JSON.stringify({ ...sig, signature: raw.toString('base64') }));
    let check = await verifyBundle(dir, keys.publicKeyPem);
    assert.equal(check.signature, 'invalid');
    assert.equal(check.valid, false);
    writeFileSync(sigPath, sigText);

    // Re-hash a changed artifact into the manifest: the hashes match, but the signature does not.
    const mPath = join(dir, 'manifest.json');
    const mText = readFileSync(mPath, 'utf8');
    writeFileSync(join(dir, 'summary.md'), 'all good, nothing to see\n');
    const m = JSON.parse(mText) as Manifest;
    const fresh = (await hashFolder(dir)).find((f) => f.path === 'summary.md')!;
    m.files = m.files.map((f) => (f.path === 'summary.md' ? fresh : f));
    writeFileSync(mPath, JSON.stringify(m, null, 2) + '\n');
    check = await verifyBundle(dir, keys.publicKeyPem);
    assert.deepEqual(check.changed, []);
    assert.equal(check.signature, 'invalid');
    assert.equal(check.valid, false);
    writeFileSync(mPath, mText);

    const other = generateSigningKeyPair();
    check = await verifyBundle(dir, other.publicKeyPem);
    assert.equal(check.signature, 'wrong-key');
    assert.equal(check.valid, false);

    rmSync(sigPath);
    check = await verifyBundle(dir);
    assert.equal(check.signature, 'missing');
    assert.equal(check.valid, false);
  });

  test('keygen writes a 0600 private key and refuses to overwrite it', async (t) => {
    const dir = makeTempDir(t);
    const r = await writeKeyPair(join(dir, 'keys'));
    assert.equal(statSync(r.privateKeyPath).mode & 0o777, 0o600);
    assert.match(readFileSync(r.publicKeyPath, 'utf8'), /BEGIN PUBLIC KEY/);
    assert.match(r.fingerprint, /^[0-9a-f]{64}$/);
    await assert.rejects(writeKeyPair(join(dir, 'keys')), /already holds/);
    assert.deepEqual(readdirSync(join(dir, 'keys')).sort(), ['purple-signing.pem', 'purple-signing.pub']);
  });

  test('writeRunReports writes every format and a bundle that verifies', async (t) => {
    const dir = makeTempDir(t);
    const keys = generateSigningKeyPair();
    const written = await writeRunReports(dir, loadFixture('run-b'), { privateKeyPem: keys.privateKeyPem });
    assert.deepEqual(written.map((p) => p.slice(dir.length + 1)).sort(), ['index.html', 'junit.xml', 'manifest.json', 'manifest.sig.json', 'navigator-layer.json', 'report.json', 'summary.md']);
    assert.equal((await verifyBundle(dir, keys.publicKeyPem)).valid, true);
    const broken = loadFixture('run-b') as unknown as Record<string, unknown>;
    delete broken['coverage'];
    await assert.rejects(writeRunReports(makeTempDir(t), broken as never), /does not match/);
  });
});
