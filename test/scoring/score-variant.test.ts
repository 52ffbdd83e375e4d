import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { computeCoverage, linkBetween, runExitCode, scoreVariant, type VariantRunFacts } from '../../src/scoring/index.js';
import type { Alert, JournalEntry, TelemetryEvent, Variant } from '../../src/model/index.js';

const T0 = Date.parse('2026-11-29T10:00:00.000Z');

function variant(over: Partial<Variant> = {}): Variant {
  return {
    id: 's/v',
    scenario_id: 's',
    name: 'v',
    description: '',
    platforms: ['linux'],
    expect: 'positive',
    axes: { interpreter: 'sh', encryption: 'openssl-enc', upload: 'curl', lineage: 'siblings', delay_s: 0, masquerade: false },
    requires: [],
    steps: [],
    timeout_s: 30,
    attack: { techniques: ['T1048.001'] },
    cipher: 'aes-256-cbc-pbkdf2',
    source: { file: 'x.yaml' },
    ...over,
  };
}

function exec(id: string, pid: number, ppid: number, atMs: number, user = '0'): TelemetryEvent {
  return {
    '@timestamp': new Date(T0 + atMs).toISOString(),
    event: { id, kind: 'event', category: 'process', type: 'start', action: 'exec', dataset: 'test' },
    host: { id: 'h1' },
    user: { id: user },
    process: { pid, entity_id: `e${pid}`, parent: { pid: ppid, entity_id: `e${ppid}` } },
  };
}

function connect(id: string, pid: number | undefined, ppid: number, atMs: number, port = 8080): TelemetryEvent {
  const e: TelemetryEvent = {
    '@timestamp': new Date(T0 + atMs).toISOString(),
    event: { id, kind: 'event', category: 'network', type: 'connection', action: 'connect', dataset: 'test' },
    host: { id: 'h1' },
    user: { id: '0' },
    destination: { ip: '127.0.0.1', port },
  };
  if (pid !== undefined) e.process = { pid, entity_id: `e${pid}`, parent: { pid: ppid, entity_id: `e${ppid}` } };
  return e;
}

function journal(encPid: number, upPid: number, upAtMs = 100): JournalEntry[] {
  return [
    { time_ms: T0, action: 'encrypt', pid: encPid, details: { tool: 'openssl' } },
    { time_ms: T0 + upAtMs, action: 'upload', pid: upPid, details: { tool: 'curl', destination: '127.0.0.1:8080' } },
  ];
}

function alert(strength: Alert['join_strength'], atMs: number): Alert {
  return {
    id: `a-${strength}`,
    rule: { id: `r-${strength}`, name: 'r', language: 'eql', file: 'r.toml', severity: 'high', attack: { techniques: ['T1048.001'] } },
    timestamp: new Date(T0 + atMs).toISOString(),
    event_ids: ['x'],
    ...(strength ? { join_strength: strength } : {}),
    first_event_time: new Date(T0).toISOString(),
    last_event_time: new Date(T0 + atMs).toISOString(),
    span_ms: atMs,
  };
}

function facts(over: Partial<VariantRunFacts>): VariantRunFacts {
  return { variant: variant(), status: 'ran', journal: [], events: [], alerts: [], receipts: [], collectors: [{ id: 'test', lost_records: 0, errors: [] }], ...over };
}

const opts = { windowMs: 60_000 };

describe('scoreVariant', () => {
  const siblingsEvents = [exec('1', 11, 10, 0), exec('2', 12, 10, 50), connect('3', 12, 10, 100)];
  const cases: Array<{ name: string; f: VariantRunFacts; outcome: string; reason?: string; met: boolean }> = [
    { name: 'positive with alert is detected', f: facts({ journal: journal(11, 12), events: siblingsEvents, alerts: [alert('siblings', 100)] }), outcome: 'detected', met: true },
    { name: 'positive without alert, all seen and linked: rule gap', f: facts({ journal: journal(11, 12), events: siblingsEvents }), outcome: 'missed', reason: 'rule-gap', met: false },
    { name: 'upload never seen: telemetry gap', f: facts({ journal: journal(11, 12), events: [exec('1', 11, 10, 0)] }), outcome: 'missed', reason: 'telemetry-gap', met: false },
    {
      name: 'upload seen without a pid: still a gap (unattributed)',
      f: facts({ journal: journal(11, 12), events: [exec('1', 11, 10, 0), connect('3', undefined, 10, 100)] }),
      outcome: 'missed',
      reason: 'telemetry-gap',
      met: false,
    },
    {
      name: 'lost records turn a gap into telemetry-incomplete',
      f: facts({ journal: journal(11, 12), events: [exec('1', 11, 10, 0)], lostDuringVariant: 3 }),
      outcome: 'missed',
      reason: 'telemetry-incomplete',
      met: false,
    },
    {
      name: 'beyond the window: window exceeded',
      f: facts({ journal: journal(11, 12, 90_000), events: [exec('1', 11, 10, 0), exec('2', 12, 10, 89_000), connect('3', 12, 10, 90_000)] }),
      outcome: 'missed',
      reason: 'window-exceeded',
      met: false,
    },
    {
      name: 'different users, unrelated parents: lineage broken',
      f: facts({ journal: journal(11, 22), events: [exec('1', 11, 10, 0, '1000'), exec('2', 22, 20, 50, '0'), connect('3', 22, 20, 100)] }),
      outcome: 'missed',
      reason: 'lineage-broken',
      met: false,
    },
    {
      name: 'known gap: a miss meets the expectation',
      f: facts({ variant: variant({ known_gap: 'masquerade' }), journal: journal(11, 12), events: siblingsEvents }),
      outcome: 'missed',
      reason: 'rule-gap',
      met: true,
    },
    { name: 'negative without alert is a true negative', f: facts({ variant: variant({ expect: 'negative' }), events: siblingsEvents }), outcome: 'true-negative', met: true },
    { name: 'negative with alert is a false positive', f: facts({ variant: variant({ expect: 'negative' }), alerts: [alert('same-user-host', 5)] }), outcome: 'false-positive', met: false },
    { name: 'skipped keeps its reason and does not fail', f: facts({ status: 'skipped', reason: 'runs on macos only' }), outcome: 'skipped', reason: 'runs on macos only', met: true },
    { name: 'error fails the expectation', f: facts({ status: 'error', reason: 'openssl: not found' }), outcome: 'error', reason: 'openssl: not found', met: false },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const v = scoreVariant(c.f, opts);
      assert.equal(v.outcome, c.outcome);
      assert.equal(v.expectation_met, c.met);
      if (c.reason) assert.equal(v.reason, c.reason);
      assert.ok(v.explanation.length > 10, 'has a plain-language explanation');
    });
  }

  test('strongest join wins and latency is from the upload event to the alert', () => {
    const v = scoreVariant(facts({ journal: journal(11, 12), events: siblingsEvents, alerts: [alert('same-user-host', 100), alert('siblings', 130)] }), opts);
    assert.equal(v.strongest_join, 'siblings');
    assert.equal(v.latency_ms, 0);
    assert.deepEqual(v.rules_fired.sort(), ['r-same-user-host', 'r-siblings']);
    const traces = v.actions.map((a) => [a.action, a.visibility]);
    assert.deepEqual(traces, [
      ['encrypt', 'seen'],
      ['upload', 'seen'],
    ]);
  });

  test('connections to other ports than the journal names are not the upload', () => {
    const v = scoreVariant(facts({ journal: journal(11, 12), events: [exec('1', 11, 10, 0), connect('3', 12, 10, 100, 9999)] }), opts);
    assert.equal(v.actions[1]?.visibility, 'not-seen');
  });
});

describe('linkBetween', () => {
  test('table', () => {
    assert.equal(linkBetween(exec('a', 5, 1, 0), connect('b', 5, 1, 1)), 'same-process');
    assert.equal(linkBetween(exec('a', 6, 5, 0), connect('b', 5, 1, 1)), 'parent-child');
    assert.equal(linkBetween(exec('a', 6, 5, 0), connect('b', 7, 5, 1)), 'siblings');
    assert.equal(linkBetween(exec('a', 6, 5, 0), connect('b', 9, 8, 1)), 'same-user-host');
    assert.equal(linkBetween(exec('a', 6, 5, 0, '1000'), connect('b', 9, 8, 1)), undefined);
  });
});

describe('coverage', () => {
  test('counts positives, negatives, and breaks down by axis', () => {
    const mk = (outcome: string, axes: Partial<Variant['axes']>) =>
      ({ ...scoreVariant(facts({ status: 'skipped' }), opts), outcome, axes: { ...variant().axes, ...axes } }) as ReturnType<typeof scoreVariant>;
    const verdicts = [
      mk('detected', { upload: 'curl' }),
      mk('missed', { upload: 'raw-tcp' }),
      mk('detected', { upload: 'raw-tcp' }),
      mk('true-negative', { upload: 'none' }),
      mk('false-positive', { upload: 'chromium' }),
      mk('skipped', { upload: 'nsurlsession' }),
      mk('error', { upload: 'curl' }),
    ];
    const c = computeCoverage(verdicts);
    assert.equal(c.positives, 3);
    assert.equal(c.detected, 2);
    assert.equal(c.coverage, 2 / 3);
    assert.equal(c.false_positive_rate, 0.5);
    assert.equal(c.skipped, 1);
    assert.equal(c.errors, 1);
    assert.deepEqual(c.by_axis['upload']?.['raw-tcp'], { positives: 2, detected: 1, negatives: 0, false_positives: 0 });
  });

  test('exit code 1 when any expectation failed', () => {
    const ok = scoreVariant(facts({ status: 'skipped' }), opts);
    const bad = scoreVariant(facts({ status: 'error' }), opts);
    assert.equal(runExitCode([ok]), 0);
    assert.equal(runExitCode([ok, bad]), 1);
  });
});
