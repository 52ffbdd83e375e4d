// Workspace, canary, secrets and the sudo user hand-over.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import {
  assertRunId,
  createRunWorkspace,
  generateCanary,
  launchVariant,
  parseCanaryMarker,
  redact,
  resolveEmulationUser,
  variantFolderName,
  variantDirName,
} from '../../harness/index.js';
import { isPurpleError } from '../../src/model/index.js';
import { makeVariant, testRunId } from './helpers.js';

describe('canary', () => {
  for (const size of [0, 10, 100, 64 * 1024, 100_001]) {
    test(`${size} bytes requested`, () => {
      const c = generateCanary('r1', 'sc/v', size);
      const marker = 'PURPLE-HARNESS-CANARY v1 run=r1 variant=sc/v\n';
      assert.equal(c.length, Math.max(size, marker.length));
      assert.ok(c.toString('latin1').startsWith(marker));
      assert.deepEqual(parseCanaryMarker(c), { runId: 'r1', variantId: 'sc/v' });
    });
  }
  test('marker parsing rejects other first lines', () => {
    for (const s of ['hello\n', 'PURPLE-HARNESS-CANARY v2 run=a variant=b\n', 'x PURPLE-HARNESS-CANARY v1 run=a variant=b\n', '']) assert.equal(parseCanaryMarker(Buffer.from(s)), undefined, s);
  });
});

describe('run ids', () => {
  for (const bad of ['', '../x', 'a/b', 'a b', '.hidden', 'x'.repeat(129), 'a..b']) {
    test(`"${bad.slice(0, 20)}" is refused`, () => assert.throws(() => assertRunId(bad), (e: unknown) => isPurpleError(e) && e.code === 'BAD_INPUT'));
  }
  for (const good of ['20250101T120000Z-ab12', 'run_1', 'A.b-c']) test(`"${good}" is accepted`, () => assertRunId(good));
  test('variant ids become single folder names', () => {
    assert.equal(variantFolderName('openssl-curl/enc+curl-form'), 'openssl-curl__enc+curl-form');
    assert.equal(variantFolderName('a/b c/../d'), 'a__b_c__..__d');
    // Variant folders carry no word of the variant id (a rule pattern must never match the path).
    const d = variantDirName('openssl-curl/enc-aes-256-cbc-pbkdf2+curl-data-binary+syncd');
    assert.match(d, /^v-[0-9a-f]{12}$/);
    assert.notEqual(d, variantDirName('openssl-curl/enc-aes-256-cbc-pbkdf2+curl-data-binary'));
  });
});

describe('workspace', () => {
  test('private folders and files, removal is idempotent, a reused id is refused', async () => {
    const base = mkdtempSync(join(tmpdir(), 'purple-wst-'));
    try {
      const id = testRunId('ws');
      const ws = await createRunWorkspace(id, { baseDir: base, payloadBytes: 2048 });
      assert.equal(ws.root, join(base, `purple-${id}`));
      assert.equal(statSync(ws.root).mode & 0o777, 0o700);
      assert.equal(statSync(ws.passFile).mode & 0o777, 0o600);
      assert.equal(readFileSync(ws.passFile, 'utf8'), ws.secrets.passphrase);
      const v = await ws.prepareVariant('sc/v1');
      assert.equal(statSync(v.dir).mode & 0o777, 0o700);
      assert.equal(statSync(v.payload).size, 2048);
      assert.equal(readFileSync(v.journal, 'utf8'), '');
      await assert.rejects(() => createRunWorkspace(id, { baseDir: base }), /already exists/);
      assert.deepEqual(await ws.remove(), { what: `remove workspace ${ws.root}`, ok: true });
      assert.equal(existsSync(ws.root), false);
      assert.equal((await ws.remove()).detail, 'already absent');
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
  test('two runs never share a secret', async () => {
    const base = mkdtempSync(join(tmpdir(), 'purple-wst-'));
    try {
      const a = await createRunWorkspace(testRunId('a'), { baseDir: base });
      const b = await createRunWorkspace(testRunId('b'), { baseDir: base });
      for (const k of ['passphrase', 'keyHex', 'ivHex', 'token'] as const) assert.notEqual(a.secrets[k], b.secrets[k]);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});

describe('redact', () => {
  const secrets = ['0123456789abcdef0123', 'TOKENtokenTOKEN'];
  const cases: Array<[string, string]> = [
    ['key=0123456789abcdef0123;', 'key=<redacted>;'],
    ['KEY=0123456789ABCDEF0123', 'KEY=<redacted>'],
    ['Bearer TOKENtokenTOKEN and TOKENtokenTOKEN', 'Bearer <redacted> and <redacted>'],
    ['nothing secret here', 'nothing secret here'],
  ];
  for (const [input, out] of cases) test(input, () => assert.equal(redact(input, secrets), out));
  test('short or empty "secrets" never redact everything', () => assert.equal(redact('abc', ['', 'a']), 'abc'));
});

describe('least privilege under sudo', () => {
  test('SUDO_UID/SUDO_GID resolve only when we are root', () => {
    const root = process.getuid?.() === 0;
    assert.deepEqual(resolveEmulationUser({ SUDO_UID: '1000', SUDO_GID: '1001' }), root ? { uid: 1000, gid: 1001 } : undefined);
    assert.equal(resolveEmulationUser({}), undefined);
    assert.equal(resolveEmulationUser({ SUDO_UID: '0', SUDO_GID: '0' }), undefined);
    assert.equal(resolveEmulationUser({ SUDO_UID: 'x', SUDO_GID: '1' }), undefined);
  });

  test('emulations run as the invoking user and can read what they need', { skip: process.getuid?.() === 0 ? false : 'needs root' }, async () => {
    const user = { uid: 65534, gid: 65534 };
    const base = mkdtempSync(join(tmpdir(), 'purple-sudo-'));
    // The base folder itself must be traversable by that user (os.tmpdir() is, in real runs).
    execFileSync('chmod', ['0755', base]);
    try {
      const id = testRunId('sudo');
      const ws = await createRunWorkspace(id, { baseDir: base, owner: user, payloadBytes: 512 });
      const vws = await ws.prepareVariant('sc/sudo');
      const v = makeVariant('sc/sudo', [{ argv: ['sh', '-c', 'id -u > uid.txt; head -c 24 "$PURPLE_PAYLOAD" > head.txt; wc -c < "$PURPLE_PASSFILE" > pass.txt; echo j >> "$PURPLE_JOURNAL"'] }]);
      const sink = { httpBase: 'http://127.0.0.1:1', wsBase: 'ws://127.0.0.1:1', tcp: '127.0.0.1:2', listeners: ['http' as const] };
      const r = await launchVariant({ runId: id, variant: v, workspace: vws, passFile: ws.passFile, secrets: ws.secrets, sink, sinkUrl: 'http://127.0.0.1:1/upload/sc/sudo', sinkWsUrl: 'ws://127.0.0.1:1/ws/sc/sudo', scenariosDir: '/nonexistent', python: 'python3', timeoutMs: 10_000, user });
      assert.equal(r.steps[0]?.exitCode, 0, r.steps[0]?.stderrTail);
      assert.equal(readFileSync(join(vws.dir, 'uid.txt'), 'utf8').trim(), '65534');
      assert.equal(readFileSync(join(vws.dir, 'head.txt'), 'utf8'), 'PURPLE-HARNESS-CANARY v1');
      assert.equal(readFileSync(join(vws.dir, 'pass.txt'), 'utf8').trim(), '64');
      assert.equal(readFileSync(vws.journal, 'utf8'), 'j\n');
      // The collectors' raw folder stays root's.
      assert.equal(statSync(ws.rawDir).uid, 0);
      await ws.remove();
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});
