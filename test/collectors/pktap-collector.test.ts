import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isPurpleError, type CollectorContext } from '../../src/model/index.js';
import { PKTAP_FILTER, pktapCollector } from '../../collectors/pktap/collector.js';
import { createFakeRunner, type FakeRunner } from '../fixtures/eslogger/fake-runner.js';

const lines = readFileSync(new URL('../fixtures/pktap/tcpdump-pktap.txt', import.meta.url), 'utf8').split('\n').filter(Boolean);
const tmp = mkdtempSync(join(tmpdir(), 'purple-pktap-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const ctx = (runner: FakeRunner, isRoot: boolean): CollectorContext => ({
  runId: 'r',
  rawDir: join(tmp, `raw${n++}`),
  runner,
  hostName: 'mac',
  hostId: 'h',
  isRoot,
  options: {},
});

describe('pktap collector', () => {
  const argvCases: Array<{ isRoot: boolean; prefix: string[] }> = [
    { isRoot: false, prefix: ['sudo', '-n'] },
    { isRoot: true, prefix: [] },
  ];
  for (const c of argvCases) {
    test(`argv ${c.isRoot ? 'as root' : 'via sudo -n'}`, async () => {
      const runner = createFakeRunner({ spawn: () => ({ stderr: 'listening on pktap,all, link-type PKTAP (Apple DLT_PKTAP), snapshot length 524288 bytes\n', stdoutLines: lines }) });
      const session = await pktapCollector.start(ctx(runner, c.isRoot));
      const out = await session.stop();
      assert.deepEqual(runner.spawned, [[...c.prefix, '/usr/bin/tcpdump', '-i', 'pktap,all', '-k', 'NPD', '-n', '-tt', '-l', PKTAP_FILTER]]);
      assert.equal(out.events.length, 6);
      assert.equal(out.info.details.malformed, 2);
      assert.equal(out.info.errors.length, 2);
      assert.equal(readFileSync(out.rawFiles[0] as string, 'utf8').split('\n').filter(Boolean).length, lines.length);
    });
  }
  const failures: Array<{ stderr: string; code: string; hint: RegExp }> = [
    { stderr: 'tcpdump: pktap,all: You don\'t have permission to capture on that device ((cannot open BPF device) /dev/bpf0: Permission denied)\n', code: 'PERMISSION', hint: /sudo/ },
    { stderr: 'sudo: a password is required\n', code: 'PERMISSION', hint: /NOPASSWD/ },
    { stderr: 'tcpdump: pktap,all: No such device exists\n', code: 'ENVIRONMENT', hint: /nettop\/lsof/ },
  ];
  for (const f of failures) {
    test(`start fails: ${f.stderr.trim().slice(0, 40)}`, async () => {
      const runner = createFakeRunner({ spawn: () => ({ stderr: f.stderr, exitAfterReplay: 1 }) });
      await assert.rejects(pktapCollector.start(ctx(runner, false)), (e: unknown) => {
        assert.ok(isPurpleError(e));
        assert.equal(e.code, f.code);
        assert.match(e.hint ?? '', f.hint);
        return true;
      });
    });
  }
  test('probe refuses a tcpdump without PKTAP', async () => {
    const runner = createFakeRunner({ run: (argv) => (argv[1] === '-D' ? { stdout: '1.eth0 [Up, Running]\n2.lo [Up, Running, Loopback]\n' } : {}) });
    const a = await pktapCollector.probe({ runner, hostName: 'm', hostId: 'h', isRoot: true, options: {} });
    assert.equal(a.available, false);
    assert.match(a.reason ?? '', /PKTAP/);
  });
  test('probe accepts Apple tcpdump', async () => {
    const runner = createFakeRunner({ run: (argv) => (argv[1] === '-D' ? { stdout: '1.en0 [Up, Running]\n2.pktap [Up, Running]\n' } : {}) });
    const a = await pktapCollector.probe({ runner, hostName: 'm', hostId: 'h', isRoot: true, options: {} });
    assert.equal(a.available, true);
    assert.equal(a.fidelity.network_attribution, true);
  });
});
