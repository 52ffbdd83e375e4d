import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { checkRuleFields, editDistance, loadRulesWithDiagnostics, type FieldCatalog } from '../../src/detector/index.js';

const ECS: FieldCatalog = {
  ecs: ['@timestamp', 'event.category', 'event.type', 'event.action', 'host.id', 'host.os.type', 'process.command_line', 'process.executable', 'process.entity_id', 'process.parent.entity_id', 'process.name', 'user.name', 'network.direction', 'destination.ip', 'labels.*'],
};
const config = { lists: {} };

const eql = (query: string): { path: string; text: string } => ({
  path: 'r.toml',
  text: `[rule]\nname = "r"\nrule_id = "r1"\nseverity = "low"\nlanguage = "eql"\nquery = '''\n${query}\n'''\n`,
});

describe('field check', () => {
  test('edit distance: case differences count half', () => {
    assert.equal(editDistance('Commandline', 'CommandLine'), 0.5);
    assert.equal(editDistance('process.comand_line', 'process.command_line'), 1);
  });

  test('EQL: a misspelt field is flagged at its line and column with the nearest name', () => {
    const w = checkRuleFields([eql('process where process.comand_line : "*x*" and labels.purple_run_id == "a"')], config, ECS);
    assert.equal(w.length, 1, w.map((e) => e.format()).join('\n'));
    assert.equal(w[0]!.message, "unknown field 'process.comand_line': not an ECS field and not declared");
    assert.deepEqual([w[0]!.location.file, w[0]!.location.line, w[0]!.location.column], ['r.toml', 7, 15]);
    assert.match(w[0]!.hint ?? '', /did you mean 'process\.command_line'/);
  });

  test('EQL: join keys are checked; declared custom fields pass', () => {
    const rule = eql('sequence by host.idd [process where true] by process.entity_id [network where my.field == 1] by process.entity_id');
    const w = checkRuleFields([rule], config, ECS);
    assert.deepEqual(w.map((e) => e.message.split(':')[0]), ["unknown field 'host.idd'", "unknown field 'my.field'"]);
    const declared = checkRuleFields([rule], { lists: { custom_fields: ['my.field', 'host.idd'] } }, ECS);
    assert.equal(declared.length, 0);
  });

  test('Sigma: Commandline is flagged, CommandLine passes, taxonomy is per category', () => {
    const text = `title: t\nid: 7b1f1d2e-0000-4000-8000-000000000001\nlogsource:\n    product: linux\n    category: process_creation\ndetection:\n    sel:\n        Commandline|contains: x\n        CommandLine|contains: y\n        Image|endswith: /sh\n    condition: sel\n---\ntitle: n\nid: 7b1f1d2e-0000-4000-8000-000000000002\nlogsource:\n    product: linux\n    category: network_connection\ndetection:\n    sel:\n        - ParentProcessGuid: a\n        - DestinationIp: 1.2.3.4\n    condition: sel\n`;
    const w = checkRuleFields([{ path: 's.yml', text }], config, ECS);
    assert.deepEqual(
      w.map((e) => [e.location.line, e.location.column, e.message]),
      [
        [8, 9, "unknown field 'Commandline': not in Sigma's taxonomy for category process_creation, not an ECS field, not declared"],
        [20, 11, "field 'ParentProcessGuid' is not in Sigma's taxonomy for category network_connection"],
      ],
    );
    assert.match(w[0]!.hint ?? '', /did you mean 'CommandLine'/);
  });

  test('Sigma: a taxonomy field the mapping does not place is "maps to nothing"', () => {
    const text = `title: t\nlogsource:\n    product: linux\n    category: process_creation\ndetection:\n    sel:\n        IntegrityLevel: High\n    condition: sel\n`;
    const w = checkRuleFields([{ path: 's.yml', text }], config, ECS);
    assert.equal(w.length, 1);
    assert.match(w[0]!.message, /IntegrityLevel' maps to nothing/);
  });

  test('Sigma correlations: group-by and aliases are checked against the correlated rules', () => {
    const text = `title: a\nname: a\nlogsource: { product: linux, category: process_creation }\ndetection: { sel: { Image: x }, condition: sel }\n---\ntitle: b\nname: b\nlogsource: { product: linux, category: network_connection }\ndetection: { sel: { Image: y }, condition: sel }\n---\ntitle: c\ncorrelation:\n    type: temporal_ordered\n    rules: [a, b]\n    group-by: [ProcesGuid, lineage]\n    aliases:\n        lineage: { a: ProcessGuid, b: ParentProcessGuid }\n    timespan: 1m\n`;
    const w = checkRuleFields([{ path: 's.yml', text }], config, ECS);
    assert.deepEqual(
      w.map((e) => [e.location.line, e.message.split(':')[0]]),
      [
        [15, "unknown field 'ProcesGuid'"],
        [17, "field 'ParentProcessGuid' is not in Sigma's taxonomy for category network_connection"],
      ],
    );
  });

  test('loading reports unknown fields as warnings only when a catalog is given; the rule still loads', () => {
    const files = [eql('process where process.comand_line : "*x*"')];
    const without = loadRulesWithDiagnostics(files, { config, maxOpenSequences: 10 });
    assert.equal(without.warnings.length, 0);
    const withCat = loadRulesWithDiagnostics(files, { config, maxOpenSequences: 10, fields: ECS });
    assert.equal(withCat.rules.length, 1);
    assert.equal(withCat.errors.length, 0);
    assert.equal(withCat.warnings.length, 1);
  });
});
