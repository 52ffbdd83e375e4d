#!/usr/bin/env node
// Regenerates docs/examples/: a real `purple run` of a small, mixed selection on this host (as
// root with auditd, else whatever collector `auto` picks), and screenshots of its HTML report in
// Debian's Chromium. Usage: npm run build && node scripts/make-example.mjs
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromiumArgs } from '../scenarios/browser/chromium-flags.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dest = join(root, 'docs', 'examples');
const variants = [
  'openssl-curl/enc-aes-256-cbc-pbkdf2+curl-data-binary',
  'openssl-curl/enc-aes-128-ctr-pbkdf2+curl-form',
  'openssl-curl/negative-*',
  'python-aes/cryptography-gcm+urllib',
  'python-aes/cryptography-cbc+websocket',
  'python-aes/openssl-child+http-client',
  'python-aes/pure-python-cbc+urllib',
  'python-aes/negative-*',
  'browser-upload/*',
];

const tmp = mkdtempSync(join(tmpdir(), 'purple-example-'));
const run = spawnSync(process.execPath, [join(root, 'dist', 'src', 'cli', 'main.js'), 'run', '--variant', ...variants, '--out', tmp, '--run-id', 'example', '--no-progress'], { stdio: 'inherit' });
if (run.status !== 0 && run.status !== 1) {
  console.error(`purple run failed (exit ${run.status}); docs/examples left as they were`);
  process.exit(run.status ?? 1);
}
const runDir = join(tmp, 'example');
rmSync(join(dest, 'run'), { recursive: true, force: true });
mkdirSync(dest, { recursive: true });
cpSync(runDir, join(dest, 'run'), { recursive: true });

const { chromium } = await import('@playwright/test');
const browser = await chromium.launch({
  executablePath: existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined,
  args: chromiumArgs(),
});
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  await page.goto(pathToFileURL(join(dest, 'run', 'index.html')).href);
  mkdirSync(join(dest, 'screenshots'), { recursive: true });
  await page.screenshot({ path: join(dest, 'screenshots', 'report-overview.png') });
  const report = JSON.parse(readFileSync(join(dest, 'run', 'report.json'), 'utf8'));
  const detected = report.verdicts.find((v) => v.outcome === 'detected');
  if (detected) {
    // Open the first detected variant's timeline, the view people read most.
    const section = page.locator(`section.variant[data-variant="${detected.variant_id}"]`);
    await section.locator('.vhead').click();
    await section.locator('.timeline').waitFor({ state: 'visible' });
    await section.scrollIntoViewIfNeeded();
    await section.screenshot({ path: join(dest, 'screenshots', 'report-variant.png') });
  }
} finally {
  await browser.close();
  rmSync(tmp, { recursive: true, force: true });
}
console.log(`docs/examples/run and docs/examples/screenshots written`);
