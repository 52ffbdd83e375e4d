// purple validate's field check: misspelt EQL and Sigma fields are problems at file:line:column with
// the nearest name; the shipped packs are clean against the ECS field list in schemas/.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validatePaths } from '../../src/cli/validate.js';
import { loadFieldCatalog } from '../../src/pipeline/detector-content.js';

const ROOT = join(import.meta.dirname, '..', '..');
const ECS = {
  ecs: ['@timestamp', 'event.category', 'event.type', 'event.action', 'host.id', 'host.os.type', 'process.command_line', 'process.executable', 'process.entity_id', 'process.parent.entity_id', 'process.name', 'user.name', 'network.direction', 'destination.ip', 'dll.path'],
};

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'purple-validate-fields-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('purple validate: field check', () => {
  test('process.comand_line (EQL) and Commandline (Sigma) are problems with the nearest name', () => {
    writeFileSync(join(dir, 'typo.toml'), `[rule]\nname = "t"\nrule_id = "t1"\nseverity = "low"\nlanguage = "eql"\nquery = '''\nprocess where process.comand_line : "*openssl*"\n'''\n`);
    writeFileSync(join(dir, 'typo.yml'), `title: t\nid: 0d8f1b6a-1111-4222-8333-444455556666\nstatus: test\nlogsource:\n    product: linux\n    category: process_creation\ndetection:\n    selection:\n        Commandline|contains: openssl\n    condition: selection\nlevel: low\n`);
    const r = validatePaths([dir], { cwd: dir, fields: ECS });
    assert.equal(r.ok, false);
    const got = r.problems.map((p) => `${p.file}:${p.line}:${p.column}: ${p.message} | ${p.hint}`);
    assert.equal(got.length, 2, got.join('\n'));
    assert.match(got[0]!, /^typo\.toml:7:15: unknown field 'process\.comand_line'.*did you mean 'process\.command_line'/);
    assert.match(got[1]!, /^typo\.yml:9:9: unknown field 'Commandline'.*did you mean 'CommandLine'/);
    // Without the field list the same files have no problem: the check is what finds them.
    assert.equal(validatePaths([dir], { cwd: dir, fields: null }).ok, true);
  });

  test('a field declared under custom_fields: in the configuration passes', () => {
    const cfg = join(dir, 'site.yaml');
    writeFileSync(cfg, 'DET0503:\n  maxspan: 60s\ncustom_fields:\n  - process.comand_line\n  - Commandline\n');
    const r = validatePaths([join(dir, 'typo.toml'), join(dir, 'typo.yml')], { cwd: dir, config: cfg, fields: ECS });
    assert.deepEqual(r.problems, []);
  });

  test('the ECS field list is read in the shapes ECS tooling writes (flat map, list of definitions, list of names)', () => {
    const shapes: Array<[string, unknown]> = [
      ['flat', { 'process.command_line': { type: 'wildcard' }, labels: { type: 'object' } }],
      ['defs', { fields: [{ flat_name: 'process.command_line', type: 'wildcard' }, { name: 'labels', type: 'object' }] }],
      ['names', ['process.command_line', 'labels.*']],
    ];
    for (const [name, doc] of shapes) {
      const root = join(dir, `catalog-${name}`);
      mkdirSync(join(root, 'schemas'), { recursive: true });
      writeFileSync(join(root, 'schemas', 'ecs-fields.json'), JSON.stringify(doc));
      const cat = loadFieldCatalog(root);
      assert.ok(cat, name);
      assert.ok(cat.ecs.includes('process.command_line'), name);
      assert.ok(cat.ecs.includes('labels.*'), `${name}: an object field admits sub-fields`);
    }
    assert.equal(loadFieldCatalog(join(dir, 'nowhere')), undefined);
  });

  test('the shipped rules are clean against schemas/ecs-fields.json', { skip: existsSync(join(ROOT, 'schemas', 'ecs-fields.json')) ? false : 'schemas/ecs-fields.json not generated yet' }, () => {
    const fields = loadFieldCatalog(ROOT);
    assert.ok(fields && fields.ecs.length > 500);
    const r = validatePaths([join(ROOT, 'rules')], { cwd: ROOT, fields });
    assert.deepEqual(r.problems, []);
  });
});
