import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderMarkdown, writeStepSummary } from '../../src/report/index.js';
import { loadFixture, makeTempDir } from './helpers.js';

/** Rows of the first Markdown table whose header contains `header`, split into cells. */
function table(md: string, header: string): string[][] {
  const lines = md.split('\n');
  const start = lines.findIndex((l) => l.startsWith('|') && l.includes(header));
  assert.ok(start >= 0, `no table with ${header}`);
  const rows: string[][] = [];
  for (let i = start; i < lines.length && lines[i]!.startsWith('|'); i++) {
    // split on pipes that are not escaped
    rows.push(lines[i]!.slice(1, -1).split(/(?<!\\)\|/).map((c) => c.trim()));
  }
  const width = rows[0]!.length;
  for (const r of rows) assert.equal(r.length, width, `ragged row: ${r.join(' | ')}`);
  return rows;
}

describe('Markdown summary', () => {
  test('headline numbers match the coverage block', () => {
    const report = loadFixture('run-a');
    const md = renderMarkdown(report);
    const [, , row] = table(md, 'Coverage');
    assert.equal(row![0], '**50.0%**');
    assert.equal(row![1], '**33.3%**');
    assert.equal(row![2], `${report.coverage.detected} / ${report.coverage.positives}`);
    assert.match(md, /an expectation failed/);
  });

  test('every problem variant has a row with its reason; known gaps do not count', () => {
    const report = loadFixture('run-a');
    const rows = table(renderMarkdown(report), 'Counts against the run').slice(2);
    const problems = report.verdicts.filter((v) => ['missed', 'false-positive', 'error'].includes(v.outcome));
    assert.equal(rows.length, problems.length);
    const gap = rows.find((r) => r[0]!.includes('detached-upload'))!;
    assert.equal(gap[3], 'no');
    assert.match(gap[2]!, /lineage broken/);
    assert.ok(rows.find((r) => r[0]!.includes('siblings-delay-120'))![2]!.includes('window exceeded'));
  });

  test('cell text cannot break the table or inject HTML', () => {
    const report = loadFixture('run-a');
    const v = report.verdicts.find((x) => x.outcome === 'error')!;
    v.reason = 'a | b\n<img src=x>';
    const md = renderMarkdown(report);
    const rows = table(md, 'Counts against the run');
    assert.ok(rows.some((r) => r[2]!.includes('a \\| b \\<img src=x\\>')));
    assert.doesNotMatch(md, /(?<!\\)<img/, 'a raw tag would render as HTML on GitHub');
  });

  test('a passing run says so', () => {
    const report = loadFixture('run-b');
    report.exit_code = 0;
    assert.match(renderMarkdown(report), /all expectations met/);
  });

  test('writeStepSummary appends to $GITHUB_STEP_SUMMARY and does nothing without it', (t) => {
    const dir = makeTempDir(t);
    const file = join(dir, 'summary');
    writeFileSync(file, 'before\n');
    assert.equal(writeStepSummary('# one', { GITHUB_STEP_SUMMARY: file }), file);
    assert.equal(writeStepSummary('# two\n', { GITHUB_STEP_SUMMARY: file }), file);
    assert.equal(readFileSync(file, 'utf8'), 'before\n# one\n# two\n');
    assert.equal(writeStepSummary('# three', {}), undefined);
    assert.equal(readFileSync(file, 'utf8'), 'before\n# one\n# two\n');
  });
});
