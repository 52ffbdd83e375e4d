// Decrypts an upload under a contract cipher id with node:crypto, independently of the python and
// openssl code that produced it.

import { createDecipheriv, pbkdf2Sync } from 'node:crypto';

export interface RunSecrets {
  passphrase: string;
  keyHex: string;
  ivHex: string;
}

function pbkdf2Container(body: Buffer, passphrase: string, keyLen: number): { key: Buffer; iv: Buffer; ct: Buffer } {
  if (body.subarray(0, 8).toString('latin1') !== 'Salted__') throw new Error('missing Salted__ header');
  const salt = body.subarray(8, 16);
  const dk = pbkdf2Sync(passphrase, salt, 10000, keyLen + 16, 'sha256');
  return { key: dk.subarray(0, keyLen), iv: dk.subarray(keyLen), ct: body.subarray(16) };
}

export function decryptUpload(cipher: string, body: Buffer, s: RunSecrets): Buffer {
  switch (cipher) {
    case 'aes-256-cbc-pbkdf2': {
      const { key, iv, ct } = pbkdf2Container(body, s.passphrase, 32);
      const d = createDecipheriv('aes-256-cbc', key, iv);
      return Buffer.concat([d.update(ct), d.final()]);
    }
    case 'aes-128-ctr-pbkdf2': {
      const { key, iv, ct } = pbkdf2Container(body, s.passphrase, 16);
      const d = createDecipheriv('aes-128-ctr', key, iv);
      return Buffer.concat([d.update(ct), d.final()]);
    }
    case 'aes-256-cbc-raw': {
      const d = createDecipheriv('aes-256-cbc', Buffer.from(s.keyHex, 'hex'), Buffer.from(s.ivHex, 'hex'));
      return Buffer.concat([d.update(body), d.final()]);
    }
    case 'aes-256-gcm': {
      const nonce = body.subarray(0, 12);
      const tag = body.subarray(body.length - 16);
      const d = createDecipheriv('aes-256-gcm', Buffer.from(s.keyHex, 'hex'), nonce);
      d.setAuthTag(tag);
      return Buffer.concat([d.update(body.subarray(12, body.length - 16)), d.final()]);
    }
    case 'none':
      return body;
    default:
      throw new Error(`unknown cipher ${cipher}`);
  }
}
