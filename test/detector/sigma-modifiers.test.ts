import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ev, matches } from '../fixtures/sigma/harness.js';
import { parseSigmaString } from '../../src/detector/sigma/sigma-string.js';
import { isPurpleError } from '../../src/model/index.js';

const cl = (command_line: string) => ev({ process: { command_line } });

describe('Sigma value escaping (spec: Escaping)', () => {
  // [YAML single-quoted rule value, event text, expected]
  const rows: Array<[string, string, boolean]> = [
    ['a\\*b', 'a*b', true], // \* is a literal star
    ['a\\*b', 'axxb', false],
    ['a\\?b', 'a?b', true],
    ['a\\?b', 'axb', false],
    ['C:\\\\*', 'C:\\anything', true], // \\* = backslash then wildcard
    ['C:\\\\*', 'C:xx', false],
    ['C:\\\\\\*', 'C:\\*', true], // \\\* = backslash and literal star
    ['C:\\\\\\*', 'C:\\x', false],
    ['a\\b', 'a\\b', true], // a lone backslash before a normal char is itself
    ['a\\\\b', 'a\\b', true], // \\ not before a wildcard is one backslash
    ['a\\\\\\b', 'a\\\\b', true], // three backslashes = two
    ['a\\\\\\\\b', 'a\\\\b', true], // four backslashes = two
    ['trail\\', 'trail\\', true], // trailing backslash is literal
    ['trail\\', 'trail', false],
    ['prog?.exe', 'progA.exe', true],
    ['prog?.exe', 'prog.exe', false],
    ['prog*.exe', 'prog.exe', true],
    ['*mid*', 'xxmidyy', true],
    ['a*b*c', 'abxbyc', true],
    ['a*b*c', 'acb', false],
  ];
  for (const [value, text, want] of rows) {
    test(`'${value}' vs '${text}' → ${want}`, () => {
      assert.equal(matches(`sel:\n  CommandLine: '${value}'\ncondition: sel`, cl(text)), want);
    });
  }
  test('parseSigmaString parts', () => {
    assert.deepEqual(parseSigmaString('a\\\\*'), [{ k: 'lit', s: 'a\\' }, { k: 'star' }]);
    assert.deepEqual(parseSigmaString('%x%', { placeholders: true }), [{ k: 'ph', name: 'x' }]);
    assert.deepEqual(parseSigmaString('\\%x%', { placeholders: true }), [{ k: 'lit', s: '%x%' }]);
    assert.deepEqual(parseSigmaString('%x%'), [{ k: 'lit', s: '%x%' }]);
  });
});

describe('Sigma modifiers', () => {
  // [detection body, event, expected]
  const rows: Array<[string, string, ReturnType<typeof ev>, boolean]> = [
    ['case-insensitive by default', "sel:\n  CommandLine: 'OPENSSL ENC'\ncondition: sel", cl('openssl enc'), true],
    ['cased', "sel:\n  CommandLine|cased: 'OPENSSL ENC'\ncondition: sel", cl('openssl enc'), false],
    ['cased exact', "sel:\n  CommandLine|cased: 'openssl enc'\ncondition: sel", cl('openssl enc'), true],
    ['contains', "sel:\n  CommandLine|contains: 'enc'\ncondition: sel", cl('openssl enc -aes'), true],
    ['contains miss', "sel:\n  CommandLine|contains: 'dec'\ncondition: sel", cl('openssl enc -aes'), false],
    ['contains keeps inner wildcard', "sel:\n  CommandLine|contains: 'ssl*aes'\ncondition: sel", cl('x openssl enc -aes y'), true],
    ['startswith', "sel:\n  CommandLine|startswith: 'openssl'\ncondition: sel", cl('openssl enc'), true],
    ['startswith miss', "sel:\n  CommandLine|startswith: 'enc'\ncondition: sel", cl('openssl enc'), false],
    ['endswith', "sel:\n  CommandLine|endswith: '-aes'\ncondition: sel", cl('openssl enc -aes'), true],
    ['endswith miss', "sel:\n  CommandLine|endswith: 'enc'\ncondition: sel", cl('openssl enc -aes'), false],
    ['list is OR', "sel:\n  CommandLine|contains: [gpg, enc]\ncondition: sel", cl('openssl enc'), true],
    ['all is AND (hit)', "sel:\n  CommandLine|contains|all: [openssl, enc]\ncondition: sel", cl('openssl enc'), true],
    ['all is AND (miss)', "sel:\n  CommandLine|contains|all: [openssl, gpg]\ncondition: sel", cl('openssl enc'), false],
    ['exists true', "sel:\n  CommandLine|exists: true\ncondition: sel", cl(''), true],
    ['exists false', "sel:\n  process.parent.pid|exists: false\ncondition: sel", cl('x'), true],
    ['exists true on missing', "sel:\n  ParentProcessId|exists: true\ncondition: sel", cl('x'), false],
    ['null matches missing', "sel:\n  ParentImage: null\ncondition: sel", cl('x'), true],
    ['null misses present', "sel:\n  CommandLine: null\ncondition: sel", cl('x'), false],
    ["'' matches empty", "sel:\n  CommandLine: ''\ncondition: sel", cl(''), true],
    ["'' misses missing", "sel:\n  ParentCommandLine: ''\ncondition: sel", cl('x'), false],
    ['neq hit', "sel:\n  CommandLine|neq: 'a'\ncondition: sel", cl('b'), true],
    ['neq miss', "sel:\n  CommandLine|neq: 'A'\ncondition: sel", cl('a'), false],
    ['neq list = none of', "sel:\n  CommandLine|neq: [a, b]\ncondition: sel", cl('b'), false],
    ['neq missing field', "sel:\n  ParentImage|neq: a\ncondition: sel", cl('b'), false],
    ['neq number', "sel:\n  ProcessId|neq: 5\ncondition: sel", ev({ process: { pid: 6 } }), true],
    ['windash -', "sel:\n  CommandLine|windash|contains: ' -d '\ncondition: sel", cl('openssl enc /d x'), true],
    ['windash en dash', "sel:\n  CommandLine|windash|contains: ' -d '\ncondition: sel", cl('openssl enc \u2013d x'), true],
    ['windash miss', "sel:\n  CommandLine|windash|contains: ' -d '\ncondition: sel", cl('openssl enc +d x'), false],
    ['re unanchored', "sel:\n  CommandLine|re: 'aes-(128|256)-cbc'\ncondition: sel", cl('openssl enc -aes-256-cbc'), true],
    ['re case-sensitive', "sel:\n  CommandLine|re: 'AES'\ncondition: sel", cl('aes'), false],
    ['re|i', "sel:\n  CommandLine|re|i: 'AES'\ncondition: sel", cl('aes'), true],
    ['re ^ no m', "sel:\n  CommandLine|re: '^b'\ncondition: sel", cl('a\nb'), false],
    ['re|m', "sel:\n  CommandLine|re|m: '^b'\ncondition: sel", cl('a\nb'), true],
    ['re . no s', "sel:\n  CommandLine|re: 'a.b'\ncondition: sel", cl('a\nb'), false],
    ['re|s', "sel:\n  CommandLine|re|s: 'a.b'\ncondition: sel", cl('a\nb'), true],
    ['base64', "sel:\n  CommandLine|base64: 'secret'\ncondition: sel", cl('c2VjcmV0'), true],
    ['base64|contains', "sel:\n  CommandLine|base64|contains: 'secret'\ncondition: sel", cl('echo c2VjcmV0 | base64 -d'), true],
    ['base64offset shift 0', "sel:\n  CommandLine|base64offset|contains: 'http://'\ncondition: sel", cl(Buffer.from('http://x').toString('base64')), true],
    ['base64offset shift 1', "sel:\n  CommandLine|base64offset|contains: 'http://'\ncondition: sel", cl(Buffer.from('ahttp://x').toString('base64')), true],
    ['base64offset shift 2', "sel:\n  CommandLine|base64offset|contains: 'http://'\ncondition: sel", cl(Buffer.from('abhttp://x').toString('base64')), true],
    ['base64offset miss', "sel:\n  CommandLine|base64offset|contains: 'http://'\ncondition: sel", cl(Buffer.from('abftp://x').toString('base64')), false],
    ['utf16le|base64', "sel:\n  CommandLine|utf16le|base64: 'cmd'\ncondition: sel", cl(Buffer.from('cmd', 'utf16le').toString('base64')), true],
    ['wide|base64', "sel:\n  CommandLine|wide|base64: 'cmd'\ncondition: sel", cl(Buffer.from('cmd', 'utf16le').toString('base64')), true],
    ['utf16be|base64', "sel:\n  CommandLine|utf16be|base64: 'cmd'\ncondition: sel", cl(Buffer.from([0, 0x63, 0, 0x6d, 0, 0x64]).toString('base64')), true],
    ['utf16|base64 (BOM)', "sel:\n  CommandLine|utf16|base64: 'cmd'\ncondition: sel", cl(Buffer.from([0xff, 0xfe, 0x63, 0, 0x6d, 0, 0x64, 0]).toString('base64')), true],
    ['utf16le|base64 miss on utf8', "sel:\n  CommandLine|utf16le|base64: 'cmd'\ncondition: sel", cl(Buffer.from('cmd').toString('base64')), false],
    ['lt', "sel:\n  DestinationPort|lt: 1024\ncondition: sel", ev({ destination: { port: 443 } }), true],
    ['lt edge', "sel:\n  DestinationPort|lt: 443\ncondition: sel", ev({ destination: { port: 443 } }), false],
    ['lte edge', "sel:\n  DestinationPort|lte: 443\ncondition: sel", ev({ destination: { port: 443 } }), true],
    ['gt', "sel:\n  DestinationPort|gt: 443\ncondition: sel", ev({ destination: { port: 443 } }), false],
    ['gte edge', "sel:\n  DestinationPort|gte: 443\ncondition: sel", ev({ destination: { port: 443 } }), true],
    ['gt on numeric string', "sel:\n  DestinationPort|gt: 80\ncondition: sel", ev({ destination: { port: '8080' } }), true],
    ['gt on text', "sel:\n  CommandLine|gt: 1\ncondition: sel", cl('abc'), false],
    ['cidr v4', "sel:\n  DestinationIp|cidr: 10.0.0.0/8\ncondition: sel", ev({ destination: { ip: '10.1.2.3' } }), true],
    ['cidr v4 miss', "sel:\n  DestinationIp|cidr: 10.0.0.0/8\ncondition: sel", ev({ destination: { ip: '11.1.2.3' } }), false],
    ['cidr v4 /0', "sel:\n  DestinationIp|cidr: 0.0.0.0/0\ncondition: sel", ev({ destination: { ip: '8.8.8.8' } }), true],
    ['cidr v4 /32', "sel:\n  DestinationIp|cidr: 127.0.0.1/32\ncondition: sel", ev({ destination: { ip: '127.0.0.2' } }), false],
    ['cidr v4 /23 edge', "sel:\n  DestinationIp|cidr: 192.168.2.0/23\ncondition: sel", ev({ destination: { ip: '192.168.3.255' } }), true],
    ['cidr v4-mapped v6', "sel:\n  DestinationIp|cidr: 127.0.0.0/8\ncondition: sel", ev({ destination: { ip: '::ffff:127.0.0.1' } }), true],
    ['cidr v6', "sel:\n  DestinationIp|cidr: 'fd00::/8'\ncondition: sel", ev({ destination: { ip: 'fd12:3456::1' } }), true],
    ['cidr v6 miss', "sel:\n  DestinationIp|cidr: 'fd00::/8'\ncondition: sel", ev({ destination: { ip: 'fe80::1' } }), false],
    ['cidr v6 loopback', "sel:\n  DestinationIp|cidr: '::1/128'\ncondition: sel", ev({ destination: { ip: '::1' } }), true],
    ['cidr v6 vs v4 address', "sel:\n  DestinationIp|cidr: '::/0'\ncondition: sel", ev({ destination: { ip: '10.0.0.1' } }), false],
    ['fieldref equal', "sel:\n  CommandLine|fieldref: ParentCommandLine\ncondition: sel", ev({ process: { command_line: 'X', parent: { command_line: 'x' } } }), true],
    ['fieldref differ', "sel:\n  CommandLine|fieldref: ParentCommandLine\ncondition: sel", ev({ process: { command_line: 'X', parent: { command_line: 'y' } } }), false],
    ['fieldref missing', "sel:\n  CommandLine|fieldref: ParentCommandLine\ncondition: sel", cl('x'), false],
    ['fieldref|neq', "sel:\n  CommandLine|fieldref|neq: ParentCommandLine\ncondition: sel", ev({ process: { command_line: 'X', parent: { command_line: 'y' } } }), true],
    ['fieldref|startswith', "sel:\n  CommandLine|fieldref|startswith: ParentCommandLine\ncondition: sel", ev({ process: { command_line: 'python x', parent: { command_line: 'python' } } }), true],
    ['fieldref|cased', "sel:\n  CommandLine|fieldref|cased: ParentCommandLine\ncondition: sel", ev({ process: { command_line: 'X', parent: { command_line: 'x' } } }), false],
    ['hour', "sel:\n  '@timestamp|hour': 10\ncondition: sel", cl('x'), true],
    ['hour|gte', "sel:\n  '@timestamp|hour|gte': 11\ncondition: sel", cl('x'), false],
    ['minute/day/month/year/week', "a:\n  '@timestamp|minute': 0\nb:\n  '@timestamp|day': 1\nc:\n  '@timestamp|month': 5\nd:\n  '@timestamp|year': 2024\ne:\n  '@timestamp|week': 18\ncondition: all of them", cl('x'), true],
    ['number value equals number field', "sel:\n  ProcessId: 42\ncondition: sel", ev({ process: { pid: 42 } }), true],
    ['number value vs string field', "sel:\n  ProcessId: 42\ncondition: sel", ev({ process: { pid: '42' } }), true],
    ['boolean value', "sel:\n  process.code_signature.platform_binary: true\ncondition: sel", ev({ process: { code_signature: { platform_binary: true } } }), true],
    ['array field: any element', "sel:\n  process.args: '-aes-256-cbc'\ncondition: sel", ev({ process: { args: ['openssl', 'enc', '-aes-256-cbc'] } }), true],
    ['value map: Initiated true → egress', "sel:\n  Initiated: 'true'\ncondition: sel", ev({ network: { direction: 'egress' } }), true],
    ['value map: Initiated false', "sel:\n  Initiated: 'false'\ncondition: sel", ev({ network: { direction: 'egress' } }), false],
    ['ECS name passes through', "sel:\n  process.command_line|contains: enc\ncondition: sel", cl('openssl enc'), true],
    ['keywords (OR, substring)', "kw:\n  - 'ENC -AES'\n  - nothing\ncondition: kw", cl('openssl enc -aes'), true],
    ['keywords miss', "kw:\n  - 'gpg'\ncondition: kw", cl('openssl enc -aes'), false],
    ['keywords |all', "kw:\n  '|all':\n    - openssl\n    - aes\ncondition: kw", cl('openssl enc -aes'), true],
    ['keywords |all miss', "kw:\n  '|all':\n    - openssl\n    - gpg\ncondition: kw", cl('openssl enc -aes'), false],
    ['list of maps is OR', "sel:\n  - CommandLine: a\n  - CommandLine: b\ncondition: sel", cl('b'), true],
    ['map is AND', "sel:\n  CommandLine: b\n  ProcessId: 1\ncondition: sel", ev({ process: { command_line: 'b', pid: 2 } }), false],
  ];
  for (const [name, det, event, want] of rows) {
    test(`${name} → ${want}`, () => assert.equal(matches(det, event), want));
  }

  test('expand with placeholders from config, lists win over the placeholder file', () => {
    const det = "sel:\n  Image|expand: '%Browsers%'\ncondition: sel";
    const chrome = ev({ process: { executable: '/opt/google/chrome/chrome' } });
    assert.equal(matches(det, chrome, { placeholders: { Browsers: ['*/chrome', '*/firefox'] } }), true);
    assert.equal(matches(det, chrome, { placeholders: { Browsers: ['*/firefox'] } }), false);
    assert.equal(matches(det, chrome, { placeholders: { Browsers: ['*/firefox'] }, lists: { Browsers: ['*/chrome'] } }), true);
    // Placeholder inside a longer value; \% escapes a literal percent.
    const mixed = "sel:\n  CommandLine|expand: '\\%x %Tool% *'\ncondition: sel";
    assert.equal(matches(mixed, cl('%x openssl enc'), { placeholders: { Tool: ['openssl', 'gpg'] } }), true);
    assert.equal(matches(mixed, cl('%x curl enc'), { placeholders: { Tool: ['openssl', 'gpg'] } }), false);
    // Without expand, %Tool% is literal text.
    assert.equal(matches("sel:\n  CommandLine: '%Tool%'\ncondition: sel", cl('%tool%')), true);
  });
});

describe('Sigma modifiers rejected at load time, with the reason and the place', () => {
  const rows: Array<[string, string, string, RegExp]> = [
    ['unknown modifier', "sel:\n  CommandLine|contain: x\ncondition: sel", 'UNSUPPORTED', /unknown modifier 'contain'/],
    ['unknown placeholder', "sel:\n  Image|expand: '%Nope%'\ncondition: sel", 'PARSE', /placeholder '%Nope%' is not defined/],
    ['all on one value', "sel:\n  CommandLine|contains|all: x\ncondition: sel", 'PARSE', /'all' needs a list/],
    ['re + contains', "sel:\n  CommandLine|re|contains: x\ncondition: sel", 'UNSUPPORTED', /'re' cannot be combined with 'contains'/],
    ['i without re', "sel:\n  CommandLine|i: x\ncondition: sel", 'PARSE', /sub-modifier of 're'/],
    ['back reference', "sel:\n  CommandLine|re: '(a)\\1'\ncondition: sel", 'UNSUPPORTED', /back references/],
    ['lookahead', "sel:\n  CommandLine|re: 'a(?=b)'\ncondition: sel", 'UNSUPPORTED', /lookaround/],
    ['bad cidr', "sel:\n  DestinationIp|cidr: 10.0.0.0/33\ncondition: sel", 'PARSE', /not an IPv4 or IPv6 network/],
    ['lt on text', "sel:\n  DestinationPort|lt: abc\ncondition: sel", 'PARSE', /'lt' takes a number/],
    ['exists on text', "sel:\n  DestinationPort|exists: yes\ncondition: sel", 'PARSE', /true or false/],
    ['base64 with wildcard', "sel:\n  CommandLine|base64: 'a*'\ncondition: sel", 'PARSE', /cannot hold wildcards/],
    ['two time modifiers', "sel:\n  '@timestamp|hour|day': 1\ncondition: sel", 'PARSE', /only one time modifier/],
    ['map as value', "sel:\n  CommandLine: {a: 1}\ncondition: sel", 'PARSE', /must be a string, number/],
  ];
  for (const [name, det, code, re] of rows) {
    test(name, () => {
      assert.throws(
        () => matches(det, cl('x')),
        (e: unknown) => isPurpleError(e) && e.code === code && re.test(e.message) && e.location.file === 'test.yml' && (e.location.line ?? 0) >= 5 && !!e.hint,
      );
    });
  }
  test('the error points at the offending value in a list', () => {
    assert.throws(
      () => matches("sel:\n  DestinationIp|cidr:\n    - 10.0.0.0/8\n    - nonsense\ncondition: sel", cl('x')),
      (e: unknown) => isPurpleError(e) && e.location.line === 7 && e.location.column === 9,
    );
  });
});
