// Which opened files count as crypto library loads on Linux (DET0503's "encryption routine"
// evidence): OpenSSL's libcrypto, libgcrypt (GnuPG), nettle, libsodium, and the native modules of
// Python's crypto packages.

export const LINUX_CRYPTO_LIBRARY_PATTERNS: readonly RegExp[] = [
  /^libcrypto\.so(\.[0-9.]+)?$/,
  /^libgcrypt\.so(\.[0-9.]+)?$/,
  /^libnettle\.so(\.[0-9.]+)?$/,
  /^libsodium\.so(\.[0-9.]+)?$/,
  /^_rust\.abi3\.so$/, // pyca/cryptography >= 35
  /^_openssl\.abi3\.so$/, // pyca/cryptography < 35
  /^_raw_aes(ni)?(\.[\w.-]+)?\.so$/, // PyCryptodome
];

export function isLinuxCryptoLibrary(path: string): boolean {
  const name = path.slice(path.lastIndexOf('/') + 1);
  return LINUX_CRYPTO_LIBRARY_PATTERNS.some((re) => re.test(name));
}
