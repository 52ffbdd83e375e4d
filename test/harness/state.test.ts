// Crash-safe state: atomic writes, the state file's life cycle, and cleanupRun after a real kill -9
// of a process that was in the middle of a run.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanupRun, findByEnvironMarker, listRuns, readProcessTable, readRunState, RunStateFile, variantDirName, workspacePath, writeFileAtomic } from '../../harness/index.js';
import { isPurpleError } from '../../src/model/index.js';
import { testRunId } from './helpers.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const isRoot = process.getuid?.() === 0;
const hasAuditctl = (() => {
  try {
    execFileSync('auditctl', ['-s'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('writeFileAtomic', () => {
  test('replaces the file whole and leaves no temp file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'purple-atomic-'));
    try {
      const p = join(dir, 'report.json');
      writeFileSync(p, 'old');
      await writeFileAtomic(p, 'new content');
      assert.equal(readFileSync(p, 'utf8'), 'new content');
      await writeFileAtomic(p, new Uint8Array([1, 2, 3]), { mode: 0o600 });
      assert.deepEqual([...readFileSync(p)], [1, 2, 3]);
      assert.deepEqual(readdirSync(dir), ['report.json']);
      await assert.rejects(() => writeFileAtomic(join(dir, 'missing', 'x.json'), 'x'));
      assert.deepEqual(readdirSync(dir), ['report.json']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('RunStateFile', () => {
  test('records, refuses a second run with the same id, deletes itself after a clean finish', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'purple-state-'));
    try {
      const runId = testRunId('state');
      const f = await RunStateFile.create({ runId, hostName: 'h', workspace: workspacePath(runId), stateDir });
      await f.recordSink({ http: 1, tcp: 2 });
      await f.recordProcess(process.pid, 'harness', 'sc/v');
      await f.recordArtifact('audit-rule-key', 'purple-x', 'linux-audit');
      await f.recordArtifact('audit-rule-key', 'purple-x', 'linux-audit');
      const s = await readRunState(runId, stateDir);
      assert.equal(s?.status, 'running');
      assert.equal(s?.harnessPid, process.pid);
      assert.deepEqual(s?.sink, { http: 1, tcp: 2 });
      assert.equal(s?.processes[0]?.variantId, 'sc/v');
      assert.equal(s?.artifacts.length, 1);
      const listed = await listRuns(stateDir);
      assert.equal(listed.length, 1);
      assert.equal(listed[0]?.active, true);
      await assert.rejects(() => RunStateFile.create({ runId, hostName: 'h', workspace: workspacePath(runId), stateDir }), (e: unknown) => isPurpleError(e) && /already has a state file/.test(e.message));
      // A live run is not cleaned up from outside without force.
      assert.equal(process.pid, s?.harnessPid);
      await f.finish([{ what: 'x', ok: true }]);
      assert.equal(existsSync(f.path), false);
      assert.deepEqual(await listRuns(stateDir), []);
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  });

  test('an incomplete cleanup keeps the file with the failed steps', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'purple-state-'));
    try {
      const runId = testRunId('state2');
      const f = await RunStateFile.create({ runId, hostName: 'h', workspace: workspacePath(runId), stateDir });
      await f.finish([{ what: 'remove x', ok: false, detail: 'busy' }]);
      const s = await readRunState(runId, stateDir);
      assert.equal(s?.status, 'cleanup-incomplete');
      assert.equal(s?.lastCleanup?.[0]?.detail, 'busy');
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  });

  test('a state file that is not ours is bad input; unsafe artifacts are refused', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'purple-state-'));
    try {
      writeFileSync(join(stateDir, 'junk.json'), '{"hello": 1}');
      await assert.rejects(() => readRunState('junk', stateDir), (e: unknown) => isPurpleError(e) && e.code === 'BAD_INPUT');
      const listed = await listRuns(stateDir);
      assert.match(listed[0]?.problem ?? '', /not a purple-harness run state/);
      const runId = testRunId('unsafe');
      const evil = { version: 1, runId, status: 'finished', harnessPid: 999999999, hostName: 'h', startedAt: '', updatedAt: '', workspace: '/etc', keepWorkspace: false, processes: [], artifacts: [{ kind: 'path', value: '/home', by: 'x' }, { kind: 'netns', value: 'default', by: 'x' }] };
      writeFileSync(join(stateDir, `${runId}.json`), JSON.stringify(evil));
      const steps = await cleanupRun(runId, { stateDir });
      assert.ok(existsSync('/etc/hostname') || existsSync('/etc/passwd'));
      assert.ok(steps.some((s) => !s.ok && /refusing/.test(s.detail ?? '') && /\/home/.test(s.what)));
      assert.ok(steps.some((s) => !s.ok && /refusing/.test(s.detail ?? '') && /netns/.test(s.what)));
      assert.ok(steps.some((s) => !s.ok && /\/etc/.test(s.what)));
      assert.equal((await readRunState(runId, stateDir))?.status, 'cleanup-incomplete');
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
});

describe('kill -9 mid-run, then cleanupRun', () => {
  test('leaves no process, workspace, artifact, audit rule or state file; a second cleanup is a no-op', { timeout: 120_000 }, async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'purple-crash-state-'));
    const runId = testRunId('crash');
    const auditKey = isRoot && hasAuditctl ? `purple-crash-${process.pid}`.slice(0, 31) : '-';
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/harness/crash-run.ts', runId, stateDir, auditKey], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    try {
      const ws = workspacePath(runId);
      const ready = join(ws, 'variants', variantDirName('crash/block'), 'ready');
      for (let i = 0; i < 400 && !existsSync(ready); i++) await sleep(50);
      assert.ok(existsSync(ready), `the run started (stderr: ${stderr})`);
      // Wait for the state file to list the step, then crash the harness without any chance to clean up.
      for (let i = 0; i < 100; i++) {
        const s = await readRunState(runId, stateDir);
        if (s?.processes.some((p) => p.variantId === 'crash/block')) break;
        await sleep(50);
      }
      const before = await readRunState(runId, stateDir);
      assert.ok(before?.processes.some((p) => p.by === 'crash-fixture'), 'the collector helper is recorded');
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));

      // Everything is still there after the crash...
      const leftovers = await findByEnvironMarker('PURPLE_RUN_ID', runId);
      assert.ok(leftovers.length >= 3, `leftover emulation processes (${leftovers.length})`);
      assert.ok(existsSync(ws));
      assert.ok(existsSync(`/tmp/purple-crash-artifact-${runId}`));
      if (auditKey !== '-') assert.match(execFileSync('auditctl', ['-l'], { encoding: 'utf8' }), new RegExp(auditKey));
      const listed = await listRuns(stateDir);
      assert.equal(listed.find((l) => l.runId === runId)?.active, false);

      // ...and nothing after cleanupRun.
      const steps = await cleanupRun(runId, { stateDir });
      assert.ok(steps.every((s) => s.ok), JSON.stringify(steps, null, 1));
      assert.deepEqual(await findByEnvironMarker('PURPLE_RUN_ID', runId), []);
      const table = await readProcessTable();
      for (const p of before?.processes ?? []) assert.ok(!table.has(p.pid) || table.get(p.pid)?.zombie, `pid ${p.pid} (${p.by}) survived`);
      assert.equal(existsSync(ws), false);
      assert.equal(existsSync(`/tmp/purple-crash-artifact-${runId}`), false);
      if (auditKey !== '-') assert.doesNotMatch(execFileSync('auditctl', ['-l'], { encoding: 'utf8' }), new RegExp(auditKey));
      assert.equal(existsSync(join(stateDir, `${runId}.json`)), false);

      const again = await cleanupRun(runId, { stateDir });
      assert.ok(again.every((s) => s.ok));
      assert.match(again[0]?.detail ?? '', /already cleaned up/);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      // Belt and braces: never leave the test's own leftovers on the host.
      await cleanupRun(runId, { stateDir, force: true }).catch(() => undefined);
      if (auditKey !== '-') execFileSync('auditctl', ['-D', '-k', auditKey], { stdio: 'ignore' });
      rmSync(stateDir, { recursive: true, force: true });
      rmSync(`/tmp/purple-crash-artifact-${runId}`, { recursive: true, force: true });
    }
  });
});
