// The raw-line prefilter (src/detector/line-gate.ts, gate/literals.ts) and the line feeder built on
// it: literals compiled from EQL conditions, the raw category and time readers, and the property
// that matters — feeding raw lines through the prefilter gives exactly the alerts (same ids, same
// order) that parsing and pushing every line gives, on fixtures and on random streams with pid-only
// events, dotted keys, odd case, non-ASCII text and out-of-order times.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { createEcsImporter } from '../../collectors/importers/ecs.js';
import { createDetector, createProcessTreeEnricher, loadRules, parseDetectorConfig, parseEql, rawCategories, rawTimestamp, type StreamRule } from '../../src/detector/index.js';
import { needOf, safePieces } from '../../src/detector/gate/literals.js';
import { gateContext } from '../../src/detector/line-gate.js';
import { loadSigmaRules } from '../../src/detector/sigma/index.js';
import type { Alert, TelemetryEvent } from '../../src/model/index.js';

const ROOT = join(import.meta.dirname, '..', '..');
const FIX = join(ROOT, 'test', 'fixtures', 'det0503');
const config = parseDetectorConfig(readFileSync(join(ROOT, 'rules', 'config', 'det0503.yaml'), 'utf8'), 'rules/config/det0503.yaml');
const eqlFiles = readdirSync(join(ROOT, 'rules', 'eql')).map((f) => ({ path: `eql/${f}`, text: readFileSync(join(ROOT, 'rules', 'eql', f), 'utf8') }));
const eqlRules = (maxOpen = 1000): StreamRule[] => loadRules(eqlFiles, { config, maxOpenSequences: maxOpen });

function condition(q: string): ReturnType<typeof parseEql> {
  return parseEql(q);
}

function needFor(q: string, enrich: boolean): string[] | null {
  const parsed = condition(q);
  if (parsed.k !== 'event') throw new Error('event query expected');
  const ctx = gateContext(enrich);
  const n = needOf(parsed.filter.cond, { unsafeField: ctx.unsafeField, assumeNotProcess: enrich });
  return n === null ? null : [...n.lits].sort();
}

describe('literals a condition needs', () => {
  const cases: Array<[string, string, boolean, string[] | null]> = [
    ['wildcard list, longest safe piece of each', 'any where dll.path : ("*/cryptography/hazmat/bindings/_rust.abi3.so", "*/Crypto/Cipher/_raw_aes*")', true, ['_raw_aes', '_rust.abi3.so']],
    ['a piece contained in another keeps the shorter', 'any where dll.path : ("*libfoo*", "*libfoobar*")', false, ['libfoo']],
    ['or with an unconstrained side needs nothing', 'any where dll.path : "*_raw_aes*" or destination.port == 443', false, null],
    ['and keeps the pattern side', 'any where host.os.type == "linux" and dll.path : "*_raw_aes*"', false, ['_raw_aes']],
    ['not needs nothing', 'any where not dll.path : "*_raw_aes*"', false, null],
    ['pieces shorter than 3 characters do not count', 'any where dll.path : "*a*b*"', false, null],
    ['escaped wildcards are not split', 'any where dll.path : "*lib\\\\*x*"', false, null],
    ['regex needs nothing', 'any where dll.path regex ".*_raw_aes.*"', false, null],
    ['fields the importer rewrites never give literals', 'any where event.action == "connection_attempted"', false, null],
    ['with enrichment, process and user fields may be filled in', 'any where process.command_line : "*openssl enc*"', true, null],
    ['without enrichment they are read as written', 'any where process.command_line : "*openssl enc*"', false, ['openssl']],
    ['with enrichment, a process-only branch is impossible on other lines', 'any where (event.category == "process" and process.command_line : "*openssl*") or (event.category == "library" and dll.path : "*_raw_aes*")', true, ['_raw_aes']],
    ['false is impossible', 'any where false', false, []],
    ['stringContains gives its constant', 'any where stringContains(file.path, "secret-export")', false, ['secret-export']],
  ];
  for (const [name, q, enrich, want] of cases) test(name, () => assert.deepEqual(needFor(q, enrich), want));

  test('safe pieces split on everything an encoder or importer may change', () => {
    assert.deepEqual(safePieces('/usr/bin/openssl enc -aes-256-cbc "x"'), ['usr', 'bin', 'openssl', 'enc', '-aes-256-cbc', 'x']);
    assert.deepEqual(safePieces('a<b>c&d\'e\\f'), ['a', 'b', 'c', 'd', 'e', 'f']);
    assert.deepEqual(safePieces('Ünïcode'), ['n', 'code']);
  });
});

describe('raw line readers', () => {
  test('categories in nested, dotted, array and fields forms', () => {
    assert.deepEqual(rawCategories('{"event":{"category":"network","type":"x"}}'), ['network']);
    assert.deepEqual(rawCategories('{"event": {"category" : [ "process" , "network" ]}}'), ['process', 'network']);
    assert.deepEqual(rawCategories('{"event.category":["library"]}'), ['library']);
    assert.deepEqual(rawCategories('{"event":{"category":"file"},"rule":{"subcategory":"process"}}'), ['file', 'process']);
    assert.equal(rawCategories('{"event":{"kind":"event"}}'), null);
    assert.equal(rawCategories('{"event":{"category":null}}'), null);
    assert.equal(rawCategories('{"event":{"category":"net\\u0077ork"}}'), null);
    assert.deepEqual(rawCategories('{"event":{"category":"file"},"x":"gory","y":{"subcategory":"network"}}'), ['file', 'network'], 'a later key found past a near miss');
    assert.deepEqual(rawCategories('{"category":"process"}'), ['process'], 'at the very start');
  });
  test('timestamps only when written plainly', () => {
    assert.equal(rawTimestamp('{"@timestamp":"2025-01-15T00:00:17.312837Z","a":1}'), Date.UTC(2025, 0, 15, 0, 0, 17, 312));
    assert.equal(rawTimestamp('{"@timestamp" : "2025-01-15T00:00:17Z"}'), Date.UTC(2025, 0, 15, 0, 0, 17));
    assert.equal(rawTimestamp('{"@timestamp":"2025-01-15T00:00:17.3128379Z"}'), null, 'more than microseconds');
    assert.equal(rawTimestamp('{"@timestamp":"2025-01-15T00:00:17+02:00"}'), null, 'an offset');
    assert.equal(rawTimestamp('{"@timestamp":1736899217000}'), null, 'epoch numbers');
    assert.equal(rawTimestamp('{"@timestamp":"2025-01-15T00:00:17Z","x":{"@timestamp":"2025-01-15T00:00:18Z"}}'), null, 'two timestamps');
    assert.equal(rawTimestamp('{"@timestamp":"2025-01-15T00:00:17Z","cmd":"ssh deploy@build01"}'), Date.UTC(2025, 0, 15, 0, 0, 17), 'another @ is not another timestamp');
    assert.equal(rawTimestamp('{"x":1,"@timestamp":"2025-01-15T00:00:17Z","@timestamp":"2025-01-15T00:00:18Z"}'), null, 'two timestamps side by side');
  });
});

function viaPush(rules: StreamRule[], lines: string[]): Alert[] {
  const session = createEcsImporter().create({});
  const d = createDetector(rules);
  const out: Alert[] = [];
  lines.forEach((l, i) => {
    for (const ev of session.push(l, i + 1)) out.push(...d.push(ev));
  });
  out.push(...d.finish());
  return out;
}

function viaFeeder(rules: StreamRule[], lines: string[]): { alerts: Alert[]; skipped: number } {
  const session = createEcsImporter().create({});
  const d = createDetector(rules);
  const feeder = d.lineFeeder((l, n) => session.push(l, n));
  assert.ok(feeder, 'the EQL pack can be prefiltered');
  const out: Alert[] = [];
  lines.forEach((l, i) => out.push(...feeder.push(l, i + 1)));
  out.push(...d.finish());
  return { alerts: out, skipped: feeder.stats().skipped };
}

const ids = (as: Alert[]): string[] => as.map((a) => a.id);

describe('line feeder gives the alerts of parsing every line', () => {
  const files = [
    ...readdirSync(FIX).filter((f) => f.endsWith('.ndjson')),
    ...readdirSync(join(FIX, 'eql-only')).map((f) => `eql-only/${f}`),
    ...readdirSync(join(FIX, 'needs-enrichment')).map((f) => `needs-enrichment/${f}`),
  ];
  for (const f of files) {
    test(f, () => {
      const lines = readFileSync(join(FIX, f), 'utf8').split('\n').filter((l) => l.trim());
      assert.deepEqual(ids(viaFeeder(eqlRules(), lines).alerts), ids(viaPush(eqlRules(), lines)));
    });
  }

  test('an upload 1.8 s after the encryption (both inside the reorder window) is not skipped', () => {
    const enc = '{"@timestamp":"2025-01-15T00:00:17.312837Z","event":{"id":"e1","kind":"event","category":"process","type":"start","action":"exec"},"host":{"id":"h1","os":{"type":"linux"}},"user":{"id":"1500"},"process":{"pid":8,"entity_id":"p1","executable":"/usr/bin/python3","command_line":"python3 -c AES.new(k)","parent":{"pid":1,"entity_id":"q1"}}}';
    const benign = '{"@timestamp":"2025-01-15T00:00:18.000000Z","event":{"id":"b1","kind":"event","category":"network","type":"connection","action":"connect"},"host":{"id":"h2","os":{"type":"linux"}},"user":{"id":"1"},"process":{"pid":9,"entity_id":"p9","executable":"/usr/bin/curl","parent":{"pid":1,"entity_id":"q9"}},"destination":{"ip":"1.2.3.4","port":443},"network":{"direction":"egress"}}';
    const up = '{"@timestamp":"2025-01-15T00:00:19.154047Z","event":{"id":"n1","kind":"event","category":"network","type":"connection","action":"connect"},"host":{"id":"h1","os":{"type":"linux"}},"user":{"id":"1500"},"process":{"pid":8,"entity_id":"p1","executable":"/usr/bin/python3","parent":{"pid":1,"entity_id":"q1"}},"destination":{"ip":"1.2.3.4","port":443},"network":{"direction":"egress"}}';
    const r = viaFeeder(eqlRules(), [enc, benign, up]);
    assert.equal(r.alerts.length, 3, 'same-process, siblings and same-user-host');
    assert.equal(r.skipped, 1, 'the other host\'s connection is skipped');
  });

  test('Sigma rules cannot be prefiltered yet: no feeder', () => {
    const sigmaFiles = readdirSync(join(ROOT, 'rules', 'sigma')).map((f) => ({ path: `sigma/${f}`, text: readFileSync(join(ROOT, 'rules', 'sigma', f), 'utf8') }));
    const sigma = loadSigmaRules(sigmaFiles, { config, maxOpenSequences: 1000 });
    assert.equal(createDetector(sigma).lineFeeder(() => []), null);
  });

  // Random streams over a few hosts, users and processes, so keys collide and state is often open.
  const HOSTS = ['h1', 'h2', 'h3'];
  const CMDS = ['python3 -c "AES.new(k)"', 'OPENSSL enc -aes-256-cbc -in a', 'gpg --symmetric x', 'ls -la', 'curl -T x https://e', 'openssl s_client -connect x:443', 'pyth\u00f6n AES.new('];
  const LIBS = ['/usr/lib/python3/cryptography/hazmat/bindings/_rust.abi3.so', '/usr/lib/libc.so.6', '/x/Crypto/Cipher/_raw_aes.so', '/x/Crypto/Cipher/_RAW_AES.so'];
  const eventArb = fc.record({
    dt: fc.integer({ min: -3000, max: 4000 }),
    host: fc.constantFrom(...HOSTS),
    user: fc.constantFrom('1000', '1500'),
    proc: fc.integer({ min: 1, max: 6 }),
    parent: fc.integer({ min: 1, max: 6 }),
    kind: fc.constantFrom('exec', 'exec', 'exit', 'net', 'net', 'net', 'lib', 'file', 'ingress', 'fork'),
    cmd: fc.constantFrom(...CMDS),
    lib: fc.constantFrom(...LIBS),
    exe: fc.constantFrom('/usr/bin/python3', '/usr/bin/curl', '/usr/lib/firefox/firefox'),
    dst: fc.constantFrom('93.184.216.34', '224.0.0.251', '10.0.0.5'),
    pidOnly: fc.boolean(),
    dotted: fc.boolean(),
    os: fc.constantFrom('linux', 'linux', 'macos'),
  });
  test('random streams: same alerts, same order', () => {
    fc.assert(
      fc.property(fc.array(eventArb, { minLength: 1, maxLength: 120 }), (evs) => {
        let t = Date.UTC(2025, 0, 15);
        const lines = evs.map((e, i) => {
          t += e.dt;
          const proc: Record<string, unknown> = { pid: 100 + e.proc };
          if (!e.pidOnly || e.kind === 'exec' || e.kind === 'fork') {
            Object.assign(proc, { entity_id: `${e.host}-p${e.proc}`, executable: e.exe, parent: { pid: 100 + e.parent, entity_id: `${e.host}-p${e.parent}` } });
          }
          const ev: Record<string, unknown> = {
            '@timestamp': new Date(t).toISOString(),
            event: { id: `ev${i}`, kind: 'event', category: 'process', type: 'start', action: 'exec' },
            host: { id: e.host, os: { type: e.os } },
            user: { id: e.user },
            process: proc,
          };
          const event = ev.event as Record<string, string>;
          if (e.kind === 'exec' || e.kind === 'fork') {
            proc.command_line = e.cmd;
            event.action = e.kind;
          } else if (e.kind === 'exit') Object.assign(event, { type: 'end', action: 'exit' });
          else if (e.kind === 'lib') {
            Object.assign(event, { category: 'library', type: 'start', action: 'load' });
            ev.dll = { path: e.lib };
          } else if (e.kind === 'file') {
            Object.assign(event, { category: 'file', type: 'change', action: 'write' });
            ev.file = { path: '/tmp/x' };
          } else {
            Object.assign(event, { category: 'network', type: 'connection', action: e.kind === 'ingress' ? 'accept' : 'connection_attempted' });
            ev.destination = { ip: e.dst, port: 443 };
            ev.network = { direction: e.kind === 'ingress' ? 'inbound' : 'outbound' };
          }
          if (e.dotted) {
            const flat: Record<string, unknown> = { '@timestamp': ev['@timestamp'] };
            for (const [k, v] of Object.entries(ev)) if (k !== '@timestamp') flat[k === 'event' ? 'event' : k] = v;
            flat['host.id'] = e.host;
            delete flat.host;
            flat['host.os.type'] = e.os;
            return JSON.stringify(flat);
          }
          return JSON.stringify(ev);
        });
        assert.deepEqual(ids(viaFeeder(eqlRules(), lines).alerts), ids(viaPush(eqlRules(), lines)));
        assert.deepEqual(ids(viaFeeder(eqlRules(3), lines).alerts), ids(viaPush(eqlRules(3), lines)), 'with a small cap on open sequences');
      }),
      { numRuns: 300, seed: 20250115 },
    );
  });
});

describe('enrichment fills only the fields asked for', () => {
  const exec = { '@timestamp': '2025-01-15T00:00:00Z', event: { id: '1', kind: 'event', category: 'process', type: 'start', action: 'exec', dataset: 't' }, host: { id: 'h' }, user: { id: '7', name: 'u' }, process: { pid: 5, entity_id: 'E5', name: 'sh', executable: '/bin/sh', command_line: 'sh -c x', parent: { pid: 1, entity_id: 'E1' } } } as TelemetryEvent;
  const net = { '@timestamp': '2025-01-15T00:00:01Z', event: { id: '2', kind: 'event', category: 'network', type: 'connection', action: 'connect', dataset: 't' }, host: { id: 'h' }, process: { pid: 5 } } as TelemetryEvent;
  test('all fields by default', () => {
    const en = createProcessTreeEnricher();
    en.enrich(exec, 0);
    const out = en.enrich(net, 1000);
    assert.equal(out.process?.entity_id, 'E5');
    assert.equal(out.process?.command_line, 'sh -c x');
    assert.equal(out.process?.parent?.entity_id, 'E1');
    assert.equal(out.user?.id, '7');
  });
  test('only the named ones when given', () => {
    const en = createProcessTreeEnricher({ fields: new Set(['process.entity_id', 'user.id']) });
    en.enrich(exec, 0);
    const out = en.enrich(net, 1000);
    assert.equal(out.process?.entity_id, 'E5');
    assert.equal(out.process?.command_line, undefined);
    assert.equal(out.process?.parent, undefined);
    assert.equal(out.user?.id, '7');
    assert.equal(out.user?.name, undefined);
  });
  test('an exited process resolves for the TTL after its exit, however often the table is swept', () => {
    const en = createProcessTreeEnricher({ exitedTtlMs: 1000 });
    en.enrich(exec, 0);
    en.enrich({ ...exec, event: { ...exec.event, type: 'end', action: 'exit' } } as TelemetryEvent, 10);
    assert.equal(en.enrich(net, 1000).process?.entity_id, 'E5', 'inside the TTL');
    assert.equal(en.enrich(net, 1011).process?.entity_id, undefined, 'past the TTL, before any sweep');
  });
});
