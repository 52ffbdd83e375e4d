// Acceptance: the whole Linux catalogue under the audit collector, as `npm start` runs it.
// Every runnable variant runs; negatives are true negatives; positives that are not known gaps are
// detected; every encrypted upload was decrypted by the sink; the EQL and the Sigma pack agree on
// every variant; the report validates and nothing of the run is left behind. Takes ~7 minutes
// (four variants wait 20–75 s on purpose).

import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCommandRunner } from '../../harness/command-runner.js';
import { linuxAuditCollector } from '../../collectors/linux-audit/collector.js';
import { collectRuleFiles, readDetectorConfig } from '../../src/pipeline/detector-content.js';
import { compileRuleSet, detectOver, type RuleSet } from '../../src/pipeline/run-report.js';
import type { RunReport } from '../../src/model/index.js';
import { validateReport } from '../../src/report/index.js';
import { describeViolations, egressViolations, startEgressWatch, type EgressRecord } from '../egress/egress-watch.js';

const ROOT = join(import.meta.dirname, '..', '..');
const runner = createCommandRunner();

async function skipReason(): Promise<string | false> {
  if (process.platform !== 'linux') return 'Linux only';
  if (process.getuid?.() !== 0) return 'needs root (audit collector)';
  for (const b of ['auditctl', 'openssl', 'curl']) if (!(await runner.which(b))) return `${b} not installed`;
  if (process.env.PURPLE_SKIP_CATALOGUE === '1') return 'PURPLE_SKIP_CATALOGUE=1';
  const a = await linuxAuditCollector.probe({ runner, hostName: 'test', hostId: 'test', isRoot: true, options: {} });
  if (!a.available) return `audit unavailable: ${a.reason ?? ''}`;
  return false;
}

describe('acceptance: the whole Linux catalogue under audit', async () => {
  const skip = await skipReason();
  const out = mkdtempSync(join(tmpdir(), 'purple-acceptance-'));
  after(() => rmSync(out, { recursive: true, force: true }));
  const runId = `t-catalogue-${process.pid}`;
  let report: RunReport | undefined;
  // The kernel's audit records every connect/sendto of every process while the run goes on.
  let egress: EgressRecord[] | string = 'the run did not start';

  test('purple run of every Linux variant completes and its report validates', { skip, timeout: 20 * 60_000 }, async () => {
    const watch = await startEgressWatch();
    if ('skipped' in watch) egress = watch.skipped;
    let r;
    try {
      r = await runner.run([process.execPath, '--import', 'tsx', join(ROOT, 'src', 'cli', 'main.ts'), 'run', '--collector', 'linux-audit', '--out', out, '--run-id', runId, '--no-progress'], {
        timeoutMs: 19 * 60_000,
        cwd: ROOT,
        env: { ...process.env, NO_COLOR: '1', GITHUB_STEP_SUMMARY: '' },
      });
    } finally {
      if ('watch' in watch) egress = await watch.watch.stop();
    }
    assert.ok(existsSync(join(out, runId, 'report.json')), `${r.stdout}\n${r.stderr}`);
    report = JSON.parse(readFileSync(join(out, runId, 'report.json'), 'utf8')) as RunReport;
    assert.deepEqual(validateReport(report), []);
    assert.equal(report.run.status, 'completed');
    assert.equal(r.exitCode, report.exit_code, 'the exit code is the report\'s');
    const ran = report.verdicts.filter((v) => v.outcome !== 'skipped');
    assert.ok(ran.length >= 30, `at least 30 variants ran (${ran.length}); skipped: ${report.verdicts.filter((v) => v.outcome === 'skipped').map((v) => `${v.variant_id}: ${v.reason}`).join('; ')}`);
    assert.equal(existsSync(join(tmpdir(), `purple-${runId}`)), false, 'workspace removed');
    assert.doesNotMatch((await runner.run(['auditctl', '-l'])).stdout, new RegExp(runId), 'no audit rule of the run');
  });

  test('nothing on the host addressed anything outside loopback and the run\'s own namespaces during the run', { skip }, (t) => {
    if (typeof egress === 'string') return t.skip(egress);
    assert.ok(egress.some((e) => e.ip === '127.0.0.1'), 'the watch saw the run\'s own loopback uploads');
    const bad = egressViolations(egress);
    assert.equal(bad.length, 0, describeViolations(bad));
  });

  test('outcomes: negatives true-negative, positives detected unless a known gap, no error', { skip }, (t) => {
    if (!report) return t.skip('the run did not complete');
    const wrong = report.verdicts.filter((v) => {
      if (v.outcome === 'skipped') return false;
      if (v.expect === 'negative') return v.outcome !== 'true-negative';
      return v.known_gap === undefined ? v.outcome !== 'detected' : v.outcome !== 'missed' && v.outcome !== 'detected';
    });
    assert.deepEqual(wrong.map((v) => `${v.variant_id}: ${v.outcome} ${v.reason ?? ''} ${v.explanation}`), []);
    assert.equal(report.exit_code, 0);
    // The report's matrix can break every outcome down by each axis.
    for (const axis of ['interpreter', 'encryption', 'upload', 'lineage']) assert.ok(Object.keys(report.coverage.by_axis[axis] ?? {}).length > 1, axis);
  });

  test('every encrypted upload was decrypted by the sink with the run key; plaintext ones were seen as plaintext', { skip }, (t) => {
    if (!report) return t.skip('the run did not complete');
    for (const v of report.verdicts.filter((x) => x.outcome !== 'skipped' && x.outcome !== 'error' && x.axes.upload !== 'none')) {
      assert.ok(v.receipts.length > 0, `${v.variant_id} uploaded`);
      const plain = v.axes.encryption === 'none';
      for (const rc of v.receipts) assert.ok(plain ? rc.plaintext : rc.ciphertext_verified, `${v.variant_id}: ${JSON.stringify(rc)}`);
    }
  });

  test('the EQL and the Sigma pack agree on every variant (fire or not, and with which join strengths)', { skip }, (t) => {
    if (!report) return t.skip('the run did not complete');
    const files = collectRuleFiles(join(ROOT, 'rules'));
    const config = readDetectorConfig(join(ROOT, 'rules', 'config', 'det0503.yaml'));
    const pack = (re: RegExp): RuleSet => compileRuleSet({ files: files.filter((f) => re.test(f.path)), config, maxOpenSequences: 10_000, root: join(ROOT, 'rules') });
    const eql = pack(/\.toml$/);
    const sigma = pack(/\.ya?ml$/);
    assert.ok(eql.files.length > 0 && sigma.files.length > 0);
    const strengths = (alerts: ReturnType<typeof detectOver>['alerts']): string => [...new Set(alerts.map((a) => a.join_strength ?? a.rule.join_strength))].sort().join(',');
    const disagree: string[] = [];
    for (const v of report.verdicts.filter((x) => x.outcome !== 'skipped')) {
      const events = report.events.filter((e) => e.labels?.['purple_variant_id'] === v.variant_id);
      const eqlAlerts = detectOver(events, eql).alerts;
      const a = strengths(eqlAlerts);
      const b = strengths(detectOver(events, sigma).alerts);
      if (a === b) continue;
      // SigmaHQ's taxonomy has no image_load for Linux/macOS, so the Sigma pack routes no library
      // loads (docs/detector-sigma.md): the one allowed difference is a variant whose every EQL
      // alert starts at a library load, on which Sigma stays silent.
      const startsAtLoad = (al: (typeof eqlAlerts)[number]): boolean => {
        const first = events.find((e) => e.event.id === al.event_ids[0]);
        return ([] as unknown[]).concat(first?.event.category ?? []).includes('library');
      };
      if (b === '' && eqlAlerts.length > 0 && eqlAlerts.every(startsAtLoad)) continue;
      disagree.push(`${v.variant_id}: EQL [${a}] Sigma [${b}]`);
    }
    assert.deepEqual(disagree, []);
  });
});
