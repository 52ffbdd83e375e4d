import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createProcessTable } from '../../collectors/linux-audit/process-table.js';

describe('process table: one entity per process, whatever the timing', () => {
  test('a fork record logged after the child exec (a busy host) joins the child, it does not replace it', () => {
    const t = createProcessTable('h');
    t.exec(100, 1, 1000, { name: 'node', args: ['node'] });
    // node's clone() returns after its child has already exec'd sh: the kernel logs the exec first.
    const sh = t.exec(200, 100, 1007, { name: 'dash', args: ['sh', '-c', 'x'] });
    const fork = t.fork(100, 200, 1002);
    assert.equal(fork.entityId, sh.entityId, 'the late fork names the same process');
    assert.equal(fork.name, 'node', 'the fork event shows the image the child ran at fork time');
    assert.equal(t.get(200)?.name, 'dash', 'the table keeps the image the child exec\'d');
    assert.equal(t.get(200)?.entityId, sh.entityId);
    assert.equal(t.parentOf(200)?.entity_id, sh.entityId);
  });

  test('fork then exec keep one id (no matter how many milliseconds apart); a reused pid is a new entity', () => {
    const t = createProcessTable('h');
    t.exec(100, 1, 1000, { name: 'sh' });
    const f = t.fork(100, 300, 2000);
    const e = t.exec(300, 100, 2950, { name: 'openssl' });
    assert.equal(e.entityId, f.entityId);
    const again = t.exec(300, 100, 3000, { name: 'curl' });
    assert.equal(again.entityId, f.entityId, 'a second exec of the same process keeps its id');
    const reused = t.fork(100, 300, 5000);
    assert.notEqual(reused.entityId, f.entityId, 'a new fork of the pid is another process');
    const other = t.exec(300, 999, 6000, { name: 'x' });
    assert.notEqual(other.entityId, reused.entityId, 'another parent: the pid was reused by a process whose fork was not seen');
  });
});
