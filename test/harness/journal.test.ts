// Ground-truth journal lines: valid ones kept in order, bad ones reported with their line numbers.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkJournalEntry, parseJournal, readJournal } from '../../harness/index.js';

const good = { time_ms: 1700000000000.5, action: 'encrypt', pid: 42, ppid: 1, details: { tool: 'openssl', cipher: 'aes-256-cbc-pbkdf2', bytes: 10 } };

describe('checkJournalEntry', () => {
  const cases: Array<[string, unknown, RegExp | null]> = [
    ['valid encrypt', good, null],
    ['valid note without ppid and details', { time_ms: 1, action: 'note', pid: 3 }, null],
    ['array', [1], /object/],
    ['string time', { ...good, time_ms: '1' }, /time_ms/],
    ['negative time', { ...good, time_ms: -1 }, /time_ms/],
    ['unknown action', { ...good, action: 'steal' }, /action/],
    ['pid zero', { ...good, pid: 0 }, /pid/],
    ['fractional pid', { ...good, pid: 1.5 }, /pid/],
    ['bad ppid', { ...good, ppid: 'x' }, /ppid/],
    ['details array', { ...good, details: [] }, /details/],
    ['encrypt without cipher', { ...good, details: { tool: 'openssl' } }, /cipher/],
    ['upload without protocol', { ...good, action: 'upload', details: { tool: 'curl' } }, /protocol/],
  ];
  for (const [name, v, err] of cases) {
    test(name, () => {
      const r = checkJournalEntry(v);
      if (err) assert.match(r as string, err);
      else assert.equal(typeof r, 'object');
    });
  }
});

test('parseJournal keeps good lines in order and numbers the bad ones', () => {
  const text = [
    JSON.stringify({ ...good, action: 'start', details: {} }),
    '',
    'not json',
    JSON.stringify(good),
    JSON.stringify({ ...good, action: 'bogus' }),
    '{"time_ms": 5, "action": "exit", "pid": 9, "det',
  ].join('\n');
  const r = parseJournal(text);
  assert.deepEqual(r.entries.map((e) => e.action), ['start', 'encrypt']);
  assert.deepEqual(r.problems.map((p) => p.line), [3, 5, 6]);
  assert.match(r.problems[2]?.message ?? '', /last line; was the emulation killed/);
  assert.equal(r.entries[1]?.ppid, 1);
});

test('readJournal: a missing file is one problem, not a throw', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'purple-journal-'));
  try {
    const missing = await readJournal(join(dir, 'nope.jsonl'));
    assert.deepEqual(missing.entries, []);
    assert.match(missing.problems[0]?.message ?? '', /ENOENT/);
    writeFileSync(join(dir, 'j.jsonl'), `${JSON.stringify(good)}\n`);
    assert.equal((await readJournal(join(dir, 'j.jsonl'))).entries.length, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
