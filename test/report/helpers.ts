// Shared by the report tests: fixtures and temp folders.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunReport } from '../../src/model/index.js';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'report');
export const REPO = join(FIXTURES, '..', '..', '..');

/** A fresh deep copy of a fixture run's report.json. */
export function loadFixture(name: 'run-a' | 'run-b'): RunReport {
  return JSON.parse(readFileSync(join(FIXTURES, name, 'report.json'), 'utf8')) as RunReport;
}

export function makeTempDir(t: { after(fn: () => void): void }, prefix = 'purple-report-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Text an attacker controls in the fixture (see make-fixtures.ts). */
export const HOSTILE_MARK = '<script>window.__pwned=1</script>';
