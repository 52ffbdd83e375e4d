import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { makeEntityId, type ImportStats, type TelemetryEvent } from '../../src/model/index.js';
import { parseAuditRecord } from '../../collectors/linux-audit/record.js';
import { decodeExecveArgs, decodeProctitle, decodeSockaddr, formatIpv6 } from '../../collectors/linux-audit/decode.js';
import { createRecordGrouper } from '../../collectors/linux-audit/group.js';
import { resolveSyscallName, ruleArchesFor, syscallsOf } from '../../collectors/linux-audit/syscalls.js';
import { buildAuditRules, auditKeyForRun } from '../../collectors/linux-audit/rules.js';
import { diskStopsLogging, parseAuditStatus, parseAuditdConf } from '../../collectors/linux-audit/status.js';
import { createAuditLogImporter } from '../../collectors/linux-audit/import.js';
import { filesSince } from '../../collectors/linux-audit/log-reader.js';
import { mkdtempSync, writeFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const fixture = (name: string): string => readFileSync(new URL(`../fixtures/linux-audit/${name}`, import.meta.url), 'utf8');
const meta = Object.fromEntries(fixture('run.meta').trim().split(' ').map((kv) => kv.split('=') as [string, string]));
const PORT = Number(meta.port);

function importText(text: string): { events: TelemetryEvent[]; stats: ImportStats } {
  const s = createAuditLogImporter().create({ hostId: 'host-1', hostName: 'lab' });
  const events: TelemetryEvent[] = [];
  text.split('\n').forEach((l, i) => events.push(...s.push(l, i + 1)));
  events.push(...s.end());
  return { events, stats: s.stats() };
}

describe('audit record lines', () => {
  const cases: Array<[string, string, (r: ReturnType<typeof parseAuditRecord>) => void]> = [
    ['enriched SYSCALL', 'type=SYSCALL msg=audit(1795919922.947:926): arch=c000003e syscall=59 success=yes exit=0 pid=20437 comm="sh" key="k"\x1dARCH=x86_64 SYSCALL=execve UID="root"', (r) => {
      assert.ok('record' in r);
      assert.equal(r.record.type, 'SYSCALL');
      assert.equal(r.record.serial, 926);
      assert.equal(r.record.timeMs, 1795919922947);
      assert.deepEqual(r.record.fields.get('comm'), { value: 'sh', quoted: true });
      assert.deepEqual(r.record.fields.get('syscall'), { value: '59', quoted: false });
      assert.equal(r.record.enriched.get('SYSCALL'), 'execve');
      assert.equal(r.record.enriched.get('UID'), 'root');
    }],
    ['node prefix and braced enriched SADDR', 'node=web1 type=SOCKADDR msg=audit(1.5:7): saddr=0200\x1dSADDR={ saddr_fam=inet laddr=127.0.0.1 lport=80 }', (r) => {
      assert.ok('record' in r);
      assert.equal(r.record.node, 'web1');
      assert.equal(r.record.timeMs, 1500);
      assert.equal(r.record.enriched.get('SADDR'), 'saddr_fam=inet laddr=127.0.0.1 lport=80');
    }],
    ['user record with msg=\'…\'', "type=USER_START msg=audit(1.000:9): pid=1 uid=0 msg='op=PAM:session_open acct=\"root\" res=success'", (r) => {
      assert.ok('record' in r);
      assert.match(r.record.fields.get('msg')!.value, /^op=PAM/);
    }],
    ['not a record', 'hello world', (r) => assert.ok('error' in r)],
    ['truncated quoted value', 'type=EXECVE msg=audit(1.000:9): argc=1 a0="abc', (r) => assert.ok('error' in r && /unterminated/.test(r.error))],
  ];
  for (const [name, line, check] of cases) test(name, () => check(parseAuditRecord(line)));
});

describe('decoding', () => {
  const rec = (line: string) => {
    const r = parseAuditRecord(line);
    assert.ok('record' in r);
    return r.record;
  };
  test('EXECVE: quoted, hex-encoded and chunked arguments across records', () => {
    const args = decodeExecveArgs([
      rec(`type=EXECVE msg=audit(1.0:1): argc=4 a0="echo" a1=61726720776974682073706163657320 a2_len=8 a2[0]=41424344`),
      rec(`type=EXECVE msg=audit(1.0:1):  a2[1]=45464748 a3=C3BC`),
    ]);
    assert.deepEqual(args, { args: ['echo', 'arg with spaces ', 'ABCDEFGH', 'ü'], argc: 4, missing: 0 });
  });
  test('EXECVE with a lost record reports the missing arguments', () => {
    const r = decodeExecveArgs([rec('type=EXECVE msg=audit(1.0:1): argc=3 a0="a"')]);
    assert.equal(r.missing, 2);
  });
  test('PROCTITLE splits on NUL, keeps quoted literal', () => {
    assert.deepEqual(decodeProctitle({ value: '6375726C002D7300687474703A2F2F', quoted: false }), ['curl', '-s', 'http://']);
    assert.deepEqual(decodeProctitle({ value: '/usr/sbin/auditd', quoted: true }), ['/usr/sbin/auditd']);
  });
  const sockCases: Array<[string, string, ReturnType<typeof decodeSockaddr>]> = [
    ['inet', '02008BB57F0000010000000000000000', { family: 'inet', ip: '127.0.0.1', port: 35765 }],
    ['inet6 ::1', '0A008BB5000000000000000000000000000000000000000100000000', { family: 'inet6', ip: '::1', port: 35765 }],
    ['inet6 v4-mapped is IPv4', '0A0001BB0000000000000000000000000000FFFFC0A8000100000000', { family: 'inet', ip: '192.168.0.1', port: 443 }],
    ['inet6 global', '0A00005000000000200104B800000000000000000000000100000000', { family: 'inet6', ip: '2001:4b8::1', port: 80 }],
    ['unix path', '01002F7661722F72756E2F6E7363642F736F636B657400', { family: 'unix', path: '/var/run/nscd/socket' }],
    ['netlink', '100000000000000000000000', { family: 'other', code: 16 }],
    ['not hex', 'zz', undefined],
  ];
  for (const [name, hex, want] of sockCases) test(`SOCKADDR ${name}`, () => assert.deepEqual(decodeSockaddr(hex), want));
  test('IPv6 text form compresses the longest zero run', () => {
    assert.equal(formatIpv6(Buffer.from('20010db8000000000001000000000001', 'hex')), '2001:db8::1:0:0:1');
    assert.equal(formatIpv6(Buffer.alloc(16)), '::');
  });
});

describe('syscall tables and rules', () => {
  const cases: Array<[string | undefined, string, string | undefined, string | undefined]> = [
    ['c000003e', '59', undefined, 'execve'],
    ['c000003e', '42', undefined, 'connect'],
    ['c00000b7', '221', undefined, 'execve'],
    ['c00000b7', '203', undefined, 'connect'],
    ['40000003', '362', undefined, 'connect'],
    ['c000003e', '999', undefined, undefined],
    [undefined, '59', 'execve', 'execve'],
  ];
  for (const [arch, nr, enriched, want] of cases) test(`arch ${arch} syscall ${nr} → ${want}`, () => assert.equal(resolveSyscallName(arch, nr, enriched), want));
  test('aarch64 has no fork/vfork rule names', () => {
    const [b64] = ruleArchesFor('aarch64');
    assert.deepEqual(syscallsOf(b64!, 'fork').sort(), ['clone', 'clone3']);
  });
  test('every rule carries the run key; b32 and watches are optional', () => {
    const key = auditKeyForRun('run-1');
    assert.match(key, /^purple-[0-9a-f]{8}$/);
    assert.notEqual(key, auditKeyForRun('run-2'));
    const rules = buildAuditRules(key, ruleArchesFor('x86_64'), ['/usr/lib/libcrypto.so.3']);
    for (const r of rules) assert.deepEqual(r.argv.slice(-2), ['-k', key]);
    assert.ok(rules.some((r) => r.argv.join(' ') === `-a always,exit -F arch=b64 -S execve,execveat -k ${key}`));
    assert.ok(rules.some((r) => r.argv.includes('arch=b32') && r.optional));
    assert.ok(rules.some((r) => r.argv[0] === '-w' && r.argv[3] === 'r' && r.optional));
    assert.equal(rules.filter((r) => !r.optional).length, 3);
  });
  test('auditctl -s and auditd.conf', () => {
    assert.deepEqual(parseAuditStatus('enabled 1\nfailure 1\npid 4396\nrate_limit 0\nbacklog_limit 64\nlost 7\n'), { enabled: 1, pid: 4396, lost: 7, backlogLimit: 64 });
    const c = parseAuditdConf('log_file = /srv/audit.log\nlog_format = raw\nspace_left = 10%\nadmin_space_left_action = halt\nwrite_logs = no\n');
    assert.equal(c.logFile, '/srv/audit.log');
    assert.equal(c.logFormat, 'RAW');
    assert.equal(c.writeLogs, false);
    assert.deepEqual(c.spaceLeft, { value: 10, percent: true, action: 'SYSLOG' });
    assert.equal(c.adminSpaceLeft.action, 'HALT');
    const d = parseAuditdConf(undefined);
    assert.equal(d.logFile, '/var/log/audit/audit.log');
    assert.equal(d.logFormat, 'ENRICHED');
    assert.deepEqual(d.adminSpaceLeft, { value: 50, percent: false, action: 'SUSPEND' });
  });

  test('a disk below a suspending threshold stops logging; a syslog-only threshold does not', () => {
    const MB = 1048576;
    const conf = parseAuditdConf('space_left = 75\nspace_left_action = SYSLOG\nadmin_space_left = 50\nadmin_space_left_action = SUSPEND\n');
    assert.equal(diskStopsLogging(conf, 60 * MB, 1000 * MB), undefined, 'below space_left with SYSLOG keeps logging');
    assert.match(diskStopsLogging(conf, 40 * MB, 1000 * MB) ?? '', /admin_space_left = 50.*SUSPEND/);
    const pct = parseAuditdConf('space_left = 25%\nspace_left_action = single\nadmin_space_left = 1\n');
    assert.match(diskStopsLogging(pct, 200 * MB, 1000 * MB) ?? '', /space_left = 25%.*SINGLE/);
    assert.equal(diskStopsLogging(pct, 300 * MB, 1000 * MB), undefined);
  });
});

describe('grouping', () => {
  test('records of interleaved events group by serial; EOE closes', () => {
    const g = createRecordGrouper(32);
    const r = (l: string) => {
      const p = parseAuditRecord(l);
      assert.ok('record' in p);
      return p.record;
    };
    assert.deepEqual(g.push(r('type=SYSCALL msg=audit(1.0:1): pid=1')), []);
    assert.deepEqual(g.push(r('type=SYSCALL msg=audit(1.0:2): pid=2')), []);
    assert.deepEqual(g.push(r('type=PROCTITLE msg=audit(1.0:1): proctitle=61')), []);
    const closed = g.push(r('type=EOE msg=audit(1.0:1):'));
    assert.equal(closed.length, 1);
    assert.deepEqual(closed[0]!.records.map((x) => x.type), ['SYSCALL', 'PROCTITLE']);
    assert.deepEqual(g.flush().map((x) => x.serial), [2]);
  });
  test('without EOE a group closes once enough newer events started', () => {
    const g = createRecordGrouper(2);
    const r = (s: number) => {
      const p = parseAuditRecord(`type=SYSCALL msg=audit(1.0:${s}): pid=1`);
      assert.ok('record' in p);
      return p.record;
    };
    assert.deepEqual(g.push(r(1)), []);
    assert.deepEqual(g.push(r(2)), []);
    assert.deepEqual(g.push(r(3)).map((x) => x.serial), [1]);
  });
});

describe('real audit.log of an emulation (fixtures made by generate.sh)', () => {
  for (const file of ['run.audit.log', 'run.ausearch-raw.log']) {
    describe(file, () => {
      const { events, stats } = importText(fixture(file));
      const execs = events.filter((e) => e.event.action === 'exec');
      const byName = (n: string) => execs.find((e) => e.process?.name === n);
      test('no malformed lines', () => assert.equal(stats.malformed, 0));
      test('openssl exec with its argv, cwd, user and entity id', () => {
        const o = byName('openssl');
        assert.ok(o);
        assert.deepEqual(o.process?.args, ['openssl', 'enc', '-aes-256-cbc', '-pbkdf2', '-pass', 'pass:x', '-in', 'F', '-out', 'G']);
        assert.equal(o.process?.executable, '/usr/bin/openssl');
        assert.match(o.process?.working_directory ?? '', /^\/tmp\/purple-fixture\./);
        assert.equal(o.user?.id, '0');
        assert.equal(o.user?.name, 'root');
        // One entity from the fork to exit: the id is made when the fork is seen, and the exec keeps it.
        const fork = events.find((e) => e.event.action === 'fork' && e.process?.pid === o.process?.pid && e['@timestamp'] <= o['@timestamp']);
        assert.ok(fork, 'the fork of openssl is in the fixture');
        assert.equal(o.process?.entity_id, makeEntityId('host-1', o.process!.pid!, Date.parse(fork['@timestamp'])));
        assert.equal(o.process?.entity_id, fork.process?.entity_id);
        assert.equal(o.event.dataset, 'linux-audit');
        assert.equal(o.host?.os?.type, 'linux');
      });
      test('openssl and curl are siblings under the sh, linked by entity id', () => {
        const sh = execs.find((e) => e.process?.args?.[0] === 'sh' && /openssl enc/.test(e.process.args[2] ?? ''));
        const o = byName('openssl');
        const c = execs.find((e) => e.process?.name === 'curl' && /upload/.test(e.process.command_line ?? ''));
        assert.ok(sh && o && c);
        assert.equal(o.process?.parent?.pid, sh.process?.pid);
        assert.equal(c.process?.parent?.entity_id, sh.process?.entity_id);
        assert.equal(c.process?.parent?.name, 'dash');
      });
      test('curl connect (EINPROGRESS) to 127.0.0.1 with pid and entity id', () => {
        const c = execs.find((e) => e.process?.name === 'curl' && /upload/.test(e.process.command_line ?? ''))!;
        const conn = events.find((e) => e.event.category === 'network' && e.destination?.ip === '127.0.0.1' && e.destination.port === PORT);
        assert.ok(conn);
        assert.equal(conn.process?.pid, c.process?.pid);
        assert.equal(conn.process?.entity_id, c.process?.entity_id);
        assert.equal(conn.event.outcome, 'unknown');
        assert.equal(conn.network?.transport, 'tcp');
        assert.equal(conn.network?.direction, 'egress');
      });
      test('IPv6 connects to ::1 (non-blocking curl and blocking python)', () => {
        const v6 = events.filter((e) => e.event.category === 'network' && e.destination?.ip === '::1');
        assert.deepEqual(v6.map((e) => [e.process?.name, e.event.outcome, e.network?.type]).sort(), [['curl', 'unknown', 'ipv6'], ['python3.11', 'success', 'ipv6']].sort());
      });
      test('unix-socket connects (nscd) are not network events', () => {
        assert.equal(events.filter((e) => e.event.category === 'network' && e.destination?.port === undefined).length, 0);
        assert.equal(events.filter((e) => e.event.category === 'network').length, 4);
      });
      test('a 9000-byte argument rebuilt from chunks; spaces, quotes and UTF-8 decoded', () => {
        const echo = byName('echo');
        assert.ok(echo);
        assert.equal(echo.process?.args?.[1], 'A'.repeat(9000));
        assert.deepEqual(echo.process?.args?.slice(2), ['arg with spaces', 'ünïcode', 'quote"d']);
        assert.equal(echo.process?.args_count, 5);
      });
      test('execveat (fexecve) is an exec', () => {
        const t = execs.find((e) => e.process?.args?.[1] === 'via-fexecve');
        assert.ok(t);
        assert.equal(t.process?.executable, '/usr/bin/true');
        assert.equal((t.auditd as { syscall: string }).syscall, 'execveat');
      });
      test('crypto library loads from the path watches', () => {
        const libs = events.filter((e) => e.event.category === 'library');
        assert.ok(libs.some((e) => e.process?.name === 'openssl' && e.dll?.name === 'libcrypto.so.3'));
        assert.ok(libs.some((e) => e.process?.name === 'python3.11' && e.dll?.name === '_rust.abi3.so'));
        for (const l of libs) assert.equal(l.event.action, 'load');
      });
      test('forks of the shells become fork events with the parent', () => {
        const forks = events.filter((e) => e.event.action === 'fork');
        assert.ok(forks.length >= 4);
        const o = byName('openssl')!;
        const f = forks.find((e) => e.process?.pid === o.process?.pid);
        assert.ok(f, 'the vfork that made the openssl process');
        assert.equal(f.process?.parent?.pid, o.process?.parent?.pid);
        assert.ok(Date.parse(f['@timestamp']) <= Date.parse(o['@timestamp']));
      });
    });
  }
});

describe('malformed and hand-edited lines', () => {
  const { events, stats } = importText(fixture('malformed.audit.log'));
  test('bad lines are counted with line numbers, never fatal', () => {
    assert.equal(stats.malformed, 2);
    assert.deepEqual(stats.problems.map((p) => p.line), [2, 3]);
  });
  test('aarch64 numbers: execve 221 and connect 203 (IPv4-mapped → IPv4) without enrichment', () => {
    const exec = events.find((e) => e.event.action === 'exec');
    assert.ok(exec);
    assert.equal(exec.process?.pid, 30438);
    assert.equal(exec.process?.args?.[1], 'enc');
    assert.equal(exec.user?.name, undefined);
    const conn = events.find((e) => e.event.category === 'network');
    assert.ok(conn);
    assert.deepEqual(conn.destination, { ip: '192.168.0.1', port: 443 });
    assert.equal(conn.event.outcome, 'success');
    assert.equal(conn.process?.entity_id, exec.process?.entity_id);
  });
  test('the importer sniffs audit lines and not JSON', () => {
    const imp = createAuditLogImporter();
    assert.equal(imp.sniff(fixture('run.audit.log').split('\n').slice(0, 5)), true);
    assert.equal(imp.sniff(['{"@timestamp":"2020-01-01T00:00:00Z","event":{}}']), false);
  });
});

describe('log reading across rotation', () => {
  test('finds the start file by inode and follows newer files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'purple-rotate-'));
    try {
      const log = join(dir, 'audit.log');
      writeFileSync(log, 'old\n');
      const pos = { file: log, inode: statSync(log).ino, offset: 4 };
      writeFileSync(log, 'old\nnew1\n');
      renameSync(log, `${log}.1`);
      writeFileSync(log, 'new2\n');
      assert.deepEqual(filesSince(pos), [{ path: `${log}.1`, from: 4 }, { path: log, from: 0 }]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
