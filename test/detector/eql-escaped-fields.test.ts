import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseEql, runEqlQuery } from '../../src/detector/eql/index.js';
import { isPurpleError } from '../../src/model/index.js';

function fieldOf(query: string): { path: string[]; name: string; column: number } {
  const q = parseEql(query);
  assert.equal(q.k, 'event');
  if (q.k !== 'event') throw new Error('not an event query');
  const c = q.filter.cond;
  assert.equal(c.k, 'cmp');
  if (c.k !== 'cmp' || c.l.k !== 'field') throw new Error('not a field comparison');
  return { path: c.l.path, name: c.l.name, column: c.l.pos.column };
}

describe('EQL: backtick-escaped identifiers anywhere in a field path', () => {
  const cases: Array<[string, string[]]> = [
    ['any where a.`b` == "x"', ['a', 'b']],
    ['any where `a`.b == "x"', ['a', 'b']],
    ['any where `a`.`b` == "x"', ['a', 'b']],
    ['any where process.`name with space` == "x"', ['process', 'name with space']],
    ['any where a.`b.c`.d == "x"', ['a', 'b.c', 'd']],
    ['any where a.b.`c` == "x"', ['a', 'b', 'c']],
    ['any where `where` == "x"', ['where']],
  ];
  for (const [query, path] of cases)
    test(query, () => {
      const f = fieldOf(query);
      assert.deepEqual(f.path, path);
      assert.equal(f.column, 11, 'the position is the field start');
    });

  test('bad paths are refused with the column', () => {
    for (const [query, col] of [
      ['any where a. `b` == "x"', 11],
      ['any where a.`` == "x"', 13],
      ['any where a..b == "x"', 11],
    ] as const) {
      try {
        parseEql(query, { file: 'q.eql' });
        assert.fail(`accepted ${query}`);
      } catch (e) {
        assert.ok(isPurpleError(e), String(e));
        assert.equal(e.code, 'PARSE', e.message);
        assert.equal(e.location.column, col, `${query}: ${e.format()}`);
      }
    }
  });

  test('a query over data reads escaped parts as one key each', () => {
    const events = [
      { '@timestamp': '2026-01-01T00:00:00Z', event: { category: 'process' }, process: { 'name with space': 'x', name: 'a' } },
      { '@timestamp': '2026-01-01T00:00:01Z', event: { category: 'process' }, process: { 'name with space': 'y' } },
      { '@timestamp': '2026-01-01T00:00:02Z', event: { category: 'process' }, a: { 'b.c': { d: 1 } } },
      { '@timestamp': '2026-01-01T00:00:03Z', event: { category: 'process' }, a: { b: { c: { d: 1 } } } },
    ];
    const spaced = runEqlQuery('process where process.`name with space` == "x"', events);
    assert.equal(spaced.kind, 'events');
    assert.deepEqual(spaced.kind === 'events' ? spaced.events.map((e) => events.indexOf(e)) : [], [0]);
    const dotted = runEqlQuery('process where a.`b.c`.d == 1', events);
    assert.deepEqual(dotted.kind === 'events' ? dotted.events.map((e) => events.indexOf(e)) : [], [2]);
    // As in Elasticsearch, a document key holding dots is the same field as the nested path.
    const nested = runEqlQuery('process where a.b.`c`.d == 1', events);
    assert.deepEqual(nested.kind === 'events' ? nested.events.map((e) => events.indexOf(e)) : [], [2, 3]);
  });
});
