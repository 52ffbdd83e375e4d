// Two runs on one host at the same time. What is per run stays per run (workspace, sink, secrets,
// state file, process trees — even for the same variant id); what is host-wide (the linux-audit
// collector's audit settings) is behind a lock: the second run waits with a message naming the
// first, an abort while waiting stops it cleanly, a holder killed with -9 is taken over, and
// `purple cleanup` removes a crashed run's lock but never another run's.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanupRun, executeRun, findByEnvironMarker, RunStateFile, workspacePath, type ProgressEvent, type RunExecution } from '../../harness/index.js';
import { acquireHostLock, lockPath, readLockOwner } from '../../harness/host-lock.js';
import { findByEnvironMarkers } from '../../harness/process-tree.js';
import { isPurpleError, type Collector, type CollectorOutput } from '../../src/model/index.js';
import { makeVariant, testRunId } from './helpers.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
let dir = '';
let stateDir = '';
let lockDir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'purple-conc-'));
  stateDir = join(dir, 'state');
  lockDir = join(dir, 'locks');
});
after(() => rmSync(dir, { recursive: true, force: true }));

const FIDELITY = { process_exec: false, process_args: false, network: false, network_attribution: false, library_loads: false };
const output = (id: string): CollectorOutput => ({ events: [], rawFiles: [], info: { id, fidelity: FIDELITY, blind_spots: [], lost_records: 0, details: {}, errors: [] } });

/** A stand-in with the id of a collector that changes host-wide settings; logs when it holds them. */
function hostWideCollector(log: Array<[string, 'start' | 'stop', number]>, runId: string): Collector {
  return {
    id: 'linux-audit',
    description: 'stand-in for the linux-audit collector (host-wide settings)',
    platforms: ['linux', 'macos'],
    probe: async () => ({ available: true, fidelity: FIDELITY, blind_spots: [] }),
    async start() {
      log.push([runId, 'start', Date.now()]);
      return {
        wrapCommand: (a) => a,
        variantDone: async () => undefined,
        stop: async () => {
          log.push([runId, 'stop', Date.now()]);
          return output('linux-audit');
        },
      };
    },
  };
}

const base = (runId: string) => ({ runId, stateDir, lockDir, hostName: 'test', hostId: 'test', isRoot: process.getuid?.() === 0, killGraceMs: 300 });

// Uploads the payload with curl after `delay` seconds, then marks itself done in its workspace.
const upload = (delay: number): string[] => [
  'sh',
  '-c',
  `sleep ${delay}; curl -sS --fail -o /dev/null -H "X-Purple-Token: $PURPLE_SINK_TOKEN" --data-binary "@$PURPLE_PAYLOAD" "$PURPLE_SINK_URL" || exit 2; echo ok > "$PURPLE_WORKSPACE/done"`,
];

describe('two runs at once: per-run state is isolated', () => {
  test('the same variant id in two runs: one run timing out kills only its own tree', { timeout: 60_000 }, async () => {
    const a = testRunId('conc-a');
    const b = testRunId('conc-b');
    // Same id in both runs; in run A it hangs and times out after 1 s, in run B it uploads after 2.5 s.
    const hang = makeVariant('conc/same', [{ argv: ['sh', '-c', 'sleep 30 & wait'] }], { timeout_s: 1 });
    const ok = makeVariant('conc/same', [{ argv: upload(2.5) }]);
    const [ra, rb] = await Promise.all([executeRun({ ...base(a), variants: [hang], collectors: [] }), executeRun({ ...base(b), variants: [ok], collectors: [] })]);
    assert.equal(ra.variants[0]?.timedOut, true);
    const vb = rb.variants[0]!;
    assert.equal(vb.timedOut, false);
    assert.equal(vb.steps[0]?.exitCode, 0, `run B's step was not killed by run A (${JSON.stringify(vb.steps[0])})`);
    assert.equal(vb.receipts.length, 1, 'run B uploaded to its own sink');
    assert.equal(ra.variants[0]?.receipts.length, 0);
    // Nothing shared: sinks, secrets, state files, workspaces; both cleaned up.
    assert.notEqual(ra.sink?.httpBase, rb.sink?.httpBase);
    assert.notDeepEqual(ra.secretsForRedaction, rb.secretsForRedaction);
    assert.notEqual(ra.stateFile, rb.stateFile);
    for (const r of [ra, rb]) {
      assert.ok(r.cleanup.every((s) => s.ok), JSON.stringify(r.cleanup));
      assert.equal(existsSync(workspacePath(r.runId)), false);
      assert.equal(existsSync(r.stateFile), false);
      assert.deepEqual(await findByEnvironMarker('PURPLE_RUN_ID', r.runId), []);
    }
  });

  test('process markers must all match: the variant id of another run is not ours', async () => {
    const child = spawn('sleep', ['30'], { env: { PATH: process.env.PATH ?? '', PURPLE_RUN_ID: 'run-x', PURPLE_VARIANT_ID: 'v/1' }, stdio: 'ignore' });
    try {
      await sleep(100);
      assert.deepEqual(await findByEnvironMarkers([{ name: 'PURPLE_RUN_ID', value: 'run-x' }, { name: 'PURPLE_VARIANT_ID', value: 'v/1' }]), [child.pid]);
      assert.deepEqual(await findByEnvironMarkers([{ name: 'PURPLE_RUN_ID', value: 'run-y' }, { name: 'PURPLE_VARIANT_ID', value: 'v/1' }]), []);
    } finally {
      child.kill('SIGKILL');
    }
  });

  test('two runs created with the same id at the same moment: exactly one gets the state file', async () => {
    const id = testRunId('race');
    const opts = { runId: id, hostName: 'h', workspace: workspacePath(id), stateDir };
    const results = await Promise.allSettled([RunStateFile.create(opts), RunStateFile.create(opts), RunStateFile.create(opts)]);
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    for (const r of results) if (r.status === 'rejected') assert.ok(isPurpleError(r.reason) && /already has a state file/.test(r.reason.message));
    const winner = results.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<RunStateFile>;
    await winner.value.finish([]);
  });
});

describe('two runs at once: host-wide settings are locked', () => {
  test('the second run waits for the first, with a message naming it; the collectors never overlap', { timeout: 60_000 }, async () => {
    const a = testRunId('lock-a');
    const b = testRunId('lock-b');
    const log: Array<[string, 'start' | 'stop', number]> = [];
    const events: ProgressEvent[] = [];
    const v = (id: string) => makeVariant(id, [{ argv: upload(1) }]);
    const first = executeRun({ ...base(a), variants: [v('lk/a')], collectors: [hostWideCollector(log, a)] });
    await sleep(300);
    const second = executeRun({ ...base(b), variants: [v('lk/b')], collectors: [hostWideCollector(log, b)], onProgress: (e) => events.push(e) });
    const [ra, rb] = await Promise.all([first, second]);
    const waits = events.filter((e): e is Extract<ProgressEvent, { type: 'waiting-for-lock' }> => e.type === 'waiting-for-lock');
    assert.equal(waits.length, 1);
    assert.equal(waits[0]?.holder.runId, a);
    assert.equal(waits[0]?.resource, 'linux-audit');
    assert.match(waits[0]?.message ?? '', new RegExp(`waiting for run ${a} .*linux-audit`));
    // B's collector started only after A's stopped.
    const at = (run: string, what: 'start' | 'stop'): number => log.find(([r, w]) => r === run && w === what)?.[2] ?? NaN;
    assert.ok(at(b, 'start') >= at(a, 'stop'), JSON.stringify(log));
    for (const r of [ra, rb]) {
      assert.equal(r.variants[0]?.receipts.length, 1, `${r.runId} uploaded`);
      assert.ok(r.cleanup.every((s) => s.ok), JSON.stringify(r.cleanup));
    }
    assert.equal(existsSync(lockPath('linux-audit', lockDir)), false, 'the lock is released');
  });

  test('Ctrl-C while waiting: nothing starts, the variants are marked not run, the holder keeps its lock', { timeout: 30_000 }, async () => {
    const holder = await acquireHostLock('linux-audit', { runId: 'holder-run', lockDir });
    assert.ok(holder);
    try {
      const id = testRunId('lock-abort');
      const ac = new AbortController();
      const log: Array<[string, 'start' | 'stop', number]> = [];
      const events: ProgressEvent[] = [];
      setTimeout(() => ac.abort(), 400);
      const r: RunExecution = await executeRun({ ...base(id), variants: [makeVariant('lk/x', [{ argv: upload(0) }])], collectors: [hostWideCollector(log, id)], signal: ac.signal, onProgress: (e) => events.push(e) });
      assert.equal(r.interrupted, true);
      assert.equal(log.length, 0, 'the collector never started');
      assert.equal(r.variants[0]?.status, 'skipped');
      assert.match(r.variants[0]?.reason ?? '', /interrupted while waiting/);
      assert.ok(events.some((e) => e.type === 'waiting-for-lock'));
      assert.ok(r.cleanup.every((s) => s.ok), JSON.stringify(r.cleanup));
      assert.equal(existsSync(r.stateFile), false);
      assert.equal((await readLockOwner(holder.path))?.runId, 'holder-run');
    } finally {
      await holder.release();
    }
  });

  test('a holder in another process: the run waits; after kill -9 of the holder it takes the stale lock over', { timeout: 60_000 }, async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/harness/hold-lock.ts', 'linux-audit', lockDir, 'crashed-holder'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (c: Buffer) => (c.toString().startsWith('held') ? resolve() : undefined));
        child.once('exit', () => reject(new Error('the holder exited')));
      });
      const id = testRunId('lock-stale');
      const log: Array<[string, 'start' | 'stop', number]> = [];
      let waitingSince = 0;
      const run = executeRun({
        ...base(id),
        variants: [makeVariant('lk/s', [{ argv: upload(0) }])],
        collectors: [hostWideCollector(log, id)],
        onProgress: (e) => {
          if (e.type === 'waiting-for-lock') {
            assert.equal(e.holder.pid, child.pid);
            waitingSince = Date.now();
            setTimeout(() => child.kill('SIGKILL'), 500);
          }
        },
      });
      const r = await run;
      assert.ok(waitingSince > 0, 'the run waited for the live holder');
      assert.ok((log[0]?.[2] ?? 0) >= waitingSince + 400, 'and started only after the holder died');
      assert.equal(r.variants[0]?.receipts.length, 1);
      assert.ok(r.cleanup.every((s) => s.ok), JSON.stringify(r.cleanup));
      assert.equal(existsSync(lockPath('linux-audit', lockDir)), false);
    } finally {
      child.kill('SIGKILL');
    }
  });

  test("cleanupRun removes a crashed run's lock, never another run's", async () => {
    const path = lockPath('linux-audit', lockDir);
    const runId = testRunId('lock-cleanup');
    const dead = spawn('true');
    await new Promise((r) => dead.once('exit', r));
    const write = (owner: string, pid: number): void => writeFileSync(path, JSON.stringify({ resource: 'linux-audit', runId: owner, pid, since: new Date().toISOString(), nonce: 'n' }));
    const state = await RunStateFile.create({ runId, hostName: 'h', workspace: workspacePath(runId), stateDir });
    await state.recordArtifact('host-lock', path, 'harness');
    // Another live run holds it now: left alone.
    write('someone-else', process.pid);
    let steps = await cleanupRun(runId, { stateDir, force: true });
    assert.ok(steps.some((s) => /left alone/.test(s.detail ?? '')), JSON.stringify(steps));
    assert.equal(JSON.parse(readFileSync(path, 'utf8')).runId, 'someone-else');
    // The crashed run's own lock (its harness is gone): removed.
    const state2 = await RunStateFile.create({ runId, hostName: 'h', workspace: workspacePath(runId), stateDir });
    await state2.recordArtifact('host-lock', path, 'harness');
    write(runId, dead.pid!);
    steps = await cleanupRun(runId, { stateDir });
    assert.ok(steps.every((s) => s.ok), JSON.stringify(steps));
    assert.equal(existsSync(path), false);
  });
});
