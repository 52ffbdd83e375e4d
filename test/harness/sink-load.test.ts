// Load: a bounded burst from a second process on loopback (1,000 uploads, 200 concurrent). Every
// upload must be answered 200, recorded once, and verified.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { generateCanary, generateRunSecrets, startSink, uploadUrl } from '../../harness/index.js';

const run = promisify(execFile);
const COUNT = 1000;
const CONCURRENCY = 200;

test(`a burst of ${COUNT} uploads, ${CONCURRENCY} concurrent, from a second process: all recorded and verified`, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'purple-load-'));
  const secrets = generateRunSecrets();
  const sink = await startSink({ runId: 'load-run', secrets, cipherFor: (id) => (id === 'load/v' ? 'aes-256-cbc-pbkdf2' : undefined) });
  try {
    writeFileSync(join(dir, 'p'), generateCanary('load-run', 'load/v', 4096));
    writeFileSync(join(dir, 'pass'), secrets.passphrase, { mode: 0o600 });
    await run('openssl', ['enc', '-aes-256-cbc', '-pbkdf2', '-salt', '-pass', `file:${join(dir, 'pass')}`, '-in', join(dir, 'p'), '-out', join(dir, 'c')]);
    const r = await run(process.execPath, ['test/fixtures/harness/load-burst.mjs', uploadUrl(sink.endpoints, 'load/v'), secrets.token, join(dir, 'c'), String(COUNT), String(CONCURRENCY)], { maxBuffer: 1 << 20 });
    const out = JSON.parse(String(r.stdout)) as { ok: number; statuses: Record<string, number>; maxInFlight: number };
    assert.equal(out.ok, COUNT, JSON.stringify(out.statuses));
    assert.ok(out.maxInFlight > 100, `the burst really was concurrent (${out.maxInFlight} in flight)`);
    const receipts = sink.receiptsFor('load/v');
    assert.equal(receipts.length, COUNT);
    const sha = createHash('sha256').update(readFileSync(join(dir, 'c'))).digest('hex');
    assert.ok(receipts.every((x) => x.ciphertext_verified && x.sha256 === sha && x.protocol === 'http'));
    assert.equal(sink.stats().accepted, COUNT);
  } finally {
    await sink.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
