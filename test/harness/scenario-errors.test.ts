// Bad scenario files must fail with file:line:column pointing at the offending line. Each fixture
// marks that line with a trailing comment `# <- error: TEXT`; TEXT must appear in the message.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadScenarioFile, loadScenarioFileWithDiagnostics, loadCatalogue, loadCatalogueWithDiagnostics } from '../../harness/scenario/index.js';
import { isPurpleError } from '../../src/model/index.js';

const BAD = join('test', 'fixtures', 'scenarios', 'bad');

function expectedMarker(file: string): { line: number; text: string } {
  const lines = readFileSync(file, 'utf8').split('\n');
  const i = lines.findIndex((l) => l.includes('# <- error:'));
  assert.notEqual(i, -1, `${file} has no "# <- error:" marker`);
  return { line: i + 1, text: (lines[i] ?? '').split('# <- error:')[1]?.trim() ?? '' };
}

describe('scenario error locations', () => {
  const fixtures = readdirSync(BAD).filter((f) => f.endsWith('.yaml')).sort();

  test('there are fixtures for every kind of mistake', () => {
    assert.ok(fixtures.length >= 10, `only ${fixtures.length} fixtures`);
  });

  for (const name of fixtures) {
    test(name, () => {
      const file = join(BAD, name);
      const want = expectedMarker(file);
      const { scenario, diagnostics } = loadScenarioFileWithDiagnostics(file);
      assert.equal(scenario, undefined, 'a bad file must not yield a scenario');
      assert.equal(diagnostics.length, 1, `expected exactly one problem, got:\n${diagnostics.map((d) => `${d.line}: ${d.message}`).join('\n')}`);
      const d = diagnostics[0]!;
      assert.equal(d.line, want.line, `line of "${d.message}"`);
      assert.ok(d.column !== undefined && d.column >= 1, 'a column is given');
      assert.ok(d.message.includes(want.text), `"${d.message}" should mention "${want.text}"`);
      assert.ok(d.hint.length > 10, 'a hint says what to do');

      // The throwing API carries the same location and prints file:line:column.
      assert.throws(
        () => loadScenarioFile(file),
        (e: unknown) => {
          assert.ok(isPurpleError(e));
          assert.equal(e.code, 'SCHEMA');
          assert.equal(e.location.line, want.line);
          assert.ok(e.format().startsWith(`${file}:${want.line}:`), e.format());
          assert.ok(e.format().includes('hint:'));
          return true;
        },
      );
    });
  }

  test('the catalogue loader collects the problems of every file into one error', () => {
    const { scenarios, diagnostics } = loadCatalogueWithDiagnostics(BAD);
    assert.equal(scenarios.length, 0);
    assert.equal(new Set(diagnostics.map((d) => d.file)).size, fixtures.length);
    assert.throws(
      () => loadCatalogue(BAD),
      (e: unknown) => isPurpleError(e) && e.message.startsWith(`${diagnostics.length} problems`) && fixtures.every((f) => e.message.includes(f)),
    );
  });

  test('a missing folder and an empty folder are reported, not thrown as raw errors', () => {
    assert.equal(loadCatalogueWithDiagnostics(join(BAD, 'nope')).diagnostics.length, 1);
    assert.match(loadCatalogueWithDiagnostics(join('test', 'fixtures', 'scenarios')).diagnostics[0]?.message ?? '', /no \*\.yaml/);
  });
});
