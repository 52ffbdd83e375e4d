// The pure-Python AES the catalogue ships, checked against FIPS-197 and against node:crypto.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createCipheriv, pbkdf2Sync, randomBytes } from 'node:crypto';

function py(code: string, input: object): unknown {
  const out = execFileSync('python3', ['-c', `import sys, json; sys.path.insert(0, 'scenarios/lib'); import purple_aes as a\nargs = json.load(sys.stdin)\n${code}`], {
    input: JSON.stringify(input),
  });
  return JSON.parse(out.toString('utf8'));
}

describe('purple_aes.py', () => {
  test('FIPS-197 appendix C block vectors (AES-128/192/256)', () => {
    const pt = '00112233445566778899aabbccddeeff';
    const cases: Array<[string, string]> = [
      ['000102030405060708090a0b0c0d0e0f', '69c4e0d86a7b0430d8cdb78070b4c55a'],
      ['000102030405060708090a0b0c0d0e0f1011121314151617', 'dda97ca4864cdfe06eaf70a0ec0d7191'],
      ['000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', '8ea2b7ca516745bfeafc49904b496089'],
    ];
    const got = py(`print(json.dumps([a.encrypt_block(*a.expand_key(bytes.fromhex(k)), bytes.fromhex(args['pt'])).hex() for k in args['keys']]))`, { pt, keys: cases.map((c) => c[0]) });
    assert.deepEqual(got, cases.map((c) => c[1]));
  });

  test('CBC and CTR match node:crypto for lengths around the block size', () => {
    const key = randomBytes(32);
    const key16 = randomBytes(16);
    const iv = Buffer.from('ffffffffffffffffffffffffffffff00', 'hex'); // CTR counter carries across bytes
    const lengths = [0, 1, 15, 16, 17, 31, 32, 33, 1000];
    const datas = lengths.map((n) => randomBytes(n));
    const got = py(
      `print(json.dumps([[a.cbc_encrypt(bytes.fromhex(args['key']), bytes.fromhex(args['iv']), bytes.fromhex(d)).hex(), a.ctr_encrypt(bytes.fromhex(args['key16']), bytes.fromhex(args['iv']), bytes.fromhex(d)).hex()] for d in args['datas']]))`,
      { key: key.toString('hex'), key16: key16.toString('hex'), iv: iv.toString('hex'), datas: datas.map((d) => d.toString('hex')) },
    ) as string[][];
    datas.forEach((d, i) => {
      const cbc = createCipheriv('aes-256-cbc', key, iv);
      const ctr = createCipheriv('aes-128-ctr', key16, iv);
      assert.equal(got[i]?.[0], Buffer.concat([cbc.update(d), cbc.final()]).toString('hex'), `cbc len ${d.length}`);
      assert.equal(got[i]?.[1], Buffer.concat([ctr.update(d), ctr.final()]).toString('hex'), `ctr len ${d.length}`);
    });
  });

  test('the OpenSSL -pbkdf2 container: Salted__, salt, PBKDF2-SHA256 10000 iterations', () => {
    const pass = randomBytes(32).toString('hex');
    const salt = randomBytes(8);
    const data = randomBytes(100);
    const got = py(`print(json.dumps(a.openssl_enc_cbc_pbkdf2(args['pass'].encode(), bytes.fromhex(args['data']), bytes.fromhex(args['salt'])).hex()))`, {
      pass,
      salt: salt.toString('hex'),
      data: data.toString('hex'),
    });
    const dk = pbkdf2Sync(pass, salt, 10000, 48, 'sha256');
    const c = createCipheriv('aes-256-cbc', dk.subarray(0, 32), dk.subarray(32));
    assert.equal(got, Buffer.concat([Buffer.from('Salted__'), salt, c.update(data), c.final()]).toString('hex'));
  });
});
