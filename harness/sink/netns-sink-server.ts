// Entry point of the sink process inside the netns test host. Talks JSON lines: the first stdin
// line is the config (secrets come through stdin, never argv or the environment); stdout carries
// `ready`, each `receipt`, and `settled`; stdin `settle` and `stop` drive it. Exits when stdin closes.

import { createInterface } from 'node:readline';
import { startSink, type SinkLimits } from './sink.js';
import type { RunSecrets } from '../types.js';

interface Config {
  runId: string;
  secrets: RunSecrets;
  ciphers: Array<[string, string]>;
  host: string;
  limits?: Partial<SinkLimits>;
  tls?: { key: string; cert: string };
}

const out = (v: unknown): void => void process.stdout.write(`${JSON.stringify(v)}\n`);
const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
let sink: Awaited<ReturnType<typeof startSink>> | undefined;

rl.on('line', (line) => {
  void (async () => {
    if (!sink) {
      try {
        const c = JSON.parse(line) as Config;
        const ciphers = new Map(c.ciphers);
        sink = await startSink({
          runId: c.runId,
          secrets: c.secrets,
          cipherFor: (id) => ciphers.get(id),
          host: c.host,
          allowNonLoopback: true,
          ...(c.limits ? { limits: c.limits } : {}),
          ...(c.tls ? { tls: c.tls } : {}),
          onReceipt: (r) => out({ type: 'receipt', receipt: r }),
        });
        out({ type: 'ready', endpoints: sink.endpoints, ports: sink.ports });
      } catch (e) {
        out({ type: 'error', message: (e as Error).message });
        process.exit(1);
      }
      return;
    }
    if (line === 'settle') {
      await sink.settle(2000);
      out({ type: 'settled', stats: sink.stats() });
    } else if (line === 'stop') {
      await sink.stop();
      out({ type: 'stopped' });
      process.exit(0);
    }
  })();
});
rl.on('close', () => {
  void (sink ? sink.stop() : Promise.resolve()).then(() => process.exit(0));
});
