import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { renderNavigatorLayer, validateAgainst } from '../../src/report/index.js';
import { loadFixture } from './helpers.js';

describe('ATT&CK Navigator layer', () => {
  test('both fixtures produce a layer valid against the 4.5 format schema', () => {
    for (const name of ['run-a', 'run-b'] as const) {
      const layer = renderNavigatorLayer(loadFixture(name));
      assert.deepEqual(validateAgainst('navigator-layer.schema.json', JSON.parse(JSON.stringify(layer))), []);
    }
  });

  test('the format schema rejects layers missing what the format requires', () => {
    const layer = JSON.parse(JSON.stringify(renderNavigatorLayer(loadFixture('run-a')))) as Record<string, unknown>;
    const bad: Array<[string, (l: Record<string, unknown>) => void]> = [
      ['no name', (l) => delete l['name']],
      ['old layer version', (l) => ((l['versions'] as Record<string, string>)['layer'] = '4.4')],
      ['bad domain', (l) => (l['domain'] = 'enterprise')],
      ['technique without id', (l) => delete (l['techniques'] as Array<Record<string, unknown>>)[0]!['techniqueID']],
      ['one-colour gradient', (l) => ((l['gradient'] as { colors: string[] }).colors = ['#ffffff'])],
    ];
    for (const [why, mutate] of bad) {
      const copy = JSON.parse(JSON.stringify(layer)) as Record<string, unknown>;
      mutate(copy);
      assert.notDeepEqual(validateAgainst('navigator-layer.schema.json', copy), [], why);
    }
  });

  test('T1048.001 is scored by coverage and the comment names the missed variants', () => {
    const r = loadFixture('run-a');
    const layer = renderNavigatorLayer(r);
    assert.equal(layer.versions.layer, '4.5');
    assert.equal(layer.domain, 'enterprise-attack');
    const t = layer.techniques.find((x) => x.techniqueID === 'T1048.001')!;
    assert.equal(t.score, Math.round(100 * r.coverage.detected / r.coverage.positives));
    for (const v of r.verdicts.filter((x) => x.outcome === 'missed')) assert.ok(t.comment.includes(v.variant_id), v.variant_id);
    assert.ok(!t.comment.includes('openssl-curl/siblings '), 'detected variants are not listed as missed');
    assert.ok(layer.techniques.some((x) => x.techniqueID === 'T1048' && x.showSubtechniques));
    assert.deepEqual(layer.filters.platforms, ['Linux']);
  });

  test('other techniques are scored from their own variants; untested ones are marked', () => {
    const layer = renderNavigatorLayer(loadFixture('run-a'));
    // T1059.006 (python): detected cryptography-urllib, spawn-openssl; missed pure-python, detached, ctypes, raw-tcp
    const py = layer.techniques.find((x) => x.techniqueID === 'T1059.006')!;
    assert.equal(py.score, Math.round((100 * 2) / 6));
    // T1036.005 (masquerade): its one variant was detected
    assert.equal(layer.techniques.find((x) => x.techniqueID === 'T1036.005')!.score, 100);
    // T1059.007 (JXA) was skipped on Linux: no score, grey, says why
    const jxa = layer.techniques.find((x) => x.techniqueID === 'T1059.007')!;
    assert.equal(jxa.score, undefined);
    assert.match(jxa.comment, /Not tested/);
  });

  test('only techniques a shipped rule detects are scored (T1059.x / T1560.x are listed unscored)', () => {
    const report = loadFixture('run-a');
    for (const v of report.verdicts) v.attack = { techniques: ['T1048.001', 'T1059.004', 'T1560.001'] };
    const layer = renderNavigatorLayer(report);
    const by = new Map(layer.techniques.map((t) => [t.techniqueID, t]));
    assert.equal(typeof by.get('T1048.001')?.score, 'number');
    for (const id of ['T1059.004', 'T1560.001']) {
      assert.ok(by.has(id), id);
      assert.equal(by.get(id)!.score, undefined, `${id} has no score`);
      assert.match(by.get(id)!.comment, /no shipped rule detects/);
    }
  });
});
