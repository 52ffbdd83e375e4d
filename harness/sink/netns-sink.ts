// The harness side of the netns sink: starts the sink process inside the namespace and presents it
// through the same Sink interface as the in-process loopback sink.

import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PurpleError, type SinkReceipt } from '../../src/model/index.js';
import type { RunSecrets, SinkEndpoints } from '../types.js';
import type { NetnsHost } from './netns.js';
import type { Sink, SinkLimits, SinkStats } from './sink.js';

function packageRootOf(start: string): string {
  let dir = start;
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
}

export interface NetnsSinkOptions {
  runId: string;
  secrets: RunSecrets;
  ciphers: Array<[string, string]>;
  netns: NetnsHost;
  limits?: Partial<SinkLimits>;
  tls?: { key: Buffer; cert: Buffer };
  /** Told the sink process's pid the moment it starts (state file). */
  onSpawn?: (pid: number) => void;
}

export async function startNetnsSink(opts: NetnsSinkOptions): Promise<Sink> {
  const here = fileURLToPath(import.meta.url);
  const fromSource = here.endsWith('.ts');
  const script = join(dirname(here), `netns-sink-server.${fromSource ? 'ts' : 'js'}`);
  const child = execa('ip', ['netns', 'exec', opts.netns.name, process.execPath, ...(fromSource ? ['--import', 'tsx'] : []), script], {
    cwd: packageRootOf(dirname(here)),
    stdin: 'pipe',
    stdout: 'pipe',
    stderr: 'pipe',
    detached: true,
    reject: false,
    buffer: false,
    cleanup: false,
    // The run marker lets a crash cleanup find this process like any other of the run.
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PURPLE_RUN_ID: opts.runId },
    extendEnv: false,
  });
  if (child.pid !== undefined) opts.onSpawn?.(child.pid);
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => void (stderr = (stderr + c.toString()).slice(-2000)));
  const receipts: SinkReceipt[] = [];
  let stats: SinkStats = { accepted: 0, rejected: 0, limited: 0, malformed: 0 };
  const waiters = new Map<string, Array<(v: Record<string, unknown>) => void>>();
  const waitFor = (type: string, ms: number): Promise<Record<string, unknown> | undefined> =>
    new Promise((resolve) => {
      const t = setTimeout(() => resolve(undefined), ms);
      const list = waiters.get(type) ?? [];
      list.push((v) => {
        clearTimeout(t);
        resolve(v);
      });
      waiters.set(type, list);
    });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  if (child.stdout) {
    createInterface({ input: child.stdout, crlfDelay: Infinity }).on('line', (line) => {
      let m: Record<string, unknown>;
      try {
        m = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      if (m.type === 'receipt') receipts.push(m.receipt as SinkReceipt);
      if (m.type === 'settled' && m.stats) stats = m.stats as SinkStats;
      const list = waiters.get(String(m.type)) ?? [];
      waiters.delete(String(m.type));
      list.forEach((f) => f(m));
    });
  }
  const config = {
    runId: opts.runId,
    secrets: opts.secrets,
    ciphers: opts.ciphers,
    host: opts.netns.nsAddr,
    ...(opts.limits ? { limits: opts.limits } : {}),
    ...(opts.tls ? { tls: { key: opts.tls.key.toString('utf8'), cert: opts.tls.cert.toString('utf8') } } : {}),
  };
  const readyP = Promise.race([waitFor('ready', 20_000), waitFor('error', 20_000), exited.then(() => undefined)]);
  child.stdin?.write(`${JSON.stringify(config)}\n`);
  const ready = await readyP;
  if (!ready || ready.type !== 'ready') {
    child.kill('SIGKILL');
    throw new PurpleError('ENVIRONMENT', `the netns sink did not start: ${String(ready?.message ?? (stderr.trim() || 'no answer'))}`, {
      hint: 'check `ip netns exec` works as root; or use the default loopback sink',
    });
  }
  const endpoints = ready.endpoints as SinkEndpoints;
  const ports = ready.ports as Sink['ports'];
  let stopped = false;
  return {
    endpoints,
    ports,
    receipts: () => [...receipts],
    receiptsFor: (id) => receipts.filter((r) => r.variant_id === id),
    stats: () => ({ ...stats }),
    async settle(timeoutMs = 2000) {
      if (stopped) return;
      const p = waitFor('settled', timeoutMs + 1000);
      child.stdin?.write('settle\n');
      await p;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      const p = waitFor('stopped', 5000);
      child.stdin?.write('stop\n');
      await p;
      child.stdin?.end();
      const t = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(t);
    },
  };
}
