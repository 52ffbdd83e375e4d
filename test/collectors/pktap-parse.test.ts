import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { TelemetryEvent } from '../../src/model/index.js';
import { createPktapFlowTracker, parsePktapMeta, parseTcpdumpLine } from '../../collectors/pktap/parse-tcpdump.js';
import { inferDirection, splitColonEndpoint, splitDottedEndpoint } from '../../collectors/pktap/network-event.js';

const lines = readFileSync(new URL('../fixtures/pktap/tcpdump-pktap.txt', import.meta.url), 'utf8').split('\n').filter(Boolean);

describe('endpoint parsing', () => {
  const dotted: Array<[string, ReturnType<typeof splitDottedEndpoint>]> = [
    ['192.168.1.42.53211', { ip: '192.168.1.42', port: 53211 }],
    ['2001:db8::42.61000', { ip: '2001:db8::42', port: 61000 }],
    ['fe80::7ca2:20ff:fe4d:277%awdl0.52214', { ip: 'fe80::7ca2:20ff:fe4d:277', port: 52214 }],
    ['192.168.1.42', undefined], // no port (ICMP)
    ['2001:db8::42', undefined],
    ['1.2.3.4.99999', undefined],
  ];
  for (const [s, want] of dotted) test(`dotted ${s}`, () => assert.deepEqual(splitDottedEndpoint(s), want));
  const colon: Array<[string, ReturnType<typeof splitColonEndpoint>]> = [
    ['127.0.0.1:8443', { ip: '127.0.0.1', port: 8443 }],
    ['[::1]:34302', { ip: '::1', port: 34302 }],
    ['localhost:http', undefined],
    ['*:5353', undefined],
  ];
  for (const [s, want] of colon) test(`colon ${s}`, () => assert.deepEqual(splitColonEndpoint(s), want));
  test('direction from ports', () => {
    assert.equal(inferDirection({ ip: 'a', port: 53211 }, { ip: 'b', port: 443 }), 'egress');
    assert.equal(inferDirection({ ip: 'a', port: 8443 }, { ip: 'b', port: 60001 }), 'ingress');
    assert.equal(inferDirection({ ip: 'a', port: 60000 }, { ip: 'b', port: 60001 }), 'unknown');
  });
});

describe('PKTAP metadata', () => {
  const cases: Array<[string, ReturnType<typeof parsePktapMeta>]> = [
    ['en0, proc curl:4243, svc BE, out', { ifname: 'en0', procName: 'curl', pid: 4243, svc: 'BE', dir: 'out' }],
    ['proc curl:4300', { procName: 'curl', pid: 4300 }],
    ['utun3, proc ssh:44637, eproc Terminal:700, svc CTL, in', { ifname: 'utun3', procName: 'ssh', pid: 44637, eprocName: 'Terminal', epid: 700, svc: 'CTL', dir: 'in' }],
    ['en0, proc Codex (Service):65506, out', { ifname: 'en0', procName: 'Codex (Service)', pid: 65506, dir: 'out' }],
  ];
  for (const [inner, want] of cases) test(inner, () => assert.deepEqual(parsePktapMeta(inner), want));
});

describe('tcpdump lines', () => {
  const cases: Array<{ line: string; want: 'packet' | 'skipped' | 'malformed' }> = [
    { line: lines[0] as string, want: 'packet' },
    { line: 'listening on pktap,all, link-type PKTAP (Apple DLT_PKTAP), snapshot length 524288 bytes', want: 'skipped' },
    { line: lines[9] as string, want: 'skipped' }, // ICMP
    { line: lines[10] as string, want: 'skipped' }, // ARP
    { line: 'curl: this line is not from tcpdump', want: 'malformed' },
    { line: lines[13] as string, want: 'malformed' }, // unbalanced metadata
  ];
  for (const c of cases) {
    test(`${c.want}: ${c.line.slice(0, 60)}`, () => {
      const r = parseTcpdumpLine(c.line);
      assert.ok(c.want in r, JSON.stringify(r));
    });
  }
  test('timestamp keeps microseconds; IPv6 and TCP flags', () => {
    const r = parseTcpdumpLine(lines[6] as string);
    assert.ok('packet' in r);
    assert.equal(r.packet.timestamp, '2025-08-07T13:21:35.300000Z');
    assert.equal(r.packet.family, 'ipv6');
    assert.equal(r.packet.tcpFlags, 'SEW');
    assert.deepEqual(r.packet.dst, { ip: '2606:2800:220:1:248:1893:25c8:1946', port: 443 });
  });
});

describe('flow tracker: first outbound packet of each flow', () => {
  const t = createPktapFlowTracker({ hostId: 'h1', hostName: 'mac-1' });
  const events: TelemetryEvent[] = [];
  let malformed = 0;
  for (const l of lines) {
    const r = t.push(l);
    if (r.kind === 'events') events.push(...r.events);
    if (r.kind === 'malformed') malformed++;
  }
  test('one event per new flow; SYN-ACK, ACK, data, ingress copy, ICMP and ARP ignored', () => {
    assert.deepEqual(
      events.map((e) => `${e.process?.name}:${e.process?.pid} ${e.network?.transport} ${e.destination?.ip}:${e.destination?.port} ${e.network?.direction}`),
      [
        'curl:4243 tcp 93.184.216.34:443 egress',
        'python3.12:4242 tcp 127.0.0.1:8443 egress',
        'Codex (Service):65506 tcp 2606:2800:220:1:248:1893:25c8:1946:443 egress',
        'mDNSResponder:301 udp 192.168.1.1:53 egress',
        'ssh:44637 tcp 10.8.0.1:22 egress',
        'curl:4300 tcp 93.184.216.34:80 unknown',
      ],
    );
    assert.equal(malformed, 2);
  });
  test('ECS shape of a connection event', () => {
    const e = events[0] as TelemetryEvent;
    assert.equal(e.event.category, 'network');
    assert.equal(e.event.type, 'connection');
    assert.equal(e.event.action, 'connect');
    assert.equal(e.event.dataset, 'pktap');
    assert.deepEqual(e.source, { ip: '192.168.1.42', port: 53211 });
    assert.equal(e.network?.type, 'ipv4');
    assert.equal(events[2]?.network?.type, 'ipv6');
    assert.deepEqual(e.host, { name: 'mac-1', id: 'h1', os: { type: 'macos' } });
    assert.equal(e.process?.entity_id, undefined, 'PKTAP has no start time: no entity id is made up');
    assert.equal((events[4]?.['pktap'] as { effective_name?: string }).effective_name, 'Terminal');
  });
  test('ids differ per flow and repeat per input', () => {
    const again = createPktapFlowTracker({ hostId: 'h1' });
    const ids = lines.flatMap((l) => {
      const r = again.push(l);
      return r.kind === 'events' ? r.events.map((e) => e.event.id) : [];
    });
    assert.deepEqual(ids, events.map((e) => e.event.id));
    assert.equal(new Set(ids).size, ids.length);
  });
});
