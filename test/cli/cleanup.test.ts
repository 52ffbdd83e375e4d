// Black-box: `purple cleanup` against state files made by the harness's own state API, in a temp
// state folder: a crashed run is undone step by step, twice is safe, unknown and active runs exit 2.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCommandRunner } from '../../harness/command-runner.js';
import { cleanupRun, findByEnvironMarker, RunStateFile, workspacePath } from '../../harness/index.js';
import { isAlive as alive, readProcessTable } from '../../harness/process-tree.js';

const ROOT = join(import.meta.dirname, '..', '..');
const runner = createCommandRunner();
let stateDir = '';
let n = 0;
const newRunId = (tag: string): string => `t-cli-${tag}-${process.pid}-${Date.now().toString(36)}-${++n}`;

function purple(args: string[], env: Record<string, string> = {}): Promise<{ exitCode: number | null; stdout: string; stderr: string }> {
  return runner.run([process.execPath, '--import', 'tsx', join(ROOT, 'src', 'cli', 'main.ts'), ...args], { timeoutMs: 60_000, env });
}

/** A harness that recorded a workspace, a temp path and a process, then died without cleaning up. */
async function crashedRun(runId: string): Promise<number> {
  const r = await runner.run([process.execPath, '--import', 'tsx', join(ROOT, 'test', 'cli', 'cleanup-fake-run.ts'), runId, stateDir], { timeoutMs: 60_000 });
  assert.equal(r.exitCode, 0, r.stderr);
  return Number(r.stdout.trim());
}

describe('purple cleanup (CLI)', () => {
  const started: string[] = [];
  before(() => {
    stateDir = mkdtempSync(join(tmpdir(), 'purple-cli-state-'));
  });
  after(async () => {
    // Never leave the tests' own leftovers on the host.
    for (const id of started) {
      await cleanupRun(id, { stateDir, force: true }).catch(() => undefined);
      rmSync(`/tmp/purple-cleanup-artifact-${id}`, { force: true });
    }
    rmSync(stateDir, { recursive: true, force: true });
  });

  test('a crashed run: --list shows it, cleanup undoes every step and says so, a second cleanup changes nothing', { timeout: 120_000 }, async () => {
    const runId = newRunId('crash');
    started.push(runId);
    const pid = await crashedRun(runId);
    const ws = workspacePath(runId);
    const artifact = `/tmp/purple-cleanup-artifact-${runId}`;
    assert.ok(alive(pid), 'the recorded process outlived its harness');
    assert.ok(existsSync(ws) && existsSync(artifact));

    const list = await purple(['cleanup', '--list', '--state-dir', stateDir]);
    assert.equal(list.exitCode, 0, list.stderr);
    assert.match(list.stdout, new RegExp(`${runId}  crashed or killed \\(harness gone\\)`));
    assert.match(list.stdout, new RegExp(`path ${artifact}`));
    const listJson = JSON.parse((await purple(['cleanup', '--list', '--json', '--state-dir', stateDir])).stdout) as { runs: Array<{ runId: string; active: boolean; state: { processes: Array<{ pid: number }> } }> };
    const entry = listJson.runs.find((r) => r.runId === runId);
    assert.equal(entry?.active, false);
    assert.deepEqual(entry?.state.processes.map((p) => p.pid), [pid]);

    const first = await purple(['cleanup', runId, '--state-dir', stateDir]);
    assert.equal(first.exitCode, 0, first.stdout + first.stderr);
    assert.match(first.stdout, /ok {4}stop the run's processes: stopped 1 process\(es\)/);
    assert.match(first.stdout, new RegExp(`ok {4}remove ${artifact}`));
    assert.match(first.stdout, new RegExp(`ok {4}remove workspace ${ws}\\n`));
    assert.match(first.stdout, /ok {4}remove state file /);
    assert.match(first.stdout, new RegExp(`run ${runId}: cleaned up`));
    assert.equal(existsSync(ws), false);
    assert.equal(existsSync(artifact), false);
    assert.equal(existsSync(join(stateDir, `${runId}.json`)), false);
    assert.deepEqual(await findByEnvironMarker('PURPLE_RUN_ID', runId), []);
    // Dead, or a zombie waiting for its new parent (the harness that started it is gone) to reap it.
    const table = await readProcessTable();
    assert.ok(!table.has(pid) || table.get(pid)?.zombie, `pid ${pid} survived the cleanup`);

    // Twice is safe: nothing is left, nothing is touched, and it says why it knows nothing of the run.
    const second = await purple(['cleanup', runId, '--state-dir', stateDir]);
    assert.equal(second.exitCode, 2);
    assert.match(second.stdout, /stop the run's processes: none left/);
    assert.match(second.stdout, /already absent/);
    assert.match(second.stderr, new RegExp(`nothing of run ${runId} is here`));
    assert.match(second.stderr, /hint: the run was already cleaned up, or the id is wrong/);
    assert.doesNotMatch(second.stdout + second.stderr, /FAIL|internal error|at .*\.ts:\d+/);
  });

  test('--all cleans every dead run, skips a live one, and exits 0 when there is nothing to do', { timeout: 120_000 }, async () => {
    const dead = newRunId('all');
    started.push(dead);
    await crashedRun(dead);
    // A run whose harness (this test process) is alive.
    const live = newRunId('live');
    started.push(live);
    const state = await RunStateFile.create({ runId: live, hostName: 'h', workspace: workspacePath(live), stateDir });
    await state.settled();
    
    const one = await purple(['cleanup', live, '--state-dir', stateDir]);
    assert.equal(one.exitCode, 2);
    assert.match(one.stdout, /FAIL {2}cleanup of run .*: the run is still active/);
    assert.match(one.stderr, /is still running; stop it first/);

    const all = await purple(['cleanup', '--all', '--state-dir', stateDir]);
    assert.equal(all.exitCode, 0, all.stdout + all.stderr);
    assert.match(all.stdout, new RegExp(`cleanup of run ${live}: skipped, still running`));
    assert.match(all.stdout, new RegExp(`cleanup of run ${dead}\\n {2}ok {4}stop the run's processes`));
    assert.equal(existsSync(join(stateDir, `${dead}.json`)), false);
    assert.equal(existsSync(join(stateDir, `${live}.json`)), true);

    const forced = await purple(['cleanup', live, '--force', '--json', '--state-dir', stateDir]);
    assert.equal(forced.exitCode, 0, forced.stderr);
    const body = JSON.parse(forced.stdout) as { runs: Array<{ runId: string; ok: boolean; steps: Array<{ what: string; ok: boolean }> }> };
    assert.equal(body.runs[0]?.ok, true);
    assert.ok(body.runs[0]?.steps.some((s) => /remove state file/.test(s.what)));

    const none = await purple(['cleanup', '--all', '--state-dir', stateDir]);
    assert.equal(none.exitCode, 0);
    assert.match(none.stdout, /nothing to clean up/);
  });

  test('bad input exits 2 with a message and a hint, never a stack trace', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['cleanup', 'no-such-run-xyz', '--state-dir', stateDir], /nothing of run no-such-run-xyz is here/],
      [['cleanup', '../etc', '--state-dir', stateDir], /run id "\.\.\/etc" is not a plain id/],
      [['cleanup', '--state-dir', stateDir], /name the run to clean up/],
      [['cleanup', 'x', '--all', '--state-dir', stateDir], /give one of: a run id, --all, --list/],
    ];
    for (const [args, want] of cases) {
      const r = await purple(args);
      assert.equal(r.exitCode, 2, args.join(' '));
      assert.match(r.stderr, want);
      assert.match(r.stderr, /hint: /);
      assert.doesNotMatch(r.stderr, /internal error|\n\s+at /);
    }
  });

  test('the state folder defaults to $PURPLE_STATE_DIR', async () => {
    const r = await purple(['cleanup', '--list'], { PURPLE_STATE_DIR: stateDir });
    assert.equal(r.exitCode, 0);
    assert.match(r.stdout, new RegExp(`in ${stateDir}`));
  });
});
