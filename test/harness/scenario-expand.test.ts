// Matrix expansion semantics, on a small fixture whose expected variants are written out here.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadScenarioFile, selectVariants, globToRegExp, substitutePlaceholders, findUnknownPlaceholders } from '../../harness/scenario/index.js';
import { isPurpleError, type Scenario } from '../../src/model/index.js';

const MINI = join('test', 'fixtures', 'scenarios', 'good', 'mini.yaml');

describe('matrix expansion', () => {
  const s = loadScenarioFile(MINI);
  const byName = new Map(s.variants.map((v) => [v.name, v]));
  const get = (name: string) => {
    const v = byName.get(name);
    assert.ok(v, `variant ${name} missing; have ${[...byName.keys()].join(', ')}`);
    return v;
  };

  test('cells come in file order, exclusions removed, singles last', () => {
    assert.deepEqual(
      s.variants.map((v) => v.name),
      ['inproc+http', 'inproc+curl', 'child+http', 'child+curl', 'maconly+http', 'slow-renamed', 'neg'],
    );
    assert.ok(s.variants.every((v) => v.id === `mini/${v.name}` && v.scenario_id === 'mini'));
  });

  test('expansion is deterministic', () => {
    assert.deepEqual(loadScenarioFile(MINI), s);
  });

  test('lineage follows where each half runs', () => {
    const cases: Array<[string, string]> = [
      ['inproc+http', 'same-process'],
      ['inproc+curl', 'parent-child'],
      ['child+http', 'parent-child'],
      ['child+curl', 'siblings'],
      ['neg', 'none'],
    ];
    for (const [name, lineage] of cases) assert.equal(get(name).axes.lineage, lineage, name);
  });

  test('axis values set axes (value overrides the id), cipher, requires and requires_python', () => {
    const v = get('inproc+curl');
    assert.equal(v.axes.encryption, 'in-process-aes');
    assert.equal(v.axes.upload, 'curl');
    assert.equal(v.cipher, 'aes-256-gcm');
    assert.deepEqual(v.requires, ['python3', 'curl']);
    assert.deepEqual(v.requires_python, ['cryptography']);
    assert.deepEqual(get('child+curl').requires, ['python3', 'openssl', 'curl']);
    assert.equal(get('child+http').requires_python, undefined);
  });

  test('platforms intersect: a macOS-only value makes a macOS-only variant', () => {
    assert.deepEqual(get('maconly+http').platforms, ['macos']);
    assert.deepEqual(get('child+http').platforms, ['linux', 'macos']);
  });

  test('{@axis} gives the value id, {$var} splices lists, contract placeholders stay for the harness', () => {
    assert.deepEqual(get('child+curl').steps, [{ argv: ['{python}', 'script.py', 'child', 'curl'] }]);
    const slow = get('slow-renamed');
    assert.deepEqual(slow.steps, [
      { argv: ['cp', '{python}', '{workspace}/renamed'] },
      { argv: ['{workspace}/renamed', 'script.py', 'curl', '--data-binary', '--delay={delay}'] },
    ]);
  });

  test('delay and masquerade values: numbers and booleans, largest timeout, known_gap', () => {
    const slow = get('slow-renamed');
    assert.equal(slow.axes.delay_s, 90);
    assert.equal(slow.axes.masquerade, true);
    assert.equal(slow.timeout_s, 150);
    assert.equal(slow.known_gap, 'too slow');
    assert.equal(get('inproc+http').timeout_s, 60);
    assert.equal(get('inproc+http').known_gap, undefined);
  });

  test('single variants keep their own expect and cipher; source lines point into the file', () => {
    const neg = get('neg');
    assert.equal(neg.expect, 'negative');
    assert.equal(neg.cipher, 'none');
    assert.equal(neg.source.line, 47);
    assert.equal(get('inproc+http').source.line, 30);
  });
});

describe('selectVariants', () => {
  const cat: Scenario[] = [loadScenarioFile(MINI)];
  const ids = (f: Parameters<typeof selectVariants>[1]) => selectVariants(cat, f).map((v) => v.name);

  test('table of filters', () => {
    const cases: Array<[Parameters<typeof selectVariants>[1], string[]]> = [
      [{}, ['inproc+http', 'inproc+curl', 'child+http', 'child+curl', 'maconly+http', 'slow-renamed', 'neg']],
      [{ platform: 'linux' }, ['inproc+http', 'inproc+curl', 'child+http', 'child+curl', 'slow-renamed', 'neg']],
      [{ variant: ['*+curl'] }, ['inproc+curl', 'child+curl']],
      [{ variant: ['mini/child*'] }, ['child+http', 'child+curl']],
      [{ variant: ['neg', 'maconly+http'], platform: 'linux' }, ['neg']],
      [{ scenario: ['mi*'], variant: ['inproc+?ttp'] }, ['inproc+http']],
    ];
    for (const [filter, want] of cases) assert.deepEqual(ids(filter), want, JSON.stringify(filter));
  });

  test('a pattern that matches nothing is bad input with a hint', () => {
    for (const filter of [{ scenario: ['nope'] }, { variant: ['nope*'] }]) {
      assert.throws(
        () => selectVariants(cat, filter),
        (e: unknown) => isPurpleError(e) && e.code === 'NOT_FOUND' && (e.hint ?? '').includes('purple list'),
      );
    }
  });

  test('glob special characters other than * and ? are literal', () => {
    assert.ok(globToRegExp('a+b.c').test('a+b.c'));
    assert.ok(!globToRegExp('a+b.c').test('aab-c'));
  });
});

describe('placeholders', () => {
  test('substitution is element-wise and leaves code braces alone', () => {
    assert.deepEqual(substitutePlaceholders(['{python}', '-c', 'd = {"a": 1}; f"{x}"', '{out}.part'], { python: '/usr/bin/python3', out: '/w/o' }), [
      '/usr/bin/python3',
      '-c',
      'd = {"a": 1}; f"{x}"',
      '/w/o.part',
    ]);
  });
  test('unknown names are found', () => {
    assert.deepEqual(findUnknownPlaceholders(['{sink_url}', '{sink_uri}', '{python}{nope}']), ['sink_uri', 'nope']);
  });
});
