// Black-box: `purple run` as a user runs it, on this host, with real emulations and collectors.
// Checks the outcomes, the report against its schema, and that nothing of the run is left behind.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCommandRunner } from '../../harness/command-runner.js';
import { linuxAuditCollector } from '../../collectors/linux-audit/collector.js';
import { defaultStateDir, variantDirName } from '../../harness/index.js';
import { validateReport } from '../../src/report/index.js';
import type { RunReport } from '../../src/model/index.js';

const ROOT = join(import.meta.dirname, '..', '..');
const runner = createCommandRunner();
const isRoot = process.getuid?.() === 0;
let dir = '';
/** The audit run of the first test, reused by the replay test. */
let auditRun: { out: string; runId: string } | undefined;

function purple(args: string[], opts: { timeoutMs?: number; uid?: number } = {}): Promise<{ exitCode: number | null; stdout: string; stderr: string }> {
  const argv = [process.execPath, '--import', 'tsx', join(ROOT, 'src', 'cli', 'main.ts'), ...args];
  const full = opts.uid !== undefined ? ['setpriv', `--reuid=${opts.uid}`, `--regid=${opts.uid}`, '--clear-groups', ...argv] : argv;
  return runner.run(full, { timeoutMs: opts.timeoutMs ?? 240_000, cwd: ROOT, env: { ...process.env, NO_COLOR: '1', GITHUB_STEP_SUMMARY: '' } });
}

function readRun(out: string, runId: string): RunReport {
  return JSON.parse(readFileSync(join(out, runId, 'report.json'), 'utf8')) as RunReport;
}

async function leftovers(runId: string, report: RunReport): Promise<string[]> {
  const found: string[] = [];
  if (existsSync(join(tmpdir(), `purple-${runId}`))) found.push(`workspace /tmp/purple-${runId}`);
  if (existsSync(join(defaultStateDir(), `${runId}.json`))) found.push('state file');
  if (isRoot && (await runner.which('auditctl'))) {
    const rules = (await runner.run(['auditctl', '-l'])).stdout;
    if (rules.includes(runId)) found.push(`audit rules: ${rules}`);
  }
  // No process of the run: none carries the run's PURPLE_RUN_ID marker (zombies aside).
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (!readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`PURPLE_RUN_ID=${runId}`)) continue;
      if (/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))) continue;
      found.push(`process ${pid}: ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ')}`);
    } catch {
      /* gone meanwhile */
    }
  }
  void report;
  return found;
}

/** `purple run …` in the background, for tests that act on it while it runs. */
function startRun(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'cli', 'main.ts'), 'run', ...args], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1', GITHUB_STEP_SUMMARY: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  return {
    child,
    exited,
    stderr: () => stderr,
    /** Waits (up to 60 s) until stderr matches, then `settle` ms more. */
    async waitFor(re: RegExp, settle = 1000): Promise<void> {
      for (let i = 0; i < 600 && !re.test(stderr); i++) await new Promise((r) => setTimeout(r, 100));
      assert.match(stderr, re, stderr);
      await new Promise((r) => setTimeout(r, settle));
    },
  };
}

async function collectorFor(): Promise<string | undefined> {
  if (process.platform !== 'linux') return undefined;
  if (isRoot && (await runner.which('auditctl'))) {
    const a = await linuxAuditCollector.probe({ runner, hostName: 'test', hostId: 'test', isRoot, options: {} });
    if (a.available) return 'linux-audit';
  }
  if (await runner.which('strace')) return 'strace';
  return undefined;
}

const POSITIVE = 'openssl-curl/enc-aes-256-cbc-pbkdf2+curl-data-binary';
const NEGATIVES = 'openssl-curl/negative-*';

describe('purple run (CLI, real emulations)', async () => {
  const collector = await collectorFor();
  const haveTools = (await runner.which('openssl')) && (await runner.which('curl'));
  const skip = !collector ? 'no collector usable here (needs auditd as root, or strace)' : !haveTools ? 'openssl and curl needed' : false;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'purple-cli-run-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('positives detected, negative controls true-negative, report valid, nothing left behind', { skip }, async () => {
    const runId = `t-run-${process.pid}`;
    const out = join(dir, 'a');
    const r = await purple(['run', '--variant', POSITIVE, NEGATIVES, '--out', out, '--run-id', runId, '--collector', collector!]);
    assert.equal(r.exitCode, 0, `${r.stdout}\n${r.stderr}`);
    const report = readRun(out, runId);
    assert.deepEqual(validateReport(report), [], 'report.json validates against schemas/report.schema.json');
    assert.equal(report.run.status, 'completed');
    assert.deepEqual(report.collectors.map((c) => c.id), [collector]);
    const outcome = Object.fromEntries(report.verdicts.map((v) => [v.variant_id, v.outcome]));
    assert.equal(outcome[POSITIVE], 'detected', JSON.stringify(report.verdicts.find((v) => v.variant_id === POSITIVE)?.explanation));
    assert.equal(outcome['openssl-curl/negative-encrypt-only'], 'true-negative');
    assert.equal(outcome['openssl-curl/negative-plaintext-curl'], 'true-negative');
    const positive = report.verdicts.find((v) => v.variant_id === POSITIVE)!;
    assert.ok(positive.receipts.some((x) => x.ciphertext_verified), 'the sink decrypted the upload with the run key');
    assert.ok(positive.actions.every((a) => a.visibility === 'seen'), 'both halves were seen by the collector');
    assert.deepEqual(positive.attack?.techniques.includes('T1048.001'), true);
    // The run's secrets never reach the report (the bearer token is in curl's argv).
    const text = readFileSync(join(out, runId, 'report.json'), 'utf8');
    assert.match(text, /<redacted>/);
    assert.doesNotMatch(text, /Bearer [0-9a-f]{16,}/);
    for (const f of ['index.html', 'junit.xml', 'summary.md', 'navigator-layer.json']) assert.ok(existsSync(join(out, runId, f)), f);
    assert.equal(readlinkSync(join(out, 'latest')), runId, '<out>/latest links to the newest run');
    assert.ok(positive.source?.line && positive.source.file.endsWith('openssl-curl.yaml'), 'the verdict names its scenario line');
    assert.match(r.stdout, /coverage 100\.0%/);
    assert.deepEqual(await leftovers(runId, report), []);
    if (collector === 'linux-audit') auditRun = { out, runId };
  });

  test('purple detect over the run\'s exported events and over its raw audit.log finds the run\'s alerts', { skip: collector === 'linux-audit' ? false : 'needs the audit collector' }, async (t) => {
    if (!auditRun) return t.skip('the audit run above did not complete');
    const runDir = join(auditRun.out, auditRun.runId);
    const report = readRun(auditRun.out, auditRun.runId);
    const variantOf = new Map(report.events.map((e) => [e.event.id, e.labels?.['purple_variant_id']]));
    const runAlerts = new Set(report.alerts.map((a) => a.id));
    assert.ok(runAlerts.size > 0);
    writeFileSync(join(dir, 'export.ndjson'), report.events.map((e) => JSON.stringify(e)).join('\n') + '\n');
    const hostId = String(report.events[0]?.host?.id);
    const raw = readdirSync(join(runDir, 'raw')).find((f) => f.includes('linux-audit'))!;
    for (const args of [['--events', join(dir, 'export.ndjson')], ['--events', join(runDir, 'raw', raw), '--from', 'linux-audit', '--host-id', hostId, '--host-name', report.host.name]]) {
      const d = await purple(['detect', ...args, '-q']);
      assert.equal(d.exitCode, 0, d.stderr);
      const alerts = d.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { id: string; event_ids: string[] });
      const found = new Set(alerts.map((a) => a.id));
      for (const id of runAlerts) assert.ok(found.has(id), `${args[1]}: the run's alert ${id} is found again`);
      // The run scores each variant alone; over the whole file, halves of two variants may join.
      for (const a of alerts.filter((x) => !runAlerts.has(x.id))) {
        assert.ok(new Set(a.event_ids.map((e) => variantOf.get(e))).size > 1, `${args[1]}: an extra alert spans two variants (${a.event_ids.join(', ')})`);
      }
    }
  });

  test('the same variant under audit, strace and procfs: each report says what its collector could see', { skip: collector === 'linux-audit' && (await runner.which('strace')) ? false : 'needs root with audit, and strace' }, async () => {
    const seen: Record<string, RunReport> = {};
    for (const c of ['linux-audit', 'strace', 'procfs']) {
      const runId = `t-fid-${c}-${process.pid}`;
      const r = await purple(['run', '--variant', POSITIVE, '--collector', c, '--out', join(dir, 'fid'), '--run-id', runId]);
      assert.ok(r.exitCode === 0 || r.exitCode === 1, `${c}: ${r.stderr}`);
      seen[c] = readRun(join(dir, 'fid'), runId);
      assert.deepEqual(validateReport(seen[c]), []);
      assert.deepEqual(seen[c]!.collectors.map((x) => x.id), [c]);
    }
    for (const c of ['linux-audit', 'strace']) assert.equal(seen[c]!.verdicts[0]?.outcome, 'detected', c);
    // procfs polls /proc: it states that it cannot attribute every short process, and a miss it
    // causes is called a telemetry gap, never a rule gap.
    const p = seen['procfs']!;
    assert.ok(p.collectors[0]!.blind_spots.length > 0);
    const v = p.verdicts[0]!;
    if (v.outcome === 'missed') assert.match(String(v.reason), /telemetry/);
    else assert.equal(v.outcome, 'detected');
  });

  test('--collector strace works without audit and the report says which collector saw what', { skip: (await runner.which('strace')) && haveTools ? false : 'strace, openssl and curl needed' }, async () => {
    const runId = `t-strace-${process.pid}`;
    const out = join(dir, 's');
    const r = await purple(['run', '--variant', POSITIVE, 'openssl-curl/negative-plaintext-curl', '--collector', 'strace', '--out', out, '--run-id', runId]);
    assert.equal(r.exitCode, 0, `${r.stdout}\n${r.stderr}`);
    const report = readRun(out, runId);
    assert.deepEqual(validateReport(report), []);
    assert.deepEqual(report.collectors.map((c) => c.id), ['strace']);
    assert.ok(report.events.every((e) => e.event.dataset === 'strace'));
    assert.equal(report.verdicts.find((v) => v.variant_id === POSITIVE)?.outcome, 'detected');
    assert.equal(report.verdicts.find((v) => v.variant_id === 'openssl-curl/negative-plaintext-curl')?.outcome, 'true-negative');
    assert.match(r.stdout, /strace/);
    assert.deepEqual(await leftovers(runId, report), []);
  });

  test('real run folders: --baseline catches a regression, merge joins them, --sign + verify hold', { skip }, async () => {
    const out = join(dir, 'bm');
    const keys = join(dir, 'keys');
    assert.equal((await purple(['keygen', '--out', keys])).exitCode, 0);
    const a = await purple(['run', '--variant', POSITIVE, '--collector', collector!, '--out', out, '--run-id', `t-base-${process.pid}`, '--sign', join(keys, 'purple-signing.pem')]);
    assert.equal(a.exitCode, 0, a.stderr);
    const aDir = join(out, `t-base-${process.pid}`);
    const v = await purple(['verify', aDir, '--key', join(keys, 'purple-signing.pub')]);
    assert.equal(v.exitCode, 0, `${v.stdout}\n${v.stderr}`);
    // The signed manifest names the detector configuration in force, by digest.
    const manifest = JSON.parse(readFileSync(join(aDir, 'manifest.json'), 'utf8')) as { config?: Array<{ file: string; sha256: string }> };
    const cfg = manifest.config?.find((c) => c.file === 'rules/config/det0503.yaml');
    assert.ok(cfg, JSON.stringify(manifest.config));
    assert.equal(cfg.sha256, createHash('sha256').update(readFileSync(join(ROOT, 'rules', 'config', 'det0503.yaml'))).digest('hex'));
    // The same variant against rules that cannot see Linux: detected before, missed now.
    const macRules = join(dir, 'mac-rules');
    cpSync(join(ROOT, 'rules', 'eql'), macRules, { recursive: true, filter: (f) => !/linux/.test(f) });
    const b = await purple(['run', '--variant', POSITIVE, '--collector', collector!, '--out', out, '--run-id', `t-reg-${process.pid}`, '--rules', macRules, '--baseline', join(aDir, 'report.json')]);
    assert.equal(b.exitCode, 1, b.stdout);
    assert.match(b.stdout, /regression/);
    assert.match(b.stdout, new RegExp(POSITIVE.replace(/[+.*]/g, '\\$&')));
    const m = await purple(['merge', aDir, join(out, `t-reg-${process.pid}`), '--out', join(dir, 'fleet'), '--check']);
    assert.equal(m.exitCode, 1, 'one of the merged runs failed an expectation');
    const fleet = JSON.parse(readFileSync(join(dir, 'fleet', 'report.json'), 'utf8')) as RunReport;
    assert.deepEqual(validateReport(fleet), []);
    assert.equal(fleet.verdicts.length, 2);
    // A changed byte in a signed artifact is caught.
    writeFileSync(join(aDir, 'summary.md'), readFileSync(join(aDir, 'summary.md'), 'utf8') + ' ');
    const bad = await purple(['verify', aDir, '--key', join(keys, 'purple-signing.pub')]);
    assert.notEqual(bad.exitCode, 0);
    assert.match(bad.stdout + bad.stderr, /summary\.md/);
  });

  test('kill -9 of the harness mid-run, then purple cleanup: nothing left (processes, files, audit rules, namespace)', { skip: skip || (isRoot && (await runner.which('ip')) ? false : 'needs root and iproute2 (netns sink)') }, async () => {
    const runId = `t-kill-${process.pid}`;
    const run = startRun(['--variant', 'openssl-curl/*+d30', '--sink', 'netns', '--out', join(dir, 'kill'), '--run-id', runId, '--collector', collector!]);
    await run.waitFor(/\[1\/1\] \S+\+d30 …/, 1500);
    run.child.kill('SIGKILL');
    await run.exited;
    const before = await leftovers(runId, { verdicts: [] } as unknown as RunReport);
    assert.ok(before.some((x) => x.startsWith('process')) && before.some((x) => x.startsWith('state')), `the killed run left its state and processes: ${before.join('; ')}`);
    const list = await purple(['cleanup', '--list']);
    assert.match(list.stdout, new RegExp(runId), 'the crashed run is listed with its state');
    const c1 = await purple(['cleanup', runId]);
    assert.equal(c1.exitCode, 0, `${c1.stdout}\n${c1.stderr}`);
    assert.deepEqual(await leftovers(runId, { verdicts: [] } as unknown as RunReport), []);
    const netns = (await runner.run(['ip', 'netns', 'list'])).stdout;
    assert.doesNotMatch(netns, /purple/, 'no namespace of the run');
    const c2 = await purple(['cleanup', runId]);
    assert.notEqual(c2.exitCode, null, 'a second cleanup ends too');
  });

  test('auditd killed mid-run: the run goes on, the report says why, a miss after it is telemetry-incomplete', { skip: collector === 'linux-audit' ? false : 'needs the audit collector' }, async () => {
    const runId = `t-auditd-${process.pid}`;
    const out = join(dir, 'ka');
    const hadAuditd = /^pid [1-9]/m.test((await runner.run(['auditctl', '-s'])).stdout);
    const run = startRun(['--variant', POSITIVE, 'openssl-curl/*+d30', '--out', out, '--run-id', runId, '--collector', 'linux-audit']);
    try {
      await run.waitFor(/\[2\/2\] \S+\+d30 …/);
      const pid = Number(/^pid (\d+)/m.exec((await runner.run(['auditctl', '-s'])).stdout)?.[1]);
      assert.ok(pid > 0, 'auditd runs during the run');
      process.kill(pid, 'SIGKILL');
      assert.equal(await run.exited, 1, run.stderr());
      const report = readRun(out, runId);
      assert.deepEqual(validateReport(report), []);
      assert.match(report.collectors[0]!.errors.join('\n'), /auditd \(pid \d+\) stopped during the run/);
      assert.equal(report.verdicts.find((v) => v.variant_id === POSITIVE)?.outcome, 'detected', 'what was logged before is kept');
      const late = report.verdicts.find((v) => v.variant_id.endsWith('+d30'))!;
      assert.equal(late.outcome, 'missed');
      assert.equal(late.reason, 'telemetry-incomplete');
      assert.deepEqual(await leftovers(runId, report), []);
    } finally {
      if (run.child.exitCode === null) run.child.kill('SIGKILL');
      // Put the host back: the test killed the auditd that was running before it.
      if (hadAuditd && !/^pid [1-9]/m.test((await runner.run(['auditctl', '-s'])).stdout)) await runner.run(['auditd']);
    }
  });

  test('--sink URL needs --allow-egress; with it the HTTP uploads go to that receiver and the rest is skipped', { skip }, async () => {
    const refused = await purple(['run', '--sink', 'http://127.0.0.1:9/', '--variant', POSITIVE, '--dry-run']);
    assert.equal(refused.exitCode, 2);
    assert.match(refused.stderr, /off this host[\s\S]*--allow-egress/);
    // A receiver "we control": a plain HTTP server on loopback, outside the harness.
    const got: Array<{ method: string; url: string; bytes: number }> = [];
    const server = createServer((req, res) => {
      let n = 0;
      req.on('data', (d: Buffer) => (n += d.length));
      req.on('end', () => {
        got.push({ method: req.method ?? '', url: req.url ?? '', bytes: n });
        res.end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const dry = await purple(['run', '--sink', url, '--allow-egress', '--variant', POSITIVE, '--dry-run', '--collector', collector!]);
      assert.equal(dry.exitCode, 0, dry.stderr);
      assert.match(dry.stdout, new RegExp(`destinations .*${url}/upload/`));
      assert.doesNotMatch(dry.stdout, /destinations .*(ws:|tcp:)/);
      const runId = `t-ext-${process.pid}`;
      const r = await purple(['run', '--sink', url, '--allow-egress', '--variant', POSITIVE, 'openssl-curl/*openssl-s_client', '--collector', collector!, '--out', join(dir, 'ext'), '--run-id', runId]);
      assert.equal(r.exitCode, 0, `${r.stdout}\n${r.stderr}`);
      const report = readRun(join(dir, 'ext'), runId);
      assert.deepEqual(validateReport(report), []);
      const v = report.verdicts.find((x) => x.variant_id === POSITIVE)!;
      assert.equal(v.outcome, 'detected');
      assert.deepEqual(v.receipts, [], 'nothing is verified here: the receiver is not ours');
      assert.equal(got.length, 1);
      assert.equal(got[0]!.method, 'POST');
      // The path names the variant; the query carries the control marker (docs/controls.md).
      assert.equal(got[0]!.url, `/upload/${encodeURIComponent(POSITIVE)}?purple_marker=purple-${runId}/${variantDirName(POSITIVE)}`);
      assert.ok(got[0]!.bytes > 0);
      const tls = report.verdicts.find((x) => x.variant_id.endsWith('openssl-s_client'))!;
      assert.equal(tls.outcome, 'skipped');
      assert.match(String(tls.reason), /external sink/);
    } finally {
      server.close();
    }
  });

  test('--dry-run prints commands and the loopback destinations, and creates nothing', async () => {
    const out = join(dir, 'dry');
    const r = await purple(['run', '--dry-run', '--variant', POSITIVE, '--collector', 'procfs', '--out', out, '--run-id', 't-dry']);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stdout, /encrypt-upload\.sh enc-aes-256-cbc-pbkdf2 curl-data-binary/);
    assert.match(r.stdout, /destinations .*http:\/\/127\.0\.0\.1:<port>/);
    assert.equal(existsSync(out), false);
    assert.equal(existsSync(join(tmpdir(), 'purple-t-dry')), false);
  });

  test('a scenario file with bad YAML ends with file:line and exit 2, before anything runs', async () => {
    const cat = join(dir, 'bad-cat');
    cpSync(join(ROOT, 'scenarios'), cat, { recursive: true });
    writeFileSync(join(cat, 'broken.yaml'), 'id: broken\ntitle: x\nvariants:\n  - name: [unclosed\n');
    const r = await purple(['run', '--scenarios', cat, '--out', join(dir, 'bad-out')]);
    assert.equal(r.exitCode, 2);
    assert.match(r.stderr, /broken\.yaml:\d+/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    assert.equal(existsSync(join(dir, 'bad-out')), false);
  });

  test('an unknown collector and an unknown variant are exit 2 with the valid choices', async () => {
    const a = await purple(['run', '--collector', 'nope', '--dry-run']);
    assert.equal(a.exitCode, 2);
    assert.match(a.stderr, /unknown collector "nope"[\s\S]*linux-audit/);
    const b = await purple(['run', '--variant', 'no-such-variant', '--dry-run']);
    assert.equal(b.exitCode, 2);
    assert.match(b.stderr, /no variant matches "no-such-variant"/);
  });

  test('a missing binary skips that variant with the reason; an unreachable upload is an error outcome, not a miss', { skip }, async () => {
    const cat = join(dir, 'cat2');
    cpSync(join(ROOT, 'scenarios'), cat, { recursive: true });
    for (const f of readdirSync(cat)) if (f.endsWith('.yaml')) rmSync(join(cat, f));
    writeFileSync(
      join(cat, 'faults.yaml'),
      `id: faults
title: fault cases for the CLI test
description: one variant needs a binary that does not exist, one uploads to a closed port
attack: { techniques: [T1048.001], detection_strategy: DET0503, analytics: [AN1390] }
platforms: [linux, macos]
defaults:
  expect: positive
  timeout_s: 30
  cipher: none
  requires: [sh]
  axes: { interpreter: sh, encryption: none, lineage: none, delay_s: 0, masquerade: false }
variants:
  single:
    - name: missing-binary
      requires: [sh, purple-no-such-binary]
      axes: { upload: none }
      steps:
        - argv: [purple-no-such-binary]
    - name: closed-port
      axes: { upload: curl-data-binary }
      steps:
        - argv: [curl, -sS, --max-time, "5", --data-binary, "x", "http://127.0.0.1:9/upload"]
`,
    );
    const runId = `t-faults-${process.pid}`;
    const r = await purple(['run', '--scenarios', cat, '--out', join(dir, 'f'), '--run-id', runId, '--collector', collector!]);
    assert.equal(r.exitCode, 1, `${r.stdout}\n${r.stderr}`);
    const report = readRun(join(dir, 'f'), runId);
    assert.deepEqual(validateReport(report), []);
    const missing = report.verdicts.find((v) => v.variant_id === 'faults/missing-binary')!;
    assert.equal(missing.outcome, 'skipped');
    assert.match(String(missing.reason), /purple-no-such-binary not found/);
    const closed = report.verdicts.find((v) => v.variant_id === 'faults/closed-port')!;
    assert.equal(closed.outcome, 'error');
    assert.match(String(closed.reason), /upload never reached the sink/);
    assert.deepEqual(await leftovers(runId, report), []);
  });

  test('without root the audit collector is refused with the fix, exit 2', { skip: isRoot && (await runner.which('setpriv')) && (await runner.which('auditctl')) ? false : 'needs root (to drop to nobody), setpriv and auditctl' }, async () => {
    const r = await purple(['run', '--collector', 'linux-audit', '--variant', POSITIVE, '--out', join(dir, 'nobody')], { uid: 65534 });
    assert.equal(r.exitCode, 2, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, /collector linux-audit cannot run here: adding audit rules needs root/);
    assert.match(r.stderr, /hint: run as root/);
  });

  test('SIGINT mid-run: exit 130, report marked interrupted and valid, nothing left behind', { skip }, async () => {
    const runId = `t-int-${process.pid}`;
    const out = join(dir, 'int');
    const run = startRun(['--variant', 'openssl-curl/*+d30', POSITIVE, '--out', out, '--run-id', runId, '--collector', collector!]);
    await run.waitFor(/\[2\/2\] \S+\+d30 …/, 1500);
    run.child.kill('SIGINT');
    assert.equal(await run.exited, 130, run.stderr());
    const report = readRun(out, runId);
    assert.deepEqual(validateReport(report), []);
    assert.equal(report.run.status, 'interrupted');
    assert.ok(report.verdicts.some((v) => /interrupted/.test(String(v.reason))), JSON.stringify(report.verdicts.map((v) => [v.variant_id, v.outcome, v.reason])));
    assert.deepEqual(await leftovers(runId, report), []);
  });
});
