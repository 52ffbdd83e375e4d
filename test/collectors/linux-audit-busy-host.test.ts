// Attribution under a busy host: while a load generator forks and execs hundreds of short
// processes a second, 50 emulations in a row each keep exact lineage in the audit telemetry
// (openssl's and curl's parent is their root sh, curl's connect is curl's). The kernel logs a fork
// when the parent's clone() returns, which under load comes after the child's own exec record; the
// entity ids must not depend on that timing (see process-table.ts).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { createCommandRunner } from '../../harness/command-runner.js';
import { linuxAuditCollector } from '../../collectors/linux-audit/collector.js';
import type { TelemetryEvent } from '../../src/model/index.js';
import { auditLiveSkipReason, emulationArgv, makeWorkspace, runEmulation, startSink } from './linux-live-helpers.js';

const runner = createCommandRunner();
const isRoot = process.getuid?.() === 0;
const ROUNDS = 50;

const skipReason = (): Promise<string | undefined> => auditLiveSkipReason(runner);

/**
 * Forks and execs short processes (about 20 per 20 ms per loop) until `seconds` have passed; it
 * stops by itself even if the test dies.
 */
function startLoad(seconds: number, loops: number) {
  const script = `end=$(( $(date +%s) + ${seconds} )); while [ "$(date +%s)" -lt "$end" ]; do i=0; while [ $i -lt 20 ]; do /bin/true; i=$((i+1)); done; sleep 0.02; done`;
  return Array.from({ length: loops }, () => execa('sh', ['-c', script], { reject: false, stdin: 'ignore' }));
}

describe('linux-audit lineage on a busy host', async () => {
  const skip = await skipReason();
  test(`${ROUNDS} emulations in a row keep exact lineage while other processes fork and exec`, { skip: skip ?? false, timeout: 240_000 }, async () => {
    const sink = await startSink();
    const ws = makeWorkspace();
    const rawDir = mkdtempSync(join(tmpdir(), 'purple-audit-busy-'));
    const runId = `busy-${process.pid}-${Date.now()}`;
    const load = startLoad(60, 3);
    try {
      const session = await linuxAuditCollector.start({ runId, rawDir, runner, hostName: 'test', hostId: 'test-host', isRoot, options: { keepAll: true } });
      const windows = [];
      for (let i = 0; i < ROUNDS; i++) {
        const w = await runEmulation(emulationArgv(sink.port), ws.dir, `v${i}`);
        assert.equal(w.exitCode, 0);
        await session.variantDone(w);
        windows.push(w);
      }
      const out = await session.stop();
      for (const p of load) p.kill('SIGTERM');
      const loadExecs = out.events.filter((e) => e.event.action === 'exec' && e.process?.executable === '/usr/bin/true').length;
      assert.equal(sink.received, ROUNDS);
      assert.equal(out.info.lost_records, 0, 'the kernel dropped no record (a lost record is a gap, not a lineage defect)');
      for (const [i, w] of windows.entries()) {
        const mine = out.events.filter((e) => e.labels?.purple_variant_id === `v${i}`);
        const root = w.rootPids[0];
        const execUnder = (name: string): TelemetryEvent | undefined => mine.find((e) => e.event.action === 'exec' && e.process?.name === name && e.process.parent?.pid === root);
        const openssl = execUnder('openssl');
        const curl = execUnder('curl');
        const where = `round ${i} (root pid ${String(root)}, ${loadExecs} load execs seen)`;
        assert.ok(openssl && curl, `${where}: openssl and curl execs seen`);
        const sh = mine.filter((e) => e.event.action === 'exec' && e.process?.pid === root && e['@timestamp'] <= openssl['@timestamp']).at(-1);
        assert.ok(sh, `${where}: exec of the root sh seen`);
        assert.equal(openssl.process?.parent?.entity_id, sh.process?.entity_id, `${where}: openssl's parent is the root sh`);
        assert.equal(curl.process?.parent?.entity_id, sh.process?.entity_id, `${where}: curl's parent is the root sh`);
        const conn = mine.find((e) => [e.event.category].flat().includes('network') && e.destination?.port === sink.port && e.process?.pid === curl.process?.pid);
        assert.ok(conn, `${where}: curl's connect seen`);
        assert.equal(conn.process?.entity_id, curl.process?.entity_id, `${where}: the connect is curl's`);
        // The fork that made curl names the same process as curl's exec.
        const fork = out.events.find((e) => e.event.action === 'fork' && e.process?.pid === curl.process?.pid && e.process.parent?.pid === root && e['@timestamp'] <= curl['@timestamp']);
        if (fork) assert.equal(fork.process?.entity_id, curl.process?.entity_id, `${where}: fork and exec of curl are one entity`);
      }
      assert.ok(loadExecs > 100, `the load generator ran beside the emulations (${loadExecs} execs of /bin/true seen)`);
    } finally {
      for (const p of load) p.kill('SIGTERM');
      await Promise.allSettled(load);
      await sink.close();
      ws.cleanup();
      rmSync(rawDir, { recursive: true, force: true });
    }
  });
});
