// Rule regexes cannot hang the detector: EQL `regex`/`regex~` and Sigma `|re` run on the
// linear-time engine (lazy DFA, Thompson NFA when assertions remain); EQL wildcards with `?` use a
// two-pointer walk. Constructs a backtracking engine needs (back references, lookaround) are
// refused when the rule loads, with the rule's file and line.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { loadRulesWithDiagnostics, runEqlQuery } from '../../src/detector/index.js';
import { compileWildcard } from '../../src/detector/eql/values.js';
import { compileSafeRegex } from '../../src/detector/common/safe-regex.js';

const ctx = { config: { lists: {} }, maxOpenSequences: 10 };
const LONG = 'a'.repeat(20_000);

function timed<T>(f: () => T): { value: T; ms: number } {
  const t = performance.now();
  const value = f();
  return { value, ms: performance.now() - t };
}

function eqlMatches(query: string, name: string): boolean {
  const r = runEqlQuery(query, [{ '@timestamp': '2024-01-01T00:00:00Z', event: { category: 'process' }, process: { name } }]);
  return r.events.length === 1;
}

describe('EQL regex: catastrophic patterns run in linear time', () => {
  const evil: Array<[string, string, boolean]> = [
    ['(a+)+b', LONG, false],
    ['(a|aa)*c', LONG, false],
    ['(a*)*b', LONG, false],
    ['.*a.*a.*a.*a.*a.*b', LONG, false],
    ['(a|a)*', LONG, true],
    ['(.*?,){11}P', 'x,'.repeat(5000), false],
  ];
  for (const [pattern, input, want] of evil) {
    test(`regex "${pattern}" on ${input.length} chars → ${want}, quickly`, () => {
      const { value, ms } = timed(() => eqlMatches(`process where process.name regex ${JSON.stringify(pattern)}`, input));
      assert.equal(value, want);
      // A backtracking engine needs seconds to centuries here; ours is linear.
      assert.ok(ms < 2000, `took ${ms.toFixed(0)} ms`);
    });
  }

  test('wildcards with ? and many * stay O(n·m) on long values', () => {
    const w = compileWildcard('*a*a*a*a*a*a*a*a*?b', true);
    const { value, ms } = timed(() => w(LONG));
    assert.equal(value, false);
    assert.ok(ms < 2000, `took ${ms.toFixed(0)} ms`);
  });

  test('Sigma |re: an anchored catastrophic pattern is fast too', () => {
    const { value, ms } = timed(() => compileSafeRegex('^(a+)+$', { i: false, m: false, s: false }).test(LONG + 'b'));
    assert.equal(value, false);
    assert.ok(ms < 2000, `took ${ms.toFixed(0)} ms`);
  });
});

describe('EQL regex: semantics kept (whole value, . matches newline, regex~ ignores case)', () => {
  const rows: Array<[string, string, boolean]> = [
    ['process.name regex "open.*"', 'openssl', true],
    ['process.name regex "open"', 'openssl', false],
    ['process.name regex "ssl"', 'openssl', false],
    ['process.name regex "a.b"', 'a\nb', true],
    ['process.name regex "ab"', 'ab\n', false],
    ['process.name regex "OPEN.*"', 'openssl', false],
    ['process.name regex~ "OPEN.*"', 'openssl', true],
    ['process.name regex """py(thon)?[23](\\.[0-9]+)?"""', 'python3.12', true],
    ['process.name regex """\\bcat\\b.*"""', 'cat x', true],
    ['process.name regex """.*?net1[ ]+[a-z]{4,15}[ ]+.*?"""', 'x net1  users  y', true],
  ];
  for (const [q, name, want] of rows) test(`${q} on ${JSON.stringify(name)} → ${want}`, () => assert.equal(eqlMatches(`process where ${q}`, name), want));

  test('agrees with JavaScript ^(?:p)$ (flag s) on random patterns and inputs', () => {
    const atom = fc.constantFrom('a', 'b', '.', '[ab]', '[^a]', '\\d', 'x', '(a|b)', '(ab)');
    const piece = fc.tuple(atom, fc.constantFrom('', '*', '+', '?', '{1,2}', '*?')).map(([a, q]) => a + q);
    const seq = fc.array(piece, { minLength: 0, maxLength: 4 }).map((x) => x.join(''));
    const pattern = fc.array(seq, { minLength: 1, maxLength: 3 }).map((alts) => alts.join('|'));
    const input = fc.stringMatching(/^[ab1x\n]{0,10}$/);
    fc.assert(
      fc.property(pattern, input, fc.boolean(), (p, s, i) => {
        const ours = compileSafeRegex(p, { i, m: false, s: true }, { fullMatch: true }).test(s);
        return ours === new RegExp(`^(?:${p})$`, i ? 'si' : 's').test(s);
      }),
      { numRuns: 1000 },
    );
  });

  test('a compiled pattern gives the same answers after its state cache fills up and starts over', () => {
    // [a-z]{0,40}x over many distinct inputs creates many DFA states.
    const re = compileSafeRegex('[a-z]{0,40}x[a-z]{0,40}', { i: false, m: false, s: false }, { fullMatch: true });
    const js = /^(?:[a-z]{0,40}x[a-z]{0,40})$/;
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z]{0,90}$/), (s) => re.test(s) === js.test(s)),
      { numRuns: 3000 },
    );
  });
});

describe('refused at load time, naming the rule file and line', () => {
  const cases: Array<[string, RegExp]> = [
    ['(a)\\1', /back references/],
    ['a(?=b)', /lookaround/],
    ['(?<!a)b', /lookaround/],
    ['a++', /possessive/],
    ['(a', /missing '\)'/],
  ];
  for (const [pattern, why] of cases) {
    test(`EQL regex """${pattern}"""`, () => {
      const text = `// id: r-${pattern.length}\n// name: regex\nprocess where\n  process.name regex """${pattern}"""\n`;
      const { rules, errors } = loadRulesWithDiagnostics([{ path: 'rules/bad-regex.eql', text }], ctx);
      assert.equal(rules.length, 0);
      const e = errors[0];
      assert.ok(e, 'an error');
      assert.equal(e.code, 'PARSE');
      assert.match(e.message, why);
      assert.equal(e.location.file, 'rules/bad-regex.eql');
      assert.equal(e.location.line, 4);
      assert.ok(e.hint);
    });
    test(`Sigma |re '${pattern}'`, () => {
      const text = `title: t\nid: 5f2c8e52-1b1a-4a5e-9f0e-7d6a1c3b2a10\nlogsource:\n  category: process_creation\n  product: linux\ndetection:\n  sel:\n    CommandLine|re: '${pattern}'\n  condition: sel\n`;
      const { rules, errors } = loadRulesWithDiagnostics([{ path: 'rules/bad-re.yml', text }], ctx);
      assert.equal(rules.length, 0);
      const e = errors[0];
      assert.ok(e, 'an error');
      assert.match(e.message, why);
      assert.equal(e.location.file, 'rules/bad-re.yml');
      assert.equal(e.location.line, 8);
    });
  }
});
