// The bench's DuckDB peer must find what the EQL pack finds: its wildcard translation is checked
// against the detector's own wildcard matcher, string by string (JavaScript's RegExp reads the
// RE2 subset the translation emits the same way).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compileWildcard } from '../../src/detector/eql/values.js';
import { wildcardsToRegex } from '../../bench/duckdb-det0503.js';

const asJs = (re: string): RegExp => new RegExp(re.replace(/^\(\?s\)/, ''), 'is');

test('wildcardsToRegex agrees with EQL wildcards on the shipped shapes', () => {
  const cases: Array<[string[], string, boolean]> = [
    [['*openssl* enc *'], '/usr/bin/openssl enc -aes-256-cbc', true],
    [['*openssl* enc *'], 'openssl enc', false],
    [['/usr/bin/chromium'], '/usr/bin/chromium', true],
    [['/usr/bin/chromium'], '/usr/bin/chromium-browser', false],
    [['/Applications/Safari.app/*'], '/applications/safari.app/Contents/MacOS/Safari', true],
    [['*/purple-backup-agent'], '/tmp/x/purple-backup-agent', true],
    [['*/purple-backup-agent'], '/tmp/x/purple-backup-agent.sh', false],
    [['a?c'], 'abc', true],
    [['a?c'], 'abbc', false],
    [['*python*AES.new(*'], 'python3 -c "AES.new(k)"', true],
    [['*python*AES.new(*'], 'python3 -c "AESXnew(k)"', false],
  ];
  for (const [pats, s, want] of cases) {
    assert.equal(asJs(wildcardsToRegex(pats)!).test(s), want, `${JSON.stringify(pats)} on ${s}`);
  }
  assert.equal(wildcardsToRegex([]), null);
});

test('wildcardsToRegex matches exactly what compileWildcard matches (property)', () => {
  const alpha = fc.constantFrom('a', 'b', '.', '(', '/', ' ', 'A');
  const pat = fc.array(fc.oneof(alpha, fc.constantFrom('*', '?')), { maxLength: 6 }).map((xs) => xs.join(''));
  const str = fc.array(alpha, { maxLength: 8 }).map((xs) => xs.join(''));
  fc.assert(
    fc.property(fc.array(pat, { minLength: 1, maxLength: 3 }), str, (pats, s) => {
      const want = pats.some((p) => compileWildcard(p, true)(s));
      return asJs(wildcardsToRegex(pats)!).test(s) === want;
    }),
    { numRuns: 3000 },
  );
});
