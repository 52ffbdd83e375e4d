// Egress watch for tests: while it runs, the kernel's audit records every connect(), sendto(),
// sendmsg() and sendmmsg() of every process on the host whose address is IPv4 or IPv6 (b64 and
// b32), and stop() lists each one whose destination is outside the allowed networks — loopback
// (127.0.0.0/8, ::1), the unspecified address (a local bind-style connect) and the project's own
// network namespaces (198.18.0.0/15, harness/sink/netns.ts) — naming the process (exe, pid, comm)
// and the address. AF_UNIX and netlink are local and not recorded (the rules filter on saddr_fam).
// It cannot be fooled by a process the test did not start: audit sees the whole host.
//
// Coexists with the product's linux-audit collector: its rules carry their own key
// (`purple-egress-…`, never the collector's `purple-<8 hex>`) and are removed by that key only.
// When audit is off or auditd stopped, it turns them on under the product's host lock
// (harness/host-lock.ts, resource linux-audit) and releases the lock at once, so the runs it
// watches find audit on and leave it so; at stop it takes the lock again — waiting for any run
// still using audit — and puts back what it changed. It never changes the backlog limit. Records
// are read from auditd's log with the collector's parser (record, group, sockaddr).

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { parseAuditRecord, fieldInt, fieldText, type AuditRecord } from '../../collectors/linux-audit/record.js';
import { createRecordGrouper, type AuditEventGroup } from '../../collectors/linux-audit/group.js';
import { decodeSockaddr } from '../../collectors/linux-audit/decode.js';
import { filesSince, markLogPosition, readFrom, type LogPosition } from '../../collectors/linux-audit/log-reader.js';
import { parseAuditdConf, parseAuditStatus } from '../../collectors/linux-audit/status.js';
import { cidrContains, parseCidr } from '../../src/detector/sigma/cidr.js';
import { acquireHostLock } from '../../harness/host-lock.js';

export const DEFAULT_ALLOWED = ['127.0.0.0/8', '::1/128', '0.0.0.0/32', '::/128', '198.18.0.0/15'] as const;

export interface EgressRecord {
  exe: string;
  comm: string;
  pid: number;
  ppid: number | undefined;
  syscall: string;
  family: 'inet' | 'inet6';
  ip: string;
  port: number;
  time: string;
  serial: number;
}

export interface EgressWatch {
  key: string;
  /** Removes the rules (always) and returns every inet/inet6 destination recorded meanwhile. */
  stop(): Promise<EgressRecord[]>;
}

export type StartResult = { watch: EgressWatch } | { skipped: string };

function run(argv: string[]): { ok: boolean; out: string; err: string } {
  try {
    return { ok: true, out: execFileSync(argv[0]!, argv.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }), err: '' };
  } catch (e) {
    const x = e as { stdout?: string; stderr?: string; message: string };
    return { ok: false, out: x.stdout ?? '', err: (x.stderr ?? '').trim() || x.message };
  }
}

/** Why the watch cannot run here, or undefined. */
export function egressWatchUnavailable(): string | undefined {
  if (process.platform !== 'linux') return 'egress watch needs Linux audit';
  if (process.getuid?.() !== 0) return 'egress watch needs root (audit rules)';
  const st = run(['auditctl', '-s']);
  if (!st.ok) return `egress watch: auditctl -s failed (${st.err}): no auditctl or no CAP_AUDIT_CONTROL`;
  const s = parseAuditStatus(st.out);
  if (s.enabled === 2) return 'egress watch: audit rules are locked (enabled 2) until reboot';
  if (!s.pid && !run(['sh', '-c', 'command -v auditd']).ok) return 'egress watch: auditd is not installed (no log to read)';
  return undefined;
}

const SYSCALLS = 'connect,sendto,sendmsg,sendmmsg';
const status = () => parseAuditStatus(run(['auditctl', '-s']).out);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Turns audit on and auditd up if needed (under the host lock); returns how to undo that. */
async function ensureAuditOn(runId: string): Promise<() => Promise<void>> {
  const s0 = status();
  if (s0.enabled === 1 && s0.pid) return async () => undefined;
  const lock = await acquireHostLock('linux-audit', { runId });
  let enabled = false;
  let started: number | undefined;
  try {
    const s = status(); // a run may have changed it while we waited
    if (s.enabled === 0 && run(['auditctl', '-e', '1']).ok) enabled = true;
    if (!s.pid) {
      run(['auditd']);
      for (let i = 0; i < 50 && !started; i++) {
        started = status().pid || undefined;
        if (!started) await sleep(100);
      }
      if (!started) throw new Error('egress watch: auditd did not start');
    }
  } finally {
    await lock?.release();
  }
  return async () => {
    const again = await acquireHostLock('linux-audit', { runId });
    try {
      if (started) {
        try {
          process.kill(started, 'SIGTERM');
        } catch {
          /* gone */
        }
        for (let i = 0; i < 50 && status().pid === started; i++) await sleep(100);
      }
      if (enabled) run(['auditctl', '-e', '0']);
    } finally {
      await again?.release();
    }
  };
}

export async function startEgressWatch(): Promise<StartResult> {
  const why = egressWatchUnavailable();
  if (why) return { skipped: why };
  const key = `purple-egress-${randomBytes(4).toString('hex')}`;
  const restore = await ensureAuditOn(key);
  const conf = parseAuditdConf(readText('/etc/audit/auditd.conf'));
  const pos: LogPosition | undefined = markLogPosition(conf.logFile);
  if (!pos) {
    await restore();
    return { skipped: `egress watch: auditd's log ${conf.logFile} is not readable` };
  }
  const remove = (): void => {
    run(['auditctl', '-D', '-k', key]);
  };
  for (const arch of ['b64', 'b32']) {
    for (const fam of ['2', '10']) {
      const r = run(['auditctl', '-a', 'always,exit', '-F', `arch=${arch}`, '-S', SYSCALLS, '-F', `saddr_fam=${fam}`, '-k', key]);
      if (!r.ok && arch === 'b64') {
        remove();
        await restore();
        return { skipped: `egress watch: cannot add audit rule (${arch}, family ${fam}): ${r.err}` };
      }
    }
  }
  // A crash of the test process must not leave the rules: remove them on exit too.
  const onExit = (): void => remove();
  process.once('exit', onExit);
  return {
    watch: {
      key,
      async stop() {
        process.removeListener('exit', onExit);
        remove();
        try {
          const left = run(['auditctl', '-l']).out;
          if (left.includes(key)) throw new Error(`egress watch: rules with key ${key} are still installed`);
          const text = await readUntilMarker(pos, key);
          return egressRecords(text, key);
        } finally {
          await restore();
        }
      },
    },
  };
}

function readText(p: string): string | undefined {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return undefined;
  }
}

/** The log since pos, once auditd has written the removal of the watch's rules. */
async function readUntilMarker(pos: LogPosition, key: string): Promise<string> {
  const sentinel = `op=remove_rule key="${key}"`;
  for (let i = 0; i < 100; i++) {
    const text = filesSince(pos)
      .map((f) => readFrom(f.path, f.from).text)
      .join('');
    if (text.includes(sentinel)) return text;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`egress watch: auditd did not log the removal of ${key} within 10 s; the records cannot be trusted to be complete`);
}

/** Every inet/inet6 destination in the watch's records (audit log text). */
export function egressRecords(text: string, key: string): EgressRecord[] {
  const grouper = createRecordGrouper();
  const groups: AuditEventGroup[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    const p = parseAuditRecord(line);
    if ('record' in p) groups.push(...grouper.push(p.record));
  }
  groups.push(...grouper.flush());
  const out: EgressRecord[] = [];
  for (const g of groups) {
    const sc = g.records.find((r: AuditRecord) => r.type === 'SYSCALL');
    if (!sc || fieldText(sc, 'key') !== key) continue;
    const sa = g.records.find((r: AuditRecord) => r.type === 'SOCKADDR');
    const hex = sa ? fieldText(sa, 'saddr') : undefined;
    const addr = hex ? decodeSockaddr(hex) : undefined;
    if (!addr || (addr.family !== 'inet' && addr.family !== 'inet6')) continue;
    out.push({
      exe: fieldText(sc, 'exe') ?? '?',
      comm: fieldText(sc, 'comm') ?? '?',
      pid: fieldInt(sc, 'pid') ?? -1,
      ppid: fieldInt(sc, 'ppid'),
      syscall: sc.enriched.get('SYSCALL') ?? fieldText(sc, 'syscall') ?? '?',
      family: addr.family,
      ip: addr.ip,
      port: addr.port,
      time: g.time,
      serial: g.serial,
    });
  }
  return out;
}

/**
 * The one tolerated exception, kept narrow and reported: Chromium's IPv6 reachability probe, a
 * connect() (never a send) of a UDP socket to Google's public resolver address, port 443, made by
 * the network service before every host resolution — IP literals included — with no switch to turn
 * it off in stock Chromium (net/dns/host_resolver_manager.cc, StartIPv6ReachabilityCheck). A UDP
 * connect() only selects a route; this watch does not prove the socket is UDP (see docs/safety.md).
 */
export function isChromiumIpv6Probe(r: EgressRecord): boolean {
  return r.syscall === 'connect' && r.ip === '2001:4860:4860::8888' && r.port === 443 && /\/chromium$/.test(r.exe);
}

/** The records whose destination is in none of the allowed networks (the Chromium probe aside). */
export function egressViolations(records: EgressRecord[], allowed: readonly string[] = DEFAULT_ALLOWED): EgressRecord[] {
  const nets = allowed.map((a) => {
    const n = parseCidr(a);
    if (!n) throw new Error(`egress watch: ${a} is not a network`);
    return n;
  });
  return records.filter((r) => !nets.some((n) => cidrContains(n, r.ip)) && !isChromiumIpv6Probe(r));
}

export function describeViolations(v: EgressRecord[]): string {
  const lines = v.slice(0, 20).map((r) => `  ${r.syscall} to ${r.family === 'inet6' ? `[${r.ip}]` : r.ip}:${r.port} by ${r.exe} (pid ${r.pid}, ppid ${String(r.ppid)}, comm ${r.comm}) at ${r.time}`);
  if (v.length > 20) lines.push(`  … ${v.length - 20} more`);
  return `${v.length} destination(s) outside loopback and the project's namespaces:\n${lines.join('\n')}`;
}
