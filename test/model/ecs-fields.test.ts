// schemas/ecs-fields.json (generated from @elastic/ecs by scripts/gen-ecs-fields.mjs) and the pure
// loader and event checker in src/model/ecs-fields.ts.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { checkEcsEvent, makeEcsFieldTable, type EcsFieldsFile } from '../../src/model/ecs-fields.js';

const ROOT = join(import.meta.dirname, '..', '..');
const file = JSON.parse(readFileSync(join(ROOT, 'schemas', 'ecs-fields.json'), 'utf8')) as EcsFieldsFile;
const table = makeEcsFieldTable(file);

describe('ECS field definitions', () => {
  test('the committed file is what the generator makes from the installed @elastic/ecs', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'gen-ecs-fields.mjs'), '--check'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  });

  test('names, types, array-ness and levels as ECS defines them', () => {
    assert.ok(file.ecs_version && /^\d+\.\d+\.\d+/.test(file.ecs_version));
    assert.deepEqual(table.get('event.category'), { type: 'keyword', level: 'core', normalize: ['array'] });
    assert.equal(table.isArray('event.type'), true);
    assert.equal(table.isArray('event.action'), false);
    assert.equal(table.get('process.pid')?.type, 'long');
    assert.equal(table.get('destination.ip')?.type, 'ip');
    assert.equal(table.get('@timestamp')?.type, 'date');
    assert.equal(table.get('process.code_signature.team_id')?.type, 'keyword');
    assert.equal(table.get('process.Ext.ancestry')?.level, 'custom');
    assert.equal(table.isArray('process.Ext.ancestry'), true);
    assert.equal(table.has('process.comand_line'), false);
    assert.equal(table.has('labels.purple_run_id'), true, 'labels is an object field: any key');
    assert.ok(table.names().length > 1000);
  });

  test('an event as Elastic Defend writes it passes; house shapes are named', () => {
    const good = {
      '@timestamp': '2026-04-04T18:53:08.657Z',
      ecs: { version: file.ecs_version },
      event: { category: ['process'], type: ['start'], action: 'exec', kind: 'event' },
      process: { pid: 42, args: ['curl', '-T', 'x'], Ext: { ancestry: ['a', 'b'] }, code_signature: { trusted: true } },
      destination: { ip: '::1', port: 443 },
      labels: { purple_run_id: 'r1' },
    };
    assert.deepEqual(checkEcsEvent(good, table), []);
    const bad = {
      '@timestamp': 'Apr 4, 2022 @ 18:53:08.657',
      event: { category: 'process', type: ['start'], action: ['exec'] },
      process: { pid: '42', comand_line: 'x' },
      destination: { ip: 'not-an-ip' },
    };
    const got = checkEcsEvent(bad, table).map((p) => `${p.field}:${p.problem}`).sort();
    assert.deepEqual(got, [
      '@timestamp:wrong-type',
      'destination.ip:wrong-type',
      'event.action:unexpected-array',
      'event.category:not-array',
      'process.comand_line:unknown-field',
      'process.pid:wrong-type',
    ]);
  });
});
