// Fuzz: every importer of `purple detect` (the registry in collectors/importers) on mutated real
// exports. A bad line is a counted problem with its line number, never an exception; every event
// that comes out has a date and a category and serialises; sniffing never throws.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { IMPORTERS, sniffImporter } from '../../collectors/importers/index.js';
import { checkEvent, fuzzParams, mutatedJsonLine, mutatedText, withinBudget } from './fuzz-kit.js';

const FIX = join(import.meta.dirname, '..', 'fixtures');
const lines = (...files: string[]): string[] => files.flatMap((f) => readFileSync(join(FIX, f), 'utf8').split('\n')).filter((l) => l.trim() !== '');
const jsonLines = (ls: string[]): string[] =>
  ls.filter((l) => {
    try {
      const v: unknown = JSON.parse(l.trim().replace(/,$/, ''));
      return v !== null && typeof v === 'object' && !Array.isArray(v);
    } catch {
      return false;
    }
  }).map((l) => l.trim().replace(/,$/, ''));

const SEEDS: Record<string, string[]> = {
  ecs: lines('importers/ecs-elastic-defend.ndjson', 'importers/ecs-es-export.ndjson', 'importers/ecs-flat-filebeat.ndjson', 'det0503/linux-siblings.ndjson', 'det0503/macos-parent-child.ndjson'),
  eslogger: lines('eslogger/array-tokens-v10.ndjson', 'eslogger/object-tokens-v9.ndjson', 'eslogger/malformed.ndjson'),
  'linux-audit': lines('linux-audit/run.audit.log', 'linux-audit/run.ausearch-raw.log', 'linux-audit/malformed.audit.log'),
  ocsf: lines('importers/ocsf.ndjson'),
  osquery: lines('importers/osquery-differential.ndjson', 'importers/osquery-snapshot.ndjson', 'importers/osqueryi.json'),
};

const TEXT_TOKENS = ['{', '}', '[', ']', ',', ':', '"', 'null', 'true', '-1', '0', '1e400', '"pid"', '"args"', 'type=SYSCALL', 'msg=audit(', '):', '=', ' ', 'a0=', 'saddr=', '0A00', 'argc=', 'EOE', 'syscall=59', 'pid=', 'ppid=', '"\\u0000"', '"\\ud800"'];

function runSession(id: string, input: string[]): void {
  const imp = IMPORTERS[id]!;
  withinBudget(`${id} importer`, input, () => {
    const s = imp.create({ hostName: 'fuzz-host' });
    const events = input.flatMap((l, i) => s.push(l, i + 1));
    events.push(...s.end());
    for (const ev of events) checkEvent(`${id} importer`, ev, input);
    const st = s.stats();
    assert.ok(st.malformed <= st.lines && st.lines <= input.length, `${id}: stats out of range ${JSON.stringify(st)}`);
    for (const p of st.problems) {
      assert.ok(Number.isInteger(p.line) && p.line >= 1 && p.line <= input.length, `${id}: problem without a valid line number ${JSON.stringify(p)}`);
      assert.ok(p.message.length > 0);
    }
    assert.doesNotThrow(() => imp.sniff(input.slice(0, 20)));
  });
}

describe('importers: mutated real exports never crash, every bad line is located', () => {
  for (const id of Object.keys(IMPORTERS)) {
    const seeds = SEEDS[id];
    test(`${id}: the fuzz covers it`, () => assert.ok(seeds && seeds.length > 0, `no seeds for importer ${id}: add its fixtures to test/fuzz/importers.test.ts`));
    if (!seeds?.length) continue;
    const json = jsonLines(seeds);
    const line = json.length
      ? fc.oneof({ weight: 3, arbitrary: mutatedJsonLine(json) }, { weight: 2, arbitrary: mutatedText(seeds, TEXT_TOKENS) }, { weight: 1, arbitrary: fc.constantFrom(...seeds) })
      : fc.oneof({ weight: 3, arbitrary: mutatedText(seeds, TEXT_TOKENS) }, { weight: 1, arbitrary: fc.constantFrom(...seeds) });
    test(`${id}: streams of mutated lines`, () => {
      fc.assert(
        fc.property(fc.array(line, { minLength: 1, maxLength: 12 }), (input) => runSession(id, input)),
        fuzzParams(250),
      );
    });
  }

  test('the sniffer never throws and a chosen importer reads what it chose', () => {
    const all = Object.values(SEEDS).flat();
    fc.assert(
      fc.property(fc.array(fc.oneof(mutatedText(all, TEXT_TOKENS), fc.constantFrom(...all)), { minLength: 1, maxLength: 5 }), (input) => {
        const imp = withinBudget('sniffImporter', input, () => sniffImporter(input));
        if (imp) runSession(imp.id, input);
      }),
      fuzzParams(200),
    );
  });
});
