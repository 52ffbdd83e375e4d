// macOS unified log (ATT&CK AN1391's `macos:unifiedlog`): `log stream --style ndjson` with a
// predicate for network activity (libnetwork) and process activity, as log(1) documents
// predicates. Runs without root; it is a network source with process attribution by pid and image
// path, no argv and no parent (see the blind spots).

import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Collector, CollectorAvailability, CollectorContext, CollectorInfo, CollectorOutput, CollectorSession, TelemetryEvent } from '../../src/model/index.js';
import { newNormalizeState, normalizeUnifiedLogRecord } from './normalize.js';
import { parseUnifiedLogLine } from './parse.js';

/** log(1) predicate: libnetwork's connection records and the process-lifecycle subsystems. */
export const UNIFIEDLOG_PREDICATE =
  'subsystem == "com.apple.network" OR (eventType == logEvent AND (subsystem == "com.apple.xpc" OR subsystem == "com.apple.launchservices" OR process == "kernel"))';

export function buildLogStreamArgv(logPath: string): string[] {
  return [logPath, 'stream', '--style', 'ndjson', '--level', 'info', '--predicate', UNIFIEDLOG_PREDICATE];
}

export const UNIFIEDLOG_BLIND_SPOTS: readonly string[] = [
  'no process exec events: the unified log names the logging process (pid, image path) but records no exec with argv or parent; pair it with eslogger for process telemetry',
  'only connections made through Network.framework / libnetwork (curl via NSURLSession, nscurl, Safari) are logged; plain BSD sockets (python socket, openssl s_client, /usr/bin/curl built on its own stack) may log nothing',
  'endpoints are shown as <private> unless the host enables private data in the unified log; such connections are counted as unresolved, not reported',
  'the record layout of libnetwork messages is not API: the "[C<n> <endpoint> <transport>" shape is read from public samples',
  'log stream may drop messages under load (it reports them as a gap, not per record)',
];

const FIDELITY: CollectorInfo['fidelity'] = { process_exec: false, process_args: false, network: true, network_attribution: true, library_loads: false };

async function probe(ctx: Omit<CollectorContext, 'rawDir' | 'runId'>): Promise<CollectorAvailability> {
  const base = { fidelity: FIDELITY, blind_spots: [...UNIFIEDLOG_BLIND_SPOTS] };
  const path = await ctx.runner.which('log');
  const sw = await ctx.runner.run(['sw_vers', '-productVersion'], { timeoutMs: 5000 });
  if (!path || sw.failed || sw.exitCode !== 0) {
    return { ...base, available: false, reason: 'the unified log (log(1)) exists on macOS only', fix: 'run on macOS 10.12 or later' };
  }
  return { ...base, available: true };
}

async function start(ctx: CollectorContext): Promise<CollectorSession> {
  const path = (await ctx.runner.which('log')) ?? '/usr/bin/log';
  const argv = buildLogStreamArgv(path);
  mkdirSync(ctx.rawDir, { recursive: true });
  const rawFile = join(ctx.rawDir, 'unifiedlog.ndjson');
  const raw = createWriteStream(rawFile, { flags: 'w' });
  const host = { hostId: ctx.hostId, hostName: ctx.hostName };
  const state = newNormalizeState();
  const events: TelemetryEvent[] = [];
  const errors: string[] = [];
  let lines = 0;
  let records = 0;
  let malformed = 0;
  let stderr = '';
  const proc = ctx.runner.spawn(argv);
  let stopped = false;
  proc.onLine((line) => {
    if (stopped) return; // the raw file is closed: nothing after stop() is evidence of this run
    lines++;
    raw.write(line + '\n');
    const p = parseUnifiedLogLine(line);
    if (p.kind === 'malformed') {
      malformed++;
      if (malformed <= 20) errors.push(`log stream line ${lines}: ${p.message}`);
    } else if (p.kind === 'record') {
      records++;
      events.push(...normalizeUnifiedLogRecord(p.record, host, state));
    }
  });
  proc.onStderr((c) => {
    if (stderr.length < 16_384) stderr += c;
  });
  return {
    wrapCommand: (cmd) => cmd,
    // Variant attribution is the pipeline's (by pid and process tree, as for pktap/nettop/lsof).
    async variantDone() {},
    async stop(): Promise<CollectorOutput> {
      await proc.stop();
      stopped = true;
      await new Promise<void>((resolve) => raw.end(resolve));
      if (stderr.trim()) errors.push(`log stream: ${stderr.trim().slice(0, 300)}`);
      events.sort((a, b) => (a['@timestamp'] < b['@timestamp'] ? -1 : a['@timestamp'] > b['@timestamp'] ? 1 : 0));
      return {
        events,
        rawFiles: [rawFile],
        info: {
          id: 'unifiedlog',
          fidelity: FIDELITY,
          blind_spots: [...UNIFIEDLOG_BLIND_SPOTS],
          lost_records: 0,
          details: { argv, lines, records, malformed, unresolved_endpoints: state.unresolved, log_source: 'macos:unifiedlog' },
          errors,
        },
      };
    },
  };
}

export const unifiedlogCollector: Collector = {
  id: 'unifiedlog',
  description: 'macOS unified log via `log stream --style ndjson`: libnetwork outbound connections with pid and image path (AN1391 macos:unifiedlog)',
  platforms: ['macos'],
  probe,
  start,
};
