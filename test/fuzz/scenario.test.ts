// Fuzz: scenario YAML (harness/scenario). Mutated catalogue files load, or give diagnostics with
// the file (and a line where the text has one) — through loadScenarioFile as a PurpleError.
// YAML's own traps are in the token set: anchors/aliases (alias bombs), tags, deep flow nesting.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { loadScenarioFile, loadScenarioFileWithDiagnostics } from '../../harness/scenario/index.js';
import { expectOkOrLocatedError, fuzzParams, mutatedText, tokenSoup, withinBudget } from './fuzz-kit.js';

const ROOT = join(import.meta.dirname, '..', '..');
const yamlIn = (dir: string): Array<{ stem: string; text: string }> =>
  readdirSync(join(ROOT, dir))
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => ({ stem: f.replace(/\.yaml$/, ''), text: readFileSync(join(ROOT, dir, f), 'utf8') }));
const SEEDS = [...yamlIn('scenarios'), ...yamlIn('test/fixtures/scenarios/good'), ...yamlIn('test/fixtures/scenarios/bad')];

const TOKENS = [
  '\n', '\n  ', '  ', '- ', ': ', '{', '}', '[', ']', ',', '"', "'", '#', '&a ', '*a', '<<: *a', '!!str ', '!!binary ', '!custom ', '? ', '|', '>-', '---\n', '...\n',
  'id: ', 'variants:', 'matrix:', 'axes:', 'steps:', 'argv: ', 'expect: ', 'positive', 'negative', 'timeout_s: ', '-1', '0', '1e999', '.inf', '.nan', 'null', '~', 'true',
  '{payload}', '{out}', '{sink_url}', '{nope}', '{', 'platforms: ', '[linux]', 'requires: ', 'defaults:', 'vars:', 'cipher: ', 'none', 'T1048.001', '\t', '\r', '\ufeff', '\0',
];

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'purple-fuzz-scenario-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** Writes the text under the seed's own name (the id must match the file name) and loads it. */
function load(stem: string, text: string): void {
  const path = join(dir, `${stem}.yaml`);
  writeFileSync(path, text);
  const r = withinBudget('loadScenarioFileWithDiagnostics', text, () => loadScenarioFileWithDiagnostics(path));
  for (const d of r.diagnostics) {
    assert.equal(d.file, path);
    assert.ok(d.message.length > 0 && d.hint.length > 0, `diagnostic without message or hint: ${JSON.stringify(d)}`);
    if (d.line !== undefined) assert.ok(Number.isInteger(d.line) && d.line >= 1, `bad line ${String(d.line)}`);
  }
  assert.ok(r.scenario !== undefined || r.diagnostics.length > 0, 'neither a scenario nor a diagnostic');
  expectOkOrLocatedError('loadScenarioFile', text, () => loadScenarioFile(path));
}

describe('scenario YAML', () => {
  test(`seeds: ${SEEDS.length} files`, () => assert.ok(SEEDS.length >= 5));

  test('mutated catalogue files load or are located problems', () => {
    const input = fc.tuple(fc.nat({ max: SEEDS.length - 1 }), fc.boolean()).chain(([i, soup]) => {
      const seed = SEEDS[i]!;
      const text = soup ? tokenSoup(TOKENS, 40) : mutatedText([seed.text], TOKENS, { maxEdits: 6 });
      return text.map((t) => ({ stem: seed.stem, text: t }));
    });
    fc.assert(
      fc.property(input, ({ stem, text }) => load(stem, text)),
      fuzzParams(150),
    );
  });

  test('YAML traps: deep nesting, huge numbers', () => {
    const cases: Array<[string, string]> = [
      ['deep', `id: deep\nvariants: ${'['.repeat(5000)}${']'.repeat(5000)}\n`],
      ['deep2', `id: deep2\nvariants:\n${Array.from({ length: 3000 }, (_, i) => `${' '.repeat(i)}- `).join('\n')}x\n`],
      ['num', `id: num\ndefaults: { timeout_s: 1${'0'.repeat(400)} }\n`],
    ];
    for (const [stem, text] of cases) load(stem, text);
  });

  // Found by this suite: doc.toJS() threw the yaml package's alias errors out of the loader.
  test('YAML trap: an alias bomb or an unresolved alias is a located diagnostic', () => {
    load('unresolved', 'id: unresolved\n<<: *a\n');
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 0; i < 9; i++) bomb.push(`${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9).fill(`*${String.fromCharCode(97 + i)}`).join(',')}]`);
    load('bomb', `id: bomb\n${bomb.join('\n')}\n`);
  });
});
