// Renders the fixture runs into a temp folder for the browser tests.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { RunReport, Verdict } from '../../src/model/index.js';
import { mergeReports, renderHtml } from '../../src/report/index.js';
import { computeCoverage } from '../../src/scoring/index.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'report');

export function loadFixture(name: 'run-a' | 'run-b'): RunReport {
  return JSON.parse(readFileSync(join(FIXTURES, name, 'report.json'), 'utf8')) as RunReport;
}

export interface Rendered {
  url: string;
  report: RunReport;
  cleanup(): void;
}

export function renderToFile(report: RunReport): Rendered {
  const dir = mkdtempSync(join(tmpdir(), 'purple-browser-'));
  const file = join(dir, 'index.html');
  writeFileSync(file, renderHtml(report));
  return { url: pathToFileURL(file).href, report, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function renderFleet(): Rendered {
  return renderToFile(mergeReports([loadFixture('run-a'), loadFixture('run-b')], computeCoverage));
}

/** What the matrix cell for (rows axis = y, columns axis = x) must show, from the data itself. */
export function expectedCell(verdicts: Verdict[], ax: string, x: string, ay: string, y: string) {
  const inCell = verdicts.filter((v) => String(v.axes[ax]) === x && String(v.axes[ay]) === y);
  const positives = inCell.filter((v) => v.outcome === 'detected' || v.outcome === 'missed');
  return { positives: positives.length, detected: positives.filter((v) => v.outcome === 'detected').length };
}
