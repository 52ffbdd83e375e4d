// Least privilege end to end: started with sudo (root, SUDO_UID/SUDO_GID set), executeRun runs every
// emulation step as the invoking user — uid, gid, no supplementary groups, HOME in the workspace —
// while collectors and their helpers keep root. Needs root.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { executeRun } from '../../harness/index.js';
import type { Collector, CollectorOutput } from '../../src/model/index.js';
import { makeVariant, testRunId } from './helpers.js';

const isRoot = process.getuid?.() === 0;
const FIDELITY = { process_exec: false, process_args: false, network: false, network_attribution: false, library_loads: false };

describe('under sudo, emulations run as the invoking user', { skip: isRoot ? false : 'needs root' }, () => {
  test('SUDO_UID/SUDO_GID reach every step through executeRun; collectors stay root', { timeout: 60_000 }, async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'purple-sudo-state-'));
    const runId = testRunId('sudo-run');
    const saved = { uid: process.env.SUDO_UID, gid: process.env.SUDO_GID };
    let collectorUid = '';
    const collector: Collector = {
      id: 'uid-probe',
      description: 'records the uid its helpers run as',
      platforms: ['linux', 'macos'],
      probe: async () => ({ available: true, fidelity: FIDELITY, blind_spots: [] }),
      async start(ctx) {
        collectorUid = (await ctx.runner.run(['id', '-u'])).stdout.trim();
        const out: CollectorOutput = { events: [], rawFiles: [], info: { id: 'uid-probe', fidelity: FIDELITY, blind_spots: [], lost_records: 0, details: {}, errors: [] } };
        return { wrapCommand: (a) => a, variantDone: async () => undefined, stop: async () => out };
      },
    };
    // The step reports who it is in its journal (the journal is the emulation's ground truth).
    const who = [
      'sh',
      '-c',
      `printf '{"time_ms": %s000, "action": "note", "pid": %s, "details": {"uid": "%s", "gid": "%s", "groups": "%s", "home": "%s"}}\\n' "$(date +%s)" "$$" "$(id -u)" "$(id -g)" "$(id -G)" "$HOME" >> "$PURPLE_JOURNAL"; curl -sS --fail -o /dev/null -H "X-Purple-Token: $PURPLE_SINK_TOKEN" --data-binary "@$PURPLE_PAYLOAD" "$PURPLE_SINK_URL"`,
    ];
    try {
      process.env.SUDO_UID = '65534';
      process.env.SUDO_GID = '65534';
      const r = await executeRun({ runId, stateDir, hostName: 'h', hostId: 'h', isRoot: true, collectors: [collector], variants: [makeVariant('sudo/who', [{ argv: who }])], killGraceMs: 300 });
      const v = r.variants[0]!;
      assert.equal(v.steps[0]?.exitCode, 0, v.steps[0]?.stderrTail);
      const d = v.journal[0]?.details as { uid: string; gid: string; groups: string; home: string } | undefined;
      assert.deepEqual({ uid: d?.uid, gid: d?.gid, groups: d?.groups }, { uid: '65534', gid: '65534', groups: '65534' }, 'no supplementary groups of root');
      assert.ok(d?.home.startsWith(join(tmpdir(), `purple-${runId}`)), `HOME in the workspace (${d?.home ?? ''})`);
      assert.equal(v.receipts.length, 1, 'the emulation could read its payload and reach the sink');
      assert.equal(collectorUid, '0', 'collectors keep root');
      assert.ok(r.cleanup.every((s) => s.ok), JSON.stringify(r.cleanup));
    } finally {
      if (saved.uid === undefined) delete process.env.SUDO_UID;
      else process.env.SUDO_UID = saved.uid;
      if (saved.gid === undefined) delete process.env.SUDO_GID;
      else process.env.SUDO_GID = saved.gid;
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
});
