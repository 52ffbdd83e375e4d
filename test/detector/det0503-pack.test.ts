// The DET0503 EQL pack over telemetry fixtures: for each join strength a fixture where it must fire,
// and near misses where nothing may fire. Fixtures are ECS NDJSON, nested, as collectors write it.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createDetector, loadRules, loadRulesWithDiagnostics, parseDetectorConfig, type DetectorConfig, type StreamRule } from '../../src/detector/index.js';
import { JOIN_STRENGTH_ORDER, type Alert, type TelemetryEvent } from '../../src/model/index.js';

const ROOT = join(import.meta.dirname, '..', '..');
const FIX = join(ROOT, 'test', 'fixtures', 'det0503');
const packFiles = readdirSync(join(ROOT, 'rules', 'eql'))
  .filter((f) => f.endsWith('.toml'))
  .map((f) => ({ path: `eql/${f}`, text: readFileSync(join(ROOT, 'rules', 'eql', f), 'utf8') }));
const shipped = (): DetectorConfig => parseDetectorConfig(readFileSync(join(ROOT, 'rules', 'config', 'det0503.yaml'), 'utf8'), 'rules/config/det0503.yaml');

function load(config: DetectorConfig = shipped()): StreamRule[] {
  return loadRules(packFiles, { config, maxOpenSequences: 1000 });
}

function readNdjson(path: string): TelemetryEvent[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as TelemetryEvent);
}

function detect(rules: StreamRule[], events: TelemetryEvent[], enrich = true): Alert[] {
  const d = createDetector(rules, { enrich });
  const out: Alert[] = [];
  for (const e of events) out.push(...d.push(e));
  out.push(...d.finish());
  return out;
}

const strengths = (alerts: Alert[]): string[] => [...new Set(alerts.map((a) => a.join_strength!))].sort((a, b) => JOIN_STRENGTH_ORDER.indexOf(a as never) - JOIN_STRENGTH_ORDER.indexOf(b as never));

// fixture → the join strengths that must fire (strongest first); [] = a near miss, nothing may fire.
const TABLE: Array<[string, string[]]> = [
  ['linux-same-process', ['same-process', 'siblings', 'same-user-host']],
  ['linux-library-load', ['same-process', 'siblings', 'same-user-host']],
  ['linux-parent-child', ['parent-child', 'same-user-host']],
  ['linux-child-parent', ['parent-child', 'same-user-host']],
  ['linux-siblings', ['siblings', 'same-user-host']],
  ['linux-same-user-host', ['same-user-host']],
  ['linux-near-window', []],
  ['linux-near-browser', []],
  ['linux-near-other-user', []],
  ['linux-near-other-host', []],
  ['linux-near-no-upload', []],
  ['linux-near-plaintext', []],
  // curl (like every TLS client) loads libcrypto: that alone is not an encryption routine.
  ['linux-near-tls-client', []],
  ['eql-only/linux-near-excluded-destination', []],
  ['macos-same-process', ['same-process', 'siblings', 'same-user-host']],
  ['macos-library-load', ['same-process', 'siblings', 'same-user-host']],
  ['macos-parent-child', ['parent-child', 'same-user-host']],
  ['macos-child-parent', ['parent-child', 'same-user-host']],
  ['macos-siblings', ['siblings', 'same-user-host']],
  ['macos-same-user-host', ['same-user-host']],
  ['macos-near-browser', []],
  ['macos-near-window', []],
  ['eql-only/macos-near-browser-signing-id', []],
  ['needs-enrichment/linux-pid-only-same-process', ['same-process', 'siblings', 'same-user-host']],
  ['needs-enrichment/linux-pid-only-siblings', ['siblings', 'same-user-host']],
];

describe('DET0503 EQL pack: metadata', () => {
  test('one rule per OS and join strength (parent-child in both directions), ATT&CK mapped, severity falls with strength', () => {
    const rules = load();
    assert.deepEqual(rules.map((r) => `${r.meta.platforms?.join()} ${r.meta.join_strength}`).sort(), [
      'linux parent-child',
      'linux parent-child',
      'linux same-process',
      'linux same-user-host',
      'linux siblings',
      'macos parent-child',
      'macos parent-child',
      'macos same-process',
      'macos same-user-host',
      'macos siblings',
    ]);
    const rank = ['low', 'medium', 'high', 'critical'];
    for (const r of rules) {
      assert.equal(r.meta.language, 'eql');
      assert.deepEqual(r.meta.attack.techniques, ['T1048.001']);
      assert.equal(r.meta.attack.detection_strategy, 'DET0503');
      assert.deepEqual(r.meta.attack.analytics, r.meta.platforms?.[0] === 'macos' ? ['AN1391'] : ['AN1390']);
      assert.match(r.meta.file, /^eql\/det0503_(linux|macos)_\w+\.toml$/);
    }
    for (const os of ['linux', 'macos']) {
      const sev = JOIN_STRENGTH_ORDER.map((s) => Math.max(...rules.filter((r) => r.meta.platforms?.[0] === os && r.meta.join_strength === s).map((r) => rank.indexOf(r.meta.severity))));
      for (let i = 1; i < sev.length; i++) assert.ok(sev[i]! < sev[i - 1]!, `${os}: severity must fall with join strength (${sev.join(',')})`);
    }
  });
});

describe('DET0503 EQL pack: fixtures', () => {
  for (const [name, want] of TABLE) {
    test(`${name}: ${want.length ? want.join(', ') : 'nothing fires'}`, () => {
      const alerts = detect(load(), readNdjson(join(FIX, `${name}.ndjson`)));
      assert.deepEqual(strengths(alerts), want);
      for (const a of alerts) {
        assert.equal(a.rule.platforms?.[0], name.replace(/^.*\//, '').split('-')[0]);
        assert.equal(a.event_ids.length, 2);
        assert.ok(a.span_ms >= 0 && a.span_ms <= 60_000);
        assert.ok(a.join_key && a.join_key.length >= 1);
      }
    });
  }

  test('every shared fixture is in the table (the Sigma pack runs the same files)', () => {
    const files = readdirSync(FIX).filter((f) => f.endsWith('.ndjson')).map((f) => f.replace(/\.ndjson$/, ''));
    for (const f of files) assert.ok(TABLE.some(([n]) => n === f), `${f} has no expectation`);
  });

  test('pid-only telemetry needs the process-tree enrichment to join by process', () => {
    const alerts = detect(load(), readNdjson(join(FIX, 'needs-enrichment', 'linux-pid-only-same-process.ndjson')), false);
    assert.deepEqual(strengths(alerts), ['same-user-host']);
  });
});

describe('DET0503 EQL pack: site configuration', () => {
  test('baselining the uploader silences the pack', () => {
    const cfg = shipped();
    cfg.lists['ApplicationProfileBaseline.executable'] = [...cfg.lists['ApplicationProfileBaseline.executable']!, '/usr/bin/python3'];
    assert.deepEqual(strengths(detect(load(cfg), readNdjson(join(FIX, 'linux-same-process.ndjson')))), []);
  });

  test('excluding loopback destinations silences the harness sink (loopback is not excluded by default)', () => {
    const cfg = shipped();
    assert.ok(!cfg.lists['ApplicationProfileBaseline.excluded_destinations']!.some((c) => c.startsWith('127.')));
    cfg.lists['ApplicationProfileBaseline.excluded_destinations'] = ['127.0.0.0/8'];
    assert.deepEqual(strengths(detect(load(cfg), readNdjson(join(FIX, 'linux-siblings.ndjson')))), []);
  });

  test('an empty pattern list matches nothing', () => {
    const cfg = shipped();
    cfg.lists['EncryptionRoutinePattern.command_line'] = [];
    assert.deepEqual(strengths(detect(load(cfg), readNdjson(join(FIX, 'linux-siblings.ndjson')))), []);
    assert.deepEqual(strengths(detect(load(cfg), readNdjson(join(FIX, 'linux-library-load.ndjson'))))[0], 'same-process', 'library loads still count');
  });

  test('the window is a setting: DET0503.maxspan', () => {
    const events = readNdjson(join(FIX, 'linux-same-user-host.ndjson')); // 5 s between the halves
    const cfg = shipped();
    cfg.lists['DET0503.maxspan'] = ['2s'];
    assert.deepEqual(strengths(detect(load(cfg), events)), []);
    cfg.lists['DET0503.maxspan'] = ['10s'];
    assert.deepEqual(strengths(detect(load(cfg), events)), ['same-user-host']);
  });

  test('an unknown placeholder is a load error with file, line and column; other rules still load', () => {
    const bad = { path: 'eql/custom.eql', text: '// name: custom\nprocess where process.name : (${NoSuchList})\n' };
    const { rules, errors } = loadRulesWithDiagnostics([...packFiles, bad], { config: shipped(), maxOpenSequences: 10 });
    assert.equal(rules.length, packFiles.length);
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.code, 'BAD_INPUT');
    assert.match(errors[0]!.message, /unknown placeholder \$\{NoSuchList\}/);
    assert.deepEqual(errors[0]!.location, { file: 'eql/custom.eql', line: 2, column: 31 });
    assert.match(errors[0]!.hint ?? '', /EncryptionRoutinePattern\.command_line/);
  });

  test('a bad maxspan setting is rejected where it is used', () => {
    const cfg = shipped();
    cfg.lists['DET0503.maxspan'] = ['1 minute'];
    assert.throws(() => load(cfg), /DET0503\.maxspan\|raw\} needs exactly one plain value/);
  });
});
