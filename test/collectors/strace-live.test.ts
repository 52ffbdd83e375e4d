import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCommandRunner } from '../../harness/command-runner.js';
import { straceCollector } from '../../collectors/strace/collector.js';
import { emulationArgv, findConnect, findExec, makeWorkspace, runEmulation, startSink } from './linux-live-helpers.js';

const runner = createCommandRunner();

async function skipReason(): Promise<string | undefined> {
  if (process.platform !== 'linux') return 'not Linux';
  const a = await straceCollector.probe({ runner, hostName: 'test', hostId: 'test-host', isRoot: process.getuid?.() === 0, options: {} });
  if (!a.available) return `strace unavailable: ${a.reason ?? ''}`;
  for (const b of ['openssl', 'curl']) if (!(await runner.which(b))) return `${b} not installed`;
  return undefined;
}

describe('strace collector (live)', async () => {
  const skip = await skipReason();
  test('wraps a real emulation and normalises exec, parentage and connect', { skip: skip ?? false }, async () => {
    const sink = await startSink();
    const ws = makeWorkspace();
    const rawDir = mkdtempSync(join(tmpdir(), 'purple-strace-raw-'));
    try {
      const session = await straceCollector.start({ runId: 'run-s', rawDir, runner, hostName: 'test', hostId: 'test-host', isRoot: false, options: {} });
      const argv = session.wrapCommand(emulationArgv(sink.port), { variantId: 'v-strace', stepIndex: 0 });
      assert.match(argv[0]!, /strace$/);
      assert.ok(argv.includes('-f'));
      const w = await runEmulation(argv, ws.dir, 'v-strace');
      assert.equal(w.exitCode, 0, 'strace passes the emulation exit code through');
      await session.variantDone(w);
      const out = await session.stop();
      assert.equal(sink.received, 1);
      const sh = out.events.find((e) => e.event.action === 'exec' && e.process?.args?.[0] === 'sh');
      const openssl = findExec(out.events, 'openssl');
      const curl = findExec(out.events, 'curl');
      assert.ok(sh && openssl && curl);
      assert.deepEqual(openssl.process?.args?.slice(0, 4), ['openssl', 'enc', '-aes-256-cbc', '-pbkdf2']);
      assert.equal(openssl.process?.parent?.pid, sh.process?.pid);
      assert.equal(curl.process?.parent?.entity_id, sh.process?.entity_id);
      const conn = findConnect(out.events, sink.port);
      assert.ok(conn, 'connect to the sink');
      assert.equal(conn.process?.entity_id, curl.process?.entity_id);
      assert.ok(out.events.some((e) => e.event.category === 'library' && e.process?.pid === openssl.process?.pid && /libcrypto/.test(e.dll?.name ?? '')));
      for (const e of out.events) assert.equal(e.labels?.purple_variant_id, 'v-strace');
      assert.ok(out.rawFiles.length === 1 && existsSync(out.rawFiles[0]!));
      assert.deepEqual(out.info.errors, []);
    } finally {
      await sink.close();
      ws.cleanup();
      rmSync(rawDir, { recursive: true, force: true });
    }
  });
});
