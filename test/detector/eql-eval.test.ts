import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compileValue, compileWildcard, compareVersions, getPath, parseEqlExpression, runEqlQuery } from '../../src/detector/eql/index.js';
import { isPurpleError } from '../../src/model/index.js';

const ev = {
  '@timestamp': '2024-06-01T12:00:00.000Z',
  event: { category: 'process' },
  process: { name: 'OpenSSL', pid: 42, args: ['openssl', 'enc', '-aes-256-cbc'], command_line: 'openssl enc -aes-256-cbc -in a', parent: { name: 'sh' } },
  'user.name': 'alice',
  tags: ['one', 'Two', null],
  empty: [],
  n: 7,
  f: 2.5,
  s: '12',
  ip: '10.6.48.157',
  ip6: '2001:db8::1',
  version: '1.11.3',
};

function value(src: string, opts: Parameters<typeof compileValue>[1] = {}): unknown {
  return compileValue(parseEqlExpression(src), opts)(ev);
}

describe('EQL expressions (table)', () => {
  const cases: Array<[string, unknown]> = [
    // fields: nested, flat dotted keys, multi-valued, missing
    ['process.name', 'OpenSSL'],
    ['user.name', 'alice'],
    ['process.parent.name', 'sh'],
    ['missing.field', null],
    ['?missing', null],
    // == is exact and null-safe; : and ~ ignore case
    ['process.name == "openssl"', false],
    ['process.name == "OpenSSL"', true],
    ['process.name : "openssl"', true],
    ['process.name : "open*"', true],
    ['process.name : "o?enssl"', true],
    ['process.name : ("x", "*SSL")', true],
    ['process.name like "open*"', false],
    ['process.name like~ "open*"', true],
    ['process.name regex "Open.*"', true],
    ['process.name regex "open.*"', false],
    ['process.name regex~ "open.*"', true],
    ['process.name regex "Open"', false],
    ['process.name in ("openssl", "x")', false],
    ['process.name in~ ("openssl", "x")', true],
    ['process.name in~ ("open*")', false],
    ['process.name not in ("x")', true],
    ['missing == null', true],
    ['null == null', true],
    ['missing != null', false],
    ['process.name != null', true],
    ['missing == 1', false],
    ['missing != 1', true],
    // comparisons with null are null; not/and/or read null as false
    ['missing > 1', null],
    ['null == (missing > 1)', true],
    ['not (missing > 1)', true],
    ['missing > 1 or true', true],
    ['missing : "x"', null],
    ['not missing : "x"', true],
    // multi-valued: a test matches if any value matches
    ['tags == "one"', true],
    ['tags : "two"', true],
    ['tags == "two"', false],
    ['tags != "one"', false],
    ['process.args : "enc"', true],
    ['empty == null', true],
    // numbers and strings
    ['n < 10 and n >= 7', true],
    ['s == 12', true],
    ['"b" > "a"', true],
    ['n + 1', 8],
    ['n / 2', 3],
    ['n / 2.0', 3.5],
    ['f * 2', 5],
    ['n % 4', 3],
    ['-n + 10', 3],
    ['n / 0', null],
    // functions
    ['add(n, 1)', 8],
    ['subtract(n, 10)', -3],
    ['multiply(n, 2)', 14],
    ['divide(n, 2)', 3],
    ['divide(n, 2.0)', 3.5],
    ['modulo(n, 4)', 3],
    ['concat(process.name, "-", n)', 'OpenSSL-7'],
    ['concat(process.name, missing)', null],
    ['length(process.name)', 7],
    ['length(missing)', null],
    ['startsWith(process.name, "Open")', true],
    ['startsWith(process.name, "open")', false],
    ['startsWith~(process.name, "open")', true],
    ['endsWith~(process.name, "SSL")', true],
    ['stringContains(process.command_line, "-aes")', true],
    ['stringContains~(process.command_line, "-AES")', true],
    ['indexOf(process.name, "SSL")', 4],
    ['indexOf(process.name, "ssl")', null],
    ['indexOf~(process.name, "ssl")', 4],
    ['indexOf(process.name, "O", 1)', null],
    ['substring(process.name, 0, 4)', 'Open'],
    ['substring(process.name, -3)', 'SSL'],
    ['substring(process.name, -3, -1)', 'SS'],
    ['between(process.command_line, "enc ", " -in")', '-aes-256-cbc'],
    ['between(process.command_line, "-", " ", true)', 'aes-256-cbc -in'],
    ['between~(process.command_line, "ENC ", " ")', '-aes-256-cbc'],
    ['between(process.command_line, "zz", " ")', ''],
    ['number("0x1f", 16)', 31],
    ['number("42")', 42],
    ['number("4.5")', 4.5],
    ['number("x")', null],
    ['string(n)', '7'],
    ['string(true)', 'true'],
    ['cidrMatch(ip, "10.0.0.0/8")', true],
    ['cidrMatch(ip, "192.168.0.0/16", "10.6.48.0/24")', true],
    ['cidrMatch(ip, "192.168.0.0/16")', false],
    ['cidrMatch(ip6, "2001:db8::/32")', true],
    ['cidrMatch(ip6, "10.0.0.0/8")', false],
    ['cidrMatch(missing, "10.0.0.0/8")', null],
    ['wildcard(process.name, "Open*")', true],
    ['wildcard~(process.name, "open*")', true],
    ['CONCAT("a", "b")', 'ab'],
  ];
  for (const [src, want] of cases) test(`${src} → ${JSON.stringify(want)}`, () => assert.deepEqual(value(src), want));

  test('date fields compare as instants against ISO strings', () => {
    const opts = { fieldTypes: { '@timestamp': 'date' as const } };
    assert.equal(value('@timestamp == "2024-06-01T12:00:00Z"', opts), true);
    assert.equal(value('@timestamp < "2024-06-01T11:59:59.999Z"', opts), false);
    assert.equal(value('@timestamp == 1717243200000', opts), true);
  });

  test('version fields compare as versions', () => {
    const opts = { fieldTypes: { version: 'version' as const } };
    assert.equal(value('version > "1.5.0"', opts), true);
    assert.equal(value('version > "1.5.0"'), false, 'as plain strings "1.11.3" sorts before "1.5.0"');
    assert.ok(compareVersions('1.2.4-SNAPSHOT', '1.2.4') < 0);
    assert.ok(compareVersions('bad', '9.9.9') > 0);
  });

  test('legacy case-insensitive mode applies to ==, in, like and functions', () => {
    const opts = { caseInsensitive: true };
    assert.equal(value('process.name == "openssl"', opts), true);
    assert.equal(value('process.name in ("OPENSSL")', opts), true);
    assert.equal(value('startsWith(process.name, "open")', opts), true);
  });

  test('unknown functions are not supported; wrong arity and ~ on plain functions are parse errors', () => {
    const err = (src: string): string => {
      try {
        value(src);
      } catch (e) {
        assert.ok(isPurpleError(e));
        return `${e.code}: ${e.message}`;
      }
      return 'accepted';
    };
    assert.match(err('arrayContains(tags, "one")'), /^UNSUPPORTED: not supported: function arrayContains\(\)/);
    assert.match(err('length(a, b)'), /^PARSE: length\(\) takes 1 argument, got 2/);
    assert.match(err('length~(a)'), /^PARSE: length\(\) has no case-insensitive/);
    assert.match(err('a regex "("'), /^PARSE: bad regular expression/);
  });

  test('getPath: nested first, then flat dotted keys, arrays of objects flattened', () => {
    assert.equal(getPath({ a: { b: 1 }, 'a.b': 2 }, ['a', 'b']), 1);
    assert.equal(getPath({ 'a.b': 2 }, ['a', 'b']), 2);
    assert.equal(getPath({ a: { 'b.c': 3 } }, ['a', 'b', 'c']), 3);
    assert.deepEqual(getPath({ a: [{ b: 1 }, { b: [2, 3] }] }, ['a', 'b']), [1, 2, 3]);
    assert.equal(getPath({ a: 1 }, ['a', 'b']), undefined);
  });
});

describe('wildcards agree with a reference regular expression (property)', () => {
  const alphabet = fc.constantFrom('a', 'b', 'A', '*', '?', '.', '\\');
  const text = fc.constantFrom('a', 'b', 'A', 'B', '.', '\\');
  test('compileWildcard(p)(s) equals the regex built from p', () => {
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 8 }).map((x) => x.join('')), fc.array(text, { maxLength: 10 }).map((x) => x.join('')), fc.boolean(), (p, s, ci) => {
        const re = new RegExp('^' + [...p].map((c) => (c === '*' ? '[\\s\\S]*' : c === '?' ? '[\\s\\S]' : c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('') + '$', ci ? 'i' : '');
        assert.equal(compileWildcard(p, ci)(s), re.test(s), `${p} vs ${s}`);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('query mode', () => {
  const events = [
    { '@timestamp': '2024-01-01T00:00:03Z', event: { category: 'process' }, n: 3, k: 'b' },
    { '@timestamp': '2024-01-01T00:00:01Z', event: { category: 'process' }, n: 1, k: 'a' },
    { '@timestamp': '2024-01-01T00:00:02Z', event: { category: 'network' }, n: 2, k: 'a' },
    { '@timestamp': 'not a date', event: { category: 'process' }, n: 9 },
  ];
  const ns = (q: string): number[] => {
    const r = runEqlQuery(q, events);
    assert.equal(r.kind, 'events');
    return r.kind === 'events' ? r.events.map((e) => e.n) : [];
  };
  test('events come back in time order; events without a timestamp are left out', () => assert.deepEqual(ns('any where true'), [1, 2, 3]));
  test('category filter', () => assert.deepEqual(ns('process where true'), [1, 3]));
  test('pipes: head, tail, filter, unique, sort', () => {
    assert.deepEqual(ns('any where true | head 2'), [1, 2]);
    assert.deepEqual(ns('any where true | tail 1'), [3]);
    assert.deepEqual(ns('any where true | filter n > 1'), [2, 3]);
    assert.deepEqual(ns('any where true | unique k'), [1, 3]);
    assert.deepEqual(ns('any where true | sort k n | head 2'), [1, 2]);
    assert.deepEqual(ns('any where true | sort k'), [1, 2, 3]);
  });
  test('size caps the result', () => {
    const r = runEqlQuery('any where true', events, { size: 2 });
    assert.deepEqual(r.kind === 'events' && r.events.map((e) => e.n), [1, 2]);
  });
  test('unknown fields are an error when the caller names the known fields', () => {
    assert.throws(() => runEqlQuery('any where nope == 1', events, { knownFields: new Set(['n']) }), /unknown field 'nope'/);
    assert.doesNotThrow(() => runEqlQuery('any where ?nope == 1', events, { knownFields: new Set(['n']) }));
  });
});
