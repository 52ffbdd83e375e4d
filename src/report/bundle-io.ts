// The reporters' file system side: atomic writes, reading and validating a run folder, hashing a
// bundle, writing and verifying the signed manifest. Renderers stay pure; this is where bytes move.

import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { chmod, lstat, mkdir, readFile, readdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';
import { PurpleError, type RunReport } from '../model/index.js';
import { MANIFEST_FILE, SIGNATURE_FILE, buildManifest, checkBundle, generateSigningKeyPair, manifestFactsFromReport, publicKeyFingerprint, serializeManifest, signManifest, type ArtifactEntry, type BundleCheck, type FileDigest, type Manifest } from './evidence.js';
import { DEFAULT_FORMATS, parseFormats } from './formats.js';
import { validateReport } from './schema-validator.js';
import { controlLayerFile, renderControlNavigatorLayers } from './controls.js';
import { renderNavigatorLayer } from './navigator.js';

/** Writes through a temp file in the same folder and renames, so readers never see half a file. */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode?: number): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, data, mode === undefined ? {} : { mode });
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/** Validates and writes RUN_DIR/report.json; a report that fails its own schema is a bug, not output. */
export async function writeReportJson(dir: string, report: RunReport): Promise<string> {
  const problems = validateReport(report);
  if (problems.length) {
    throw new PurpleError('INTERNAL', `the run produced a report.json that does not match schemas/report.schema.json:\n  ${problems.slice(0, 10).join('\n  ')}`, {
      hint: 'this is a bug in purple-harness; report it with the run folder',
    });
  }
  const path = join(dir, 'report.json');
  await writeFileAtomic(path, JSON.stringify(report, null, 2) + '\n');
  return path;
}

export const LATEST_NAME = 'latest';

/**
 * `<out>/latest` after a run: a relative symlink to the run folder, replaced atomically; where the
 * file system has no symlinks (some CI caches, FAT, SMB) a text file with the run id instead.
 * Returns which form was written.
 */
export async function pointLatest(outRoot: string, runId: string): Promise<'symlink' | 'file'> {
  const path = join(outRoot, LATEST_NAME);
  const tmp = join(outRoot, `.${LATEST_NAME}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  await mkdir(outRoot, { recursive: true });
  try {
    await symlink(runId, tmp, 'dir');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'EINVAL' && code !== 'ENOSYS') throw e;
    await writeFileAtomic(path, `${runId}\n`);
    return 'file';
  }
  try {
    // A real folder named latest is the user's, not ours: leave it and say so.
    if (existsSync(path) && (await lstat(path)).isDirectory()) {
      throw new PurpleError('BAD_INPUT', `${path} is a folder, so it cannot point at the newest run`, { location: { file: path }, hint: 'rename or remove that folder; purple keeps `latest` as a link to the newest run' });
    }
    await rename(tmp, path);
  } finally {
    await rm(tmp, { force: true });
  }
  return 'symlink';
}

/**
 * The run folder a user names: a folder, a report.json, `<out>/latest` as a symlink (followed by
 * the file system) or in its older text-file form (one line, the run id beside it).
 */
export function resolveRunDir(path: string): string {
  let st;
  try {
    st = statSync(path);
  } catch {
    return path;
  }
  if (!st.isFile() || path.endsWith('.json') || st.size > 256) return path;
  const id = readFileSync(path, 'utf8').trim();
  if (!/^[A-Za-z0-9._-]+$/.test(id) || id === '.' || id === '..') return path;
  const dir = join(dirname(path), id);
  return existsSync(join(dir, 'report.json')) || existsSync(join(dir, MANIFEST_FILE)) ? dir : path;
}

/** Reads RUN_DIR/report.json (or a report.json path, or `<out>/latest`) and validates it. */
export async function readReport(pathOrDirGiven: string): Promise<RunReport> {
  const pathOrDir = resolveRunDir(pathOrDirGiven);
  let file = pathOrDir;
  if (existsSync(pathOrDir) && statSync(pathOrDir).isDirectory()) file = join(pathOrDir, 'report.json');
  if (!existsSync(file)) {
    throw new PurpleError('NOT_FOUND', "not a run folder: no report.json in it", {
      location: { file: pathOrDir },
      hint: 'pass a folder written by `purple run` (reports/<run-id>/), or the path of its report.json',
    });
  }
  const text = await readFile(file, 'utf8');
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch (e) {
    const m = /position (\d+)/.exec((e as Error).message);
    const pos = m ? Number(m[1]) : undefined;
    const loc: { file: string; line?: number; column?: number } = { file };
    if (pos !== undefined) {
      const before = text.slice(0, pos).split('\n');
      loc.line = before.length;
      loc.column = (before.at(-1)?.length ?? 0) + 1;
    }
    throw new PurpleError('BAD_INPUT', `report.json is not valid JSON: ${(e as Error).message}`, { location: loc, hint: 'the file was cut short or edited by hand; re-run, or restore it from the evidence bundle' });
  }
  const problems = validateReport(obj);
  if (problems.length) {
    throw new PurpleError('SCHEMA', `report.json does not match schemas/report.schema.json (${problems.length} problem(s)):\n  ${problems.slice(0, 10).join('\n  ')}`, {
      location: { file },
      hint: 'the report was written by an incompatible version or edited; re-run `purple run`',
    });
  }
  return obj as RunReport;
}

async function hashFile(path: string): Promise<{ sha256: string; bytes: number }> {
  const h = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path)) {
    h.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: h.digest('hex'), bytes };
}

/**
 * Every regular file under dir with its hash. Symlinks and other special files are listed with a
 * hash of their kind and target name, never followed, so a link cannot smuggle outside data in.
 */
export async function hashFolder(dir: string): Promise<ArtifactEntry[]> {
  const out: ArtifactEntry[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const ent of await readdir(d, { withFileTypes: true })) {
      const p = join(d, ent.name);
      const rel = relative(dir, p).split(sep).join('/');
      if (ent.isDirectory()) await walk(p);
      else if (ent.isFile()) out.push({ path: rel, ...(await hashFile(p)) });
      else out.push({ path: rel, sha256: createHash('sha256').update(`special:${ent.isSymbolicLink() ? 'symlink' : 'other'}`).digest('hex'), bytes: 0 });
    }
  };
  await walk(dir);
  return out.sort((a, b) => (a.path < b.path ? -1 : 1));
}

/**
 * Hashes the run folder and writes manifest.json, plus manifest.sig.json when a key is given.
 * @param opts.config digests of the detector configuration files the run used (see ManifestFacts.config)
 */
export async function writeManifest(dir: string, report: RunReport, opts: { privateKeyPem?: string; now?: Date; config?: readonly FileDigest[] } = {}): Promise<Manifest> {
  const now = (opts.now ?? new Date()).toISOString();
  const files = await hashFolder(dir);
  const manifest = buildManifest(files, manifestFactsFromReport(report, opts.config ? { config: opts.config } : {}), now);
  const text = serializeManifest(manifest);
  await writeFileAtomic(join(dir, MANIFEST_FILE), text);
  if (opts.privateKeyPem !== undefined) {
    const sig = signManifest(text, opts.privateKeyPem, now);
    await writeFileAtomic(join(dir, SIGNATURE_FILE), JSON.stringify(sig, null, 2) + '\n');
  }
  return manifest;
}

/** Reads a PEM key file with a clear error when it is not one. */
export async function readKeyFile(path: string, kind: 'private' | 'public'): Promise<string> {
  if (!existsSync(path)) throw new PurpleError('NOT_FOUND', `${kind} key file ${path} does not exist`, { location: { file: path }, hint: 'create a key pair with `purple keygen --out DIR`' });
  const pem = await readFile(path, 'utf8');
  const want = kind === 'private' ? 'PRIVATE KEY' : 'PUBLIC KEY';
  if (!pem.includes(`-----BEGIN ${want}-----`)) {
    throw new PurpleError('BAD_INPUT', `${path} is not a PEM ${kind} key`, { location: { file: path }, hint: `use the ${kind === 'private' ? 'purple-signing.pem' : 'purple-signing.pub'} file that \`purple keygen\` wrote` });
  }
  return pem;
}

export async function verifyBundle(dirGiven: string, publicKeyPem?: string): Promise<BundleCheck> {
  const dir = resolveRunDir(dirGiven);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new PurpleError('NOT_FOUND', `${dir} is not a folder`, { location: { file: dir }, hint: 'pass the run folder that holds manifest.json' });
  }
  const manifestPath = join(dir, MANIFEST_FILE);
  if (!existsSync(manifestPath)) {
    throw new PurpleError('NOT_FOUND', `${dir} has no ${MANIFEST_FILE}: it is not an evidence bundle`, { location: { file: dir }, hint: 'write one with `purple run --sign KEY` or `purple report DIR --sign KEY`' });
  }
  const manifestText = await readFile(manifestPath, 'utf8');
  const sigPath = join(dir, SIGNATURE_FILE);
  const sigText = existsSync(sigPath) ? await readFile(sigPath, 'utf8') : undefined;
  return checkBundle(manifestText, sigText, await hashFolder(dir), publicKeyPem);
}

/** Writes purple-signing.pem (0600) and purple-signing.pub; refuses to overwrite a key. */
export async function writeKeyPair(outDir: string, opts: { force?: boolean } = {}): Promise<{ privateKeyPath: string; publicKeyPath: string; fingerprint: string }> {
  const privateKeyPath = join(outDir, 'purple-signing.pem');
  const publicKeyPath = join(outDir, 'purple-signing.pub');
  if (!opts.force && (existsSync(privateKeyPath) || existsSync(publicKeyPath))) {
    throw new PurpleError('BAD_INPUT', `${outDir} already holds a purple signing key`, { location: { file: privateKeyPath }, hint: 'choose another --out folder, or pass --force to replace it (old bundles then verify only with the old .pub)' });
  }
  const { publicKeyPem, privateKeyPem } = generateSigningKeyPair();
  await mkdir(outDir, { recursive: true });
  await writeFileAtomic(privateKeyPath, privateKeyPem, 0o600);
  await chmod(privateKeyPath, 0o600);
  await writeFileAtomic(publicKeyPath, publicKeyPem, 0o644);
  return { privateKeyPath, publicKeyPath, fingerprint: publicKeyFingerprint(publicKeyPem) };
}

/**
 * What `purple run` does at the end: validate and write report.json, render the other formats,
 * then (when a key is given) hash the whole folder, raw collector files included, and sign.
 * Returns the paths written.
 */
export async function writeRunReports(dir: string, report: RunReport, opts: { formats?: string[]; privateKeyPem?: string; now?: Date; config?: readonly FileDigest[] } = {}): Promise<string[]> {
  const written = [await writeReportJson(dir, report)];
  for (const f of parseFormats((opts.formats ?? DEFAULT_FORMATS).join(','))) {
    if (f.id === 'json') continue;
    const path = join(dir, f.file);
    await writeFileAtomic(path, f.render(report));
    written.push(path);
    // One more Navigator layer per real control (docs/controls.md).
    if (f.id === 'navigator' && report.controls) {
      for (const { control, layer } of renderControlNavigatorLayers(report, renderNavigatorLayer(report))) {
        const lp = join(dir, controlLayerFile(control));
        await writeFileAtomic(lp, JSON.stringify(layer, null, 2) + '\n');
        written.push(lp);
      }
    }
  }
  if (opts.privateKeyPem !== undefined) {
    await writeManifest(dir, report, { privateKeyPem: opts.privateKeyPem, ...(opts.now ? { now: opts.now } : {}), ...(opts.config ? { config: opts.config } : {}) });
    written.push(join(dir, MANIFEST_FILE), join(dir, SIGNATURE_FILE));
  }
  return written;
}
