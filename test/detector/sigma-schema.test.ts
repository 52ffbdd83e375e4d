import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSigmaRules, parseSigmaMapping, validateSigmaFile, DEFAULT_SIGMA_FIELD_MAP } from '../../src/detector/sigma/index.js';
import { isPurpleError } from '../../src/model/index.js';

const ROOT = join(import.meta.dirname, '..', '..');
const SAMPLES = join(ROOT, 'test', 'fixtures', 'sigma', 'schema-samples');
const readJson = (p: string): object => JSON.parse(readFileSync(p, 'utf8')) as object;
const schemas = {
  rule: readJson(join(ROOT, 'schemas/sigma/sigma-detection-rule-schema.json')),
  correlation: readJson(join(ROOT, 'schemas/sigma/sigma-correlation-rules-schema.json')),
  filter: readJson(join(ROOT, 'schemas/sigma/sigma-filters-schema.json')),
};
const file = (p: string) => ({ path: p, text: readFileSync(p, 'utf8') });

describe('Sigma JSON Schema validation', () => {
  const kinds = readdirSync(SAMPLES, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
  test('the upstream samples are all here', () => assert.deepEqual(kinds.sort(), ['correlation', 'filter', 'rules']));
  for (const kind of kinds) {
    for (const f of readdirSync(join(SAMPLES, kind))) {
      test(`upstream sample ${kind}/${f} validates`, () => assert.deepEqual(validateSigmaFile(file(join(SAMPLES, kind, f)), schemas), []));
    }
  }
  for (const f of readdirSync(join(ROOT, 'rules/sigma'))) {
    test(`shipped rules/sigma/${f} validates`, () => assert.deepEqual(validateSigmaFile(file(join(ROOT, 'rules/sigma', f)), schemas), []));
  }
  test('dates stay strings (a YAML timestamp would fail the pattern)', () => {
    const text = 'title: t\ndate: 2024-13-01\nlogsource: {product: linux}\ndetection:\n  a: {x: 1}\n  condition: a\n';
    const issues = validateSigmaFile({ path: 't.yml', text }, schemas);
    assert.equal(issues.length, 1);
    assert.match(issues[0]!.message, /\/date must match pattern/);
    assert.equal(issues[0]!.line, 2);
    assert.equal(issues[0]!.column, 7);
    assert.deepEqual(validateSigmaFile({ path: 't.yml', text: text.replace('13-01', '12-01') }, schemas), []);
  });
  test('errors carry the line and column of the offending node', () => {
    const text = 'title: t\nlogsource: {product: linux}\ndetection:\n  a: {x: 1}\n  condition: a\nlevel: huge\ntags:\n  - Not A Tag\n';
    const issues = validateSigmaFile({ path: 't.yml', text }, schemas);
    const level = issues.find((i) => i.path === '/level');
    assert.ok(level);
    assert.match(level.message, /must be one of: informational, low, medium, high, critical/);
    assert.deepEqual([level.line, level.column], [6, 8]);
    const tag = issues.find((i) => i.path === '/tags/0');
    assert.deepEqual([tag?.line, tag?.column], [8, 5]);
  });
  test('multi-document files: each document against its own schema', () => {
    const text = 'title: a\nname: a\nlogsource: {product: linux}\ndetection:\n  s: {x: 1}\n  condition: s\n---\ntitle: c\ncorrelation:\n  type: sometimes\n  rules: [a]\n  timespan: 1m\n';
    const issues = validateSigmaFile({ path: 't.yml', text }, schemas);
    assert.ok(issues.length > 0);
    assert.ok(issues.every((i) => i.message.startsWith('correlation document 2')));
    assert.ok(issues.some((i) => i.path === '/correlation/type' && i.line === 10));
  });
  test('YAML syntax errors are reported as issues, not thrown', () => {
    const issues = validateSigmaFile({ path: 't.yml', text: 'title: [a\n' }, schemas);
    assert.equal(issues.length, 1);
    assert.equal(typeof issues[0]!.line, 'number');
  });
});

describe('loading the upstream samples', () => {
  // The samples are Windows / service-routed rules: the embedded detector evaluates macOS and
  // Linux ECS telemetry, so it must refuse them with the reason rather than run them.
  for (const f of ['rules/rule_1.yml', 'rules/rule_ecs.yml', 'filter/filter_1.yml']) {
    test(`${f} is rejected as unroutable, with the reason`, () => {
      assert.throws(
        () => loadSigmaRules([file(join(SAMPLES, f))], { config: { lists: {} }, maxOpenSequences: 10 }),
        (e: unknown) => isPurpleError(e) && e.code === 'UNSUPPORTED' && /logsource (product|service)/.test(e.message) && typeof e.location.line === 'number',
      );
    });
  }
  test('correlation samples fail on their unknown rule references', () => {
    for (const f of readdirSync(join(SAMPLES, 'correlation'))) {
      assert.throws(
        () => loadSigmaRules([file(join(SAMPLES, 'correlation', f))], { config: { lists: {} }, maxOpenSequences: 10 }),
        (e: unknown) => isPurpleError(e) && (e.code === 'NOT_FOUND' || (e.code === 'UNSUPPORTED' && f === 'value_percentile.yml')),
        f,
      );
    }
  });
});

describe('field mapping file', () => {
  test('rules/config/sigma-mapping.yaml is the built-in table', () => {
    const m = parseSigmaMapping(readFileSync(join(ROOT, 'rules/config/sigma-mapping.yaml'), 'utf8'), 'sigma-mapping.yaml');
    assert.deepEqual(m.sigmaFieldMap, { ...DEFAULT_SIGMA_FIELD_MAP });
    assert.deepEqual(m.sigmaValueMap, { Initiated: { true: 'egress', false: 'ingress' } });
  });
  test('required names from the issue are mapped', () => {
    for (const k of ['Image', 'CommandLine', 'ParentImage', 'ParentCommandLine', 'User', 'ProcessId', 'DestinationIp', 'DestinationPort', 'DestinationHostname', 'Initiated', 'ImageLoaded', 'TargetFilename', 'OriginalFileName', 'CurrentDirectory', 'ParentProcessId'])
      assert.ok(DEFAULT_SIGMA_FIELD_MAP[k], k);
  });
  test('bad mapping files are rejected with a location', () => {
    assert.throws(
      () => parseSigmaMapping('fields:\n  Image: [a, b]\n', 'm.yaml'),
      (e: unknown) => isPurpleError(e) && e.location.file === 'm.yaml' && e.location.line === 2,
    );
    assert.throws(() => parseSigmaMapping('field:\n  Image: x\n', 'm.yaml'), (e: unknown) => isPurpleError(e) && /unknown key 'field'/.test(e.message));
  });
  test('a site mapping overrides the default', async () => {
    const { run, ev, ruleYaml } = await import('../fixtures/sigma/harness.js');
    const text = ruleYaml("sel:\n  Image: '/x/y'\ncondition: sel");
    const event = ev({ process: { name: '/x/y', executable: '/other' } });
    assert.equal(run(text, [event]).length, 0);
    assert.equal(run(text, [event], { sigmaFieldMap: { Image: 'process.name' } }).length, 1);
  });
});
