import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ev, run } from '../fixtures/sigma/harness.js';
import { isPurpleError } from '../../src/model/index.js';

const RULE = `title: enc
name: enc
logsource: {product: linux, category: process_creation}
detection:
  sel:
    CommandLine|contains: enc
  condition: sel
`;
const FILTER = `---
title: backup job is expected
logsource: {product: linux, category: process_creation}
filter:
  rules: [enc]
  selection:
    User: backup
  condition: selection
`;

test('a Sigma filter removes its matches from the rules it names', () => {
  const byAlice = ev({ process: { command_line: 'openssl enc' }, user: { name: 'alice' } });
  const byBackup = ev({ process: { command_line: 'openssl enc' }, user: { name: 'backup' } });
  assert.equal(run(RULE, [byAlice, byBackup]).length, 2);
  const a = run(RULE + FILTER, [byAlice, byBackup]);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.event_ids[0], byAlice.event.id);
});

test('a filter naming an unknown rule is an error at that line', () => {
  assert.throws(
    () => run(RULE + FILTER.replace('rules: [enc]', 'rules: [nope]'), []),
    (e: unknown) => isPurpleError(e) && e.code === 'NOT_FOUND' && e.location.line === 12,
  );
});
