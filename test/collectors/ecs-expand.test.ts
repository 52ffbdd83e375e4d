import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expandDottedKeys } from '../../collectors/importers/ecs.js';

test('dotted keys are nested and merged at every level; labels keep theirs', () => {
  const got = expandDottedKeys({ 'process.pid': 1, process: { name: 'x', 'parent.pid': 2 }, labels: { 'a.b': 'c' }, '@timestamp': 't' });
  assert.deepEqual(got, { process: { pid: 1, name: 'x', parent: { pid: 2 } }, labels: { 'a.b': 'c' }, '@timestamp': 't' });
});

test('an already nested document comes back as it is, without a copy', () => {
  const doc = { '@timestamp': 't', process: { pid: 1, parent: { pid: 2 } }, labels: { 'x.y': 'z' } };
  assert.equal(expandDottedKeys(doc), doc);
  const deep = { event: { a: { b: { 'c.d': 1 } } } };
  assert.notEqual(expandDottedKeys(deep), deep, 'a dot deep inside still expands');
  assert.deepEqual(expandDottedKeys(deep), { event: { a: { b: { c: { d: 1 } } } } });
});
