// Per-run secrets: fresh random values for every run, so two runs on one host never share a key,
// a passphrase or a sink token.

import { randomBytes } from 'node:crypto';
import type { RunSecrets } from './types.js';

export function generateRunSecrets(): RunSecrets {
  return {
    passphrase: randomBytes(32).toString('hex'),
    keyHex: randomBytes(32).toString('hex'),
    ivHex: randomBytes(16).toString('hex'),
    token: randomBytes(24).toString('base64url'),
  };
}

/**
 * Every form a secret can take in a report or a raw file: as written, and hex-encoded (Linux
 * audit writes an argument that has a space, such as `Authorization: Bearer <token>`, as the hex
 * of its bytes; redact() also tries the upper- and lower-case forms).
 */
export function listSecrets(s: RunSecrets): string[] {
  const plain = [s.passphrase, s.keyHex, s.ivHex, s.token];
  return [...plain, ...plain.map((x) => Buffer.from(x, 'utf8').toString('hex'))];
}
