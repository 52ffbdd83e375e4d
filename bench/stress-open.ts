// Memory stress: 100,000 concurrently open DET0503 sequences (an encryption on 100,000 distinct
// processes, no upload yet), then the uploads that complete them. Reports the open state, the
// evictions at the cap on open sequences, heap and peak RSS, and the alerts.
//   tsx bench/stress-open.ts [sequences=100000] [maxOpenSequences=10000]   → one JSON line on stdout

import { readFileSync } from 'node:fs';
import { loadDetectorFromDisk } from '../src/pipeline/index.js';
import { createDetector } from '../src/detector/index.js';
import type { TelemetryEvent } from '../src/model/index.js';

const T0 = Date.UTC(2025, 0, 15);
const iso = (ms: number): string => new Date(ms).toISOString();

function hwmMb(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

function main(): void {
  const n = Number(process.argv[2] ?? 100_000);
  const cap = Number(process.argv[3] ?? 10_000);
  const { rules } = loadDetectorFromDisk({ rules: 'rules/eql', maxOpenSequences: cap });
  const det = createDetector(rules);
  // Run with --expose-gc for heap numbers without garbage in them.
  const gc = (globalThis as { gc?: () => void }).gc ?? ((): void => {});
  gc();
  const heap0 = process.memoryUsage().heapUsed;
  const base = (i: number, ts: number, category: string, type: string, action: string): TelemetryEvent =>
    ({
      '@timestamp': iso(ts),
      event: { id: `${category[0]}-${i}`, kind: 'event', category, type, action, dataset: 'stress' },
      host: { id: `host-${i % 1000}`, name: `h${i % 1000}`, os: { type: 'linux' } },
      user: { id: String(10_000 + i), name: `u${i}` },
    }) as TelemetryEvent;
  let alerts = 0;
  const t0 = performance.now();
  // Phase 1: n encryptions within 50 s, each in its own process (own parent, own user).
  for (let i = 0; i < n; i++) {
    const ev = base(i, T0 + Math.floor((i * 50_000) / n), 'process', 'start', 'exec');
    ev.process = {
      pid: 1000 + i,
      entity_id: `p-${i}`,
      name: 'openssl',
      executable: '/usr/bin/openssl',
      command_line: `openssl enc -aes-256-cbc -in /tmp/f${i} -out /tmp/f${i}.enc -pass env:K`,
      args: ['openssl', 'enc', '-aes-256-cbc'],
      parent: { pid: 500, entity_id: `q-${i}`, name: 'bash', executable: '/usr/bin/bash' },
    };
    alerts += det.push(ev).length;
  }
  const opened = det.stats();
  gc();
  const heapOpen = process.memoryUsage().heapUsed;
  const t1 = performance.now();
  // Phase 2: each process uploads 50–59 s after the first encryption (inside the 60 s window).
  for (let i = 0; i < n; i++) {
    const ev = base(i, T0 + 50_000 + Math.floor((i * 9_000) / n), 'network', 'connection', 'connect');
    ev.process = { pid: 1000 + i, entity_id: `p-${i}`, name: 'openssl', executable: '/usr/bin/openssl', parent: { pid: 500, entity_id: `q-${i}` } };
    ev.destination = { ip: '203.0.113.7', port: 443 };
    ev.network = { transport: 'tcp', direction: 'egress' };
    alerts += det.push(ev).length;
  }
  alerts += det.finish().length;
  const end = det.stats();
  process.stdout.write(
    JSON.stringify({
      sequences: n,
      max_open_sequences_per_rule: cap,
      linux_rules: rules.filter((r) => r.meta.name.includes('Linux')).length,
      // The last 2 s of encryptions still sit in the reorder buffer at this point.
      open_after_encryptions: opened.sequences_open,
      evicted_after_encryptions: opened.sequences_evicted,
      // Open sequences plus the process table (one entry per encrypting process) and the buffer.
      heap_mb_state: (heapOpen - heap0) / 1e6,
      seconds_open_phase: (t1 - t0) / 1000,
      seconds_upload_phase: (performance.now() - t1) / 1000,
      alerts,
      evicted_total: end.sequences_evicted,
      open_at_end: end.sequences_open,
      peak_rss_mb: hwmMb(),
    }) + '\n',
  );
}

main();
