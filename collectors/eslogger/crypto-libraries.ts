// Which mapped images count as crypto library loads (DET0503's "encryption routine" evidence).
// Libraries inside the dyld shared cache (libcommonCrypto, libcorecrypto) are never mmapped per
// process, so only on-disk copies (Homebrew OpenSSL, Python wheels) can match here.

import { baseName } from '../importers/fields.js';

export const CRYPTO_LIBRARY_PATTERNS: readonly RegExp[] = [
  /^libcrypto[^/]*\.dylib$/, // OpenSSL / LibreSSL
  /^libssl[^/]*\.dylib$/,
  /^libcommonCrypto\.dylib$/,
  /^libcorecrypto\.dylib$/,
  /^_rust\.abi3\.so$/, // pyca/cryptography >= 35
  /^_openssl\.abi3\.so$/, // pyca/cryptography < 35
  /^_raw_aes[^/]*\.so$/, // PyCryptodome AES
  /^_raw_aesni[^/]*\.so$/,
];

export function isCryptoLibrary(path: string): boolean {
  const name = baseName(path);
  return CRYPTO_LIBRARY_PATTERNS.some((re) => re.test(name));
}
