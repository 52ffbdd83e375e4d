// The multi-pattern matcher (Aho–Corasick, affix tries, a set) gives exactly the answers of
// testing each value in turn, alone and inside Sigma's modifiers.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compileAffixAny, compileContainsAny, compileMultiPattern } from '../../src/detector/common/multi-pattern.js';
import { compileItem, MULTI_PATTERN_MIN, type ItemContext } from '../../src/detector/sigma/modifiers.js';

const ctx: ItemContext = { mapField: (n) => n, valueMap: () => undefined, placeholder: () => undefined };
// A small alphabet makes overlaps, shared prefixes and failure-link chains common.
const word = (max: number) => fc.array(fc.constantFrom('a', 'b', 'c', 'A', 'ü', 'Ü', '\u{1F600}'), { maxLength: max }).map((cs) => cs.join(''));

describe('multi-pattern matcher', () => {
  test('contains / startswith / endswith / exact agree with the naive string tests', () => {
    fc.assert(
      fc.property(fc.array(word(5), { maxLength: 30 }), fc.array(word(12), { minLength: 1, maxLength: 20 }), (values, texts) => {
        const contains = compileContainsAny(values);
        const starts = compileAffixAny(values, false);
        const ends = compileAffixAny(values, true);
        const exact = compileMultiPattern({ exact: values });
        for (const t of texts) {
          assert.equal(contains(t), values.some((v) => t.includes(v)), `contains ${JSON.stringify(values)} in ${JSON.stringify(t)}`);
          assert.equal(starts(t), values.some((v) => t.startsWith(v)));
          assert.equal(ends(t), values.some((v) => t.endsWith(v)));
          assert.equal(exact(t), values.includes(t));
        }
      }),
      { numRuns: 500 },
    );
  });

  test('a value that is a suffix of another one reached by a failure link is found', () => {
    const m = compileContainsAny(['abcd', 'bc']);
    assert.equal(m('xabcx'), true);
    assert.equal(m('xabx'), false);
    assert.equal(compileContainsAny(['aab'])('aaab'), true);
  });
});

describe('Sigma modifiers with long value lists', () => {
  const mods = fc.constantFrom<string[]>([], ['contains'], ['startswith'], ['endswith'], ['contains', 'cased'], ['startswith', 'cased'], ['endswith', 'cased'], ['cased']);
  // Values with the odd inner wildcard or escape: those stay globs beside the matcher.
  const value = fc.oneof(word(4), fc.tuple(word(2), fc.constantFrom('*', '?', '\\*'), word(2)).map(([a, w, b]) => a + w + b));
  test(`a list of ${MULTI_PATTERN_MIN}+ values alerts on exactly the events that one value at a time alerts on`, () => {
    fc.assert(
      fc.property(mods, fc.array(value, { minLength: MULTI_PATTERN_MIN, maxLength: 60 }), fc.array(fc.oneof(word(10), fc.array(word(6), { maxLength: 3 })), { minLength: 1, maxLength: 15 }), (m, values, fieldValues) => {
          const big = compileItem('f', m, values, ctx);
          const one = values.map((v) => compileItem('f', m, v, ctx));
          for (const fv of fieldValues) {
            const ev = { f: fv };
            assert.equal(big(ev), one.some((p) => p(ev)), `${m.join('|')} ${JSON.stringify(values)} on ${JSON.stringify(fv)}`);
          }
          const neqBig = compileItem('f', [...m, 'neq'], values, ctx);
          const neqOne = (ev: unknown) => !one.some((p) => p(ev));
          for (const fv of fieldValues) {
            const ev = { f: fv };
            const texts = [fv].flat();
            if (texts.length) assert.equal(neqBig(ev), neqOne(ev));
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  test('keyword items (no field) with a long list search every value of the event', () => {
    const values = Array.from({ length: 40 }, (_, i) => `needle${i}`);
    const p = compileItem(null, [], values, ctx);
    assert.equal(p({ a: { b: 'hay NEEDLE17 stack' } }), true);
    assert.equal(p({ a: { b: 'hay needle stack' } }), false);
  });
});
