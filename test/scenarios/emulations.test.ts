// Real processes: every Linux variant of the catalogue (except the long delays) runs against a
// tiny local sink; the journal must tell the truth about pids and lineage, and every upload must
// decrypt under the variant's cipher to the canary of this run.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCatalogue, selectVariants } from '../../harness/scenario/index.js';
import type { JournalEntry, Variant } from '../../src/model/index.js';
import { startTinySink, type TinySink } from './helpers/tiny-sink.js';
import { runEmulation } from './helpers/run-emulation.js';
import { decryptUpload } from './helpers/decrypt.js';

function pythonHas(mod: string): boolean {
  try {
    execFileSync('python3', ['-c', `import ${mod}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function hasBinary(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function checkLineage(v: Variant, enc: JournalEntry, up: JournalEntry): void {
  switch (v.axes.lineage) {
    case 'same-process':
      assert.equal(enc.pid, up.pid, 'same process');
      break;
    case 'parent-child':
      assert.notEqual(enc.pid, up.pid);
      assert.ok(enc.ppid === up.pid || up.ppid === enc.pid, `one is the parent of the other: ${JSON.stringify([enc, up])}`);
      break;
    case 'siblings':
      assert.notEqual(enc.pid, up.pid);
      assert.equal(enc.ppid, up.ppid, 'same parent');
      break;
    case 'detached':
      assert.notEqual(enc.pid, up.pid);
      // Both roots are started by the launcher, so they may share it as parent; neither may be
      // the other's parent.
      assert.ok(enc.ppid !== up.pid && up.ppid !== enc.pid, 'neither half is the parent of the other');
      break;
    default:
      assert.fail(`unexpected lineage ${String(v.axes.lineage)} for a variant with both halves`);
  }
}

describe('emulation scripts against a local sink', () => {
  let sink: TinySink;
  let tlsDir: string;

  before(async () => {
    // A throwaway self-signed certificate so the openssl s_client route has a TLS listener.
    tlsDir = mkdtempSync(join(tmpdir(), 'purple-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(tlsDir, 'k.pem'), '-out', join(tlsDir, 'c.pem'), '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
    sink = await startTinySink({ token: 'tok-' + Math.random().toString(16).slice(2), tls: { key: readFileSync(join(tlsDir, 'k.pem'), 'utf8'), cert: readFileSync(join(tlsDir, 'c.pem'), 'utf8') } });
  });
  after(async () => {
    await sink.close();
    rmSync(tlsDir, { recursive: true, force: true });
  });

  const variants = selectVariants(loadCatalogue('scenarios'), { platform: 'linux' }).filter((v) => v.axes.delay_s === 0 && v.axes.interpreter !== 'browser');

  test('the table covers the Linux catalogue', () => {
    assert.ok(variants.length >= 40, `only ${variants.length}`);
  });

  for (const v of variants) {
    const missing = [...(v.requires_python ?? []).filter((m) => !pythonHas(m)), ...v.requires.filter((b) => !hasBinary(b))];
    test(v.id, { skip: missing.length ? `not installed: ${missing.join(', ')}` : false }, async () => {
      const before = sink.uploads.length;
      const r = await runEmulation(v, sink);
      const uploads = sink.uploads.slice(before);
      assert.deepEqual(r.exitCodes, v.steps.map(() => 0), `exit codes; stderr: ${r.stderr}`);
      assert.ok(!existsSync(r.workspace), 'workspace removed');

      const act = (a: JournalEntry['action']) => r.journal.filter((j) => j.action === a);
      assert.ok(act('start').length >= 1 && act('exit').length === act('start').length, 'start/exit pairs');
      for (const s of act('start')) assert.ok(r.rootPids.includes(s.pid), `start pid ${s.pid} is a process the runner started`);
      for (const j of r.journal) {
        assert.ok(Number.isFinite(j.time_ms) && j.time_ms > 1.6e12, 'epoch ms');
        assert.ok(Number.isInteger(j.pid) && j.pid > 1);
        assert.ok(Number.isInteger(j.ppid));
      }

      const encs = act('encrypt');
      const ups = act('upload');
      assert.equal(encs.length, v.axes.encryption === 'none' ? 0 : 1, 'encrypt entries');
      assert.equal(ups.length, v.axes.upload === 'none' ? 0 : 1, 'upload entries');
      assert.equal(uploads.length, ups.length, `sink received one upload per journal upload (rejected: ${sink.rejected.join('; ')})`);

      const enc = encs[0];
      if (enc) {
        assert.equal(enc.details.cipher, v.cipher, 'journal names the variant cipher');
        assert.equal(typeof enc.details.tool, 'string');
      }
      const up = ups[0];
      const got = uploads[0];
      if (up && got) {
        assert.equal(got.variantId, v.id);
        assert.equal(up.details.bytes, got.body.length, 'journal bytes = bytes received');
        const port = got.protocol === 'https' ? sink.tlsPort : got.protocol === 'tcp' ? sink.tcpPort : sink.httpPort;
        assert.equal(up.details.destination, `127.0.0.1:${port}`);
        assert.equal(up.details.protocol, got.protocol === 'https' ? 'http' : got.protocol);
        const plain = decryptUpload(v.cipher, got.body, r.secrets);
        assert.ok(plain.equals(r.payload), 'ciphertext verified: decrypts to this run\'s canary');
        if (v.cipher !== 'none') assert.ok(!got.body.includes(Buffer.from('PURPLE-HARNESS-CANARY')), 'the body on the wire is not plaintext');
      }
      if (enc && up) {
        assert.ok(enc.time_ms <= up.time_ms, 'encryption before upload');
        checkLineage(v, enc, up);
      }
    });
  }
});
