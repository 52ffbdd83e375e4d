// Skip reasons for variants that cannot run on a host, checked against the real catalogue.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findSkipReason, loadCatalogue, type HostProbes } from '../../harness/scenario/index.js';

const all = loadCatalogue('scenarios').flatMap((s) => s.variants);
const byId = (id: string) => all.find((v) => v.id === id) ?? assert.fail(`no ${id}`);

function host(over: Partial<HostProbes> & { missing?: string[] } = {}): HostProbes {
  const missing = new Set(over.missing ?? []);
  return {
    platform: over.platform ?? 'linux',
    which: async (b) => (missing.has(b) ? undefined : `/usr/bin/${b}`),
    pythonHas: async (m) => !missing.has(m),
    nodeHas: async (p) => !missing.has(p),
    sinkListeners: over.sinkListeners ?? ['http', 'websocket', 'tcp'],
  };
}

// What a dry-run plan has: no python probe, no sink yet.
function plan(h: HostProbes): HostProbes {
  const { pythonHas: _p, sinkListeners: _s, ...rest } = h;
  return rest;
}

test('skip reasons, table-driven', async () => {
  const cases: Array<[string, HostProbes, string | undefined]> = [
    ['python-aes/cryptography-gcm+urllib', host(), undefined],
    ['python-aes/cryptography-gcm+urllib', host({ missing: ['cryptography'] }), 'python module cryptography not installed'],
    ['python-aes/inline-c+urllib', host({ missing: ['cryptography'] }), undefined], // falls back to pure-Python AES
    ['osascript/jxa-commoncrypto+nsurlsession', host(), 'runs on macos only'],
    ['osascript/jxa-commoncrypto+nsurlsession', host({ platform: 'macos' }), undefined],
    ['python-aes/ctypes-libcrypto+urllib', host({ platform: 'macos' }), 'runs on linux only'],
    ['openssl-curl/enc-aes-256-cbc-pbkdf2+curl-form', host({ missing: ['curl'] }), 'curl not found on PATH'],
    ['openssl-curl/enc-aes-256-cbc-pbkdf2+openssl-s_client', host(), 'the sink has no tls listener on this host'],
    ['openssl-curl/enc-aes-256-cbc-pbkdf2+openssl-s_client', host({ sinkListeners: ['http', 'tls'] }), undefined],
    ['browser-upload/negative-chromium-fetch', host({ missing: ['playwright-core'] }), 'node package playwright-core not installed'],
    ['browser-upload/negative-chromium-fetch', host({ missing: ['chromium'] }), 'chromium not found on PATH'],
    ['python-aes/cryptography-gcm+urllib', host({ missing: ['python3', 'cryptography'] }), 'python3 not found on PATH'],
    // A plan probes neither python modules nor sink listeners: those are known when the run starts.
    ['python-aes/cryptography-gcm+urllib', plan(host({ missing: ['cryptography'] })), undefined],
    ['openssl-curl/enc-aes-256-cbc-pbkdf2+openssl-s_client', plan(host()), undefined],
  ];
  for (const [id, h, want] of cases) assert.equal(await findSkipReason(byId(id), h), want, id);
});
