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

export function listSecrets(s: RunSecrets): string[] {
  return [s.passphrase, s.keyHex, s.ivHex, s.token];
}
