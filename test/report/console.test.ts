import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { renderConsoleSummary, shouldUseColor } from '../../src/report/index.js';
import { loadFixture } from './helpers.js';

const ANSI = /\u001b\[/;

describe('console summary', () => {
  const colorCases: Array<[Record<string, string>, boolean, boolean]> = [
    [{}, true, true],
    [{}, false, false],
    [{ NO_COLOR: '1' }, true, false],
    [{ NO_COLOR: '1', FORCE_COLOR: '1' }, true, false],
    [{ NO_COLOR: '' }, true, true],
    [{ FORCE_COLOR: '1' }, false, true],
    [{ FORCE_COLOR: '0' }, true, false],
    [{ TERM: 'dumb' }, true, false],
  ];
  for (const [env, tty, want] of colorCases) {
    test(`shouldUseColor(${JSON.stringify(env)}, tty=${tty}) = ${want}`, () => assert.equal(shouldUseColor(env, tty), want));
  }

  test('plain output has no escape codes; colour output has them', () => {
    const r = loadFixture('run-a');
    assert.doesNotMatch(renderConsoleSummary(r, { color: false, width: 100 }), ANSI);
    assert.match(renderConsoleSummary(r, { color: true, width: 100 }), ANSI);
  });

  test('one screen: headline, counts, every missed variant with its reason', () => {
    const r = loadFixture('run-a');
    const out = renderConsoleSummary(r, { color: false, width: 200 });
    assert.match(out, /coverage 50\.0% \(5\/10 positives detected\)/);
    assert.match(out, /false-positive rate 33\.3% \(1\/3\)/);
    assert.match(out, /detected 5 {2}missed 5 {2}false-positive 1 {2}true-negative 2 {2}skipped 2 {2}error 1/);
    for (const v of r.verdicts.filter((x) => x.outcome === 'missed')) {
      const line = out.split('\n').find((l) => l.includes(v.variant_id));
      assert.ok(line, v.variant_id);
      assert.ok(line.includes(v.reason!.replace('-', ' ')), `${line} lacks ${v.reason}`);
    }
    assert.match(out, /known gap/);
    assert.ok(out.split('\n').length < 40);
    assert.match(out, /exit 1/);
  });

  test('a detected variant still marked as a known gap is called out as stale', () => {
    const r = loadFixture('run-a');
    const v = r.verdicts.find((x) => x.outcome === 'detected')!;
    assert.doesNotMatch(renderConsoleSummary(r, { color: false, width: 200 }), /known gap closed/);
    v.known_gap = 'said to be missed';
    assert.match(renderConsoleSummary(r, { color: false, width: 200 }), new RegExp(`known gap closed: ${v.variant_id.replace(/[+.*?()[\]]/g, '\\$&')} is marked`));
  });

  test('lines fit the width and event text cannot smuggle escape codes', () => {
    const r = loadFixture('run-a');
    r.verdicts.find((v) => v.outcome === 'error')!.reason = 'boom \u001b[2J\u001b]0;title\u0007 cleared';
    const out = renderConsoleSummary(r, { color: false, width: 60 });
    assert.doesNotMatch(out, ANSI);
    assert.doesNotMatch(out, /\u0007/);
    for (const line of out.split('\n')) assert.ok(line.length <= 60, `${line.length}: ${line}`);
  });
});
