// Negative control: a real browser (headless Chromium driven by playwright-core) uploads the
// canary payload to the sink with fetch(). Browsers are expected to talk to the network, so the
// DET0503 analytic must not fire on this even though the file leaves the host.
// usage: node browser-upload.mjs    (PURPLE_* environment of the emulation contract)

import { readFileSync, appendFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { chromiumArgs } from './chromium-flags.mjs';

const CHROMIUM = process.env.PURPLE_CHROMIUM ?? '/usr/bin/chromium';
// Only loopback: the sink is 127.0.0.1 (see chromium-flags.mjs for what each switch stops).
const ARGS = chromiumArgs(['--headless']);

function journal(action, details, pid = process.pid, ppid = process.ppid) {
  const path = process.env.PURPLE_JOURNAL;
  if (!path) return;
  appendFileSync(path, JSON.stringify({ time_ms: performance.timeOrigin + performance.now(), action, pid, ppid, details }) + '\n');
}

function need(name) {
  const v = process.env[name];
  if (!v) {
    process.stderr.write(`browser-upload: ${name} is not set (run me through the harness)\n`);
    process.exit(2);
  }
  return v;
}

async function main() {
  const sinkUrl = need('PURPLE_SINK_URL');
  const token = need('PURPLE_SINK_TOKEN');
  const body = readFileSync(need('PURPLE_PAYLOAD'));
  if (!existsSync(CHROMIUM)) {
    process.stderr.write(`browser-upload: skipped: ${CHROMIUM} not found (apt-get install chromium)\n`);
    journal('note', { skipped: `${CHROMIUM} not found` });
    return 3;
  }
  let chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch {
    process.stderr.write('browser-upload: skipped: playwright-core is not installed (npm ci installs it with @playwright/test)\n');
    journal('note', { skipped: 'playwright-core not installed' });
    return 3;
  }
  journal('start', { script: 'browser-upload.mjs', browser: CHROMIUM });
  // Chromium puts a unix socket under TMPDIR; a deep workspace path exceeds the 108-byte limit,
  // so it gets a short private folder that is removed afterwards.
  const tmp = (process.env.TMPDIR ?? '/tmp').length > 40 ? mkdtempSync(join('/tmp', 'purple-cr-')) : undefined;
  // launchServer exposes the browser's pid, which the ground truth needs.
  let server;
  try {
    server = await chromium.launchServer({ executablePath: CHROMIUM, args: ARGS, headless: true, ...(tmp ? { env: { ...process.env, TMPDIR: tmp } } : {}) });
    const browserPid = server.process().pid;
    const browser = await chromium.connect(server.wsEndpoint());
    const page = await browser.newPage();
    // A page on the sink's own origin makes the fetch same-origin (no CORS preflight). The page
    // itself is served by Playwright, so the sink only ever sees the upload.
    const origin = new URL(sinkUrl).origin;
    await page.route(`${origin}/purple-blank.html`, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>purple</title>' }));
    await page.goto(`${origin}/purple-blank.html`);
    const status = await page.evaluate(
      async ({ url, token, b64 }) => {
        const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        const r = await fetch(url, { method: 'POST', headers: { 'X-Purple-Token': token, 'Content-Type': 'application/octet-stream' }, body: bytes });
        return r.status;
      },
      { url: sinkUrl, token, b64: body.toString('base64') },
    );
    if (status >= 300) throw new Error(`sink answered ${status}`);
    // The network service (a child of this browser process) made the connection.
    journal('upload', { tool: 'chromium', protocol: 'http', destination: new URL(sinkUrl).host, bytes: body.length, pid_is: 'browser main process' }, browserPid, process.pid);
    await browser.close();
  } finally {
    await server?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }
  journal('exit', { code: 0 });
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    journal('note', { error: String(e?.message ?? e) });
    process.stderr.write(`browser-upload: ${e?.stack ?? e}\n`);
    process.exit(1);
  },
);
