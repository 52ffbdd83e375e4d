// Secrets never leave the run: the raw files kept beside a report have the token, key, iv and
// passphrase replaced — also where Linux audit wrote an argument hex-encoded — and stay parseable.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { executeRun, generateRunSecrets, redact, redactRaw, REDACTED } from '../../harness/index.js';
import { listSecrets } from '../../harness/run-secrets.js';
import type { Collector, CollectorOutput } from '../../src/model/index.js';
import { makeVariant, testRunId } from './helpers.js';

const hex = (s: string): string => Buffer.from(s, 'utf8').toString('hex').toUpperCase();
const FIDELITY = { process_exec: true, process_args: true, network: false, network_attribution: false, library_loads: false };

describe('redaction of raw files', () => {
  test('hex-encoded audit arguments: the secret becomes hex of <redacted>, the field still decodes', () => {
    const token = 'Zx9-token-abcdefghijklmnop';
    const line = `type=EXECVE msg=audit(1754572895.100:42): argc=4 a0="curl" a1="-H" a2=${hex(`Authorization: Bearer ${token}`)} a3="http://127.0.0.1:1/upload/x"`;
    const out = redactRaw(line, [token]);
    assert.ok(!out.includes(token) && !out.includes(hex(token)) && !out.includes(hex(token).toLowerCase()));
    const a2 = /a2=([0-9A-F]+)/.exec(out)?.[1] ?? '';
    assert.equal(Buffer.from(a2, 'hex').toString('utf8'), `Authorization: Bearer ${REDACTED}`);
    assert.equal(redactRaw('a0="openssl" a1="-K" a2="00112233445566778899aabbccddeeff"', ['00112233445566778899aabbccddeeff']), `a0="openssl" a1="-K" a2="${REDACTED}"`);
  });

  test('the redaction list covers the hex forms, so the report JSON loses them too', () => {
    const s = generateRunSecrets();
    const text = JSON.stringify({ a: `Bearer ${s.token}`, b: hex(`x ${s.token}`), c: s.keyHex });
    const out = redact(text, listSecrets(s));
    for (const secret of [s.token, s.keyHex]) {
      assert.ok(!out.includes(secret));
      assert.ok(!out.toUpperCase().includes(hex(secret)));
    }
  });
});

describe('executeRun with preserveRawDir', () => {
  test('the kept raw files carry no secret in any form', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'purple-privacy-'));
    const runId = testRunId('privacy');
    const collector: Collector = {
      id: 'leaky',
      description: 'writes what a real collector sees: command lines with the run secrets',
      platforms: ['linux', 'macos'],
      probe: async () => ({ available: true, fidelity: FIDELITY, blind_spots: [] }),
      async start(ctx) {
        const raw = join(ctx.rawDir, 'leaky.log');
        return {
          wrapCommand: (a) => a,
          variantDone: async () => undefined,
          stop: async (): Promise<CollectorOutput> => {
            // What the step below put in its environment, as a tracer would log it.
            const env = readFileSync(join(dir, 'env.txt'), 'utf8');
            const get = (k: string): string => new RegExp(`^${k}=(.*)$`, 'm').exec(env)?.[1] ?? '';
            writeFileSync(raw, [`execve curl -H "X-Purple-Token: ${get('PURPLE_SINK_TOKEN')}"`, `a2=${hex(`Authorization: Bearer ${get('PURPLE_SINK_TOKEN')}`)}`, `openssl enc -K ${get('PURPLE_KEY_HEX')} -iv ${get('PURPLE_IV_HEX')}`, `pass=${readFileSync(get('PURPLE_PASSFILE'), 'utf8')}`, '\u00ff\u0000 binary stays'].join('\n'), 'latin1');
            return { events: [], rawFiles: [raw], info: { id: 'leaky', fidelity: FIDELITY, blind_spots: [], lost_records: 0, details: {}, errors: [] } };
          },
        };
      },
    };
    try {
      const r = await executeRun({
        runId,
        stateDir: join(dir, 'state'),
        hostName: 'h',
        hostId: 'h',
        isRoot: false,
        collectors: [collector],
        // The step copies its environment (and so the secrets) where the collector's stop() reads it.
        variants: [makeVariant('priv/v', [{ argv: ['sh', '-c', `env > ${join(dir, 'env.txt')}; cp "$PURPLE_PASSFILE" ${join(dir, 'pass')}`] }])],
        preserveRawDir: join(dir, 'raw'),
        killGraceMs: 300,
      });
      const kept = r.collectorOutputs[0]?.rawFiles[0] ?? '';
      assert.ok(kept.startsWith(join(dir, 'raw')), kept);
      const text = readFileSync(kept, 'latin1');
      const env = readFileSync(join(dir, 'env.txt'), 'utf8');
      const secrets = ['PURPLE_SINK_TOKEN', 'PURPLE_KEY_HEX', 'PURPLE_IV_HEX'].map((k) => new RegExp(`^${k}=(.*)$`, 'm').exec(env)?.[1] ?? '');
      secrets.push(readFileSync(join(dir, 'pass'), 'utf8'));
      for (const s of secrets) {
        assert.ok(s.length >= 16);
        assert.ok(!text.includes(s), `a secret is in the kept raw file:\n${text}`);
        assert.ok(!text.toUpperCase().includes(hex(s)), 'a hex-encoded secret is in the kept raw file');
      }
      assert.equal(text.split(REDACTED).length - 1, 4, 'token, key, iv, passphrase');
      assert.ok(text.includes(hex(`Authorization: Bearer ${REDACTED}`)), 'the hex field decodes to the redacted header');
      assert.ok(text.endsWith('\u00ff\u0000 binary stays'), 'other bytes are unchanged');
      assert.ok(r.cleanup.some((s) => /redacted in 1 file/.test(s.detail ?? '')));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
