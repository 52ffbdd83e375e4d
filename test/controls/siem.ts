// A stand-in for the team's SIEM, run as a separate process by the end-to-end test: it reads the
// run's exported telemetry (the raw Linux audit log purple keeps), evaluates its own small rule
// set (nothing of purple's detector), and pushes its alerts as Elastic Security alert documents to
// the webhook purple listens on. Loopback only.
//
//   node --import tsx test/controls/siem.ts --raw-dir RUN/raw --url-file FILE [--timeout-s 240]
//
// Rules:
//   siem-sibling-encrypt-upload  curl uploading a file (--data-binary/-F/-T) whose parent, within 60 s,
//                                also ran `openssl enc`/`openssl aes-*` (a shell one-liner's siblings)
//   siem-noisy-curl-upload-txt   curl uploading a .txt file (a noisy rule: fires on the plaintext control)

import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, join } from 'node:path';
import { randomUUID } from 'node:crypto';

interface Exec {
  time_ms: number;
  serial: string;
  pid: number;
  ppid: number;
  exe: string;
  args: string[];
  cwd?: string;
}

function arg(name: string, def?: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? process.argv[i + 1] : def;
  if (v === undefined) throw new Error(`siem: --${name} is required`);
  return v;
}

/** An audit field value: "quoted", or hex-encoded when it has spaces or quotes, or bare. */
function value(v: string): string {
  if (v.startsWith('"')) return v.slice(1, v.endsWith('"') ? -1 : undefined);
  if (/^[0-9A-F]+$/.test(v) && v.length % 2 === 0) return Buffer.from(v, 'hex').toString('utf8');
  return v;
}

function fields(line: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of line.matchAll(/(\w+)=("[^"]*"|\S+)/g)) out[m[1]!] = m[2]!;
  return out;
}

function parseAudit(text: string): Exec[] {
  const byEvent = new Map<string, { time: number; syscall?: Record<string, string>; execve?: Record<string, string>; cwd?: string }>();
  for (const line of text.split('\n')) {
    const m = /^type=(\w+) msg=audit\((\d+)\.(\d+):(\d+)\):\s*(.*)$/.exec(line);
    if (!m) continue;
    const key = `${m[2]}.${m[3]}:${m[4]}`;
    const rec = byEvent.get(key) ?? { time: Number(m[2]) * 1000 + Number(m[3]) };
    const f = fields(m[5]!);
    if (m[1] === 'SYSCALL') rec.syscall = f;
    else if (m[1] === 'EXECVE') rec.execve = { ...(rec.execve ?? {}), ...f };
    else if (m[1] === 'CWD' && f['cwd']) rec.cwd = value(f['cwd']);
    byEvent.set(key, rec);
  }
  const out: Exec[] = [];
  for (const [serial, r] of byEvent) {
    if (!r.syscall || !r.execve || r.syscall['success'] === 'no') continue;
    const argc = Number(r.execve['argc'] ?? 0);
    const args = Array.from({ length: argc }, (_, i) => value(r.execve![`a${i}`] ?? ''));
    out.push({ time_ms: r.time, serial, pid: Number(r.syscall['pid']), ppid: Number(r.syscall['ppid']), exe: value(r.syscall['exe'] ?? ''), args, ...(r.cwd ? { cwd: r.cwd } : {}) });
  }
  return out.sort((a, b) => a.time_ms - b.time_ms);
}

const isEncrypt = (e: Exec): boolean => basename(e.exe) === 'openssl' && (e.args[1] === 'enc' || /^-?aes-/.test(e.args[1] ?? ''));
const isUpload = (e: Exec): boolean => basename(e.exe) === 'curl' && e.args.some((a) => a === '--data-binary' || a === '-F' || a === '-T');

function alertDoc(rule: string, e: Exec): Record<string, unknown> {
  const id = randomUUID();
  return {
    '@timestamp': new Date().toISOString(),
    'kibana.alert.uuid': id,
    'kibana.alert.original_time': new Date(e.time_ms).toISOString(),
    'kibana.alert.rule.name': rule,
    'kibana.alert.rule.uuid': `siem-${rule}`,
    'kibana.alert.severity': rule.includes('noisy') ? 'low' : 'high',
    'kibana.alert.status': 'active',
    event: { kind: 'signal', category: ['process'], type: ['start'], action: 'exec' },
    host: { name: hostname() },
    process: { pid: e.pid, executable: e.exe, name: basename(e.exe), args: e.args, command_line: e.args.join(' '), ...(e.cwd ? { working_directory: e.cwd } : {}), parent: { pid: e.ppid } },
  };
}

function evaluate(execs: Exec[]): Array<Record<string, unknown>> {
  const alerts: Array<Record<string, unknown>> = [];
  for (const up of execs.filter(isUpload)) {
    if (execs.some((enc) => isEncrypt(enc) && enc.ppid === up.ppid && enc.time_ms <= up.time_ms && up.time_ms - enc.time_ms <= 60_000)) alerts.push(alertDoc('siem-sibling-encrypt-upload', up));
    if (up.args.some((a) => /\.txt$/.test(a))) alerts.push(alertDoc('siem-noisy-curl-upload-txt', up));
  }
  return alerts;
}

async function main(): Promise<void> {
  const rawDir = arg('raw-dir');
  const urlFile = arg('url-file');
  // purple keeps each collector's raw file as <collector>-<name> in the run's raw/ folder.
  const auditLog = (): string | undefined => {
    const f = existsSync(rawDir) ? readdirSync(rawDir).find((n) => /linux-audit.*\.log$/.test(n)) : undefined;
    return f ? join(rawDir, f) : undefined;
  };
  let raw = '';
  const deadline = Date.now() + Number(arg('timeout-s', '240')) * 1000;
  // The log is complete once purple has copied it and it stops growing.
  let last = -1;
  for (;;) {
    if (Date.now() > deadline) throw new Error(`siem: no audit log appeared in ${rawDir}`);
    raw = auditLog() ?? '';
    if (raw && existsSync(urlFile)) {
      const size = statSync(raw).size;
      if (size > 0 && size === last) break;
      last = size;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  const url = readFileSync(urlFile, 'utf8').trim();
  if (!/^https?:\/\/127\.0\.0\.1:\d+\//.test(url)) throw new Error(`siem: refusing a non-loopback webhook ${url}`);
  const alerts = evaluate(parseAudit(readFileSync(raw, 'utf8')));
  // One delivery per alert, as SIEM actions send them; NDJSON would do as well.
  for (const a of alerts) {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(a) });
    if (res.status !== 202) throw new Error(`siem: the webhook answered ${res.status}: ${await res.text()}`);
  }
  process.stdout.write(JSON.stringify({ pushed: alerts.length, rules: alerts.map((a) => a['kibana.alert.rule.name']) }) + '\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).message}\n`);
  process.exit(1);
});
