import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isPurpleError, type CollectorContext } from '../../src/model/index.js';
import { esloggerCollector } from '../../collectors/eslogger/collector.js';
import { createFakeRunner, type FakeRunner } from '../fixtures/eslogger/fake-runner.js';

const lines = readFileSync(new URL('../fixtures/eslogger/object-tokens-v9.ndjson', import.meta.url), 'utf8').split('\n').filter(Boolean);
const tmp = mkdtempSync(join(tmpdir(), 'purple-eslogger-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function ctx(runner: FakeRunner, over: Partial<CollectorContext> = {}): CollectorContext {
  return {
    runId: 'run-1',
    rawDir: join(tmp, `raw-${Math.random().toString(36).slice(2)}`),
    runner,
    hostName: 'mac-1',
    hostId: 'host-1',
    isRoot: false,
    options: {},
    ...over,
  };
}

describe('eslogger collector: argv', () => {
  const cases: Array<{ name: string; isRoot: boolean; libraryLoads: boolean; want: string[] }> = [
    { name: 'not root: sudo -n, exec fork exit', isRoot: false, libraryLoads: false, want: ['sudo', '-n', '/usr/bin/eslogger', 'exec', 'fork', 'exit'] },
    { name: 'root: no sudo', isRoot: true, libraryLoads: false, want: ['/usr/bin/eslogger', 'exec', 'fork', 'exit'] },
    { name: 'library loads add mmap', isRoot: true, libraryLoads: true, want: ['/usr/bin/eslogger', 'exec', 'fork', 'exit', 'mmap'] },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const runner = createFakeRunner({ spawn: () => ({ stdoutLines: lines.slice(0, 1) }) });
      const session = await esloggerCollector.start(ctx(runner, { isRoot: c.isRoot, options: { libraryLoads: c.libraryLoads } }));
      await session.stop();
      // Started with spawn (its own process group: eslogger mutes its own group), never with run.
      assert.deepEqual(runner.spawned, [c.want]);
      assert.equal(runner.ran.length, 0);
      assert.equal(runner.stopped, 1);
    });
  }
});

describe('eslogger collector: streaming a capture', () => {
  test('returns normalised events, labels the variant tree, keeps raw lines without env', async () => {
    const runner = createFakeRunner({ spawn: () => ({ stdoutLines: lines }) });
    const c = ctx(runner, { isRoot: true, options: { libraryLoads: true } });
    const session = await esloggerCollector.start(c);
    assert.deepEqual(session.wrapCommand(['python3', '-c', 'pass'], { variantId: 'v1', stepIndex: 0 }), ['python3', '-c', 'pass']);
    const t0 = Date.parse('2025-08-07T13:21:35Z');
    await session.variantDone({ variantId: 'v1', rootPids: [4242], startMs: t0, endMs: t0 + 1000 });
    const out = await session.stop();

    assert.equal(out.events.length, 7);
    assert.equal(out.info.id, 'eslogger');
    assert.equal(out.info.fidelity.library_loads, true);
    assert.equal(out.info.lost_records, 2);
    assert.deepEqual(out.info.errors, []);
    const labelled = out.events.filter((e) => e.labels?.purple_variant_id === 'v1').map((e) => `${e.event.action}:${e.process?.pid}`);
    // The shell that forked 4242 is outside the tree; 4242's images and its child 4243 are inside.
    assert.deepEqual(labelled, ['fork:4242', 'exec:4242', 'load:4242', 'fork:4243', 'exec:4243', 'exit:4243', 'exit:4242']);
    assert.equal(out.events[0]?.labels?.purple_run_id, 'run-1');

    assert.equal(out.rawFiles.length, 1);
    const raw = readFileSync(out.rawFiles[0] as string, 'utf8');
    assert.equal(raw.trim().split('\n').length, lines.length);
    assert.ok(!raw.includes('AWS_SECRET_ACCESS_KEY'), 'env must be stripped from the raw evidence too');
    assert.ok(raw.includes('payload.enc'));
  });

  test('eslogger ending early is recorded as an error, not thrown', async () => {
    const runner = createFakeRunner({ spawn: () => ({ stdoutLines: lines.slice(0, 2), exitAfterReplay: 1 }) });
    const session = await esloggerCollector.start(ctx(runner, { isRoot: true, options: { readyTimeoutMs: 5000 } }));
    // Let the replay finish and the exit land before stopping.
    await new Promise((r) => setImmediate(r));
    const out = await session.stop();
    assert.equal(out.events.length, 2);
    assert.ok(out.info.errors.some((e) => /ended early/.test(e)), out.info.errors.join('; '));
  });
});

describe('eslogger collector: failures at start', () => {
  const cases: Array<{ name: string; stderr: string; code: string; hint: RegExp }> = [
    { name: 'no Full Disk Access', stderr: 'Failed to create ES client: ES_NEW_CLIENT_RESULT_ERR_NOT_PERMITTED\n', code: 'PERMISSION', hint: /Full Disk Access/ },
    { name: 'sudo wants a password', stderr: 'sudo: a password is required\n', code: 'PERMISSION', hint: /sudo/ },
    { name: 'unknown failure', stderr: 'eslogger: something else\n', code: 'ENVIRONMENT', hint: /by hand/ },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const runner = createFakeRunner({ spawn: () => ({ stderr: c.stderr, exitAfterReplay: 1 }) });
      const cx = ctx(runner);
      await assert.rejects(esloggerCollector.start(cx), (e: unknown) => {
        assert.ok(isPurpleError(e));
        assert.equal(e.code, c.code);
        assert.match(e.hint ?? '', c.hint);
        return true;
      });
      assert.equal(runner.stopped, 1, 'the failed child is stopped');
      assert.ok(existsSync(cx.rawDir));
    });
  }
});

describe('eslogger collector: probe', () => {
  test('macOS 12 is too old', async () => {
    const runner = createFakeRunner({ run: (argv) => (argv[0] === 'sw_vers' ? { stdout: '12.7.4\n' } : {}) });
    const a = await esloggerCollector.probe({ runner, hostName: 'm', hostId: 'h', isRoot: true, options: {} });
    assert.equal(a.available, false);
    assert.match(a.reason ?? '', /macOS 13/);
  });
  test('missing eslogger', async () => {
    const runner = createFakeRunner({ which: { eslogger: undefined }, run: () => ({ failed: 'sw_vers: not found', exitCode: null }) });
    const a = await esloggerCollector.probe({ runner, hostName: 'm', hostId: 'h', isRoot: true, options: {} });
    assert.equal(a.available, false);
    assert.match(a.reason ?? '', /not found/);
  });
  test('sudo -n refuses', async () => {
    const runner = createFakeRunner({ run: (argv) => (argv[0] === 'sudo' ? { exitCode: 1, stderr: 'sudo: a password is required' } : { stdout: '14.5\n' }) });
    const a = await esloggerCollector.probe({ runner, hostName: 'm', hostId: 'h', isRoot: false, options: {} });
    assert.equal(a.available, false);
    assert.match(a.fix ?? '', /NOPASSWD/);
  });
  test('trial run without Full Disk Access', async () => {
    const runner = createFakeRunner({
      run: (argv) => (argv.includes('/usr/bin/eslogger') ? { exitCode: 1, stderr: 'ES_NEW_CLIENT_RESULT_ERR_NOT_PERMITTED' } : { stdout: '15.1\n' }),
    });
    const a = await esloggerCollector.probe({ runner, hostName: 'm', hostId: 'h', isRoot: true, options: {} });
    assert.equal(a.available, false);
    assert.match(a.fix ?? '', /Full Disk Access/);
    assert.deepEqual(runner.ran.at(-1), ['/usr/bin/eslogger', 'exit']);
  });
  test('trial run keeps going until the timeout: available', async () => {
    const runner = createFakeRunner({ run: (argv) => (argv.includes('/usr/bin/eslogger') ? { exitCode: null, timedOut: true } : { stdout: '15.1\n' }) });
    const a = await esloggerCollector.probe({ runner, hostName: 'm', hostId: 'h', isRoot: true, options: { libraryLoads: true } });
    assert.equal(a.available, true);
    assert.equal(a.fidelity.process_args, true);
    assert.equal(a.fidelity.library_loads, true);
    assert.ok(a.blind_spots.length > 0);
  });
});
