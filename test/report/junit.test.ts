import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020Module from 'ajv/dist/2020.js';
import { renderJunit } from '../../src/report/index.js';
import { FIXTURES, HOSTILE_MARK, loadFixture } from './helpers.js';
import { parseXml, toJson, type XmlElement } from './xml.js';

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
        v.outcome === 'skipped' ? 'skipped' : v.outcome === 'error' ? 'error' : v.expectation_met ? 'pass' : 'failure';
      assert.equal(resultOf(tc), expected, v.variant_id);
      if (v.known_gap) {
        const out = tc.children.find((c) => c.name === 'system-out');
        assert.match(out?.text ?? '', /known gap/);
      }
    }
    const count = (r: string) => tcs.filter((c) => resultOf(c) === r).length;
    assert.equal(root.attrs['tests'], String(tcs.length));
    assert.equal(root.attrs['failures'], String(count('failure')));
    assert.equal(root.attrs['errors'], String(count('error')));
    assert.equal(root.attrs['skipped'], String(count('skipped')));
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
});
