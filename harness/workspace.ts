// The per-run workspace: one private folder under the temp dir holding the run's secrets, each
// variant's canary, ciphertext and journal, and the collectors' raw files. Cleanup removes it whole.

import { createHash } from 'node:crypto';
import { chmod, chown, mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PurpleError, type CleanupStep } from '../src/model/index.js';
import { generateCanary } from './canary.js';
import type { EmulationUser } from './emulation-user.js';
import { generateRunSecrets } from './run-secrets.js';
import type { RunSecrets } from './types.js';

const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function assertRunId(runId: string): void {
  if (!RUN_ID.test(runId) || runId.includes('..')) {
    throw new PurpleError('BAD_INPUT', `run id "${runId}" is not a plain id`, {
      hint: 'run ids use A-Z, a-z, 0-9, ".", "_", "-" (at most 128 characters), e.g. 20250101T120000Z-ab12',
    });
  }
}

/** Where a run's workspace lives; the same path planRun shows and cleanupRun removes. */
export function workspacePath(runId: string, baseDir: string = tmpdir()): string {
  assertRunId(runId);
  return join(baseDir, `purple-${runId}`);
}

/** A variant id (`scenario/name`) as one folder name. */
export function variantFolderName(variantId: string): string {
  return variantId.replace(/\//g, '__').replace(/[^A-Za-z0-9._+-]/g, '_');
}

/**
 * A variant's own folder name: neutral on purpose. A name built from the variant id
 * (openssl-curl__enc-aes-256-cbc…) ends up in the emulation's command lines, where a rule
 * pattern such as `*openssl* enc *` would match the folder instead of the tool, so a masquerade
 * test could be "detected" by its path.
 */
export function variantDirName(variantId: string): string {
  return `v-${createHash('sha256').update(variantId).digest('hex').slice(0, 12)}`;
}

export interface VariantWorkspace {
  dir: string;
  payload: string;
  out: string;
  journal: string;
}

export interface RunWorkspace {
  runId: string;
  root: string;
  secrets: RunSecrets;
  passFile: string;
  /** Root-only folder for collectors' raw records. */
  rawDir: string;
  /** Root-only folder for the sink's TLS key and certificate. */
  sinkDir: string;
  prepareVariant(variantId: string): Promise<VariantWorkspace>;
  remove(): Promise<CleanupStep>;
}

export interface WorkspaceOptions {
  baseDir?: string;
  payloadBytes?: number;
  /** Hand the emulation's files to this user (sudo runs). */
  owner?: EmulationUser;
  secrets?: RunSecrets;
}

export async function createRunWorkspace(runId: string, opts: WorkspaceOptions = {}): Promise<RunWorkspace> {
  const root = workspacePath(runId, opts.baseDir);
  try {
    // Not recursive: an existing folder means a run id collision or a leftover, never reuse it.
    await mkdir(root, { mode: 0o700 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new PurpleError('BAD_INPUT', `workspace ${root} already exists`, {
        hint: `another run uses the id ${runId}, or a crashed run left it behind: run \`purple cleanup ${runId}\``,
      });
    }
    throw e;
  }
  await chmod(root, 0o700);
  const owner = opts.owner;
  const giveAway = async (p: string): Promise<void> => {
    if (owner) await chown(p, owner.uid, owner.gid);
  };
  await giveAway(root);
  const secrets = opts.secrets ?? generateRunSecrets();
  const secretsDir = join(root, 'secrets');
  await mkdir(secretsDir, { mode: 0o700 });
  await giveAway(secretsDir);
  const passFile = join(secretsDir, 'passphrase');
  await writeFile(passFile, secrets.passphrase, { mode: 0o600, flag: 'wx' });
  await giveAway(passFile);
  const rawDir = join(root, 'collectors');
  await mkdir(rawDir, { mode: 0o700 });
  const sinkDir = join(root, 'sink');
  await mkdir(sinkDir, { mode: 0o700 });
  const variantsDir = join(root, 'variants');
  await mkdir(variantsDir, { mode: 0o700 });
  await giveAway(variantsDir);

  return {
    runId,
    root,
    secrets,
    passFile,
    rawDir,
    sinkDir,
    async prepareVariant(variantId) {
      const dir = join(variantsDir, variantDirName(variantId));
      await mkdir(dir, { mode: 0o700 });
      await giveAway(dir);
      const payload = join(dir, 'payload.txt');
      await writeFile(payload, generateCanary(runId, variantId, opts.payloadBytes), { mode: 0o600, flag: 'wx' });
      await giveAway(payload);
      const journal = join(dir, 'journal.jsonl');
      await writeFile(journal, '', { mode: 0o600, flag: 'wx' });
      await giveAway(journal);
      return { dir, payload, out: join(dir, 'payload.enc'), journal };
    },
    remove: () => removeWorkspace(root),
  };
}

/** Removes a workspace folder; idempotent (a missing folder is success). */
export async function removeWorkspace(root: string): Promise<CleanupStep> {
  try {
    await stat(root);
  } catch {
    return { what: `remove workspace ${root}`, ok: true, detail: 'already absent' };
  }
  try {
    await rm(root, { recursive: true, force: true, maxRetries: 3 });
    return { what: `remove workspace ${root}`, ok: true };
  } catch (e) {
    return { what: `remove workspace ${root}`, ok: false, detail: (e as Error).message };
  }
}
