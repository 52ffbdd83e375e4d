// Audit evidence: a manifest of every artifact of a run (SHA-256 and size) plus the facts an
// auditor asks for (tool, commit, host, collectors, operator, times, scenario, rule and detector
// configuration digests), signed with Ed25519. Pure: the bundle-io module hashes the files and reads/writes them.

import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { isAbsolute, relative, sep } from 'node:path';
import type { RunReport } from '../model/index.js';

/** 1.1.0 added the optional `config` digests; 1.0.0 manifests (without them) stay valid. */
export const MANIFEST_VERSION = '1.1.0';
export const MANIFEST_FILE = 'manifest.json';
export const SIGNATURE_FILE = 'manifest.sig.json';

export interface ArtifactEntry {
  /** Relative to the bundle folder, '/' separated. */
  path: string;
  sha256: string;
  bytes: number;
}

/** A file the run read, by SHA-256: path relative to the repository root when inside it, else absolute. */
export interface FileDigest {
  file: string;
  sha256: string;
}

export interface ManifestFacts {
  tool: { name: string; version: string; git_commit?: string };
  run: { id: string; started_at: string; ended_at: string; status: string; operator?: string; argv: string[] };
  host: { name: string; os: string; os_version: string; arch: string; kernel?: string; is_root: boolean };
  collectors: Array<{ id: string; lost_records: number; errors: number }>;
  scenarios: Array<{ id: string; file: string; sha256: string }>;
  rules: Array<{ id: string; file: string; sha256: string }>;
  /**
   * The detector configuration in force (`purple run --config`, default rules/config/det0503.yaml)
   * first, then the Sigma files read beside it. Absent in 1.0.0 manifests and when not known
   * (`purple report --sign`, `purple merge --sign` re-sign from report.json, which does not record it).
   */
  config?: FileDigest[];
  result: { exit_code: number; coverage: number | null; false_positive_rate: number | null; variants: number };
}

export interface Manifest extends ManifestFacts {
  manifest_version: string;
  created_at: string;
  files: ArtifactEntry[];
}

export interface SignatureFile {
  algorithm: 'ed25519';
  /** SHA-256 of the signer's public key (DER, SPKI): what `--key` is compared against. */
  public_key_sha256: string;
  public_key_pem: string;
  /** Base64 signature over the exact bytes of manifest.json. */
  signature: string;
  signed_at: string;
}

export interface BundleCheck {
  valid: boolean;
  /** Files whose bytes differ from the manifest. */
  changed: Array<{ path: string; expected_sha256: string; actual_sha256: string }>;
  /** In the manifest, gone from the folder. */
  missing: string[];
  /** In the folder, not in the manifest. */
  extra: string[];
  signature: 'valid' | 'invalid' | 'missing' | 'wrong-key' | 'unreadable';
  /** True when the signature was checked against a key the verifier supplied, not the embedded one. */
  key_pinned: boolean;
  problems: string[];
}

export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The digest of a file's bytes, named relative to `root` when the file is inside it ('/'-separated), else by its absolute path. */
export function fileDigest(absPath: string, bytes: Uint8Array | string, root: string): FileDigest {
  const rel = relative(root, absPath);
  const inside = rel !== '' && !isAbsolute(rel) && rel !== '..' && !rel.startsWith(`..${sep}`);
  return { file: inside ? rel.split(sep).join('/') : absPath, sha256: sha256Hex(bytes) };
}

export function manifestFactsFromReport(report: RunReport, extra: { config?: readonly FileDigest[] } = {}): ManifestFacts {
  const run: ManifestFacts['run'] = { id: report.run.id, started_at: report.run.started_at, ended_at: report.run.ended_at, status: report.run.status, argv: report.run.argv };
  if (report.run.operator !== undefined) run.operator = report.run.operator;
  return {
    tool: { ...report.tool },
    run,
    host: { ...report.host },
    collectors: report.collectors.map((c) => ({ id: c.id, lost_records: c.lost_records, errors: c.errors.length })),
    scenarios: report.scenarios.map((s) => ({ id: s.id, file: s.file, sha256: s.sha256 })),
    rules: report.rules.map((r) => ({ id: r.id, file: r.file, sha256: r.sha256 })),
    ...(extra.config?.length ? { config: extra.config.map((c) => ({ file: c.file, sha256: c.sha256 })) } : {}),
    result: { exit_code: report.exit_code, coverage: report.coverage.coverage, false_positive_rate: report.coverage.false_positive_rate, variants: report.verdicts.length },
  };
}

export function buildManifest(files: readonly ArtifactEntry[], facts: ManifestFacts, createdAt: string): Manifest {
  const sorted = [...files].filter((f) => f.path !== MANIFEST_FILE && f.path !== SIGNATURE_FILE).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { manifest_version: MANIFEST_VERSION, created_at: createdAt, ...facts, files: sorted };
}

/** The exact bytes that are written and signed. */
export function serializeManifest(m: Manifest): string {
  return JSON.stringify(m, null, 2) + '\n';
}

export function generateSigningKeyPair(): { publicKeyPem: string; privateKeyPem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return {
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

export function publicKeyFingerprint(publicKeyPem: string): string {
  return sha256Hex(createPublicKey(publicKeyPem).export({ type: 'spki', format: 'der' }));
}

export function signManifest(manifestText: string, privateKeyPem: string, signedAt: string): SignatureFile {
  const key = createPrivateKey(privateKeyPem);
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`signing key is ${key.asymmetricKeyType ?? 'unknown'}, not ed25519`);
  const pub = createPublicKey(key).export({ type: 'spki', format: 'pem' }).toString();
  return {
    algorithm: 'ed25519',
    public_key_sha256: publicKeyFingerprint(pub),
    public_key_pem: pub,
    signature: sign(null, Buffer.from(manifestText, 'utf8'), key).toString('base64'),
    signed_at: signedAt,
  };
}

/**
 * Compares the manifest with the files found in the folder and checks the signature.
 * @param publicKeyPem the key the verifier trusts; without it the embedded key is used, which
 *   proves integrity since signing but not who signed.
 */
export function checkBundle(manifestText: string, signatureText: string | undefined, actual: readonly ArtifactEntry[], publicKeyPem?: string): BundleCheck {
  const check: BundleCheck = { valid: false, changed: [], missing: [], extra: [], signature: 'missing', key_pinned: publicKeyPem !== undefined, problems: [] };
  let manifest: Manifest;
  try {
    manifest = JSON.parse(manifestText) as Manifest;
    if (!Array.isArray(manifest.files)) throw new Error('no files list');
  } catch (e) {
    check.problems.push(`manifest.json is not a readable manifest: ${(e as Error).message}`);
    return check;
  }
  const listed = new Map(manifest.files.map((f) => [f.path, f]));
  const found = new Map(actual.filter((f) => f.path !== MANIFEST_FILE && f.path !== SIGNATURE_FILE).map((f) => [f.path, f]));
  for (const [path, want] of listed) {
    const got = found.get(path);
    if (!got) check.missing.push(path);
    else if (got.sha256 !== want.sha256 || got.bytes !== want.bytes) check.changed.push({ path, expected_sha256: want.sha256, actual_sha256: got.sha256 });
  }
  for (const path of found.keys()) if (!listed.has(path)) check.extra.push(path);
  check.missing.sort();
  check.extra.sort();

  if (signatureText === undefined) {
    check.problems.push(`${SIGNATURE_FILE} is missing: the bundle is not signed`);
  } else {
    try {
      const sig = JSON.parse(signatureText) as SignatureFile;
      const keyPem = publicKeyPem ?? sig.public_key_pem;
      const key = createPublicKey(keyPem);
      if (publicKeyPem !== undefined && sig.public_key_sha256 !== publicKeyFingerprint(publicKeyPem)) {
        check.signature = 'wrong-key';
        check.problems.push('the bundle was signed with a different key than the one given');
      }
      const ok = sig.algorithm === 'ed25519' && verify(null, Buffer.from(manifestText, 'utf8'), key, Buffer.from(sig.signature, 'base64'));
      if (!ok && check.signature === 'wrong-key') {
        // already explained: a signature by another key cannot verify under this one
      } else if (!ok) {
        check.signature = 'invalid';
        check.problems.push('the signature does not match manifest.json: the manifest or the signature was altered');
      } else if (check.signature !== 'wrong-key') check.signature = 'valid';
    } catch (e) {
      check.signature = 'unreadable';
      check.problems.push(`${SIGNATURE_FILE} cannot be checked: ${(e as Error).message}`);
    }
  }
  check.valid = check.signature === 'valid' && !check.changed.length && !check.missing.length && !check.extra.length;
  return check;
}

/** What was altered, one line each, for the CLI. */
export function describeBundleCheck(c: BundleCheck): string {
  const lines: string[] = [];
  for (const f of c.changed) lines.push(`changed: ${f.path} (sha256 ${f.actual_sha256}, manifest says ${f.expected_sha256})`);
  for (const f of c.missing) lines.push(`missing: ${f}`);
  for (const f of c.extra) lines.push(`extra:   ${f} (not in the manifest)`);
  for (const p of c.problems) lines.push(`signature: ${p}`);
  if (c.valid) lines.push(`valid: every file matches manifest.json and the Ed25519 signature is good${c.key_pinned ? ' (checked against the given key)' : ' (checked against the key embedded in the bundle; pass --key to pin the signer)'}`);
  return lines.join('\n') + '\n';
}
