// The launcher with real processes: the contract's environment and placeholders, argv without a
// shell, sequential and detached steps, exit codes and redacted tails, and the timeout/abort that
// kills whole trees — including a grandchild that setsid'd and one re-parented to init.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createRunWorkspace,
  findByEnvironMarker,
  launchVariant,
  readProcessTable,
  type LaunchContext,
  type RunWorkspace,
  type SinkEndpoints,
} from '../../harness/index.js';
import { isPurpleError, type Variant } from '../../src/model/index.js';
import { makeVariant, testRunId } from './helpers.js';

const RUN = testRunId('launch');
let base = '';
let ws: RunWorkspace;
const sink: SinkEndpoints = { httpBase: 'http://127.0.0.1:1', wsBase: 'ws://127.0.0.1:1', tcp: '127.0.0.1:2', listeners: ['http', 'websocket', 'tcp'] };

before(async () => {
  base = mkdtempSync(join(tmpdir(), 'purple-launch-'));
  ws = await createRunWorkspace(RUN, { baseDir: base, payloadBytes: 1024 });
});
after(() => rmSync(base, { recursive: true, force: true }));

let k = 0;
async function ctxFor(v: Variant, over: Partial<LaunchContext> = {}): Promise<LaunchContext> {
  const vws = await ws.prepareVariant(`${v.id}-${++k}`);
  return {
    runId: RUN,
    variant: v,
    workspace: vws,
    passFile: ws.passFile,
    secrets: ws.secrets,
    sink,
    sinkUrl: `http://127.0.0.1:1/upload/${v.id}`,
    sinkWsUrl: `ws://127.0.0.1:1/ws/${v.id}`,
    scenariosDir: '/opt/scenarios',
    python: '/usr/bin/python3',
    timeoutMs: 20_000,
    killGraceMs: 500,
    ...over,
  };
}

function alive(pid: number, table: Map<number, { zombie: boolean }>): boolean {
  const e = table.get(pid);
  return e !== undefined && !e.zombie;
}

describe('environment and placeholders', () => {
  test('every placeholder is substituted element-wise, no shell sees the values', async () => {
    const v = makeVariant('t/args', [
      {
        argv: [
          'sh', '-c', 'for a in "$@"; do printf "%s\\n" "$a"; done > args.txt', 'sh',
          '{workspace}', '{payload}', '{out}', '{passfile}', '{key_hex}', '{iv_hex}', '{sink_url}', '{sink_ws_url}',
          '{sink_tcp_host}', '{sink_tcp_port}', '{token}', '{journal}', '{scenarios}', '{python}', '{delay}',
          'x{token}y', '$(echo injected); rm -rf /nonexistent', 'a b',
        ],
      },
    ], { axes: { interpreter: 'sh', encryption: 'none', upload: 'none', lineage: 'none', delay_s: 7, masquerade: false } });
    const ctx = await ctxFor(v);
    const r = await launchVariant(ctx);
    assert.equal(r.steps[0]?.exitCode, 0, r.steps[0]?.stderrTail);
    const lines = readFileSync(join(ctx.workspace.dir, 'args.txt'), 'utf8').split('\n').slice(0, -1);
    assert.deepEqual(lines, [
      ctx.workspace.dir, ctx.workspace.payload, ctx.workspace.out, ws.passFile, ws.secrets.keyHex, ws.secrets.ivHex,
      ctx.sinkUrl, ctx.sinkWsUrl, '127.0.0.1', '2', ws.secrets.token, ctx.workspace.journal, '/opt/scenarios', '/usr/bin/python3', '7',
      `x${ws.secrets.token}y`, '$(echo injected); rm -rf /nonexistent', 'a b',
    ]);
    // What the report sees has no secret in it.
    const shown = JSON.stringify(r.steps[0]?.argv);
    for (const s of [ws.secrets.token, ws.secrets.keyHex, ws.secrets.ivHex]) assert.ok(!shown.includes(s));
    assert.ok(shown.includes('x<redacted>y'));
  });

  test('the contract environment, cwd = workspace, nothing else of ours leaks in', async () => {
    process.env.PURPLE_TEST_SHOULD_NOT_LEAK = 'leak';
    try {
      const v = makeVariant('t/env', [{ argv: ['sh', '-c', 'pwd > pwd.txt; env > env.txt'] }]);
      const ctx = await ctxFor(v, { sink: { ...sink, tls: '127.0.0.1:3', listeners: [...sink.listeners, 'tls'] } });
      const r = await launchVariant(ctx);
      assert.equal(r.steps[0]?.exitCode, 0);
      assert.equal(readFileSync(join(ctx.workspace.dir, 'pwd.txt'), 'utf8').trim(), ctx.workspace.dir);
      const env = Object.fromEntries(
        readFileSync(join(ctx.workspace.dir, 'env.txt'), 'utf8').split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      );
      const expected: Record<string, string> = {
        PURPLE_RUN_ID: RUN,
        PURPLE_VARIANT_ID: 't/env',
        PURPLE_WORKSPACE: ctx.workspace.dir,
        PURPLE_PAYLOAD: ctx.workspace.payload,
        PURPLE_OUT: join(ctx.workspace.dir, 'payload.enc'),
        PURPLE_PASSFILE: ws.passFile,
        PURPLE_KEY_HEX: ws.secrets.keyHex,
        PURPLE_IV_HEX: ws.secrets.ivHex,
        PURPLE_SINK_URL: ctx.sinkUrl,
        PURPLE_SINK_TOKEN: ws.secrets.token,
        PURPLE_SINK_WS_URL: ctx.sinkWsUrl,
        PURPLE_SINK_TCP: '127.0.0.1:2',
        PURPLE_SINK_TLS: '127.0.0.1:3',
        PURPLE_JOURNAL: ctx.workspace.journal,
        PURPLE_SCENARIOS: '/opt/scenarios',
        PURPLE_DELAY_S: '0',
      };
      for (const [key, val] of Object.entries(expected)) assert.equal(env[key], val, key);
      assert.equal(env.PURPLE_TEST_SHOULD_NOT_LEAK, undefined);
      assert.equal(readFileSync(ws.passFile, 'utf8'), ws.secrets.passphrase);
      assert.match(ws.secrets.passphrase, /^[0-9a-f]{64}$/);
      assert.match(ws.secrets.keyHex, /^[0-9a-f]{64}$/);
      assert.match(ws.secrets.ivHex, /^[0-9a-f]{32}$/);
      assert.match(readFileSync(ctx.workspace.payload, 'utf8').split('\n')[0] ?? '', new RegExp(`^PURPLE-HARNESS-CANARY v1 run=${RUN} variant=t/env-\\d+$`));
    } finally {
      delete process.env.PURPLE_TEST_SHOULD_NOT_LEAK;
    }
  });

  test('an unknown placeholder is bad input before anything starts', async () => {
    const v = makeVariant('t/unknown', [{ argv: ['sh', '-c', 'touch started', '{nope}'] }]);
    const ctx = await ctxFor(v);
    await assert.rejects(() => launchVariant(ctx), (e: unknown) => isPurpleError(e) && e.code === 'BAD_INPUT' && /\{nope\}/.test(e.message));
    assert.throws(() => readFileSync(join(ctx.workspace.dir, 'started')));
  });

  test('collector wrapCommand is applied to each step', async () => {
    const v = makeVariant('t/wrap', [{ argv: ['sh', '-c', 'echo "$WRAPPED:$0" > w.txt'] }, { argv: ['sh', '-c', 'echo "$WRAPPED" >> w.txt'] }]);
    const seen: number[] = [];
    const ctx = await ctxFor(v, {
      wrap: (argv, where) => {
        seen.push(where.stepIndex);
        return ['env', `WRAPPED=step${where.stepIndex}`, ...argv];
      },
    });
    const r = await launchVariant(ctx);
    assert.deepEqual(seen, [0, 1]);
    assert.equal(r.steps[0]?.argv[0], 'env');
    assert.equal(readFileSync(join(ctx.workspace.dir, 'w.txt'), 'utf8'), 'step0:sh\nstep1\n');
  });
});

describe('steps', () => {
  test('sequential steps wait for each other; each root pid comes with its own spawn time', async () => {
    const v = makeVariant('t/seq', [{ argv: ['sh', '-c', 'sleep 0.2; echo 1 >> order'] }, { argv: ['sh', '-c', 'echo 2 >> order'] }]);
    const ctx = await ctxFor(v);
    const r = await launchVariant(ctx);
    assert.equal(readFileSync(join(ctx.workspace.dir, 'order'), 'utf8'), '1\n2\n');
    assert.equal(r.rootStarts.length, r.rootPids.length);
    assert.ok(r.rootStarts[0]! >= r.startMs, 'the first step starts with the variant');
    assert.ok(r.rootStarts[1]! - r.rootStarts[0]! >= 180, `the second step was spawned after the first one's 0.2 s: ${JSON.stringify(r.rootStarts)}`);
  });

  test('a detached step starts without waiting (it waits for the next step, which must run)', async () => {
    const v = makeVariant('t/detached', [
      { argv: ['sh', '-c', 'while [ ! -f flag ]; do sleep 0.05; done; echo detached >> order'], detached: true },
      { argv: ['sh', '-c', 'echo second >> order; touch flag'] },
    ]);
    const ctx = await ctxFor(v, { timeoutMs: 15_000 });
    const r = await launchVariant(ctx);
    assert.equal(r.timedOut, false);
    assert.equal(readFileSync(join(ctx.workspace.dir, 'order'), 'utf8'), 'second\ndetached\n');
    assert.equal(r.rootPids.length, 2);
    assert.deepEqual(r.steps.map((s) => s.exitCode), [0, 0]);
  });

  test('exit codes, signals and redacted tails', async () => {
    const v = makeVariant('t/exit', [
      { argv: ['sh', '-c', 'echo "out $PURPLE_SINK_TOKEN"; echo "err $PURPLE_KEY_HEX" >&2; exit 3'] },
      { argv: ['sh', '-c', 'kill -TERM $$'] },
      { argv: ['definitely-not-a-binary-purple'] },
    ]);
    const ctx = await ctxFor(v);
    const r = await launchVariant(ctx);
    assert.equal(r.steps[0]?.exitCode, 3);
    assert.equal(r.steps[0]?.stdoutTail, 'out <redacted>\n');
    assert.equal(r.steps[0]?.stderrTail, 'err <redacted>\n');
    assert.equal(r.steps[1]?.signal, 'SIGTERM');
    assert.match(r.steps[2]?.failed ?? '', /not found/);
    assert.equal(r.steps[2]?.exitCode, null);
  });
});

describe('killing trees', () => {
  // The script records the pids of: a setsid'd grandchild, a double-forked (re-parented to init)
  // setsid'd grandchild, and a plain background child; then blocks.
  const script = [
    'setsid sleep 300 & echo $! >> pids',
    '( setsid sleep 301 & echo $! >> pids )',
    'sleep 302 & echo $! >> pids',
    'echo $$ >> pids',
    'touch ready',
    'wait',
  ].join('\n');

  async function pidsOf(dir: string): Promise<number[]> {
    return readFileSync(join(dir, 'pids'), 'utf8').split('\n').filter(Boolean).map(Number);
  }

  test('the variant timeout kills the whole tree, escaped descendants included', async () => {
    const v = makeVariant('t/timeout', [{ argv: ['sh', '-c', script] }, { argv: ['sh', '-c', 'touch never'] }]);
    const ctx = await ctxFor(v, { timeoutMs: 1500 });
    const r = await launchVariant(ctx);
    assert.equal(r.timedOut, true);
    assert.equal(r.steps[0]?.timedOut, true);
    assert.match(r.steps[1]?.failed ?? '', /timed out/);
    assert.throws(() => readFileSync(join(ctx.workspace.dir, 'never')));
    const pids = await pidsOf(ctx.workspace.dir);
    assert.equal(pids.length, 4);
    const table = await readProcessTable();
    for (const p of pids) assert.equal(alive(p, table), false, `pid ${p} survived`);
    assert.deepEqual(await findByEnvironMarker('PURPLE_VARIANT_ID', 't/timeout'), []);
  });

  test('an abort signal kills the tree and marks the result interrupted', async () => {
    const v = makeVariant('t/abort', [{ argv: ['sh', '-c', script] }]);
    const ac = new AbortController();
    const ctx = await ctxFor(v, { signal: ac.signal, timeoutMs: 60_000 });
    const watcher = setInterval(() => {
      try {
        readFileSync(join(ctx.workspace.dir, 'ready'));
        ac.abort();
        clearInterval(watcher);
      } catch {
        /* not yet */
      }
    }, 50);
    const r = await launchVariant(ctx);
    clearInterval(watcher);
    assert.equal(r.interrupted, true);
    assert.equal(r.timedOut, false);
    const table = await readProcessTable();
    for (const p of await pidsOf(ctx.workspace.dir)) assert.equal(alive(p, table), false, `pid ${p} survived`);
  });

  test('background leftovers of a step that exited normally are stopped with the variant', async () => {
    const v = makeVariant('t/leftover', [{ argv: ['sh', '-c', '(setsid sleep 303 & echo $! > pids); exit 0'] }]);
    const ctx = await ctxFor(v);
    const r = await launchVariant(ctx);
    assert.equal(r.timedOut, false);
    assert.equal(r.steps[0]?.exitCode, 0);
    const table = await readProcessTable();
    for (const p of await pidsOf(ctx.workspace.dir)) assert.equal(alive(p, table), false);
  });
});
