// `purple list`: the catalogue with expectations, ATT&CK techniques and "can it run here", through
// the verb's function (with probes made up for the test) and through the CLI in a temp folder.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCommandRunner } from '../../harness/command-runner.js';
import { loadCatalogue, type HostProbes } from '../../harness/scenario/index.js';
import { isPurpleError } from '../../src/model/index.js';
import { formatListing, listCatalogue, type CatalogueListing } from '../../src/cli/list.js';

const ROOT = join(import.meta.dirname, '..', '..');
const runner = createCommandRunner();
const catalogue = loadCatalogue(join(ROOT, 'scenarios'));
const allVariants = catalogue.flatMap((s) => s.variants);

function purple(args: string[]): Promise<{ exitCode: number | null; stdout: string; stderr: string }> {
  return runner.run([process.execPath, '--import', 'tsx', join(ROOT, 'src', 'cli', 'main.ts'), ...args], { timeoutMs: 60_000 });
}

/** A Linux host with everything installed except `missing`. */
function probes(missing: string[] = [], platform: 'linux' | 'macos' = 'linux'): HostProbes {
  return {
    platform,
    which: async (b) => (missing.includes(b) ? undefined : `/usr/bin/${b}`),
    pythonHas: async (m) => !missing.includes(m),
    nodeHas: async (p) => !missing.includes(p),
  };
}

const variantsOf = (l: CatalogueListing) => l.scenarios.flatMap((s) => s.variants);

describe('listCatalogue', () => {
  test('every variant of the catalogue, with expectation, techniques and whether it runs here', async () => {
    const l = await listCatalogue({ probes: probes(), cwd: ROOT });
    const vs = variantsOf(l);
    assert.deepEqual(vs.map((v) => v.id), allVariants.map((v) => v.id));
    assert.deepEqual(l.scenarios.map((s) => s.file), catalogue.map((s) => `scenarios/${s.id}.yaml`));
    assert.equal(l.summary.variants, allVariants.length);
    assert.equal(l.summary.negative, allVariants.filter((v) => v.expect === 'negative').length);
    assert.equal(l.summary.known_gaps, allVariants.filter((v) => v.known_gap).length);
    assert.ok(l.summary.negative >= 4 && l.summary.known_gaps >= 1, 'the catalogue has negative controls and known gaps');
    assert.deepEqual(l.problems, []);
    for (const v of vs) {
      assert.ok(v.techniques.includes('T1048.001'), v.id);
      assert.equal(v.runs_here, v.platforms.includes('linux'), v.id);
      if (!v.runs_here) assert.equal(v.skip_reason, `runs on ${v.platforms.join(' or ')} only`);
    }
    const osa = vs.find((v) => v.id === 'osascript/jxa-commoncrypto+nsurlsession');
    assert.deepEqual([osa?.runs_here, osa?.skip_reason, osa?.techniques.includes('T1059.007')], [false, 'runs on macos only', true]);
  });

  test('skip reasons come from the host probes (binaries, python modules, node packages)', async () => {
    const l = await listCatalogue({ probes: probes(['curl', 'cryptography', 'playwright-core']), cwd: ROOT });
    const by = new Map(variantsOf(l).map((v) => [v.id, v]));
    assert.equal(by.get('openssl-curl/enc-aes-256-cbc-pbkdf2+curl-form')?.skip_reason, 'curl not found on PATH');
    assert.equal(by.get('python-aes/cryptography-gcm+urllib')?.skip_reason, 'python module cryptography not installed');
    assert.equal(by.get('python-aes/inline-c+urllib')?.runs_here, true);
    assert.equal(by.get('browser-upload/negative-chromium-fetch')?.skip_reason, 'node package playwright-core not installed');
    const mac = await listCatalogue({ probes: probes([], 'macos'), cwd: ROOT });
    assert.equal(variantsOf(mac).find((v) => v.id === 'python-aes/ctypes-libcrypto+urllib')?.skip_reason, 'runs on linux only');
  });

  test('filters: scenario and variant globs, bare names, platform; a pattern that matches nothing is bad input', async () => {
    const py = await listCatalogue({ probes: probes(), scenario: ['python-*'] });
    assert.deepEqual(py.scenarios.map((s) => s.id), ['python-aes']);
    const neg = await listCatalogue({ probes: probes(), variant: ['negative-*'] });
    assert.deepEqual(variantsOf(neg).map((v) => v.id), allVariants.filter((v) => v.name.startsWith('negative-')).map((v) => v.id));
    const mac = await listCatalogue({ probes: probes(), platform: 'macos', scenario: ['osascript', 'python-aes'] });
    assert.ok(variantsOf(mac).every((v) => v.platforms.includes('macos')));
    assert.ok(variantsOf(mac).some((v) => v.id === 'python-aes/ctypes-commoncrypto+urllib'));
    assert.ok(!variantsOf(mac).some((v) => v.id === 'python-aes/ctypes-libcrypto+urllib'));
    await assert.rejects(() => listCatalogue({ probes: probes(), variant: ['nope*'] }), (e: unknown) => isPurpleError(e) && e.code === 'NOT_FOUND' && /no variant matches "nope\*"/.test(e.message));
    await assert.rejects(() => listCatalogue({ probes: probes(), platform: 'windows' }), (e: unknown) => isPurpleError(e) && /unknown --platform "windows"/.test(e.message) && /linux, macos/.test(e.hint ?? ''));
  });

  test('the text table names the expectation, the techniques and the reason a variant is skipped', async () => {
    const text = formatListing(await listCatalogue({ probes: probes(), scenario: ['osascript', 'openssl-curl'], cwd: ROOT }), { long: true });
    assert.match(text, /^osascript: .*\(scenarios\/osascript\.yaml\)$/m);
    assert.match(text, /^ {2}ATT&CK T1048\.001 T1059\.002 · DET0503 · AN1391$/m);
    assert.match(text, /^ {2}jxa-commoncrypto\+nsurlsession +macos +positive +T1048\.001 T1059\.002 T1059\.007 T1560\.002 +no: runs on macos only$/m);
    assert.match(text, /^ {2}negative-plaintext-curl +linux,macos +negative control .* yes$/m);
    assert.match(text, /^ {2}enc-aes-256-cbc-pbkdf2\+curl-data-binary\+d75 +linux,macos +positive \(known gap\) /m);
    assert.match(text, /^ {2}detached +linux,macos +positive {2}/m);
    assert.match(text, /^ {6}known gap: the upload comes 75 s after the encryption/m);
    assert.match(text, /^ {6}interpreter=sh encryption=openssl-enc-aes-256-cbc-pbkdf2 upload=curl-data-binary lineage=siblings delay=0s$/m);
    assert.match(text, /^ {6}defined at scenarios\/osascript\.yaml:\d+$/m);
    assert.match(text, /variants in 2 scenarios: .* can run on this host \(linux\), 2 would be skipped$/m);
  });
});

describe('purple list (CLI)', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'purple-list-'));
    copyFileSync(join(ROOT, 'scenarios', 'browser-upload.yaml'), join(dir, 'browser-upload.yaml'));
    // A scenario with a platform the schema does not know.
    writeFileSync(
      join(dir, 'broken.yaml'),
      readFileSync(join(ROOT, 'scenarios', 'browser-upload.yaml'), 'utf8').replace(/^id: browser-upload$/m, 'id: broken').replace(/^platforms: .*$/m, 'platforms: [linux, plan9]'),
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('--json lists the shipped catalogue with this host\'s answers', async () => {
    const r = await purple(['list', '--json']);
    assert.equal(r.exitCode, 0, r.stderr);
    const l = JSON.parse(r.stdout) as CatalogueListing;
    assert.deepEqual(variantsOf(l).map((v) => v.id), allVariants.map((v) => v.id));
    for (const v of variantsOf(l)) {
      assert.equal(typeof v.runs_here, 'boolean');
      assert.equal(v.runs_here, v.skip_reason === undefined, v.id);
    }
    if (process.platform === 'linux') assert.equal(variantsOf(l).find((v) => v.id === 'osascript/applescript-openssl+curl')?.skip_reason, 'runs on macos only');
  });

  test('table output with filters', async () => {
    const r = await purple(['list', '--scenario', 'openssl-curl', '--variant', '*s_client*', 'detached']);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stdout, /^openssl-curl: /m);
    assert.match(r.stdout, /^ {2}enc-aes-256-cbc-pbkdf2\+openssl-s_client /m);
    assert.match(r.stdout, /^ {2}detached /m);
    assert.match(r.stdout, /^2 variants in 1 scenario: /m);
  });

  test('a filter that matches nothing, a bad platform, a broken catalogue file: exit 2 with the place and a hint', async () => {
    const none = await purple(['list', '--variant', 'no-such-variant']);
    assert.equal(none.exitCode, 2);
    assert.match(none.stderr, /no variant matches "no-such-variant"\n {2}hint: /);
    const plat = await purple(['list', '--platform', 'windows']);
    assert.equal(plat.exitCode, 2);
    assert.match(plat.stderr, /unknown --platform "windows"/);

    const broken = await purple(['list', '--scenarios', dir]);
    assert.equal(broken.exitCode, 2);
    // The good file is still listed; the broken one is named with its line and column.
    assert.match(broken.stdout, /^browser-upload: /m);
    const line = readFileSync(join(dir, 'broken.yaml'), 'utf8').split('\n').findIndex((l) => l.startsWith('platforms:')) + 1;
    assert.match(broken.stderr, new RegExp(`^purple: ${dir}/broken\\.yaml:${line}:\\d+: platforms\\[1\\]: must be one of "linux", "macos"\\n {2}hint: `, 'm'));
    assert.match(broken.stderr, /1 problem\(s\) in the catalogue; `purple validate` checks it/);
  });
});
