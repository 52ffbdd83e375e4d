import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ev, matches, run } from '../fixtures/sigma/harness.js';
import { parseCondition } from '../../src/detector/sigma/condition.js';
import { isPurpleError } from '../../src/model/index.js';

// Identifiers a..d are true or false by construction: a and c match, b and d do not.
const defs = "a:\n  CommandLine|contains: A\nb:\n  CommandLine|contains: B\nc:\n  CommandLine|contains: C\nd:\n  CommandLine|contains: D\n_u:\n  CommandLine|contains: U\n";
const event = ev({ process: { command_line: 'A C' } });
const cond = (c: string): boolean => matches(`${defs}condition: ${c}`, event);

describe('Sigma condition grammar and precedence', () => {
  const rows: Array<[string, boolean]> = [
    ['a', true],
    ['b', false],
    ['a and c', true],
    ['a and b', false],
    ['a or b', true],
    ['b or d', false],
    ['not b', true],
    ['not a', false],
    ['not not a', true],
    // and binds tighter than or
    ['b and d or a', true],
    ['a or b and d', true],
    ['(a or b) and d', false],
    // not binds tighter than and
    ['not b and a', true],
    ['not a and b', false],
    ['not (a and b)', true],
    ['NOT b AND a', true], // keywords are case-insensitive
    // x of
    ['1 of them', true],
    ['all of them', false],
    ['1 of a*', true],
  ];
  for (const [c, want] of rows) test(`${c} → ${want}`, () => assert.equal(cond(c), want));

  test('all of with a pattern: every matching identifier', () => {
    const d = "sel_a:\n  CommandLine|contains: A\nsel_c:\n  CommandLine|contains: C\nsel_b:\n  CommandLine|contains: B\n";
    assert.equal(matches(`${d}condition: all of sel_*`, event), false);
    assert.equal(matches(`${d}condition: 1 of sel_*`, event), true);
    assert.equal(matches(`${d}condition: all of sel_* or sel_a`, event), true);
    assert.equal(matches(`${d}condition: all of sel_c*`, event), true);
    assert.equal(matches(`${d}condition: all of *_a`, event), true);
    assert.equal(matches(`${d}condition: any of sel_b`, event), false);
  });

  test("'them' leaves out identifiers that start with '_'", () => {
    // _u does not match; if it were included, 'all of them' over {a, c, _u} would be false.
    const d = "a:\n  CommandLine|contains: A\nc:\n  CommandLine|contains: C\n_u:\n  CommandLine|contains: U\n";
    assert.equal(matches(`${d}condition: all of them`, event), true);
    assert.equal(matches(`${d}condition: all of them and not _u`, event), true);
    // An explicit pattern may still reach underscore names.
    assert.equal(matches(`${d}condition: all of *`, event), false);
  });

  test('a list of conditions is OR', () => {
    assert.equal(matches(`${defs}condition:\n  - b\n  - c`, event), true);
    assert.equal(matches(`${defs}condition:\n  - b\n  - d`, event), false);
  });

  test('parse tree shape follows the precedence', () => {
    assert.deepEqual(parseCondition('a or b and not c'), {
      t: 'or',
      items: [
        { t: 'id', name: 'a', offset: 0 },
        { t: 'and', items: [{ t: 'id', name: 'b', offset: 5 }, { t: 'not', e: { t: 'id', name: 'c', offset: 15 } }] },
      ],
    });
    assert.deepEqual(parseCondition('1 of sel* and not all of them'), {
      t: 'and',
      items: [
        { t: 'of', q: 'one', pattern: 'sel*', offset: 0 },
        { t: 'not', e: { t: 'of', q: 'all', pattern: null, offset: 18 } },
      ],
    });
  });
});

describe('Sigma condition errors carry the exact column', () => {
  // condition is on line 12 of the generated rule (3 header lines + 9 definition lines), after "  condition: ".
  const rows: Array<[string, string, RegExp, number]> = [
    ['a and nope', 'PARSE', /'nope' is not defined/, 7],
    ['a and (b or c', 'PARSE', /expected '\)'/, 14],
    ['a b', 'PARSE', /unexpected 'b'/, 3],
    ['2 of them', 'UNSUPPORTED', /only '1 of' and 'all of'/, 1],
    ['a | count() > 5', 'UNSUPPORTED', /correlation rule/, 3],
    ['1 of x*', 'PARSE', /matches no identifier/, 1],
    ['a and', 'PARSE', /ends where an identifier/, 6],
    ['sel*', 'PARSE', /needs '1 of' or 'all of'/, 1],
  ];
  for (const [c, code, re, offset] of rows) {
    test(c, () => {
      assert.throws(
        () => run(`title: t\nlogsource: {product: linux}\ndetection:\n${defs.split('\n').filter(Boolean).map((l) => '  ' + l).join('\n')}\n  condition: ${c}\n`, []),
        (e: unknown) => {
          if (!isPurpleError(e)) return false;
          assert.equal(e.code, code);
          assert.match(e.message, re);
          assert.equal(e.location.line, 14);
          assert.equal(e.location.column, 14 + offset - 1);
          return true;
        },
      );
    });
  }
  test('quoted conditions shift the column by the quote', () => {
    assert.throws(
      () => run(`title: t\nlogsource: {product: linux}\ndetection:\n  a:\n    CommandLine: x\n  condition: 'a or zz'\n`, []),
      (e: unknown) => isPurpleError(e) && e.location.line === 6 && e.location.column === 20,
    );
  });
  test('YAML syntax errors carry line and column', () => {
    assert.throws(
      () => run(`title: t\nlogsource: {product: linux\ndetection:\n  a: x\n`, []),
      (e: unknown) => isPurpleError(e) && e.code === 'PARSE' && e.location.file === 'test.yml' && typeof e.location.line === 'number' && typeof e.location.column === 'number',
    );
  });
});
