// Sigma `product: linux, service: auditd` rules (written in SigmaHQ's style, with auditd's own
// record keys) over real audit records: test/fixtures/linux-audit/run.audit.log through the audit
// importer, as `purple detect --from linux-audit` reads it.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createAuditLogImporter } from '../../collectors/linux-audit/import.js';
import { checkRuleFields, createDetector, loadRulesWithDiagnostics } from '../../src/detector/index.js';
import type { Alert, TelemetryEvent } from '../../src/model/index.js';

const ROOT = join(import.meta.dirname, '..', '..');
const rulesText = readFileSync(join(ROOT, 'test', 'fixtures', 'sigma', 'auditd', 'auditd-rules.yml'), 'utf8');
const files = [{ path: 'auditd-rules.yml', text: rulesText }];

function importAudit(): TelemetryEvent[] {
  const session = createAuditLogImporter().create({ hostId: 'fixture-host' });
  const out: TelemetryEvent[] = [];
  readFileSync(join(ROOT, 'test', 'fixtures', 'linux-audit', 'run.audit.log'), 'utf8')
    .split('\n')
    .forEach((l, i) => out.push(...session.push(l, i + 1)));
  out.push(...session.end());
  return out;
}

function run(events: TelemetryEvent[]): Map<string, Alert[]> {
  const { rules, errors } = loadRulesWithDiagnostics(files, { config: { lists: {} }, maxOpenSequences: 100 });
  assert.deepEqual(errors.map((e) => e.format()), []);
  const d = createDetector(rules, {});
  const alerts: Alert[] = [];
  for (const e of events) alerts.push(...d.push(e));
  alerts.push(...d.finish());
  const by = new Map<string, Alert[]>();
  for (const a of alerts) by.set(a.rule.name, [...(by.get(a.rule.name) ?? []), a]);
  return by;
}

describe('Sigma service: auditd over real audit records', () => {
  const events = importAudit();
  const byId = new Map(events.map((e) => [e.event.id, e]));

  test('the audit events keep their raw records (auditd.records) beside the ECS fields', () => {
    const exec = events.find((e) => e.process?.name === 'openssl');
    assert.ok(exec, 'the fixture has the openssl exec');
    const recs = (exec.auditd as { records: Array<Record<string, string>> }).records;
    assert.deepEqual(recs.map((r) => r.type).filter((t) => t === 'SYSCALL' || t === 'EXECVE'), ['SYSCALL', 'EXECVE']);
    const execve = recs.find((r) => r.type === 'EXECVE')!;
    assert.equal(execve.a0, 'openssl');
    assert.equal(execve.a1, 'enc');
  });

  test('openssl enc fires once, on the openssl exec', () => {
    const hits = run(events).get('Symmetric encryption with the openssl enc command (auditd EXECVE)') ?? [];
    assert.equal(hits.length, 1);
    assert.equal(byId.get(hits[0]!.event_ids[0]!)?.process?.name, 'openssl');
  });

  test("curl's connect fires on curl's network events only", () => {
    const hits = run(events).get('curl connects out (auditd SYSCALL connect)') ?? [];
    assert.ok(hits.length >= 1);
    for (const h of hits) {
      const e = byId.get(h.event_ids[0]!)!;
      assert.equal(e.event.category, 'network');
      assert.equal(e.process?.name, 'curl');
    }
  });

  test('a rule for something the run did not do stays silent; the key rule sees every event', () => {
    const by = run(events);
    assert.equal(by.get('gpg symmetric encryption (auditd EXECVE; the fixture run has none)'), undefined);
    assert.equal((by.get('Anything under the fixture\'s audit key') ?? []).length, events.length);
  });

  test('events without audit records (other collectors) never match an auditd rule', () => {
    const stripped = events.map((e) => ({ ...e, auditd: { ...(e.auditd as object), records: undefined } }) as TelemetryEvent);
    assert.equal(run(stripped).size, 0);
  });

  test('field check: auditd keys pass, a misspelt one is flagged with the nearest key', () => {
    assert.deepEqual(checkRuleFields(files, { lists: {} }, { ecs: [] }).map((e) => e.format()), []);
    const typo = rulesText.replace("exe|endswith: '/curl'", "exee|endswith: '/curl'");
    const w = checkRuleFields([{ path: 'x.yml', text: typo }], { lists: {} }, { ecs: [] });
    assert.equal(w.length, 1);
    assert.match(w[0]!.format(), /x\.yml:\d+:9: unknown field 'exee' for logsource service auditd[\s\S]*did you mean 'exe'/);
  });
});
