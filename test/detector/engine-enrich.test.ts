import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createProcessTreeEnricher, enrichProcessTree } from '../../src/detector/index.js';
import { makeEntityId, type TelemetryEvent } from '../../src/model/index.js';

let n = 0;
function e(ms: number, category: string, action: string, process: Record<string, unknown>, host = 'h1'): TelemetryEvent {
  return {
    '@timestamp': new Date(Date.UTC(2024, 5, 1) + ms).toISOString(),
    event: { id: `e${++n}`, kind: 'event', category, type: action === 'exec' ? 'start' : action === 'exit' ? 'end' : 'connection', action, dataset: 't' },
    host: { id: host },
    process,
  } as TelemetryEvent;
}

const shell = { pid: 10, entity_id: 'SH', name: 'sh', executable: '/bin/sh', command_line: 'sh -c x', parent: { pid: 1, entity_id: 'INIT' } };
const init = { pid: 1, entity_id: 'INIT', name: 'init', executable: '/sbin/init', command_line: '/sbin/init' };
const py = { pid: 20, entity_id: 'PY', name: 'python3', executable: '/usr/bin/python3', command_line: 'python3 up.py', parent: { pid: 10 } };

describe('process-tree enrichment', () => {
  test('pid-only events get the entity, image, parent and ancestry (nearest first)', () => {
    const out = enrichProcessTree([e(0, 'process', 'exec', init), e(1, 'process', 'exec', shell), e(2, 'process', 'exec', py), e(3, 'network', 'connect', { pid: 20 })]);
    const net = out[3]!.process!;
    assert.equal(net.entity_id, 'PY');
    assert.equal(net.name, 'python3');
    assert.equal(net.executable, '/usr/bin/python3');
    assert.equal(net.command_line, 'python3 up.py');
    assert.deepEqual(net.parent, { pid: 10, entity_id: 'SH', name: 'sh', executable: '/bin/sh', command_line: 'sh -c x' });
    assert.deepEqual(net.Ext?.ancestry, ['SH', 'INIT']);
    // The exec event itself learns its parent's entity from the parent pid.
    assert.equal(out[2]!.process!.parent!.entity_id, 'SH');
  });

  test('the process user is filled on events that lack it', () => {
    const exec = { ...e(0, 'process', 'exec', py), user: { id: '501', name: 'alice' } } as TelemetryEvent;
    const out = enrichProcessTree([
      exec,
      e(1, 'network', 'connect', { pid: 20 }),
      { ...e(2, 'network', 'connect', { pid: 20 }), user: { id: '0' } } as TelemetryEvent,
      { ...e(3, 'network', 'connect', { pid: 20 }), user: { id: '501' } } as TelemetryEvent,
    ]);
    assert.deepEqual(out[1]!.user, { id: '501', name: 'alice' });
    assert.deepEqual(out[2]!.user, { id: '0' }, 'another user the source named is left alone');
    assert.deepEqual(out[3]!.user, { id: '501', name: 'alice' }, 'the same user is completed');
  });

  test('fills only what is missing and never changes the input objects', () => {
    const input = e(5, 'network', 'connect', { pid: 20, name: 'renamed', parent: { pid: 99 } });
    const frozen = JSON.stringify(input);
    const out = enrichProcessTree([e(0, 'process', 'exec', shell), e(1, 'process', 'exec', py), input]);
    assert.equal(JSON.stringify(input), frozen);
    assert.equal(out[2]!.process!.name, 'renamed');
    assert.equal(out[2]!.process!.parent!.pid, 99);
    assert.equal(out[2]!.process!.entity_id, 'PY');
  });

  test('a new exec in the same pid is a new entity; hosts are kept apart', () => {
    const exec2 = { ...py, entity_id: 'PY2', name: 'curl', executable: '/usr/bin/curl', command_line: 'curl x' };
    const out = enrichProcessTree([
      e(0, 'process', 'exec', py),
      e(1, 'network', 'connect', { pid: 20 }),
      e(2, 'process', 'exec', exec2),
      e(3, 'network', 'connect', { pid: 20 }),
      e(4, 'network', 'connect', { pid: 20 }, 'h2'),
    ]);
    assert.equal(out[1]!.process!.entity_id, 'PY');
    assert.equal(out[3]!.process!.entity_id, 'PY2');
    assert.equal(out[3]!.process!.name, 'curl');
    assert.equal(out[4]!.process!.entity_id, undefined, 'pid 20 on another host is unknown');
  });

  test('exec events without an entity id get makeEntityId(host, pid, start)', () => {
    const start = '2024-06-01T00:00:00.000Z';
    const out = enrichProcessTree([e(0, 'process', 'exec', { pid: 30, name: 'x', start }), e(1, 'network', 'connect', { pid: 30 })]);
    const id = makeEntityId('h1', 30, Date.parse(start));
    assert.equal(out[0]!.process!.entity_id, id);
    assert.equal(out[1]!.process!.entity_id, id);
  });

  test('events that name an entity resolve by it even without a pid', () => {
    const out = enrichProcessTree([e(0, 'process', 'exec', py), e(1, 'library', 'load', { entity_id: 'PY' })]);
    assert.equal(out[1]!.process!.executable, '/usr/bin/python3');
  });

  test('memory is bounded: exited processes age out, and a hard cap evicts the stalest', () => {
    const en = createProcessTreeEnricher({ exitedTtlMs: 1000, maxEntries: 100 });
    for (let i = 0; i < 1000; i++) en.enrich(e(i, 'process', 'exec', { pid: i, entity_id: `P${i}` }), i);
    assert.equal(en.size(), 100);
    assert.equal(en.evicted(), 900);
    const en2 = createProcessTreeEnricher({ exitedTtlMs: 10 });
    for (let i = 0; i < 50; i++) {
      en2.enrich(e(i, 'process', 'exec', { pid: i, entity_id: `Q${i}` }), i);
      en2.enrich(e(i, 'process', 'exit', { pid: i, entity_id: `Q${i}` }), i);
    }
    for (let i = 0; i < 2048; i++) en2.enrich(e(100_000 + i, 'file', 'open', { pid: 999_999 }), 100_000 + i);
    assert.equal(en2.size(), 0, 'exited entries were swept');
    // A pid-only event for a swept process is left as it is.
    assert.equal(en2.enrich(e(200_000, 'network', 'connect', { pid: 3 }), 200_000).process!.entity_id, undefined);
  });

  test('ancestry stops at cycles and at the depth limit', () => {
    const a = { pid: 2, entity_id: 'A', parent: { pid: 3, entity_id: 'B' } };
    const b = { pid: 3, entity_id: 'B', parent: { pid: 2, entity_id: 'A' } };
    const out = enrichProcessTree([e(0, 'process', 'exec', a), e(1, 'process', 'exec', b), e(2, 'network', 'connect', { pid: 2 })]);
    assert.deepEqual(out[2]!.process!.Ext?.ancestry, ['B']);
    const chain = Array.from({ length: 50 }, (_, i) => e(i, 'process', 'exec', { pid: 100 + i, entity_id: `C${i}`, parent: i ? { pid: 99 + i, entity_id: `C${i - 1}` } : undefined }));
    const out2 = enrichProcessTree([...chain, e(60, 'network', 'connect', { pid: 149 })], { maxAncestry: 5 });
    assert.deepEqual(out2[50]!.process!.Ext?.ancestry, ['C48', 'C47', 'C46', 'C45', 'C44']);
  });
});
