// The sink's proof of encryption, against REAL ciphertext: the openssl binary and python's
// cryptography package produce it, node:crypto must decrypt it and find this run's canary line.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCanary, generateRunSecrets, verifyUpload } from '../../harness/index.js';

const RUN = 'verify-run-1';
const secrets = generateRunSecrets();
let dir = '';
let payload = '';
const plain = generateCanary(RUN, 'sc/v1', 5000);

function hasPythonCryptography(): boolean {
  try {
    execFileSync('python3', ['-c', 'import cryptography'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'purple-verify-'));
  payload = join(dir, 'payload.txt');
  writeFileSync(payload, plain);
  writeFileSync(join(dir, 'pass'), secrets.passphrase, { mode: 0o600 });
});
after(() => rmSync(dir, { recursive: true, force: true }));

function openssl(args: string[]): Buffer {
  const out = join(dir, `out-${Math.random().toString(16).slice(2)}`);
  execFileSync('openssl', [...args, '-in', payload, '-out', out], { stdio: 'ignore' });
  return readFileSync(out);
}

describe('verifyUpload with real openssl enc output', () => {
  const cases: Array<{ name: string; cipher: string; args: () => string[] }> = [
    { name: 'enc -aes-256-cbc -pbkdf2', cipher: 'aes-256-cbc-pbkdf2', args: () => ['enc', '-aes-256-cbc', '-pbkdf2', '-salt', '-pass', `file:${join(dir, 'pass')}`] },
    { name: 'aes-256-cbc subcommand', cipher: 'aes-256-cbc-pbkdf2', args: () => ['aes-256-cbc', '-pbkdf2', '-salt', '-pass', `file:${join(dir, 'pass')}`] },
    { name: 'enc -aes-128-ctr -pbkdf2', cipher: 'aes-128-ctr-pbkdf2', args: () => ['enc', '-aes-128-ctr', '-pbkdf2', '-salt', '-pass', `file:${join(dir, 'pass')}`] },
    { name: 'enc -aes-256-cbc -K -iv', cipher: 'aes-256-cbc-raw', args: () => ['enc', '-aes-256-cbc', '-K', secrets.keyHex, '-iv', secrets.ivHex] },
  ];
  for (const c of cases) {
    test(`${c.name} verifies as ${c.cipher}`, () => {
      const body = openssl(c.args());
      const v = verifyUpload(body, c.cipher, secrets, RUN);
      assert.equal(v.ciphertext_verified, true, v.note);
      assert.equal(v.plaintext, false);
      assert.equal(v.canaryVariant, 'sc/v1');
    });
    test(`${c.name} fails under another run's secrets`, () => {
      const body = openssl(c.args());
      const v = verifyUpload(body, c.cipher, generateRunSecrets(), RUN);
      assert.equal(v.ciphertext_verified, false);
      assert.ok(v.note);
    });
    test(`${c.name} fails when the run id differs`, () => {
      const v = verifyUpload(openssl(c.args()), c.cipher, secrets, 'another-run');
      assert.equal(v.ciphertext_verified, false);
      assert.match(v.note ?? '', /another run/);
    });
  }
  test('a declared cipher that does not match the bytes is not verified', () => {
    const body = openssl(['enc', '-aes-256-cbc', '-K', secrets.keyHex, '-iv', secrets.ivHex]);
    assert.equal(verifyUpload(body, 'aes-256-cbc-pbkdf2', secrets, RUN).ciphertext_verified, false);
    assert.equal(verifyUpload(body, 'aes-256-gcm', secrets, RUN).ciphertext_verified, false);
  });
});

describe('verifyUpload with python output', { skip: hasPythonCryptography() ? false : 'python3 cryptography not installed' }, () => {
  // Each program writes the ciphertext of argv[1] to argv[2], reading secrets from the environment.
  const programs: Array<{ cipher: string; code: string }> = [
    {
      cipher: 'aes-256-gcm',
      code: `import os,sys
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
n=os.urandom(12)
open(sys.argv[2],'wb').write(n+AESGCM(bytes.fromhex(os.environ['K'])).encrypt(n,open(sys.argv[1],'rb').read(),None))`,
    },
    {
      cipher: 'aes-256-cbc-pbkdf2',
      code: `import os,sys
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives import padding
salt=os.urandom(8)
dk=PBKDF2HMAC(algorithm=SHA256(),length=48,salt=salt,iterations=10000).derive(os.environ['P'].encode())
p=padding.PKCS7(128).padder(); data=p.update(open(sys.argv[1],'rb').read())+p.finalize()
e=Cipher(algorithms.AES(dk[:32]),modes.CBC(dk[32:])).encryptor()
open(sys.argv[2],'wb').write(b'Salted__'+salt+e.update(data)+e.finalize())`,
    },
    {
      cipher: 'aes-128-ctr-pbkdf2',
      code: `import os,sys
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
salt=os.urandom(8)
dk=PBKDF2HMAC(algorithm=SHA256(),length=32,salt=salt,iterations=10000).derive(os.environ['P'].encode())
e=Cipher(algorithms.AES(dk[:16]),modes.CTR(dk[16:])).encryptor()
open(sys.argv[2],'wb').write(b'Salted__'+salt+e.update(open(sys.argv[1],'rb').read())+e.finalize())`,
    },
    {
      cipher: 'aes-256-cbc-raw',
      code: `import os,sys
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives import padding
p=padding.PKCS7(128).padder(); data=p.update(open(sys.argv[1],'rb').read())+p.finalize()
e=Cipher(algorithms.AES(bytes.fromhex(os.environ['K'])),modes.CBC(bytes.fromhex(os.environ['I']))).encryptor()
open(sys.argv[2],'wb').write(e.update(data)+e.finalize())`,
    },
  ];
  for (const p of programs) {
    test(`python cryptography output verifies as ${p.cipher}`, () => {
      const out = join(dir, `py-${p.cipher}`);
      execFileSync('python3', ['-c', p.code, payload, out], { env: { ...process.env, K: secrets.keyHex, I: secrets.ivHex, P: secrets.passphrase }, stdio: 'ignore' });
      const body = readFileSync(out);
      assert.equal(verifyUpload(body, p.cipher, secrets, RUN).ciphertext_verified, true);
      // One flipped byte in the middle breaks it (GCM by its tag, the others by the canary or padding).
      const bad = Buffer.from(body);
      // Byte 20 lies inside the marker line's ciphertext (or the GCM body) for every layout here.
      bad[20] = (bad[20] ?? 0) ^ 0xff;
      assert.equal(verifyUpload(bad, p.cipher, secrets, RUN).ciphertext_verified, false);
    });
  }
});

describe('verifyUpload edge cases', () => {
  const cases: Array<{ name: string; body: () => Buffer; cipher: string; verified: boolean; plaintext: boolean; note?: RegExp }> = [
    { name: 'plaintext canary, cipher none', body: () => plain, cipher: 'none', verified: false, plaintext: true },
    { name: 'plaintext canary declared encrypted', body: () => plain, cipher: 'aes-256-cbc-pbkdf2', verified: false, plaintext: true, note: /plaintext/ },
    { name: 'random bytes, cipher none', body: () => Buffer.from('hello world\n'), cipher: 'none', verified: false, plaintext: false, note: /not the canary/ },
    { name: 'empty body', body: () => Buffer.alloc(0), cipher: 'aes-256-gcm', verified: false, plaintext: false, note: /shorter/ },
    { name: 'unknown cipher id', body: () => plain, cipher: 'rot13', verified: false, plaintext: true, note: /unknown cipher/ },
    { name: 'another run\'s plaintext', body: () => generateCanary('other', 'x', 100), cipher: 'none', verified: false, plaintext: false, note: /another run/ },
    { name: 'Salted__ header with garbage', body: () => Buffer.concat([Buffer.from('Salted__12345678'), Buffer.alloc(32, 7)]), cipher: 'aes-256-cbc-pbkdf2', verified: false, plaintext: false, note: /decrypt/ },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const v = verifyUpload(c.body(), c.cipher, secrets, RUN);
      assert.equal(v.ciphertext_verified, c.verified);
      assert.equal(v.plaintext, c.plaintext);
      if (c.note) assert.match(v.note ?? '', c.note);
    });
  }
});
