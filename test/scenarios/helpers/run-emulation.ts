// Runs a variant's steps the way the emulation contract describes (argv arrays, placeholders
// substituted element-wise, PURPLE_* environment), against a TinySink, in a temp workspace.

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { JournalEntry, Variant } from '../../../src/model/index.js';
import { substitutePlaceholders, type Placeholder } from '../../../harness/scenario/index.js';
import type { TinySink } from './tiny-sink.js';
import type { RunSecrets } from './decrypt.js';

export const SCENARIOS_DIR = resolve('scenarios');

export interface EmulationResult {
  exitCodes: Array<number | null>;
  stderr: string;
  journal: JournalEntry[];
  secrets: RunSecrets;
  payload: Buffer;
  workspace: string;
  rootPids: number[];
}

export function canaryPayload(runId: string, variantId: string): Buffer {
  const filler = Array.from({ length: 400 }, (_, i) => `canary filler line ${i} ${'x'.repeat(40)}`).join('\n');
  return Buffer.from(`PURPLE-HARNESS-CANARY v1 run=${runId} variant=${variantId}\n${filler}\n`);
}

function runStep(argv: string[], env: NodeJS.ProcessEnv, cwd: string, timeoutMs: number): { pid: number | undefined; done: Promise<{ code: number | null; stderr: string }> } {
  const [file, ...args] = argv;
  const child = spawn(file ?? '', args, { cwd, env, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const done = new Promise<{ code: number | null; stderr: string }>((res) => {
    const timer = setTimeout(() => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      res({ code: -1, stderr: String(e) });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      res({ code, stderr });
    });
  });
  return { pid: child.pid, done };
}

export async function runEmulation(variant: Variant, sink: TinySink, opts: { python?: string; keepWorkspace?: boolean } = {}): Promise<EmulationResult> {
  const runId = `t${randomBytes(4).toString('hex')}`;
  // Laid out like the harness's run workspace (deep path, TMPDIR inside it), so scripts meet the
  // same limits there (unix socket path length) as in a real run.
  const root = mkdtempSync(join(tmpdir(), 'purple-scn-'));
  const workspace = join(root, 'variants', variant.id.replace(/[^A-Za-z0-9._+-]/g, '__'));
  mkdirSync(workspace, { recursive: true });
  const secrets: RunSecrets = { passphrase: randomBytes(32).toString('hex'), keyHex: randomBytes(32).toString('hex'), ivHex: randomBytes(16).toString('hex') };
  const payload = canaryPayload(runId, variant.id);
  const paths = { payload: join(workspace, 'payload.txt'), out: join(workspace, 'payload.enc'), passfile: join(workspace, 'pass'), journal: join(workspace, 'journal.jsonl') };
  writeFileSync(paths.payload, payload);
  writeFileSync(paths.passfile, secrets.passphrase);
  chmodSync(paths.passfile, 0o600);
  const sinkUrl = `http://127.0.0.1:${sink.httpPort}/upload/${variant.id}`;
  const wsUrl = `ws://127.0.0.1:${sink.httpPort}/ws/${variant.id}`;
  const values: Record<Placeholder, string> = {
    workspace,
    payload: paths.payload,
    out: paths.out,
    passfile: paths.passfile,
    key_hex: secrets.keyHex,
    iv_hex: secrets.ivHex,
    sink_url: sinkUrl,
    sink_ws_url: wsUrl,
    sink_tcp_host: '127.0.0.1',
    sink_tcp_port: String(sink.tcpPort),
    token: sink.token,
    journal: paths.journal,
    scenarios: SCENARIOS_DIR,
    python: opts.python ?? 'python3',
    delay: String(variant.axes.delay_s),
  };
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PURPLE_RUN_ID: runId,
    PURPLE_VARIANT_ID: variant.id,
    PURPLE_WORKSPACE: workspace,
    PURPLE_PAYLOAD: paths.payload,
    PURPLE_OUT: paths.out,
    PURPLE_PASSFILE: paths.passfile,
    PURPLE_KEY_HEX: secrets.keyHex,
    PURPLE_IV_HEX: secrets.ivHex,
    PURPLE_SINK_URL: sinkUrl,
    PURPLE_SINK_TOKEN: sink.token,
    PURPLE_SINK_WS_URL: wsUrl,
    PURPLE_SINK_TCP: `127.0.0.1:${sink.tcpPort}`,
    PURPLE_JOURNAL: paths.journal,
    PURPLE_SCENARIOS: SCENARIOS_DIR,
    PURPLE_DELAY_S: String(variant.axes.delay_s),
    TMPDIR: workspace,
  };
  if (sink.tlsPort !== undefined) env.PURPLE_SINK_TLS = `127.0.0.1:${sink.tlsPort}`;

  const rootPids: number[] = [];
  const results: Array<{ code: number | null; stderr: string }> = [];
  const running: Array<Promise<{ code: number | null; stderr: string }>> = [];
  // A step waits for the ones before it, unless the step after it is detached (starts beside it).
  for (const [i, step] of variant.steps.entries()) {
    if (step.delay_s) await new Promise((r) => setTimeout(r, (step.delay_s ?? 0) * 1000));
    const s = runStep(substitutePlaceholders(step.argv, values), env, workspace, variant.timeout_s * 1000);
    if (s.pid) rootPids.push(s.pid);
    running.push(s.done);
    if (variant.steps[i + 1]?.detached !== true) for (const p of running.splice(0)) results.push(await p);
  }

  const journal = existsSync(paths.journal)
    ? readFileSync(paths.journal, 'utf8')
        .split('\n')
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l) as JournalEntry)
    : [];
  if (!opts.keepWorkspace) rmSync(root, { recursive: true, force: true });
  return { exitCodes: results.map((r) => r.code), stderr: results.map((r) => r.stderr).join(''), journal, secrets, payload, workspace, rootPids };
}
