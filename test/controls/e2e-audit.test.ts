// End to end, for real: `purple run` runs real openssl/curl emulations under Linux audit with a
// webhook control, while a separate process acting as the team's SIEM (siem.ts) reads the run's
// raw audit log, applies its own rules and pushes Elastic alert documents to the webhook. The
// report then says, per variant, what the embedded pack and the SIEM did. Loopback only.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCommandRunner } from '../../harness/command-runner.js';
import { linuxAuditCollector } from '../../collectors/linux-audit/collector.js';
import type { RunReport } from '../../src/model/index.js';
import { validateReport } from '../../src/report/index.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const runner = createCommandRunner();

function node(args: string[], timeoutMs: number): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', GITHUB_STEP_SUMMARY: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

async function skipReason(): Promise<string | false> {
  if (process.platform !== 'linux') return 'Linux audit only';
  if (process.getuid?.() !== 0) return 'needs root (the Linux audit collector)';
  if (!(await runner.which('auditctl'))) return 'needs auditd/auditctl';
  if (!(await runner.which('openssl')) || !(await runner.which('curl'))) return 'needs openssl and curl';
  const probe = await linuxAuditCollector.probe({ runner, hostName: 't', hostId: 't', isRoot: true, options: {} });
  return probe.available ? false : `the audit collector cannot run here: ${probe.reason ?? ''}`;
}

const POS = ['openssl-curl/enc-aes-256-cbc-pbkdf2+curl-data-binary', 'openssl-curl/enc-aes-128-ctr-pbkdf2+curl-form'];
const NEG_TXT = 'openssl-curl/negative-plaintext-curl';
const NEG_ENC = 'openssl-curl/negative-encrypt-only';

describe('real emulations under audit, a separate SIEM process pushing to the webhook', async () => {
  const skip = await skipReason();
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'purple-e2e-controls-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('per variant: the embedded pack and the SIEM side by side; the SIEM\'s false positive on a negative control', { skip, timeout: 600_000 }, async () => {
    const runId = `e2e-controls-${process.pid}`;
    const out = join(dir, 'reports');
    const urlFile = join(dir, 'webhook-url');
    const runDir = join(out, runId);
    const run = node(
      ['src/cli/main.ts', 'run', '--variant', ...POS, NEG_TXT, NEG_ENC, '--collector', 'linux-audit', '--out', out, '--run-id', runId, '--no-progress',
        '--control', `webhook,name=siem,format=elastic,url-file=${urlFile}`, '--control-wait', '90s', '--control-poll', '1s'],
      500_000,
    );
    const siem = node(['test/controls/siem.ts', '--raw-dir', join(runDir, 'raw'), '--url-file', urlFile, '--timeout-s', '400'], 500_000);
    const [r, s] = await Promise.all([run, siem]);
    assert.equal(s.code, 0, `siem: ${s.err}\nrun: ${r.err}`);
    const pushed = JSON.parse(s.out) as { pushed: number; rules: string[] };
    assert.ok(pushed.rules.filter((x) => x === 'siem-sibling-encrypt-upload').length >= POS.length, s.out);
    assert.ok([0, 1].includes(r.code ?? -1), r.err);
    const report = JSON.parse(readFileSync(join(runDir, 'report.json'), 'utf8')) as RunReport;
    assert.deepEqual(validateReport(report), []);
    const c = report.controls!;
    assert.equal(c.sources[0]?.control, 'siem');
    assert.equal(c.sources[0]?.kind, 'webhook');
    assert.equal(c.sources[0]?.status, 'ok', JSON.stringify(c.sources[0]));
    const v = (id: string) => c.verdicts.find((x) => x.variant_id === id && x.control === 'siem');
    for (const id of POS) {
      assert.equal(v(id)?.status, 'alerted', id);
      assert.equal(v(id)?.matched_by, 'marker', id);
      assert.ok((v(id)?.latency_ms ?? -1) >= 0, id);
      assert.equal(report.verdicts.find((x) => x.variant_id === id)?.outcome, 'detected', id);
    }
    assert.equal(v(NEG_TXT)?.status, 'alerted');
    assert.equal(v(NEG_TXT)?.false_positive, true);
    assert.equal(v(NEG_ENC)?.status, 'not-alerted');
    assert.equal(v(NEG_ENC)?.expectation_met, true);
    // What came back is in the run folder, without the webhook's token.
    const raw = readFileSync(join(runDir, 'controls', 'siem.ndjson'), 'utf8');
    assert.equal(raw.trim().split('\n').length, c.alerts.length);
    const token = readFileSync(urlFile, 'utf8').trim().split('/').pop()!;
    for (const f of ['report.json', 'index.html', 'junit.xml', 'summary.md', 'controls/siem.ndjson']) assert.ok(!readFileSync(join(runDir, f), 'utf8').includes(token), f);
    assert.match(readFileSync(join(runDir, 'junit.xml'), 'utf8'), /<testsuite name="control: siem" tests="4" failures="1"/);
    assert.ok(existsSync(join(runDir, 'navigator-layer-siem.json')));
    assert.match(r.out, /siem: alerted on 2\/2 positive variant\(s\), 1 false positive\(s\)/);
  });
});
