import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expandPlaceholders, loadRules, loadRulesWithDiagnostics, parseDetectorConfig } from '../../src/detector/index.js';
import { parseSigmaPlaceholders } from '../../src/detector/sigma/index.js';
import { isPurpleError } from '../../src/model/index.js';

const ROOT = join(import.meta.dirname, '..', '..');
const ctx = { config: { lists: { 'Tools.names': ['openssl', 'gpg'] } }, maxOpenSequences: 10 };

const toml = (query: string, extra = ''): string => `[metadata]
maturity = "development"

[rule]
name = "Test rule"
rule_id = "r-1"
severity = "high"
risk_score = 70
language = "eql"
description = "d"
query = '''
${query}
'''
${extra}
[rule.purple]
join_strength = "siblings"
detection_strategy = "DET0503"
analytics = ["AN1390"]
platforms = ["linux"]

[[rule.threat]]
framework = "MITRE ATT&CK"
[[rule.threat.technique]]
id = "T1048"
name = "x"
[[rule.threat.technique.subtechnique]]
id = "T1048.001"
name = "y"
[[rule.threat.technique]]
id = "T1059"
name = "z"
`;

function firstError(files: Array<{ path: string; text: string }>): { code: string; message: string; line?: number; column?: number; file?: string } {
  const { errors } = loadRulesWithDiagnostics(files, ctx);
  assert.ok(errors.length >= 1, 'expected an error');
  const e = errors[0]!;
  return { code: e.code, message: e.message, ...e.location };
}

describe('loading rules', () => {
  test('Elastic TOML: metadata, ATT&CK ids (sub-techniques where given) and our [rule.purple] table', () => {
    const [r] = loadRules([{ path: 'a/test.toml', text: toml('process where process.name in (${Tools.names})') }], ctx);
    assert.deepEqual(r!.meta, {
      id: 'r-1',
      name: 'Test rule',
      language: 'eql',
      file: 'a/test.toml',
      severity: 'high',
      risk_score: 70,
      description: 'd',
      join_strength: 'siblings',
      attack: { techniques: ['T1048.001', 'T1059'], detection_strategy: 'DET0503', analytics: ['AN1390'] },
      platforms: ['linux'],
    });
    assert.deepEqual([...r!.categories!], ['process']);
  });

  test('bare .eql with // metadata lines', () => {
    const text = '// name: Curl to loopback\n// id: c-1\n// severity: low\n// join_strength: same-process\n// techniques: T1048.001, T1105\n// platforms: linux, macos\nnetwork where process.name == "curl"\n';
    const [r] = loadRules([{ path: 'x/curl.eql', text }], ctx);
    assert.equal(r!.meta.name, 'Curl to loopback');
    assert.equal(r!.meta.id, 'c-1');
    assert.equal(r!.meta.severity, 'low');
    assert.deepEqual(r!.meta.attack.techniques, ['T1048.001', 'T1105']);
    assert.deepEqual(r!.meta.platforms, ['linux', 'macos']);
    const [d] = loadRules([{ path: 'x/plain.eql', text: 'process where true' }], ctx);
    assert.deepEqual([d!.meta.id, d!.meta.name, d!.meta.severity], ['plain', 'plain', 'medium']);
  });

  test('the shipped Sigma files load through the same entry point', () => {
    const text = readFileSync(join(ROOT, 'rules', 'sigma', 'det0503_linux.yml'), 'utf8');
    const placeholders = parseSigmaPlaceholders(readFileSync(join(ROOT, 'rules', 'config', 'sigma-placeholders.yaml'), 'utf8'), 'sigma-placeholders.yaml');
    const { rules, errors } = loadRulesWithDiagnostics([{ path: 'sigma/det0503_linux.yml', text }], { config: { lists: {}, placeholders }, maxOpenSequences: 10 });
    assert.deepEqual(errors, []);
    assert.ok(rules.length >= 4 && rules.every((r) => r.meta.language === 'sigma'));
  });

  const errorCases: Array<[string, Array<{ path: string; text: string }>, { code: string; message: RegExp; line?: number; column?: number }]> = [
    ['query syntax error: line and column inside the TOML file', [{ path: 't.toml', text: toml('process where\n  process.name == == 1') }], { code: 'PARSE', message: /expected a value/, line: 13, column: 19 }],
    ['TOML syntax error', [{ path: 't.toml', text: '[rule\nname = 1' }], { code: 'PARSE', message: /not valid TOML/, line: 1 }],
    ['another language', [{ path: 't.toml', text: toml('x').replace('language = "eql"', 'language = "kuery"') }], { code: 'BAD_INPUT', message: /language "kuery" is not supported/, line: 9 }],
    ['missing field', [{ path: 't.toml', text: toml('x').replace('rule_id = "r-1"\n', '') }], { code: 'BAD_INPUT', message: /\[rule\] has no rule_id/ }],
    ['bad severity', [{ path: 't.toml', text: toml('process where true').replace('"high"', '"urgent"') }], { code: 'BAD_INPUT', message: /severity must be one of/, line: 7 }],
    ['bad join strength', [{ path: 't.toml', text: toml('process where true').replace('"siblings"', '"cousins"') }], { code: 'BAD_INPUT', message: /join_strength must be one of/ }],
    ['unsupported EQL', [{ path: 'u.eql', text: 'join [a where true] [b where true]' }], { code: 'UNSUPPORTED', message: /not supported: join/, line: 1, column: 1 }],
    ['YAML that is not Sigma', [{ path: 'c.yaml', text: 'lists: []\n' }], { code: 'BAD_INPUT', message: /not a Sigma rule/ }],
    ['unknown extension', [{ path: 'r.json', text: '{}' }], { code: 'BAD_INPUT', message: /unknown rule file type \.json/ }],
  ];
  for (const [name, files, want] of errorCases) {
    test(`error: ${name}`, () => {
      const got = firstError(files);
      assert.equal(got.code, want.code, got.message);
      assert.match(got.message, want.message);
      assert.equal(got.file, files[0]!.path);
      if (want.line !== undefined) assert.equal(got.line, want.line);
      if (want.column !== undefined) assert.equal(got.column, want.column);
    });
  }

  test('errors after an expanded placeholder still point at the column the user wrote', () => {
    const text = 'process where process.name in (${Tools.names}) and == 1\n';
    const { errors } = loadRulesWithDiagnostics([{ path: 'p.eql', text }], ctx);
    assert.equal(errors.length, 1);
    assert.deepEqual([errors[0]!.location.line, errors[0]!.location.column], [1, text.indexOf('==') + 1]);
  });

  test('a bad file never hides the good ones; duplicate ids are reported', () => {
    const good = { path: 'good.eql', text: '// id: g\nprocess where true' };
    const dup = { path: 'dup.eql', text: '// id: g\nnetwork where true' };
    const broken = { path: 'broken.eql', text: 'process where (' };
    const { rules, errors } = loadRulesWithDiagnostics([broken, good, dup], ctx);
    assert.deepEqual(rules.map((r) => r.meta.file), ['good.eql']);
    assert.deepEqual(errors.map((e) => e.location.file), ['broken.eql', 'dup.eql']);
    assert.match(errors[1]!.message, /rule id g is also used by good\.eql/);
    assert.throws(() => loadRules([broken, good], ctx), (e) => isPurpleError(e) && e.location.file === 'broken.eql');
  });
});

describe('detector configuration and placeholders', () => {
  test('nested maps flatten to dotted list names; scalars become one-item lists; null is an empty list', () => {
    const cfg = parseDetectorConfig('A:\n  b:\n    - "x*"\n    - 5\n  c: 60s\n  d:\n', 'c.yaml');
    assert.deepEqual(cfg.lists, { 'A.b': ['x*', '5'], 'A.c': ['60s'], 'A.d': [] });
  });

  test('the shipped configuration has both DET0503 settings', () => {
    const cfg = parseDetectorConfig(readFileSync(join(ROOT, 'rules', 'config', 'det0503.yaml'), 'utf8'), 'det0503.yaml');
    for (const k of ['EncryptionRoutinePattern.command_line', 'EncryptionRoutinePattern.library', 'ApplicationProfileBaseline.executable', 'ApplicationProfileBaseline.signing_id', 'DET0503.maxspan']) {
      assert.ok(cfg.lists[k] && cfg.lists[k]!.length > 0, k);
    }
  });

  const bad: Array<[string, RegExp, number]> = [
    ['A:\n  b:\n    - {x: 1}\n', /every value must be a string or number/, 3],
    ['A: [1, 2\n', /not valid YAML/, 2],
    ['- 1\n- 2\n', /must be a map of named lists/, 1],
    ['"bad name": [x]\n', /bad setting name/, 1],
  ];
  for (const [text, msg, line] of bad) {
    test(`bad configuration ${JSON.stringify(text)}`, () => {
      try {
        parseDetectorConfig(text, 'c.yaml');
      } catch (e) {
        assert.ok(isPurpleError(e));
        assert.match(e.message, msg);
        assert.equal(e.location.file, 'c.yaml');
        assert.equal(e.location.line, line);
        return;
      }
      assert.fail('accepted');
    });
  }

  test('placeholders: lists are quoted and escaped, raw values inserted, defaults used only when undefined', () => {
    const config = { lists: { L: ['a"b', 'c\\d'], R: ['30s'] } };
    const w = { file: 'f', line: 1 };
    assert.equal(expandPlaceholders('x : (${L})', config, w), 'x : ("a\\"b", "c\\\\d")');
    assert.equal(expandPlaceholders('maxspan=${R|raw}', config, w), 'maxspan=30s');
    assert.equal(expandPlaceholders('maxspan=${Q|raw:-5m}', config, w), 'maxspan=5m');
    assert.equal(expandPlaceholders('${R:-1m}', config, w), '"30s"');
    assert.match(expandPlaceholders('${E:-}', config, w), /^"\\u\{00\}purple:empty-list"$/);
    assert.throws(() => expandPlaceholders('\n  ${Nope}', config, { file: 'f', line: 10 }), (e) => isPurpleError(e) && e.location.line === 11 && e.location.column === 3);
    assert.throws(() => expandPlaceholders('${L|raw}', config, w), /needs exactly one plain value/);
    assert.throws(() => expandPlaceholders('${not valid!}', config, w), /bad placeholder/);
  });
});
