// The evidence manifest records the detector configuration (`purple run --config`, default
// rules/config/det0503.yaml) by SHA-256 and path, so an auditor can tell which site lists were in
// force; bundles written before (manifest 1.0.0, no `config`) still validate and verify.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { detectorConfigDigests } from '../../src/pipeline/detector-content.js';
import { MANIFEST_VERSION, fileDigest, generateSigningKeyPair, serializeManifest, signManifest, validateAgainst, verifyBundle, writeManifest, writeRunReports, type Manifest } from '../../src/report/index.js';
import { REPO, loadFixture, makeTempDir } from './helpers.js';

const sha = (p: string): string => createHash('sha256').update(readFileSync(p)).digest('hex');
const DEFAULT_CONFIG = join(REPO, 'rules', 'config', 'det0503.yaml');
const readManifest = (dir: string): Manifest => JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;

describe('evidence manifest: detector configuration digest', () => {
  test('the default configuration is named relative to the repository root, with its SHA-256, then the Sigma files beside it', () => {
    const digests = detectorConfigDigests(DEFAULT_CONFIG, REPO);
    assert.deepEqual(digests[0], { file: 'rules/config/det0503.yaml', sha256: sha(DEFAULT_CONFIG) });
    assert.deepEqual(
      digests.slice(1).map((d) => d.file),
      ['rules/config/sigma-mapping.yaml', 'rules/config/sigma-placeholders.yaml'],
    );
    for (const d of digests) assert.equal(d.sha256, sha(join(REPO, d.file)), d.file);
  });

  test('a configuration outside the repository is named by its absolute path; Sigma files only when present', (t) => {
    const dir = realpathSync(makeTempDir(t, 'purple-config-'));
    const cfg = join(dir, 'site.yaml');
    writeFileSync(cfg, 'DET0503:\n  maxspan: 30s\n');
    assert.deepEqual(detectorConfigDigests(cfg, REPO), [{ file: cfg, sha256: sha(cfg) }]);
    copyFileSync(join(REPO, 'rules', 'config', 'sigma-placeholders.yaml'), join(dir, 'sigma-placeholders.yaml'));
    assert.deepEqual(
      detectorConfigDigests(cfg, REPO).map((d) => d.file),
      [cfg, join(dir, 'sigma-placeholders.yaml')],
    );
  });

  test('fileDigest: inside the root relative and /-separated, a sibling folder with the same prefix is outside', () => {
    assert.equal(fileDigest('/srv/purple/rules/x.yaml', 'a', '/srv/purple').file, 'rules/x.yaml');
    assert.equal(fileDigest('/srv/purple-site/x.yaml', 'a', '/srv/purple').file, '/srv/purple-site/x.yaml');
    assert.equal(fileDigest('/etc/x.yaml', 'a', '/srv/purple').file, '/etc/x.yaml');
    assert.equal(fileDigest('/etc/x.yaml', 'a', '/srv/purple').sha256, createHash('sha256').update('a').digest('hex'));
  });

  test('a signed run records the configuration digest in the manifest; it validates, verifies, and is covered by the signature', async (t) => {
    const dir = makeTempDir(t, 'purple-bundle-');
    const keys = generateSigningKeyPair();
    const config = detectorConfigDigests(DEFAULT_CONFIG, REPO);
    await writeRunReports(dir, loadFixture('run-a'), { formats: ['json', 'md'], privateKeyPem: keys.privateKeyPem, config, now: new Date('2026-11-29T11:00:00Z') });
    const manifest = readManifest(dir);
    assert.equal(manifest.manifest_version, MANIFEST_VERSION);
    assert.ok(manifest.config, 'manifest.json has no config digest');
    assert.deepEqual(manifest.config, config);
    assert.deepEqual(manifest.config[0], { file: 'rules/config/det0503.yaml', sha256: sha(DEFAULT_CONFIG) });
    // Beside the rule digests, in the signed bytes.
    const keys_ = Object.keys(manifest);
    assert.equal(keys_.indexOf('config'), keys_.indexOf('rules') + 1);
    assert.deepEqual(validateAgainst('manifest.schema.json', manifest), []);
    assert.equal((await verifyBundle(dir, keys.publicKeyPem)).valid, true);

    // Claiming other site lists breaks the signature.
    const forged = { ...manifest, config: [{ file: 'rules/config/det0503.yaml', sha256: 'f'.repeat(64) }] };
    writeFileSync(join(dir, 'manifest.json'), serializeManifest(forged));
    const check = await verifyBundle(dir, keys.publicKeyPem);
    assert.equal(check.valid, false);
    assert.equal(check.signature, 'invalid');
  });

  test('the schema rejects a malformed config digest', async (t) => {
    const dir = makeTempDir(t, 'purple-bundle-');
    const manifest = await writeManifest(dir, loadFixture('run-a'), { config: detectorConfigDigests(DEFAULT_CONFIG, REPO) });
    assert.deepEqual(validateAgainst('manifest.schema.json', manifest), []);
    for (const bad of [[], [{ file: 'rules/config/det0503.yaml', sha256: 'xyz' }], [{ file: '', sha256: 'a'.repeat(64) }], [{ file: 'a.yaml', sha256: 'a'.repeat(64), extra: 1 }], { file: 'a.yaml', sha256: 'a'.repeat(64) }]) {
      assert.notDeepEqual(validateAgainst('manifest.schema.json', { ...manifest, config: bad }), [], JSON.stringify(bad));
    }
  });

  test('old bundles without a config digest (manifest 1.0.0) still validate and verify; re-signing from report.json leaves it out', async (t) => {
    const dir = makeTempDir(t, 'purple-bundle-');
    const report = loadFixture('run-a');
    writeFileSync(join(dir, 'report.json'), JSON.stringify(report, null, 2) + '\n');
    mkdirSync(join(dir, 'raw'));
    writeFileSync(join(dir, 'raw', 'audit.log'), 'type=SYSCALL msg=audit(1.0:1): arch=c000003e syscall=59\n');
    const keys = generateSigningKeyPair();
    const now = new Date('2026-11-29T11:00:00Z');
    const current = await writeManifest(dir, report, { privateKeyPem: keys.privateKeyPem, now });
    assert.equal('config' in current, false);
    assert.equal((await verifyBundle(dir, keys.publicKeyPem)).valid, true);

    // Exactly what a 1.0.0 writer produced: same facts, older version, no config.
    const old: Manifest = { ...current, manifest_version: '1.0.0' };
    const text = serializeManifest(old);
    writeFileSync(join(dir, 'manifest.json'), text);
    writeFileSync(join(dir, 'manifest.sig.json'), JSON.stringify(signManifest(text, keys.privateKeyPem, now.toISOString()), null, 2) + '\n');
    assert.deepEqual(validateAgainst('manifest.schema.json', readManifest(dir)), []);
    const check = await verifyBundle(dir, keys.publicKeyPem);
    assert.equal(check.valid, true, JSON.stringify(check));
  });
});
