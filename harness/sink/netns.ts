// The netns test host (Linux, root): a network namespace joined to the host by a veth pair with a
// /30 from 198.18.0.0/15 (RFC 2544 benchmarking space, never routed on the internet). The sink
// listens inside it, so an upload leaves the host's loopback like real egress — yet the only
// traffic is between this host and that namespace.

import { randomBytes, randomInt } from 'node:crypto';
import { PurpleError, type CommandRunner } from '../../src/model/index.js';

export interface NetnsHost {
  name: string;
  /** Host-side veth (deleting it deletes its peer). */
  hostLink: string;
  nsLink: string;
  hostAddr: string;
  nsAddr: string;
}

function addrOf(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

const BASE = (198 << 24) | (18 << 16); // 198.18.0.0

/**
 * Creates the namespace and the veth pair. `record` is called with each artifact BEFORE it is made,
 * so a crash in between still leaves a state entry that cleanup can act on.
 */
export async function createNetnsHost(runner: CommandRunner, record: (kind: 'netns' | 'link', value: string) => Promise<void>): Promise<NetnsHost> {
  const tag = randomBytes(4).toString('hex');
  const existing = (await runner.run(['ip', '-o', '-4', 'addr', 'show'])).stdout;
  let base = 0;
  for (let tries = 0; tries < 20; tries++) {
    // A random /30 in 198.18.0.0/15 (32768 of them): two concurrent runs practically never collide, and we check.
    const candidate = (BASE + randomInt(0, 32768) * 4) >>> 0;
    if (!existing.includes(` ${addrOf(candidate + 1)}/`) && !existing.includes(` ${addrOf(candidate + 2)}/`)) {
      base = candidate;
      break;
    }
  }
  if (!base) throw new PurpleError('ENVIRONMENT', 'no free /30 in 198.18.0.0/15 for the netns sink', { hint: 'remove stale purple namespaces with `purple cleanup --all`' });
  const h: NetnsHost = { name: `purple-${tag}`, hostLink: `pv${tag}a`, nsLink: `pv${tag}b`, hostAddr: addrOf(base + 1), nsAddr: addrOf(base + 2) };
  const step = async (argv: string[]): Promise<void> => {
    const r = await runner.run(argv, { timeoutMs: 15_000 });
    if (r.exitCode !== 0) {
      throw new PurpleError('ENVIRONMENT', `netns sink: \`${argv.join(' ')}\` failed: ${(r.failed ?? r.stderr.trim()) || `exit ${String(r.exitCode)}`}`, {
        hint: 'the netns sink needs root on Linux with iproute2 (`ip`) and veth support; use the default loopback sink otherwise',
      });
    }
  };
  await record('netns', h.name);
  await step(['ip', 'netns', 'add', h.name]);
  await record('link', h.hostLink);
  await step(['ip', 'link', 'add', h.hostLink, 'type', 'veth', 'peer', 'name', h.nsLink]);
  await step(['ip', 'link', 'set', h.nsLink, 'netns', h.name]);
  await step(['ip', 'addr', 'add', `${h.hostAddr}/30`, 'dev', h.hostLink]);
  await step(['ip', 'link', 'set', h.hostLink, 'up']);
  await step(['ip', 'netns', 'exec', h.name, 'ip', 'addr', 'add', `${h.nsAddr}/30`, 'dev', h.nsLink]);
  await step(['ip', 'netns', 'exec', h.name, 'ip', 'link', 'set', h.nsLink, 'up']);
  await step(['ip', 'netns', 'exec', h.name, 'ip', 'link', 'set', 'lo', 'up']);
  return h;
}
