import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import Ajv2020Module from 'ajv/dist/2020.js';
import { renderJunit } from '../../src/report/index.js';
import { FIXTURES, HOSTILE_MARK, loadFixture } from './helpers.js';
import { parseXml, toJson, type XmlElement } from './xml.js';
import { validateXML } from 'xmllint-wasm';
import { withBaseline } from '../../src/report/index.js';
import type { RunReport } from '../../src/model/index.js';

const XSD_PATH = join(FIXTURES, '..', '..', 'ci', 'junit-xsd', 'junit-10.xsd');
const XSD = readFileSync(XSD_PATH, 'utf8');

/** xmllint (WebAssembly build of libxml2) against the Jenkins junit-10.xsd: the error lines, none when valid. */
async function xsdErrors(xml: string): Promise<string[]> {
  const r = await validateXML({ xml: [{ fileName: 'junit.xml', contents: xml }], schema: [{ fileName: 'junit-10.xsd', contents: XSD }] });
  return r.valid ? [] : r.errors.map((e) => e.rawMessage);
}

const Ajv2020 = ((Ajv2020Module as unknown as { default?: unknown }).default ?? Ajv2020Module) as unknown as new (o: object) => { compile(s: unknown): ((d: unknown) => boolean) & { errors?: unknown } };
const validateJunit = new Ajv2020({ allErrors: true }).compile(JSON.parse(readFileSync(join(FIXTURES, 'junit-parsed.schema.json'), 'utf8')));

function cases(root: XmlElement): XmlElement[] {
  return root.children.flatMap((s) => s.children.filter((c) => c.name === 'testcase'));
}
function resultOf(tc: XmlElement): string {
  return tc.children.find((c) => ['failure', 'error', 'skipped'].includes(c.name))?.name ?? 'pass';
}

describe('JUnit XML', () => {
  test('the test XML parser rejects what is not well-formed (so the checks below can fail)', () => {
    for (const bad of ['<a><b></a>', '<a x="1" x="2"/>', '<a>1 < 2</a>', '<a>&nope;</a>', '<a/><b/>', '<a>\u0001</a>', '<a>']) {
      assert.throws(() => parseXml(bad), undefined, bad);
    }
    assert.equal(parseXml('<a x="&lt;&#x41;">t&amp;</a>').attrs['x'], '<A');
  });

  test('the schema over the parsed form rejects a test case with two results', () => {
    const root = parseXml('<testsuites><testsuite name="s" tests="1"><testcase name="a" classname="s"><failure/><skipped/></testcase></testsuite></testsuites>');
    assert.equal(validateJunit(toJson(root)), false);
  });

  for (const name of ['run-a', 'run-b'] as const) {
    test(`${name}: well-formed and valid against the JUnit schema`, () => {
      const xml = renderJunit(loadFixture(name));
      const root = parseXml(xml);
      assert.ok(validateJunit(toJson(root)), JSON.stringify(validateJunit.errors, null, 2));
    });
  }

  test('one test case per variant; classname is the scenario; outcome semantics', () => {
    const report = loadFixture('run-a');
    const root = parseXml(renderJunit(report));
    const tcs = cases(root);
    assert.equal(tcs.length, report.verdicts.length);
    for (const v of report.verdicts) {
      const tc = tcs.find((c) => `${c.attrs['classname']}/${c.attrs['name']}` === v.variant_id);
      assert.ok(tc, `no test case for ${v.variant_id}`);
      const expected =
        v.outcome === 'skipped' || (v.outcome === 'missed' && v.expectation_met) ? 'skipped' : v.outcome === 'error' ? 'error' : v.expectation_met ? 'pass' : 'failure';
      assert.equal(resultOf(tc), expected, v.variant_id);
      if (v.known_gap && v.outcome === 'missed') {
        const skipped = tc.children.find((c) => c.name === 'skipped');
        assert.match(skipped?.attrs['message'] ?? '', /^known gap/);
        assert.ok(skipped?.attrs['message']?.includes(v.known_gap), 'the skip message names the gap');
        assert.equal(skipped?.attrs['type'], 'known-gap');
      }
    }
    const count = (r: string) => tcs.filter((c) => resultOf(c) === r).length;
    assert.equal(root.attrs['tests'], String(tcs.length));
    assert.equal(root.attrs['failures'], String(count('failure')));
    assert.equal(root.attrs['errors'], String(count('error')));
    assert.equal(root.attrs['skipped'], undefined, 'the Jenkins schema has no skipped on <testsuites>');
    const suiteSkips = root.children.reduce((n, s) => n + Number(s.attrs['skipped']), 0);
    assert.equal(suiteSkips, count('skipped'));
    for (const s of root.children) assert.equal(s.attrs['tests'], String(s.children.filter((c) => c.name === 'testcase').length));
  });

  test('skipped carries the reason; failures say why in plain words', () => {
    const root = parseXml(renderJunit(loadFixture('run-a')));
    const skipped = cases(root).find((c) => c.attrs['name'] === 'jxa-commoncrypto')!;
    assert.equal(skipped.children[0]!.attrs['message'], 'runs on macos only');
    const window = cases(root).find((c) => c.attrs['name'] === 'siblings-delay-120')!;
    const failure = window.children.find((c) => c.name === 'failure')!;
    assert.equal(failure.attrs['type'], 'window-exceeded');
    assert.match(failure.attrs['message']!, /time window/);
  });

  test('attacker-shaped text and control characters survive as text', () => {
    const report = loadFixture('run-a');
    const err = report.verdicts.find((v) => v.outcome === 'error')!;
    err.stderr_tail = `${HOSTILE_MARK} ]]> \u001b[31mred\u0007 \ud800 end`;
    err.reason = 'quote " and <tag>';
    const xml = renderJunit(report);
    const root = parseXml(xml);
    const tc = cases(root).find((c) => c.attrs['name'] === 'websocket')!;
    assert.equal(tc.children.find((c) => c.name === 'error')!.attrs['type'], 'quote " and <tag>');
    const stderr = tc.children.find((c) => c.name === 'system-err')!.text;
    assert.ok(stderr.includes(HOSTILE_MARK));
    assert.ok(stderr.includes(']]>'));
    assert.ok(!/[\u0000-\u0008]/.test(stderr));
  });

  describe('against the real Jenkins junit-10.xsd (xmllint-wasm)', () => {
    test('the kept schema is the file the README names (hash) and keeps its licence', () => {
      const readme = readFileSync(join(XSD_PATH, '..', 'README.md'), 'utf8');
      const sha = createHash('sha256').update(readFileSync(XSD_PATH)).digest('hex');
      assert.ok(readme.includes(sha), `README names ${sha}`);
      assert.match(XSD, /The MIT License \(MIT\)[\s\S]*Gregory Boissinot/);
    });

    test('the validator rejects what the schema forbids (so the checks below can fail)', async () => {
      const bad = [
        '<testsuites skipped="1"><testsuite name="s" tests="0"/></testsuites>',
        '<testsuites><testsuite name="s"><testcase name="a"/></testsuite></testsuites>',
        '<testsuites><testsuite name="s" tests="1"><testcase name="a" bogus="1"/></testsuite></testsuites>',
        '<testsuites><testsuite name="s" tests="1"><testcase><failure/></testcase></testsuite></testsuites>',
      ];
      for (const xml of bad) assert.ok((await xsdErrors(xml)).length > 0, xml);
      assert.deepEqual(await xsdErrors('<testsuites><testsuite name="s" tests="1"><testcase name="a" file="x.yaml" line="3"><skipped message="m"/></testcase></testsuite></testsuites>'), []);
    });

    for (const name of ['run-a', 'run-b'] as const) {
      test(`${name}: junit.xml is valid`, async () => {
        assert.deepEqual(await xsdErrors(renderJunit(loadFixture(name))), []);
      });
    }

    test('with baseline regressions and hostile text: still valid', async () => {
      const report = withBaseline(loadFixture('run-b'), loadFixture('run-a'), 'reports/latest');
      report.verdicts[0]!.explanation = `${HOSTILE_MARK} ]]> \u0007`;
      assert.deepEqual(await xsdErrors(renderJunit(report)), []);
    });
  });

  test('file/line point at the scenario YAML entry of the variant; rules are named, not ids', () => {
    const report: RunReport = loadFixture('run-a');
    report.verdicts.forEach((v, i) => (v.source = { file: `scenarios/${v.scenario_id}.yaml`, line: 10 + i }));
    const root = parseXml(renderJunit(report));
    for (const [i, v] of report.verdicts.entries()) {
      const tc = cases(root).find((c) => `${c.attrs['classname']}/${c.attrs['name']}` === v.variant_id)!;
      assert.equal(tc.attrs['file'], `scenarios/${v.scenario_id}.yaml`);
      assert.equal(tc.attrs['line'], String(10 + i));
    }
    const fp = cases(root).find((c) => c.attrs['name'] === 'plaintext-curl')!;
    const failure = fp.children.find((c) => c.name === 'failure')!;
    const rule = report.rules.find((r) => r.id === 'det0503-an1390-siblings')!;
    assert.ok(failure.attrs['message']!.includes(rule.name), failure.attrs['message']);
    assert.ok(!failure.attrs['message']!.includes(rule.id));
  });

  test('a baseline regression is a failure of the variant that regressed, even when its miss is a known gap', () => {
    const before = loadFixture('run-a');
    const now = loadFixture('run-a');
    const v = now.verdicts.find((x) => x.variant_id === 'python-aes/cryptography-urllib')!;
    Object.assign(v, { outcome: 'missed', reason: 'rule-gap', expectation_met: true, known_gap: 'declared a gap after the fact', rules_fired: [], alert_ids: [] });
    const report = withBaseline(now, before, 'reports/old');
    assert.equal(report.exit_code, 1);
    const tc = cases(parseXml(renderJunit(report))).find((c) => c.attrs['name'] === 'cryptography-urllib')!;
    const failure = tc.children.find((c) => c.name === 'failure')!;
    assert.equal(failure.attrs['type'], 'baseline-regression');
    assert.match(failure.attrs['message']!, /detected in the baseline, missed now/);
  });
});
