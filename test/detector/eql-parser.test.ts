import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compileEql, parseEql, parseEqlExpression } from '../../src/detector/eql/index.js';
import { isPurpleError } from '../../src/model/index.js';

function rejects(query: string, code: string, line: number, column: number, message: RegExp): void {
  try {
    parseEql(query, { file: 'q.eql' });
  } catch (e) {
    assert.ok(isPurpleError(e), String(e));
    assert.equal(e.code, code, e.message);
    assert.match(e.message, message);
    assert.deepEqual([e.location.file, e.location.line, e.location.column], ['q.eql', line, column], e.format());
    assert.ok(e.hint === undefined || e.hint.length > 0);
    return;
  }
  assert.fail(`expected ${code} for ${query}`);
}

describe('EQL parser: accepted queries', () => {
  test('event query: category, where, precedence of not/and/or and comparisons', () => {
    const q = parseEql('process where not a == 1 and b : "x*" or c in (1, 2)');
    assert.equal(q.k, 'event');
    if (q.k !== 'event') return;
    assert.equal(q.filter.category, 'process');
    const c = q.filter.cond;
    assert.equal(c.k, 'or');
    if (c.k !== 'or') return;
    assert.equal(c.l.k, 'and');
    if (c.l.k !== 'and') return;
    assert.equal(c.l.l.k, 'not');
    assert.equal(c.r.k, 'match');
  });

  const exprs: Array<[string, string]> = [
    ['1 + 2 * 3', '{"k":"arith","op":"+"}'],
    ['-x', '{"k":"neg"}'],
    ['-5', '{"k":"lit","v":-5}'],
    ['?process.parent.name', '{"k":"field","name":"process.parent.name","optional":true}'],
    ['`my-field`', '{"k":"field","name":"my-field","optional":false}'],
    ['startsWith~(a, "b")', '{"k":"call","name":"startsWith","ci":true}'],
    ['a like~ ("x", "y")', '{"k":"match","kind":"like","ci":true,"negated":false}'],
    ['a not in ("x")', '{"k":"match","kind":"in","ci":false,"negated":true}'],
    ['a regex """a\\d+"""', '{"k":"match","kind":"regex","ci":false}'],
    ['a !: "x"', '{"k":"match","kind":"wildcard","negated":true}'],
    ['"a\\tb\\u{41}"', '{"k":"lit","v":"a\\tbA"}'],
    ['4.0', '{"k":"lit","v":4,"float":true}'],
  ];
  for (const [src, shape] of exprs) {
    test(`expression ${src}`, () => {
      const e = parseEqlExpression(src) as unknown as Record<string, unknown>;
      for (const [k, v] of Object.entries(JSON.parse(shape) as Record<string, unknown>)) assert.deepEqual(e[k], v, `${k} of ${JSON.stringify(e)}`);
    });
  }

  test('sequence: shared and per-step keys, maxspan units, runs, missing steps, until, pipes', () => {
    const q = parseEql(`sequence by host.id with maxspan=1.5m
      [process where true] by process.entity_id with runs=2
     ![file where true] by process.entity_id
      [network where true] by process.parent.entity_id
    until [process where event.action == "exit"] by process.entity_id
    | head 3`);
    assert.equal(q.k, 'sequence');
    if (q.k !== 'sequence') return;
    assert.equal(q.maxspanMs, 90_000);
    assert.deepEqual(q.by.map((f) => f.name), ['host.id']);
    assert.deepEqual(q.steps.map((s) => [s.category, s.missing, s.by[0]!.name]), [
      ['process', false, 'process.entity_id'],
      ['process', false, 'process.entity_id'],
      ['file', true, 'process.entity_id'],
      ['network', false, 'process.parent.entity_id'],
    ]);
    assert.equal(q.until?.category, 'process');
    assert.deepEqual(q.pipes, [{ k: 'head', n: 3, pos: q.pipes[0]!.pos }]);
  });

  for (const [unit, ms] of [['500ms', 500], ['10s', 10_000], ['2m', 120_000], ['1h', 3_600_000], ['1d', 86_400_000]] as const) {
    test(`maxspan=${unit}`, () => {
      const q = parseEql(`sequence with maxspan=${unit} [a where true] [b where true]`);
      assert.equal(q.k === 'sequence' && q.maxspanMs, ms);
    });
  }

  test('comments and quoted categories', () => {
    const q = parseEql('// leading\n"my category" where /* inline */ true // trailing');
    assert.equal(q.k === 'event' && q.filter.category, 'my category');
  });
});

describe('EQL parser: errors point at line and column with the expected token', () => {
  const cases: Array<[string, string, number, number, RegExp]> = [
    ['process where', 'PARSE', 1, 14, /expected a value, field or function, found the end of the query/],
    ['process', 'PARSE', 1, 8, /expected 'where'/],
    ['process where a ==', 'PARSE', 1, 19, /expected a value/],
    ['process where (a == 1', 'PARSE', 1, 22, /expected '\)'/],
    ['process where a == "x', 'PARSE', 1, 20, /unterminated string/],
    ["process where a == 'x'", 'PARSE', 1, 20, /single-quoted/],
    ['sequence\n  [process where true]', 'PARSE', 2, 23, /at least two steps/],
    ['sequence with maxspan=5 [a where true] [b where true]', 'PARSE', 1, 25, /time unit/],
    ['sequence with maxspan=5y [a where true] [b where true]', 'PARSE', 1, 24, /unknown time unit 'y'/],
    ['sequence with maxspan=1s by x [a where true] [b where true]', 'PARSE', 1, 26, /'by' must come before/],
    ['process where a < b < c', 'PARSE', 1, 21, /cannot be chained/],
    ['process where a == 1 | head', 'PARSE', 1, 28, /whole number after head/],
    ['process where a == 1 extra', 'PARSE', 1, 22, /end of the query/],
    ['process where and', 'PARSE', 1, 15, /expected a value/],
    ['process where a == "\\q"', 'PARSE', 1, 21, /unknown escape/],
  ];
  for (const [q, code, line, col, msg] of cases) {
    test(JSON.stringify(q), () => rejects(q, code, line, col, msg));
  }
});

test('compiling: every step needs the same number of by keys (error at the odd step)', () => {
  try {
    compileEql('sequence\n  [a where true] by x\n  [b where true] by y, z', { file: 'q.eql' });
  } catch (e) {
    assert.ok(isPurpleError(e));
    assert.equal(e.code, 'PARSE');
    assert.match(e.message, /same number of 'by' keys/);
    assert.deepEqual([e.location.line, e.location.column], [3, 3]);
    return;
  }
  assert.fail('accepted');
});

describe('EQL parser: unsupported features are rejected as "not supported", never guessed at', () => {
  const cases: Array<[string, RegExp]> = [
    ['join [a where true] [b where true]', /join queries/],
    ['sample by x [a where true] [b where true]', /sample queries/],
    ['process where descendant of [process where true]', /descendant of/],
    ['process where child of [process where true]', /child of/],
    ['process where event of [process where true]', /event of/],
    ['process where a[1] == "x"', /array index/],
    ['process where true | unique_count a', /unique_count pipe/],
    ['process where true | count', /count pipe/],
    ['sequence [a where true] by x * 2 [b where true] by y', /join keys that are expressions/],
    ['sequence [a where true] fork=true [b where true]', /step parameter 'fork'/],
    ['sequence [a where true] [b where true] | filter true', /filter pipe on sequences/],
    ['process where a : b', /pattern that is not a constant/],
    ['process where matchLite(a, ?"x")', /raw string/],
  ];
  for (const [q, msg] of cases) {
    test(q, () => {
      try {
        parseEql(q);
      } catch (e) {
        assert.ok(isPurpleError(e));
        assert.equal(e.code, 'UNSUPPORTED');
        assert.match(e.message, /^not supported: /);
        assert.match(e.message, msg);
        assert.ok(e.location.line && e.location.column);
        return;
      }
      assert.fail('accepted');
    });
  }
});
