// Elasticsearch's own EQL query suite, run through runEqlQuery (the query API users get).
// Target files must all pass; test_queries_unsupported.toml (the 2020 exclusion list) must be
// rejected with a clear error or answered correctly in every case mode it names.

import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isPurpleError } from '../../src/model/index.js';
import { runEqlQuery } from '../../src/detector/eql/index.js';
import { conformanceAvailable, conformanceDir, loadIndexDataset, loadMainDataset, loadSpecs, type Dataset, type Spec } from './eql-conformance-data.js';

const TARGET_FILES: Array<[string, 'main' | 'extra' | 'missing-events']> = [
  ['test_queries.toml', 'main'],
  ['additional_test_queries.toml', 'main'],
  ['test_queries_date.toml', 'main'],
  ['test_extra.toml', 'extra'],
  ['test_missing_events.toml', 'missing-events'],
];

const counts = { passed: 0, failed: 0, unsupported: 0 };
const rejected: Array<{ name: string; reason: string }> = [];

function runSpec(spec: Spec, ds: Dataset, caseInsensitive: boolean): { ids: number[]; keys: string[] } {
  const r = runEqlQuery(spec.query, ds.events, { ...ds.options, ...(spec.size !== undefined ? { size: spec.size } : {}), ...(caseInsensitive ? { caseInsensitive } : {}) });
  if (r.kind === 'events') return { ids: r.events.map((e) => e[ds.idField] as number), keys: [] };
  return {
    ids: r.sequences.flatMap((s) => s.events.map((e) => (e ? (e[ds.idField] as number) : -1))),
    keys: r.sequences.flatMap((s) => s.join_keys.map((k) => (k === null ? 'null' : String(k)))),
  };
}

if (!conformanceAvailable()) {
  test('eql conformance data is present', () => {
    assert.fail(`Elasticsearch EQL conformance data not found: looked in ${conformanceDir} (a copy of shared/ must sit beside the repository clone)`);
  });
} else {
  const datasets = { main: loadMainDataset(), extra: loadIndexDataset('extra'), 'missing-events': loadIndexDataset('missing-events') };

  describe('eql conformance (target files)', () => {
    const names = new Set<string>();
    for (const [file, index] of TARGET_FILES) {
      for (const spec of loadSpecs(file)) {
        test(`${file} ${spec.name}`, () => {
          assert.ok(!names.has(spec.name), `duplicate spec name ${spec.name}`);
          names.add(spec.name);
          let got: { ids: number[]; keys: string[] };
          try {
            got = runSpec(spec, datasets[index], false);
          } catch (e) {
            if (isPurpleError(e) && e.code === 'UNSUPPORTED') counts.unsupported++;
            else counts.failed++;
            throw e;
          }
          try {
            assert.deepEqual(got.ids, spec.expected, 'expected_event_ids');
            if (spec.joinKeys) assert.deepEqual(got.keys, spec.joinKeys, 'join_keys');
          } catch (e) {
            counts.failed++;
            throw e;
          }
          counts.passed++;
        });
      }
    }
    after(() => {
      process.stdout.write(`eql conformance: ${counts.passed} passed, ${counts.failed} failed, ${counts.unsupported} not supported\n`);
    });
  });

  describe('eql conformance (2020 exclusion list: rejected clearly or answered correctly)', () => {
    for (const spec of loadSpecs('test_queries_unsupported.toml')) {
      // Neither flag or both: the spec must hold in both modes (README, "case flags").
      const modes = spec.caseSensitive && !spec.caseInsensitive ? [false] : spec.caseInsensitive && !spec.caseSensitive ? [true] : [false, true];
      for (const insensitive of modes) {
        test(`${spec.name} (${insensitive ? 'case-insensitive' : 'case-sensitive'})`, () => {
          let got: { ids: number[] };
          try {
            got = runSpec(spec, datasets.main, insensitive);
          } catch (e) {
            assert.ok(isPurpleError(e), `a rejection must be a PurpleError, got ${String(e)}`);
            assert.ok(['UNSUPPORTED', 'PARSE', 'BAD_INPUT'].includes(e.code), `unexpected error code ${e.code}`);
            assert.ok(e.location.line && e.location.column, 'a rejection names line and column');
            if (e.code === 'UNSUPPORTED') assert.match(e.message, /^not supported: /);
            rejected.push({ name: spec.name, reason: e.message });
            return;
          }
          assert.deepEqual(got.ids, spec.expected, 'an answered query must be answered correctly');
        });
      }
    }
    after(() => {
      const uniq = new Map(rejected.map((r) => [r.name, r.reason]));
      process.stdout.write(`eql exclusion list: ${uniq.size} queries rejected with a clear error\n`);
    });
  });
}
