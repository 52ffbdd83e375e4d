// Temporary folders for tests: one call makes it, the test's end removes it.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** A fresh folder under the OS temp dir, named for the test. */
export function makeTempDir(prefix = 'purple-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix.endsWith('-') ? prefix : `${prefix}-`));
}

export function removeTempDir(dir: string): void {
  if (dir) rmSync(dir, { recursive: true, force: true });
}

/** A temp folder removed when the test (or suite) ends: pass node:test's `t` or `after`. */
export function tempDir(owner: { after(fn: () => void): void } | ((fn: () => void) => void), prefix?: string): string {
  const dir = makeTempDir(prefix);
  if (typeof owner === 'function') owner(() => removeTempDir(dir));
  else owner.after(() => removeTempDir(dir));
  return dir;
}

/** Writes files under `dir` (relative path → text), creating folders; returns `dir`. */
export function writeTree(dir: string, files: Record<string, string>): string {
  for (const [rel, text] of Object.entries(files)) {
    const p = join(dir, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, text);
  }
  return dir;
}
