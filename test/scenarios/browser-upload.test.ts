// The browser negative control: real headless Chromium posts the canary to a local sink.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadCatalogue, selectVariants } from '../../harness/scenario/index.js';
import { startTinySink, type TinySink } from './helpers/tiny-sink.js';
import { runEmulation } from './helpers/run-emulation.js';

function playwrightCore(): boolean {
  try {
    createRequire(import.meta.url).resolve('playwright-core');
    return true;
  } catch {
    return false;
  }
}

const skip = !existsSync('/usr/bin/chromium') ? '/usr/bin/chromium not installed' : !playwrightCore() ? 'playwright-core not installed' : false;

describe('browser negative control', { skip }, () => {
  let sink: TinySink;
  before(async () => {
    sink = await startTinySink({ token: 'browser-token' });
  });
  after(async () => {
    await sink.close();
  });

  test('chromium fetch() uploads the plaintext canary with the token header', async () => {
    const [v] = selectVariants(loadCatalogue('scenarios'), { variant: ['browser-upload/negative-chromium-fetch'] });
    assert.ok(v);
    assert.deepEqual(v.requires_node, ['playwright-core']);
    const r = await runEmulation(v, sink);
    assert.deepEqual(r.exitCodes, [0], r.stderr);
    assert.equal(sink.uploads.length, 1, `rejected: ${sink.rejected.join('; ')}`);
    const got = sink.uploads[0]!;
    assert.equal(got.tokenVia, 'header:browser-token');
    assert.equal(got.method, 'POST');
    assert.ok(got.body.equals(r.payload));
    assert.deepEqual(sink.rejected, [], 'the sink saw nothing but the upload');
    const up = r.journal.find((j) => j.action === 'upload');
    assert.equal(up?.details.tool, 'chromium');
    assert.notEqual(up?.pid, r.rootPids[0], 'the upload is attributed to the browser, not to node');
  });
});
