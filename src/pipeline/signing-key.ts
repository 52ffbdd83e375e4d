// The evidence signing key, checked when it is given: a run must not find out after every
// emulation ran that its --sign key cannot sign (evidence bundles are Ed25519, see src/report/evidence.ts).

import { createPrivateKey } from 'node:crypto';
import { PurpleError } from '../model/index.js';
import { readKeyFile } from '../report/index.js';

/** The PEM of an Ed25519 private key at `path`; anything else is bad input naming the file. */
export async function readSigningKey(path: string): Promise<string> {
  const pem = await readKeyFile(path, 'private');
  let type: string | undefined;
  try {
    type = createPrivateKey(pem).asymmetricKeyType;
  } catch (e) {
    throw new PurpleError('BAD_INPUT', `${path} is not a readable private key: ${(e as Error).message}`, { location: { file: path }, hint: 'create an Ed25519 key pair with `purple keygen --out DIR` and pass its purple-signing.pem' });
  }
  if (type !== 'ed25519') {
    throw new PurpleError('BAD_INPUT', `${path} is a ${type ?? 'unknown'} key; evidence bundles are signed with Ed25519`, { location: { file: path }, hint: 'create an Ed25519 key pair with `purple keygen --out DIR` and pass its purple-signing.pem' });
  }
  return pem;
}
