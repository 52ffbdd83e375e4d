// The live Linux audit collector: adds syscall and path-watch rules tagged with a per-run key,
// reads what auditd wrote for the run, normalises it, and puts the audit system back as it was
// (rules, enabled flag, backlog limit, and auditd itself if it had to start it).

import { existsSync, readFileSync, statfsSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { arch as osArch } from 'node:os';
import {
  PurpleError,
  type Collector,
  type CollectorAvailability,
  type CollectorContext,
  type CollectorInfo,
  type CollectorOutput,
  type CollectorSession,
  type CommandRunner,
  type EmulationWindow,
  type TelemetryEvent,
} from '../../src/model/index.js';
import { attributeToVariants, labelRun } from '../attribution.js';
import { findLibcryptoFiles, findPythonCryptographyModule } from './host-files.js';
import { filesSince, markLogPosition, readFrom, type LogPosition } from './log-reader.js';
import { AUDIT_DATASET } from './normalize.js';
import { createAuditStreamParser } from './parser.js';
import { auditKeyForRun, buildAuditRules } from './rules.js';
import { diskStopsLogging, parseAuditdConf, parseAuditStatus, type AuditdConf, type AuditStatus } from './status.js';
import { ruleArchesFor } from './syscalls.js';

export const AUDIT_BLIND_SPOTS: readonly string[] = [
  'library loads are seen only for the crypto libraries found when the run started (path watch on open); statically linked crypto is invisible',
  'a connect() that returns EINPROGRESS is reported as an attempt (event.outcome unknown); whether it completed is not audited',
  'clone3() cannot be told apart from thread creation, so some fork events are threads',
  'records dropped by the kernel when the backlog overflows are counted in lost_records, not recovered',
  'UDP traffic without connect() (sendto) is not seen',
];

const FIDELITY = (libraries: boolean): CollectorInfo['fidelity'] => ({ process_exec: true, process_args: true, network: true, network_attribution: true, library_loads: libraries });
const NONE: CollectorInfo['fidelity'] = { process_exec: false, process_args: false, network: false, network_attribution: false, library_loads: false };
/** Enough buffers for a burst of forks; the default 64 drops records on a busy host. */
const MIN_BACKLOG = 8192;
const AUDITD_CONF = '/etc/audit/auditd.conf';

async function readStatus(runner: CommandRunner, auditctl: string): Promise<{ status?: AuditStatus; error?: string }> {
  const r = await runner.run([auditctl, '-s'], { timeoutMs: 10_000 });
  if (r.failed || r.exitCode !== 0) return { error: (r.failed ?? r.stderr.trim()) || `auditctl -s exited with ${String(r.exitCode)}` };
  return { status: parseAuditStatus(r.stdout) };
}

function readConf(): AuditdConf {
  let text: string | undefined;
  try {
    text = readFileSync(AUDITD_CONF, 'utf8');
  } catch {
    text = undefined;
  }
  return parseAuditdConf(text);
}

/** Why auditd would write no file records for the run (write_logs = no, a full disk), if it would not. */
function logWriteProblem(conf: AuditdConf): { reason: string; fix: string } | undefined {
  if (!conf.writeLogs) return { reason: `auditd keeps no log (write_logs = no in ${AUDITD_CONF})`, fix: `set write_logs = yes in ${AUDITD_CONF} and restart auditd` };
  const disk = logDisk(conf);
  const why = disk && diskStopsLogging(conf, disk.free, disk.total);
  return why ? { reason: why, fix: `free space on the file system of ${disk.dir}, or lower space_left/admin_space_left in ${AUDITD_CONF} and restart auditd` } : undefined;
}

/** Free and total bytes of the file system auditd logs to (its nearest existing folder), if readable. */
function logDisk(conf: AuditdConf): { dir: string; free: number; total: number } | undefined {
  let dir = dirname(conf.logFile);
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  try {
    const fs = statfsSync(dir);
    return { dir, free: fs.bavail * fs.bsize, total: fs.blocks * fs.bsize };
  } catch {
    return undefined;
  }
}

/** The disk and daemon state to quote when records did not arrive. */
function logStateForError(conf: AuditdConf, status: AuditStatus | undefined): string {
  const disk = logDisk(conf);
  const free = disk ? `${(disk.free / 1048576).toFixed(0)} MB` : 'unknown';
  return `auditd pid ${String(status?.pid ?? 'unknown')}, audit enabled ${String(status?.enabled ?? 'unknown')}, free space by ${conf.logFile}: ${free}`;
}

/** `options.pythonPath`: the interpreter the run's Python variants use (its cryptography module is watched). */
async function watchPaths(runner: CommandRunner, options: Record<string, unknown>): Promise<string[]> {
  const paths = findLibcryptoFiles();
  const python = typeof options['pythonPath'] === 'string' ? (options['pythonPath'] as string) : undefined;
  const rust = await findPythonCryptographyModule(runner, python);
  if (rust) paths.push(rust);
  return paths;
}

async function probe(ctx: Omit<CollectorContext, 'rawDir' | 'runId'>): Promise<CollectorAvailability> {
  const blind_spots = [...AUDIT_BLIND_SPOTS];
  const no = (reason: string, fix: string): CollectorAvailability => ({ available: false, reason, fix, fidelity: NONE, blind_spots });
  if (process.platform !== 'linux') return no('Linux audit runs on Linux only', 'use eslogger on macOS');
  const auditctl = await ctx.runner.which('auditctl');
  if (!auditctl) return no('auditctl is not installed', 'sudo apt-get install -y auditd   (Fedora/RHEL: sudo dnf install -y audit)');
  if (!ctx.isRoot) return no('adding audit rules needs root', 'run as root: sudo purple run …');
  const { status, error } = await readStatus(ctx.runner, auditctl);
  if (!status) return no(`auditctl -s failed: ${error ?? ''}`, 'run on the host (not in an unprivileged container) with CAP_AUDIT_CONTROL, as root');
  if (status.enabled === 2) return no('audit rules are locked (enabled 2) until the next reboot', 'remove "-e 2" from /etc/audit/rules.d/*.rules and reboot');
  const auditd = await ctx.runner.which('auditd');
  if (!status.pid && !auditd) return no('no audit daemon: records would only reach the kernel log', 'sudo apt-get install -y auditd');
  const logProblem = logWriteProblem(readConf());
  if (logProblem) return no(logProblem.reason, logProblem.fix);
  const libs = await watchPaths(ctx.runner, ctx.options);
  const notes: string[] = [];
  if (!status.pid) notes.push('auditd is stopped: the run starts it and stops it again afterwards');
  if (status.enabled === 0) notes.push('audit is disabled: the run enables it and disables it again afterwards');
  const a: CollectorAvailability = { available: true, fidelity: FIDELITY(libs.length > 0), blind_spots };
  if (notes.length) a.reason = notes.join('; ');
  return a;
}

interface Undo {
  what: string;
  run(): Promise<string | undefined>; // error text, or undefined when it worked
}

async function start(ctx: CollectorContext): Promise<CollectorSession> {
  const avail = await probe(ctx);
  if (!avail.available) {
    throw new PurpleError(ctx.isRoot ? 'ENVIRONMENT' : 'PERMISSION', `linux-audit collector: ${avail.reason ?? 'unavailable'}`, { hint: avail.fix ?? 'see purple doctor' });
  }
  const runner = ctx.runner;
  const auditctl = (await runner.which('auditctl'))!;
  const ctl = async (args: string[]): Promise<string | undefined> => {
    const r = await runner.run([auditctl, ...args], { timeoutMs: 10_000 });
    return r.failed || r.exitCode !== 0 ? (r.failed ?? r.stderr.trim()) || `exit ${String(r.exitCode)}` : undefined;
  };
  const undo: Undo[] = [];
  const errors: string[] = [];
  const details: Record<string, unknown> = {};
  const status0 = (await readStatus(runner, auditctl)).status!;

  const rollback = async (): Promise<void> => {
    while (undo.length) {
      const u = undo.pop()!;
      const err = await u.run().catch((e: Error) => e.message);
      if (err) errors.push(`${u.what}: ${err}`);
    }
  };

  try {
    if (status0.enabled === 0) {
      const err = await ctl(['-e', '1']);
      if (err) throw new PurpleError('ENVIRONMENT', `cannot enable audit: ${err}`, { hint: 'run `auditctl -e 1` by hand to see why' });
      undo.push({ what: 'disable audit again (auditctl -e 0)', run: () => ctl(['-e', '0']) });
      details.enabled_for_run = true;
    }
    if (!status0.pid) {
      const auditd = (await runner.which('auditd'))!;
      const r = await runner.run([auditd], { timeoutMs: 15_000 });
      let pid: number | undefined;
      for (let i = 0; i < 50 && !pid; i++) {
        pid = (await readStatus(runner, auditctl)).status?.pid || undefined;
        if (!pid) await new Promise((res) => setTimeout(res, 100));
      }
      if (!pid) throw new PurpleError('ENVIRONMENT', `auditd did not start: ${r.stderr.trim() || `exit ${String(r.exitCode)}`}`, { hint: 'run `auditd -f` by hand to see why' });
      ctx.recordArtifact?.('pid', String(pid));
      details.auditd_started = pid;
      undo.push({
        what: `stop the auditd this run started (pid ${pid})`,
        async run() {
          try {
            process.kill(pid!, 'SIGTERM');
          } catch {
            return undefined;
          }
          for (let i = 0; i < 50; i++) {
            if (!(await readStatus(runner, auditctl)).status?.pid) return undefined;
            await new Promise((res) => setTimeout(res, 100));
          }
          return 'auditd still registered after 5 s';
        },
      });
    }
    if (status0.backlogLimit !== undefined && status0.backlogLimit < MIN_BACKLOG) {
      const old = status0.backlogLimit;
      if (!(await ctl(['-b', String(MIN_BACKLOG)]))) {
        undo.push({ what: `restore the backlog limit (auditctl -b ${old})`, run: () => ctl(['-b', String(old)]) });
        details.backlog_limit = { before: old, during_run: MIN_BACKLOG };
      }
    }
  } catch (e) {
    await rollback();
    throw e;
  }

  const conf = readConf();
  const pos: LogPosition | undefined = markLogPosition(conf.logFile);
  const key = auditKeyForRun(ctx.runId);
  const arches = ruleArchesFor(osArch() === 'x64' ? 'x86_64' : osArch() === 'arm64' ? 'aarch64' : osArch());
  const libs = await watchPaths(runner, ctx.options);
  const rules = buildAuditRules(key, arches, libs);
  ctx.recordArtifact?.('audit-rule-key', key);
  undo.push({
    what: `remove the run's audit rules (auditctl -D -k ${key})`,
    async run() {
      const err = await ctl(['-D', '-k', key]);
      const left = await runner.run([auditctl, '-l'], { timeoutMs: 10_000 });
      if (left.stdout.includes(key)) return `rules with key ${key} are still installed: ${err ?? ''}`;
      return undefined;
    },
  });
  const installed: string[] = [];
  for (const r of rules) {
    const err = await ctl(r.argv);
    if (!err) installed.push(r.argv.join(' '));
    else if (r.optional) errors.push(`not installed (${r.what}): ${err}`);
    else {
      await rollback();
      throw new PurpleError('ENVIRONMENT', `cannot add audit rule (${r.what}): ${err}`, { hint: `run \`auditctl ${r.argv.join(' ')}\` by hand to see why` });
    }
  }
  const lostBefore = status0.lost ?? 0;
  const windows: EmulationWindow[] = [];
  Object.assign(details, { key, rules: installed, watch_paths: libs, log_file: conf.logFile, log_format: conf.logFormat, arches: arches.map((a) => a.name) });

  return {
    wrapCommand: (argv) => argv,
    async variantDone(w) {
      windows.push(w);
    },
    async stop(): Promise<CollectorOutput> {
      // Rules first (the removal's CONFIG_CHANGE record marks the end of the run in the log).
      const removeRules = undo.find((u) => u.what.startsWith('remove the run'))!;
      undo.splice(undo.indexOf(removeRules), 1);
      const rmErr = await removeRules.run();
      if (rmErr) errors.push(rmErr);
      const statusAfter = (await readStatus(runner, auditctl)).status;
      const lostAfter = statusAfter?.lost ?? lostBefore;
      const daemonPid = (details.auditd_started as number | undefined) ?? status0.pid;
      if (daemonPid && statusAfter && statusAfter.pid !== daemonPid) {
        errors.push(`auditd (pid ${daemonPid}) stopped during the run${statusAfter.pid ? ` (now pid ${statusAfter.pid})` : ''}: records after that point never reached the log, so variants from then on have incomplete telemetry`);
      }
      const text = await readRunRecords(runner, pos, key, errors, async () => logStateForError(conf, (await readStatus(runner, auditctl)).status));
      await rollback();

      const parser = createAuditStreamParser({ hostId: ctx.hostId, hostName: ctx.hostName });
      const lines = text.split('\n');
      const linesBySerial = new Map<number, string[]>();
      let events: TelemetryEvent[] = [];
      lines.forEach((l, i) => {
        const m = /msg=audit\(\d+\.\d+:(\d+)\)/.exec(l);
        if (m) {
          const s = Number(m[1]);
          let arr = linesBySerial.get(s);
          if (!arr) linesBySerial.set(s, (arr = []));
          arr.push(l);
        }
        events.push(...parser.push(l, i + 1));
      });
      events.push(...parser.end());
      const stats = parser.stats();
      const foreignKey = events.filter((e) => (e.auditd as { key?: string } | undefined)?.key !== key).length;
      const keepAll = ctx.options.keepAll === true;
      events = labelRun(attributeToVariants(events, windows, { keepAll }), ctx.runId);

      // Evidence: the raw records behind the events kept, not the whole host's audit trail.
      mkdirSync(ctx.rawDir, { recursive: true });
      const rawFile = join(ctx.rawDir, 'linux-audit.log');
      const serials = [...new Set(events.map((e) => e.event.sequence).filter((s): s is number => s !== undefined))].sort((a, b) => a - b);
      writeFileSync(rawFile, serials.flatMap((s) => linesBySerial.get(s) ?? []).join('\n') + (serials.length ? '\n' : ''));
      if (stats.malformed) errors.push(`${stats.malformed} malformed audit lines (first: line ${stats.problems[0]?.line}: ${stats.problems[0]?.message})`);

      return {
        events,
        rawFiles: [rawFile],
        info: {
          id: AUDIT_DATASET,
          fidelity: FIDELITY(libs.length > 0),
          blind_spots: [...AUDIT_BLIND_SPOTS],
          lost_records: Math.max(0, lostAfter >= lostBefore ? lostAfter - lostBefore : lostAfter),
          details: { ...details, lines_read: stats.lines, events_normalised: stats.events, events_from_other_rules: foreignKey, skipped: parser.skipReasons() },
          errors,
        },
      };
    },
  };
}

/**
 * The run's records: audit.log from the offset at start (across rotation) once auditd has written
 * the removal of the run's rules; `ausearch --raw -k KEY` when the log cannot be read.
 */
async function readRunRecords(
  runner: CommandRunner,
  pos: LogPosition | undefined,
  key: string,
  errors: string[],
  describeState: () => Promise<string>,
): Promise<string> {
  const sentinel = `op=remove_rule key="${key}"`;
  if (pos) {
    for (let i = 0; i < 60; i++) {
      const files = filesSince(pos);
      const last = files[files.length - 1];
      if (last) {
        const { text } = readFrom(last.path, last.from);
        if (text.includes(sentinel)) return files.map((f) => readFrom(f.path, f.from).text).join('');
      }
      await new Promise((res) => setTimeout(res, 100));
    }
    errors.push(`auditd did not write the end-of-run marker to ${pos.file} within 6 s (${await describeState()}); reading with ausearch instead`);
  }
  const ausearch = await runner.which('ausearch');
  if (!ausearch) {
    errors.push('ausearch is not installed; no audit records read');
    return '';
  }
  const r = await runner.run([ausearch, '--raw', '-k', key], { timeoutMs: 60_000 });
  if (r.exitCode !== 0 && !r.stdout) errors.push(`ausearch --raw -k ${key}: ${r.stderr.trim() || `exit ${String(r.exitCode)}`}`);
  return r.stdout;
}

export const linuxAuditCollector: Collector = {
  id: AUDIT_DATASET,
  description: 'Linux kernel audit via auditd: execve/execveat with argv, fork/clone tree, connect (IPv4/IPv6), crypto library opens',
  platforms: ['linux'],
  probe,
  start,
};
