// A crash never leaves a half-written file: write a temp file beside the target, fsync it, rename
// it over the target (atomic on one file system), then fsync the folder so the rename is durable.

import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export async function writeFileAtomic(path: string, data: string | Uint8Array, opts: { mode?: number } = {}): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fh = await open(tmp, 'wx', opts.mode ?? 0o644);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } catch (e) {
    await fh.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw e;
  }
  await fh.close();
  try {
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  try {
    const dir = await open(dirname(path), 'r');
    await dir.sync().catch(() => undefined);
    await dir.close();
  } catch {
    /* some file systems refuse to open a folder for sync; the rename is done */
  }
}
