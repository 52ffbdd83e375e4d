import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isPurpleError, type CollectorAvailability, type EmulationWindow, type TelemetryEvent } from '../../src/model/index.js';
import { attributeToVariants } from '../../collectors/attribution.js';
import { COLLECTORS, chooseCollectors, getCollector } from '../../collectors/registry.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
function ev(ms: number, action: 'exec' | 'fork' | 'connect', pid: number, ppid?: number, id = `${action}-${pid}-${ms}`): TelemetryEvent {
  const e: TelemetryEvent = {
    '@timestamp': new Date(T0 + ms).toISOString(),
    event: { id, kind: 'event', category: action === 'connect' ? 'network' : 'process', type: action === 'connect' ? 'connection' : 'start', action, dataset: 't' },
    process: { pid, entity_id: action === 'connect' ? `e${pid}` : `e${pid}@${ms}` },
  };
  if (ppid !== undefined) e.process!.parent = { pid: ppid };
  return e;
}
const win = (variantId: string, rootPids: number[], startMs: number, endMs: number, rootStarts?: number[]): EmulationWindow => ({ variantId, rootPids, startMs: T0 + startMs, endMs: T0 + endMs, ...(rootStarts ? { rootStarts: rootStarts.map((t) => T0 + t) } : {}) });

describe('attributeToVariants', () => {
  const cases: Array<{ name: string; events: TelemetryEvent[]; windows: EmulationWindow[]; want: Record<string, string | undefined> }> = [
    {
      name: 'root, child by exec parentage, grandchild through a fork without exec',
      events: [ev(10, 'exec', 100, 1), ev(20, 'fork', 101, 100), ev(30, 'fork', 102, 101), ev(31, 'exec', 102, 101), ev(40, 'connect', 102)],
      windows: [win('v1', [100], 0, 100)],
      want: { 'exec-100-10': 'v1', 'fork-101-20': 'v1', 'fork-102-30': 'v1', 'exec-102-31': 'v1', 'connect-102-40': 'v1' },
    },
    {
      name: 'an unrelated process and one outside the window (beyond the slack) are dropped',
      events: [ev(10, 'exec', 100, 1), ev(15, 'exec', 500, 1), ev(10_000, 'exec', 101, 100)],
      windows: [win('v1', [100], 0, 100)],
      want: { 'exec-100-10': 'v1', 'exec-500-15': undefined, 'exec-101-10000': undefined },
    },
    {
      name: 'two variants, each its own tree',
      events: [ev(10, 'exec', 100, 1), ev(11, 'exec', 200, 1), ev(12, 'exec', 101, 100), ev(13, 'exec', 201, 200)],
      windows: [win('a', [100], 0, 50), win('b', [200], 0, 50)],
      want: { 'exec-100-10': 'a', 'exec-101-12': 'a', 'exec-200-11': 'b', 'exec-201-13': 'b' },
    },
    {
      name: 'a reused pid forked by an outsider leaves the tree',
      events: [ev(10, 'exec', 100, 1), ev(20, 'fork', 101, 100), ev(30, 'fork', 101, 999), ev(40, 'connect', 101)],
      windows: [win('v1', [100], 0, 100)],
      want: { 'exec-100-10': 'v1', 'fork-101-20': 'v1', 'fork-101-30': undefined, 'connect-101-40': undefined },
    },
    {
      name: "a later step's pid belongs to the variant only from that step's spawn (pids are reused on busy hosts)",
      // Step 0 (pid 100) at 0 ms; step 1 (pid 300) spawned at 60 s. Until shortly before, pid 300 was another process's.
      events: [ev(10, 'exec', 100, 1), ev(20_000, 'exec', 300, 7), ev(20_500, 'connect', 300), ev(60_001, 'fork', 300, 1), ev(60_002, 'exec', 300, 1), ev(60_100, 'connect', 300)],
      windows: [win('v1', [100, 300], 0, 61_000, [0, 60_000])],
      want: { 'exec-100-10': 'v1', 'exec-300-20000': undefined, 'connect-300-20500': undefined, 'fork-300-60001': 'v1', 'exec-300-60002': 'v1', 'connect-300-60100': 'v1' },
    },
    {
      name: 'a child of a root is in the tree even when the collector missed the root itself',
      events: [ev(60_050, 'exec', 301, 300), ev(60_060, 'connect', 301)],
      windows: [win('v1', [100, 300], 0, 61_000, [0, 60_000])],
      want: { 'exec-301-60050': 'v1', 'connect-301-60060': 'v1' },
    },
    {
      name: 'a reparented process that execs stays in the tree',
      events: [ev(10, 'exec', 100, 1), ev(20, 'fork', 101, 100), ev(30, 'exec', 101, 1)],
      windows: [win('v1', [100], 0, 100)],
      want: { 'exec-100-10': 'v1', 'fork-101-20': 'v1', 'exec-101-30': 'v1' },
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const kept = attributeToVariants(c.events, c.windows, { keepAll: false });
      const got = Object.fromEntries(kept.map((e) => [e.event.id, e.labels?.purple_variant_id]));
      const want = Object.fromEntries(Object.entries(c.want).filter(([, v]) => v !== undefined));
      assert.deepEqual(got, want);
      const all = attributeToVariants(c.events, c.windows, { keepAll: true });
      assert.equal(all.length, c.events.length);
      assert.deepEqual(Object.fromEntries(all.map((e) => [e.event.id, e.labels?.purple_variant_id])), c.want);
    });
  }
  test('inputs are not modified and output is in time order', () => {
    const events = [ev(30, 'connect', 100), ev(10, 'exec', 100, 1)];
    const out = attributeToVariants(events, [win('v', [100], 0, 50)], { keepAll: false });
    assert.deepEqual(out.map((e) => e.event.id), ['exec-100-10', 'connect-100-30']);
    assert.equal(events[0]!.labels, undefined);
  });
});

describe('collector registry', () => {
  test('Linux collectors are registered', () => {
    for (const id of ['linux-audit', 'strace', 'procfs']) assert.equal(getCollector(id).id, id);
  });
  test('unknown id lists the valid ones', () => {
    assert.throws(() => getCollector('sysmon'), (e: unknown) => isPurpleError(e) && e.code === 'UNKNOWN_ID' && e.hint!.includes('linux-audit, lsof') && e.hint!.includes('strace'));
  });
  const av = (available: boolean): CollectorAvailability => ({ available, fidelity: { process_exec: true, process_args: true, network: true, network_attribution: true, library_loads: true }, blind_spots: [] });
  const choices: Array<[string, 'linux' | 'macos', Record<string, boolean>, string[]]> = [
    ['audit first', 'linux', { 'linux-audit': true, strace: true, procfs: true }, ['linux-audit']],
    ['strace without audit', 'linux', { 'linux-audit': false, strace: true, procfs: true }, ['strace']],
    ['procfs last', 'linux', { 'linux-audit': false, strace: false, procfs: true }, ['procfs']],
    ['nothing', 'linux', { 'linux-audit': false }, []],
    ['macOS: process and network sources', 'macos', { eslogger: true, pktap: false, nettop: true, lsof: true }, ['eslogger', 'nettop']],
  ];
  for (const [name, platform, avail, want] of choices) {
    test(`chooseCollectors: ${name}`, () => {
      const probes = Object.fromEntries(Object.entries(avail).map(([k, v]) => [k, av(v)]));
      assert.deepEqual(chooseCollectors(platform, probes), want);
    });
  }
  test('every registered collector id matches its key', () => {
    for (const [k, c] of Object.entries(COLLECTORS)) assert.equal(c.id, k);
  });
});
