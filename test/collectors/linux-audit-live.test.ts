import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCommandRunner } from '../../harness/command-runner.js';
import { linuxAuditCollector } from '../../collectors/linux-audit/collector.js';
import { parseAuditStatus } from '../../collectors/linux-audit/status.js';
import { auditKeyForRun } from '../../collectors/linux-audit/rules.js';
import { auditLiveSkipReason, emulationArgv, findConnect, findExecUnder, makeWorkspace, runEmulation, startSink } from './linux-live-helpers.js';

const runner = createCommandRunner();
const isRoot = process.getuid?.() === 0;

const skipReason = (): Promise<string | undefined> => auditLiveSkipReason(runner);

describe('linux-audit collector (live, real auditd)', async () => {
  const skip = await skipReason();
  test('captures exec, connect and parentage of a real emulation and leaves audit as it was', { skip: skip ?? false }, async () => {
    const before = parseAuditStatus((await runner.run(['auditctl', '-s'])).stdout);
    const rulesBefore = (await runner.run(['auditctl', '-l'])).stdout;
    const sink = await startSink();
    const ws = makeWorkspace();
    const rawDir = mkdtempSync(join(tmpdir(), 'purple-audit-raw-'));
    const runId = `test-${process.pid}-${Date.now()}`;
    const key = auditKeyForRun(runId);
    const artifacts: string[] = [];
    try {
      const session = await linuxAuditCollector.start({
        runId,
        rawDir,
        runner,
        hostName: 'test',
        hostId: 'test-host',
        isRoot,
        options: {},
        recordArtifact: (k, v) => artifacts.push(`${k}=${v}`),
      });
      const listed = (await runner.run(['auditctl', '-l'])).stdout;
      assert.match(listed, new RegExp(key), 'rules with the run key are installed during the run');
      const w = await runEmulation(emulationArgv(sink.port), ws.dir);
      assert.equal(w.exitCode, 0);
      await session.variantDone(w);
      const out = await session.stop();

      assert.equal(sink.received, 1);
      assert.ok(artifacts.includes(`audit-rule-key=${key}`));
      // Audit sees the whole host, other tests' processes included: this emulation's openssl and
      // curl are the ones whose parent is its root sh (dash forks each command, so they are siblings).
      const openssl = findExecUnder(out.events, w.rootPids[0], 'openssl');
      const why = `collector errors: ${JSON.stringify(out.info.errors)}; events: ${out.events.length}; details: ${JSON.stringify(out.info.details)}`;
      assert.ok(openssl, `exec of openssl under the root sh seen (${why})`);
      assert.deepEqual(openssl.process?.args, ['openssl', 'enc', '-aes-256-cbc', '-pbkdf2', '-pass', 'pass:x', '-in', 'F', '-out', 'G']);
      // pids wrap quickly on a busy host (pid_max is 32768 on small machines): the root sh is the
      // last image of its pid before openssl ran, not necessarily the first exec of that pid.
      const sh = out.events.filter((e) => e.event.action === 'exec' && e.process?.pid === w.rootPids[0] && e['@timestamp'] <= openssl['@timestamp']).at(-1);
      assert.ok(sh, 'exec of the root sh seen');
      const curl = findExecUnder(out.events, w.rootPids[0], 'curl');
      assert.ok(curl, 'exec of curl under the root sh seen');
      assert.equal(openssl.process?.parent?.entity_id, sh.process?.entity_id);
      assert.equal(curl.process?.parent?.entity_id, sh.process?.entity_id);
      const conn = findConnect(out.events, sink.port);
      assert.ok(conn, 'connect to the sink seen');
      assert.equal(conn.process?.pid, curl.process?.pid);
      assert.equal(conn.process?.entity_id, curl.process?.entity_id);
      assert.equal(conn.process?.name, 'curl');
      for (const e of out.events) {
        assert.equal(e.labels?.purple_variant_id, 'v1');
        assert.equal(e.labels?.purple_run_id, runId);
        assert.equal(e.event.dataset, 'linux-audit');
      }
      const libs = out.events.filter((e) => e.event.category === 'library');
      if (out.info.fidelity.library_loads) assert.ok(libs.some((e) => e.process?.name === 'openssl' && /libcrypto/.test(e.dll?.name ?? '')), 'openssl loads libcrypto');
      assert.ok(existsSync(out.rawFiles[0]!));
      assert.match(readFileSync(out.rawFiles[0]!, 'utf8'), /type=EXECVE/);
      assert.equal(typeof out.info.lost_records, 'number');
    } finally {
      await sink.close();
      ws.cleanup();
      rmSync(rawDir, { recursive: true, force: true });
    }
    const after = parseAuditStatus((await runner.run(['auditctl', '-s'])).stdout);
    const rulesAfter = (await runner.run(['auditctl', '-l'])).stdout;
    assert.doesNotMatch(rulesAfter, new RegExp(key), 'no rule of the run is left');
    assert.equal(rulesAfter, rulesBefore);
    assert.equal(after.enabled, before.enabled);
    assert.equal(after.pid, before.pid);
    assert.equal(after.backlogLimit, before.backlogLimit);
  });
});
