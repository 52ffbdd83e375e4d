// The parts of `purple run` that start no process: report assembly, per-variant detection,
// redaction, the "did the emulation finish" check, the progress display and run ids.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildRunReport, compileRuleSet, correlationWindowMs, detectOver, unfinished, type RuleSet } from '../../src/pipeline/run-report.js';
import { createProgressDisplay } from '../../src/cli/run-progress.js';
import { newRunId } from '../../src/cli/run.js';
import { collectRuleFiles, readDetectorConfig } from '../../src/pipeline/detector-content.js';
import { assertRunId } from '../../harness/index.js';
import { loadCatalogue } from '../../harness/scenario/index.js';
import type { RunExecution, VariantExecution } from '../../harness/types.js';
import { validateReport } from '../../src/report/index.js';
import type { TelemetryEvent, Variant } from '../../src/model/index.js';

const ROOT = join(import.meta.dirname, '..', '..');
const SECRET = 'f00dfeedf00dfeedf00dfeedf00dfeed';

function ruleSet(): RuleSet {
  return compileRuleSet({ files: collectRuleFiles(join(ROOT, 'rules')), config: readDetectorConfig(join(ROOT, 'rules', 'config', 'det0503.yaml')), maxOpenSequences: 1000, root: join(ROOT, 'rules') });
}

function fixture(name: string): TelemetryEvent[] {
  return readFileSync(join(ROOT, 'test', 'fixtures', 'det0503', `${name}.ndjson`), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as TelemetryEvent);
}

const template: Variant = loadCatalogue(join(ROOT, 'scenarios')).flatMap((s) => s.variants).find((v) => v.id === 'openssl-curl/enc-aes-256-cbc-pbkdf2+curl-data-binary')!;

function variantExec(name: string, overrides: Partial<VariantExecution> = {}): VariantExecution {
  const variant: Variant = { ...template, id: `openssl-curl/${name}`, name };
  return {
    variant,
    status: 'ran',
    journal: [],
    journalProblems: [],
    receipts: [{ time_ms: 0, protocol: 'http', peer: '127.0.0.1:1', bytes: 10, sha256: 'a'.repeat(64), variant_id: variant.id, ciphertext_verified: true, plaintext: false }],
    window: { variantId: variant.id, rootPids: [100], startMs: Date.parse('2024-06-01T12:00:00Z'), endMs: Date.parse('2024-06-01T12:00:01Z') },
    steps: [{ argv: ['sh'], pid: 100, exitCode: 0, timedOut: false, durationMs: 5, stdoutTail: '', stderrTail: '' }],
    timedOut: false,
    interrupted: false,
    ...overrides,
  };
}

function execution(variants: VariantExecution[], events: TelemetryEvent[]): RunExecution {
  return {
    runId: 'unit-run',
    startedAt: '2024-06-01T12:00:00.000Z',
    endedAt: '2024-06-01T12:00:05.000Z',
    interrupted: false,
    variants,
    collectorOutputs: [
      {
        events,
        rawFiles: [],
        info: { id: 'fixture', fidelity: { process_exec: true, process_args: true, network: true, network_attribution: true, library_loads: false }, blind_spots: [], lost_records: 0, details: {}, errors: [] },
      },
    ],
    cleanup: [{ what: 'remove workspace', ok: true }],
    secretsForRedaction: [SECRET],
    stateFile: '/nonexistent',
  };
}

const label = (events: TelemetryEvent[], variantId: string): TelemetryEvent[] => events.map((e) => ({ ...e, labels: { ...(e.labels ?? {}), purple_variant_id: variantId } }));

const inputs = (ex: RunExecution) => ({
  execution: ex,
  rules: ruleSet(),
  host: { name: 'h', os: 'linux', osVersion: 'Debian 12', arch: 'x64', isRoot: true },
  tool: { version: '0.0.0' },
  argv: ['run'],
  operator: 'alice',
  scenarios: [{ id: 'openssl-curl', file: 'scenarios/openssl-curl.yaml', text: 'x' }],
});

describe('purple run: report assembly', () => {
  test('each variant gets its own detector: halves of two variants never join into one alert', () => {
    const events = fixture('linux-same-user-host');
    const enc = events.filter((e) => !/curl/.test(e.process?.command_line ?? ''));
    const up = events.filter((e) => /curl/.test(e.process?.command_line ?? ''));
    // Together, the same-user rule fires; split over two variants, neither may.
    assert.ok(detectOver(events, ruleSet()).alerts.length > 0, 'the fixture fires when whole');
    const report = buildRunReport(inputs(execution([variantExec('a'), variantExec('b')], [...label(enc, 'openssl-curl/a'), ...label(up, 'openssl-curl/b')])));
    assert.deepEqual(report.alerts, []);
    assert.deepEqual(report.verdicts.map((v) => v.outcome), ['missed', 'missed']);
    assert.deepEqual(validateReport(report), []);
  });

  test('rules are compiled once for the run: each variant instantiates them, nothing re-reads the files', () => {
    const rules = ruleSet();
    let made = 0;
    const counted: RuleSet = { ...rules, compiled: rules.compiled.map((r) => ({ meta: r.meta, instantiate: () => (made++, r.instantiate()) })) };
    // Rule text that no longer compiles: a second compilation during scoring would throw.
    counted.files = rules.files.map((f) => ({ ...f, text: f.path.endsWith('.toml') ? '[rule' : f.text }));
    const events = fixture('linux-same-user-host');
    const report = buildRunReport({ ...inputs(execution([variantExec('a'), variantExec('b')], [...label(events, 'openssl-curl/a'), ...label(events, 'openssl-curl/b')])), rules: counted });
    assert.equal(made, 2 * rules.compiled.length, 'one fresh instance per rule per variant');
    assert.ok(report.alerts.length >= 2, 'both variants detected by their own instances');
  });

  test('a rule that does not compile is bad input with its file and line, before anything is scored', () => {
    const rules = ruleSet();
    assert.throws(
      () => compileRuleSet({ ...rules, files: [...rules.files, { path: 'eql/broken.eql', text: '// name: b\nprocess where process.name ==\n' }] }),
      (e: unknown) => (e as { code?: string; location?: { file?: string; line?: number } }).location?.file === 'eql/broken.eql' && typeof (e as { location: { line?: number } }).location.line === 'number',
    );
  });

  test('alerts, verdicts and ATT&CK mapping of a detected variant; the report validates; secrets redacted', () => {
    const events = fixture('linux-same-process').map((e) => (e.process?.command_line ? { ...e, process: { ...e.process, command_line: `${e.process.command_line} -H 'Authorization: Bearer ${SECRET}'` } } : e));
    const report = buildRunReport(inputs(execution([variantExec('whole')], label(events, 'openssl-curl/whole'))));
    assert.equal(report.verdicts[0]?.outcome, 'detected');
    assert.equal(report.verdicts[0]?.strongest_join, 'same-process');
    assert.deepEqual(report.verdicts[0]?.attack, template.attack);
    assert.ok(report.alerts.length > 0);
    assert.equal(report.exit_code, 0);
    assert.equal(report.run.operator, 'alice');
    assert.equal(report.coverage.coverage, 1);
    assert.ok(report.rules.length >= 10 && report.rules.every((r) => /^[0-9a-f]{64}$/.test(r.sha256)));
    assert.deepEqual(validateReport(report), []);
    const text = JSON.stringify(report);
    assert.equal(text.includes(SECRET), false);
    assert.match(text, /Bearer <redacted>/);
  });

  test('alert ids are unique over the run and each verdict names only alerts over its own events', () => {
    const fx = fixture('linux-same-process');
    const rename = (prefix: string): TelemetryEvent[] => fx.map((e) => ({ ...e, event: { ...e.event, id: `${prefix}-${e.event.id}` } }));
    const report = buildRunReport(inputs(execution([variantExec('one'), variantExec('two')], [...label(rename('one'), 'openssl-curl/one'), ...label(rename('two'), 'openssl-curl/two')])));
    const ids = report.alerts.map((a) => a.id);
    assert.equal(new Set(ids).size, ids.length, 'no two alerts share an id (Sigma and EQL alike)');
    const byId = new Map(report.alerts.map((a) => [a.id, a]));
    for (const v of report.verdicts) {
      const prefix = v.variant_id.split('/')[1]!;
      assert.ok(v.alert_ids.length > 0);
      for (const id of v.alert_ids) assert.ok(byId.get(id)!.event_ids.every((e) => e.startsWith(`${prefix}-`)), `${v.variant_id} names alert ${id} over its own events`);
    }
  });

  test('an upload that never reached the sink is an error with the step\'s own words, not a miss', () => {
    const x = variantExec('closed', {
      receipts: [],
      steps: [{ argv: ['curl'], pid: 9, exitCode: 7, timedOut: false, durationMs: 3, stdoutTail: '', stderrTail: 'curl: (7) Failed to connect to 127.0.0.1 port 9\n' }],
    });
    assert.match(unfinished(x) ?? '', /upload never reached the sink \(exit 7: curl: \(7\) Failed to connect/);
    const report = buildRunReport(inputs(execution([x], [])));
    assert.equal(report.verdicts[0]?.outcome, 'error');
    assert.equal(report.exit_code, 1);
    assert.equal(unfinished(variantExec('ok')), undefined);
    assert.match(unfinished(variantExec('int', { interrupted: true })) ?? '', /interrupted/);
    const noUpload = variantExec('n', { receipts: [] });
    noUpload.variant = { ...noUpload.variant, axes: { ...noUpload.variant.axes, upload: 'none' } };
    assert.equal(unfinished(noUpload), undefined);
  });

  test('an interrupted run is marked so', () => {
    const ex = execution([variantExec('a', { interrupted: true })], []);
    ex.interrupted = true;
    const report = buildRunReport(inputs(ex));
    assert.equal(report.run.status, 'interrupted');
    assert.deepEqual(validateReport(report), []);
  });

  test('the correlation window comes from DET0503.maxspan', () => {
    const c = (v: string) => correlationWindowMs({ lists: { 'DET0503.maxspan': [v] } });
    assert.equal(c('60s'), 60_000);
    assert.equal(c('500ms'), 500);
    assert.equal(c('2m'), 120_000);
    assert.equal(correlationWindowMs({ lists: {} }), 60_000);
    assert.throws(() => c('soon'), /not a duration/);
  });
});

describe('purple run: progress and ids', () => {
  test('plain lines off a terminal: a line when a variant starts and one when it ends', () => {
    let out = '';
    const p = createProgressDisplay({ stream: { write: (s: string) => (out += s) }, tty: false, now: () => 0 });
    p.onProgress({ type: 'variant-start', variantId: 'x/y', index: 0, total: 12 });
    p.onProgress({ type: 'variant-end', variantId: 'x/y', index: 0, total: 12, status: 'skipped', reason: 'curl not found on PATH', durationMs: 1200, receipts: 0, timedOut: false });
    assert.equal(out, '     [ 1/12] x/y …\nskip [ 1/12] x/y  1.2s  curl not found on PATH\n');
    assert.equal(out.includes('\r'), false);
  });

  test('on a terminal the status line is rewritten in place and cleared at the end', () => {
    let out = '';
    const p = createProgressDisplay({ stream: { write: (s: string) => (out += s), columns: 60 }, tty: true, now: () => 0 });
    p.onProgress({ type: 'variant-start', variantId: 'x/y', index: 1, total: 3 });
    assert.match(out, /\r\x1b\[K\[2\/3\] x\/y/);
    p.onProgress({ type: 'variant-end', variantId: 'x/y', index: 1, total: 3, status: 'ran', durationMs: 10, receipts: 1, timedOut: false });
    assert.match(out, /ok {3}\[2\/3\] x\/y {2}0\.0s {2}1 upload\(s\)\n/);
    p.onProgress({ type: 'run-end', runId: 'r', interrupted: false });
    p.done();
  });

  test('waiting on another run\'s host lock is said, with who holds it', () => {
    let out = '';
    const p = createProgressDisplay({ stream: { write: (s: string) => (out += s) }, tty: false });
    p.onProgress({ type: 'waiting-for-lock', resource: 'linux-audit', lockFile: '/x', holder: { runId: 'other', pid: 42, since: 'now' }, message: 'waiting for run other (pid 42), which holds the audit lock' });
    assert.match(out, /waiting for run other \(pid 42\)/);
  });

  test('run ids sort by time and are valid ids', () => {
    const id = newRunId(new Date('2026-11-29T05:15:00.123Z'));
    assert.match(id, /^20261129T051500Z-[0-9a-f]{4}$/);
    assert.doesNotThrow(() => assertRunId(id));
  });
});
