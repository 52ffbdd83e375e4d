import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compileSafeRegex, RegexSyntaxError } from '../../src/detector/common/safe-regex.js';

const F = { i: false, m: false, s: false };

describe('safe regex engine (the re modifier)', () => {
  // [pattern, flags, input, expected]
  const rows: Array<[string, Partial<typeof F>, string, boolean]> = [
    ['abc', {}, 'xxabcxx', true],
    ['^abc$', {}, 'abc', true],
    ['^abc$', {}, 'abc\n', true], // PCRE: $ also before a final newline
    ['^abc$', {}, 'xabc', false],
    ['a.c', {}, 'abc', true],
    ['a.c', {}, 'a\nc', false],
    ['a.c', { s: true }, 'a\nc', true],
    ['^b', {}, 'a\nb', false],
    ['^b', { m: true }, 'a\nb', true],
    ['a$', { m: true }, 'a\nb', true],
    ['ab*c', {}, 'ac', true],
    ['ab+c', {}, 'ac', false],
    ['ab?c', {}, 'abbc', false],
    ['^a{2,3}$', {}, 'aaa', true],
    ['^a{2,3}$', {}, 'aaaa', false],
    ['^a{2}$', {}, 'aa', true],
    ['^a{2,}$', {}, 'aaaaa', true],
    ['a{x', {}, 'a{x', true], // a brace that is not a quantifier is literal
    ['[a-c]+d', {}, 'xbcad', true],
    ['[^a-c]d', {}, 'ad', false],
    ['[^a-c]d', {}, 'zd', true],
    ['[]a]', {}, ']', true],
    ['[a-]', {}, '-', true],
    ['(ab|cd)+e', {}, 'abcde', true],
    ['(?:ab|cd)e', {}, 'cde', true],
    ['(?<n>ab)c', {}, 'abc', true],
    ['\\d+\\.\\d+', {}, 'v1.25', true],
    ['\\w+@\\w+', {}, 'me@host', true],
    ['a\\sb', {}, 'a\tb', true],
    ['\\bcat\\b', {}, 'a cat!', true],
    ['\\bcat\\b', {}, 'concat', false],
    ['\\Bcat', {}, 'concat', true],
    ['\\x41', {}, 'A', true],
    ['AES', {}, 'aes', false],
    ['AES', { i: true }, 'aes', true],
    ['[A-Z]+', { i: true }, 'abc', true],
    ['(?i)aes', {}, 'AES', true],
    ['a|', {}, 'zzz', true], // empty alternative matches the empty string
    ['é+', {}, 'caféé', true],
    ['^.$', {}, '😀', true], // one code point
  ];
  for (const [p, f, input, want] of rows) {
    test(`/${p}/${Object.keys(f).join('')} on ${JSON.stringify(input)} → ${want}`, () => {
      assert.equal(compileSafeRegex(p, { ...F, ...f }).test(input), want);
    });
  }

  const rejects: Array<[string, RegExp]> = [
    ['(a)\\1', /back references/],
    ['a(?=b)', /lookaround/],
    ['a(?!b)', /lookaround/],
    ['(?<=a)b', /lookaround/],
    ['a++', /possessive/],
    ['[[:alpha:]]', /POSIX/],
    ['(ab', /missing '\)'/],
    ['ab)', /unbalanced/],
    ['*a', /nothing to repeat/],
    ['[abc', /missing '\]'/],
    ['a{3,2}', /max < min/],
    ['\\p{L}', /not supported/],
    ['a\\', /lone backslash/],
    ['(a{1000}){1000}', /states/],
  ];
  for (const [p, re] of rejects) {
    test(`rejects ${p}`, () => assert.throws(() => compileSafeRegex(p, F), (e: unknown) => e instanceof RegexSyntaxError && re.test(e.message)));
  }

  test('catastrophic patterns run in linear time (they would hang a backtracking engine)', () => {
    // (a+)+$ on "aaaa…b" takes ~2^n steps in a backtracking engine; n = 5000 would never finish.
    const evil = compileSafeRegex('^(a+)+$', F);
    assert.equal(evil.test('a'.repeat(5000) + 'b'), false);
    assert.equal(evil.test('a'.repeat(5000)), true);
    const nested = compileSafeRegex('(x+x+)+y', F);
    assert.equal(nested.test('x'.repeat(3000)), false);
  });

  test('agrees with JavaScript RegExp on random patterns of the shared subset', () => {
    const atom = fc.constantFrom('a', 'b', '.', '[ab]', '[^a]', '\\d', 'x');
    const piece = fc.tuple(atom, fc.constantFrom('', '*', '+', '?', '{1,2}')).map(([a, q]) => a + q);
    const seq = fc.array(piece, { minLength: 1, maxLength: 4 }).map((x) => x.join(''));
    const pattern = fc
      .tuple(fc.boolean(), fc.array(seq, { minLength: 1, maxLength: 3 }), fc.boolean())
      .map(([s, alts, e]) => (s ? '^' : '') + '(' + alts.join('|') + ')' + (e ? '$' : ''));
    const input = fc.stringMatching(/^[ab1x\n]{0,8}$/);
    fc.assert(
      fc.property(pattern, input, fc.boolean(), (p, s, i) => {
        const ours = compileSafeRegex(p, { ...F, i }).test(s);
        // JS `$` without m does not match before a final newline; compare on inputs where it cannot matter.
        const js = new RegExp(p, i ? 'iu' : 'u').test(s);
        if (s.endsWith('\n') && p.endsWith('$')) return true;
        return ours === js;
      }),
      { numRuns: 800 },
    );
  });
});
