// Proof that an upload was really encrypted with the run's secrets: decrypt it under the variant's
// declared cipher (node:crypto only) and find the canary marker line that names this run.

import { createDecipheriv, createHash, pbkdf2Sync } from 'node:crypto';
import { parseCanaryMarker } from '../canary.js';
import type { RunSecrets } from '../types.js';

export const CIPHER_IDS = ['aes-256-cbc-pbkdf2', 'aes-128-ctr-pbkdf2', 'aes-256-cbc-raw', 'aes-256-gcm', 'none'] as const;
export type CipherId = (typeof CIPHER_IDS)[number];

export interface UploadVerification {
  /** The body decrypted under the declared cipher and its first line carries this run id. */
  ciphertext_verified: boolean;
  /** The body itself is the canary plaintext (no encryption at all). */
  plaintext: boolean;
  /** The variant named in the canary line, when it could be read. */
  canaryVariant?: string;
  note?: string;
}

// openssl enc -pbkdf2 defaults: PBKDF2-HMAC-SHA256, 10000 iterations, 8-byte salt after "Salted__".
const PBKDF2_ITERATIONS = 10_000;
const SALTED = Buffer.from('Salted__', 'latin1');

// PBKDF2 costs ~10 ms of blocked event loop; a burst of uploads of one ciphertext derives once.
const derived = new Map<string, Buffer>();
const DERIVED_MAX = 256;

function deriveOpenssl(passphrase: string, salt: Buffer, keyLen: number, ivLen: number): { key: Buffer; iv: Buffer } {
  const id = `${createHash('sha256').update(passphrase).digest('hex')}:${salt.toString('hex')}:${keyLen + ivLen}`;
  let dk = derived.get(id);
  if (!dk) {
    dk = pbkdf2Sync(Buffer.from(passphrase, 'utf8'), salt, PBKDF2_ITERATIONS, keyLen + ivLen, 'sha256');
    if (derived.size >= DERIVED_MAX) derived.delete(derived.keys().next().value as string);
    derived.set(id, dk);
  }
  return { key: dk.subarray(0, keyLen), iv: dk.subarray(keyLen) };
}

function decryptSalted(body: Buffer, secrets: RunSecrets, algo: 'aes-256-cbc' | 'aes-128-ctr'): Buffer {
  if (body.length < 16 || !body.subarray(0, 8).equals(SALTED)) throw new Error('no "Salted__" header (not openssl enc -salt output)');
  const keyLen = algo === 'aes-256-cbc' ? 32 : 16;
  const { key, iv } = deriveOpenssl(secrets.passphrase, body.subarray(8, 16), keyLen, 16);
  const d = createDecipheriv(algo, key, iv);
  return Buffer.concat([d.update(body.subarray(16)), d.final()]);
}

function decrypt(body: Buffer, cipher: CipherId, secrets: RunSecrets): Buffer {
  switch (cipher) {
    case 'aes-256-cbc-pbkdf2':
      return decryptSalted(body, secrets, 'aes-256-cbc');
    case 'aes-128-ctr-pbkdf2':
      return decryptSalted(body, secrets, 'aes-128-ctr');
    case 'aes-256-cbc-raw': {
      const d = createDecipheriv('aes-256-cbc', Buffer.from(secrets.keyHex, 'hex'), Buffer.from(secrets.ivHex, 'hex'));
      return Buffer.concat([d.update(body), d.final()]);
    }
    case 'aes-256-gcm': {
      if (body.length < 28) throw new Error('shorter than nonce + tag');
      const d = createDecipheriv('aes-256-gcm', Buffer.from(secrets.keyHex, 'hex'), body.subarray(0, 12));
      d.setAuthTag(body.subarray(body.length - 16));
      return Buffer.concat([d.update(body.subarray(12, body.length - 16)), d.final()]);
    }
    case 'none':
      return body;
  }
}

export function isCipherId(c: string): c is CipherId {
  return (CIPHER_IDS as readonly string[]).includes(c);
}

/** Decrypts `body` under `cipher` with the run's secrets and checks the canary line names `runId`. */
export function verifyUpload(body: Buffer, cipher: string, secrets: RunSecrets, runId: string): UploadVerification {
  const asPlain = parseCanaryMarker(body);
  const plaintext = asPlain !== undefined && asPlain.runId === runId;
  if (!isCipherId(cipher)) {
    return { ciphertext_verified: false, plaintext, note: `unknown cipher id "${cipher}" (known: ${CIPHER_IDS.join(', ')})` };
  }
  if (cipher === 'none') {
    const r: UploadVerification = { ciphertext_verified: false, plaintext };
    if (asPlain) r.canaryVariant = asPlain.variantId;
    if (!plaintext) r.note = asPlain ? `canary of another run (${asPlain.runId})` : 'body is not the canary plaintext';
    return r;
  }
  if (plaintext) {
    return { ciphertext_verified: false, plaintext: true, canaryVariant: asPlain.variantId, note: `declared ${cipher} but the body is the canary plaintext` };
  }
  let clear: Buffer;
  try {
    clear = decrypt(body, cipher, secrets);
  } catch (e) {
    return { ciphertext_verified: false, plaintext: false, note: `does not decrypt as ${cipher}: ${(e as Error).message}` };
  }
  const m = parseCanaryMarker(clear);
  if (!m) return { ciphertext_verified: false, plaintext: false, note: `decrypted as ${cipher} but no canary marker on the first line` };
  if (m.runId !== runId) return { ciphertext_verified: false, plaintext: false, canaryVariant: m.variantId, note: `canary of another run (${m.runId})` };
  return { ciphertext_verified: true, plaintext: false, canaryVariant: m.variantId };
}
