import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeProcNetAddress, parseCmdline, parseMapsPaths, parseProcNetTcp, parseProcStat, parseStatusUids } from '../../collectors/procfs/parse.js';
import { createProcfsPoller } from '../../collectors/procfs/poller.js';

describe('/proc parsers', () => {
  test('stat with a comm that holds ") "', () => {
    const st = parseProcStat('4242 (we ird) x) S 4200 4242 4200 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 123456 1000 100 18446744073709551615');
    assert.deepEqual(st, { pid: 4242, comm: 'we ird) x', state: 'S', ppid: 4200, startTicks: 123456 });
    assert.equal(parseProcStat('garbage'), undefined);
  });
  test('status uids, cmdline, maps', () => {
    assert.deepEqual(parseStatusUids('Name:\tcurl\nUid:\t1000\t1001\t1000\t1000\n'), { uid: '1000', euid: '1001' });
    assert.deepEqual(parseCmdline('curl\0-s\0http://x/\0'), ['curl', '-s', 'http://x/']);
    assert.deepEqual(parseCmdline(''), []);
    assert.deepEqual(parseMapsPaths('7f00-7f01 r--p 00000000 fe:00 123 /usr/lib/x86_64-linux-gnu/libcrypto.so.3\n7f02-7f03 rw-p 00000000 00:00 0 \n7f04-7f05 r-xp 0 fe:00 9 /tmp/x.so (deleted)\n'), ['/usr/lib/x86_64-linux-gnu/libcrypto.so.3', '/tmp/x.so']);
  });
  const addrs: Array<[string, unknown]> = [
    ['0100007F:B2F1', { ip: '127.0.0.1', port: 45809 }],
    ['00000000000000000000000001000000:0050', { ip: '::1', port: 80 }],
    ['0000000000000000FFFF00000100007F:1F90', { ip: '127.0.0.1', port: 8080 }],
    ['B80D0120000000000000000001000000:01BB', { ip: '2001:db8::1', port: 443 }],
    ['zz', undefined],
  ];
  for (const [hex, want] of addrs) test(`address ${hex}`, () => assert.deepEqual(decodeProcNetAddress(hex), want));
  test('/proc/net/tcp rows', () => {
    const text = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 0100007F:A3C2 0100007F:B2F1 02 00000000:00000000 01:00000014 00000000     0        0 98765 1 0000000000000000 20 4 0 10 -1\n   1: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 111 1\n';
    assert.deepEqual(parseProcNetTcp(text), [
      { localIp: '127.0.0.1', localPort: 41922, remoteIp: '127.0.0.1', remotePort: 45809, state: '02', uid: 0, inode: 98765 },
      { localIp: '0.0.0.0', localPort: 22, remoteIp: '0.0.0.0', remotePort: 0, state: '0A', uid: 0, inode: 111 },
    ]);
  });
});

describe('poller over a fake /proc', () => {
  test('new process, its exec, its socket, its crypto library; old processes are baseline', () => {
    const root = mkdtempSync(join(tmpdir(), 'purple-fakeproc-'));
    try {
      const proc = (pid: number, ppid: number, start: number, exe: string, argv: string[]): void => {
        const d = join(root, String(pid));
        mkdirSync(join(d, 'fd'), { recursive: true });
        writeFileSync(join(d, 'stat'), `${pid} (${exe.split('/').pop()}) S ${ppid} 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 ${start} 0 0`);
        writeFileSync(join(d, 'cmdline'), argv.join('\0') + '\0');
        writeFileSync(join(d, 'status'), 'Uid:\t0\t0\t0\t0\n');
        writeFileSync(join(d, 'maps'), '');
        rmSync(join(d, 'exe'), { force: true });
        symlinkSync(exe, join(d, 'exe'));
        if (!argv.length) rmSync(join(d, 'exe'));
      };
      mkdirSync(join(root, 'net'));
      writeFileSync(join(root, 'stat'), 'cpu 0\nbtime 1700000000\n');
      writeFileSync(join(root, 'net', 'tcp'), 'header\n');
      writeFileSync(join(root, 'net', 'tcp6'), 'header\n');
      proc(10, 1, 100, '/usr/bin/node', ['node', 'harness']);
      proc(11, 1, 100, '/usr/sbin/sshd', ['sshd']);
      const clock = { t: 1_700_000_100_000 };
      const p = createProcfsPoller({ hostId: 'h', rootPid: 10, procRoot: root, now: () => clock.t });
      p.baseline();
      proc(20, 10, 500, '/usr/bin/dash', ['sh', '-c', 'x']);
      p.poll();
      proc(20, 10, 500, '/usr/bin/curl', ['curl', 'http://127.0.0.1:45809/']);
      writeFileSync(join(root, '20', 'maps'), '7f-80 r--p 0 fe:00 1 /usr/lib/x86_64-linux-gnu/libcrypto.so.3\n');
      symlinkSync('socket:[98765]', join(root, '20', 'fd', '5'));
      writeFileSync(join(root, 'net', 'tcp'), 'h\n   0: 0100007F:A3C2 0100007F:B2F1 01 00000000:00000000 00:00000000 00000000     0        0 98765 1\n');
      clock.t += 15;
      p.poll();
      const ev = p.events();
      assert.deepEqual(ev.map((e) => [e.event.action, e.process?.pid, e.process?.name]), [
        ['exec', 20, 'dash'],
        ['exec', 20, 'curl'],
        ['load', 20, 'curl'],
        ['connect', 20, 'curl'],
      ]);
      assert.equal(ev[0]!['@timestamp'], new Date(1_700_000_005_000).toISOString().replace('Z', '000Z'), 'start time from btime + ticks');
      assert.equal(ev[0]!.process?.parent?.pid, 10);
      assert.equal(ev[3]!.process?.entity_id, ev[1]!.process?.entity_id);
      assert.equal(ev[1]!.process?.entity_id, ev[0]!.process?.entity_id, "an exec keeps the process's entity id");
      assert.deepEqual(ev[3]!.destination, { ip: '127.0.0.1', port: 45809 });
      assert.equal(ev[3]!.event.outcome, 'success');
      assert.equal(ev[0]!.user?.id, '0');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
