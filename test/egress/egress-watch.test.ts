// The egress watch can fail: inside a network namespace of this test's own (a veth pair with
// 10.250.77.0/30, no route anywhere else, so nothing can leave the box) a process connects to a
// non-loopback address; the watch names that process and address, and passes once the namespace's
// network is allowed. Never addresses anything outside this namespace.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describeViolations, egressViolations, egressWatchUnavailable, startEgressWatch, DEFAULT_ALLOWED } from './egress-watch.js';

const sh = (argv: string[]): string => execFileSync(argv[0]!, argv.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

function skipReason(): string | undefined {
  const why = egressWatchUnavailable();
  if (why) return why;
  try {
    sh(['ip', '-V']);
  } catch {
    return 'ip (iproute2) is not installed';
  }
  return undefined;
}

describe('egress watch (real audit, own network namespace)', () => {
  const skip = skipReason();
  test('flags a connect to a non-loopback address by process and address; passes when that network is allowed', { skip: skip ?? false, timeout: 60_000 }, async () => {
    const tag = (process.pid % 10000).toString(36);
    const ns = `purple-egt-${tag}`;
    const host = `pegh${tag}`;
    const peer = `pegn${tag}`;
    try {
      sh(['ip', 'netns', 'add', ns]);
      sh(['ip', 'link', 'add', host, 'type', 'veth', 'peer', 'name', peer]);
      sh(['ip', 'link', 'set', peer, 'netns', ns]);
      sh(['ip', 'netns', 'exec', ns, 'ip', 'addr', 'add', '10.250.77.2/30', 'dev', peer]);
      sh(['ip', 'netns', 'exec', ns, 'ip', 'link', 'set', peer, 'up']);
      sh(['ip', 'netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up']);
      // The namespace has only lo and its veth end: its one route is 10.250.77.0/30 on that veth.
      const routes = sh(['ip', 'netns', 'exec', ns, 'ip', '-4', 'route', 'show']);
      assert.doesNotMatch(routes, /default/, 'no default route in the test namespace');

      const started = await startEgressWatch();
      assert.ok('watch' in started, 'skipped' in started ? started.skipped : '');
      // Connect from inside the namespace to the veth's other address (10.250.77.1, unassigned:
      // the attempt fails or times out inside the namespace) and to loopback.
      const script = `const net=require('net');let n=0;const done=()=>{if(++n===2)process.exit(0)};for(const h of ['10.250.77.1','127.0.0.1']){const s=net.connect({host:h,port:9});s.on('error',done);s.on('connect',()=>{s.destroy();done()});s.setTimeout(500,()=>{s.destroy();done()});}`;
      sh(['ip', 'netns', 'exec', ns, process.execPath, '-e', script]);
      const records = await started.watch.stop();
      const bad = egressViolations(records);
      const mine = bad.filter((r) => r.ip === '10.250.77.1' && r.port === 9);
      assert.equal(mine.length >= 1, true, `the connect to 10.250.77.1:9 is flagged; got ${describeViolations(bad)}`);
      assert.equal(mine[0]!.exe, process.execPath, 'the process is named by its executable');
      assert.ok(mine[0]!.pid > 0);
      assert.match(describeViolations(mine), /connect to 10\.250\.77\.1:9 by .*node.* \(pid \d+/);
      assert.ok(records.some((r) => r.ip === '127.0.0.1' && r.port === 9), 'loopback connects are recorded too');
      assert.equal(egressViolations(records.filter((r) => r.ip === '127.0.0.1')).length, 0, 'and allowed');
      // Allow the namespace's network: the same records pass.
      const rest = egressViolations(records, [...DEFAULT_ALLOWED, '10.250.77.0/30']).filter((r) => r.pid === mine[0]!.pid);
      assert.deepEqual(rest, [], 'with the namespace allowed, nothing of that process is flagged');
      assert.doesNotMatch(sh(['auditctl', '-l']), new RegExp(started.watch.key), 'the watch removed its rules');
    } finally {
      try {
        sh(['ip', 'netns', 'del', ns]);
      } catch {
        /* not made */
      }
      try {
        sh(['ip', 'link', 'del', host]);
      } catch {
        /* went with the namespace */
      }
    }
  });
});
