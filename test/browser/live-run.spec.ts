// The live view driven by a real `purple run --live` (real emulations and collector): the page
// follows the variants as they run and ends with their verdicts and the run's coverage.
import { test, expect } from '@playwright/test';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');

test('a real run streams status, events, alerts and verdicts to the live page', async ({ page }, info) => {
  test.skip(process.platform !== 'linux' || !existsSync(CLI), 'needs Linux and a build (npm run build)');
  test.setTimeout(150_000);
  const out = mkdtempSync(join(tmpdir(), 'purple-live-run-'));
  // The +d30 variant keeps the run going long enough to watch it.
  const child = spawn(process.execPath, [CLI, 'run', '--live', '--variant', 'openssl-curl/enc-aes-256-cbc-pbkdf2+curl-data-binary', 'openssl-curl/*+d30', '--out', out, '--run-id', `live-${process.pid}`], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1', GITHUB_STEP_SUMMARY: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  try {
    await expect.poll(() => /live view: (http:\/\/127\.0\.0\.1:\d+\S*)/.exec(stderr)?.[1], { timeout: 30_000 }).toBeTruthy();
    const url = /live view: (http:\/\/127\.0\.0\.1:\d+\S*)/.exec(stderr)![1]!;
    await page.goto(url);
    await expect(page.locator('#status')).toHaveText('live');
    await expect(page.locator('#run-status')).toContainText('+d30', { timeout: 30_000 });
    await page.screenshot({ path: info.outputPath('live-run-running.png'), fullPage: true });
    await expect(page.locator('#verdicts tr')).toHaveCount(2, { timeout: 90_000 });
    await expect(page.locator('#verdicts tr[data-variant="openssl-curl/enc-aes-256-cbc-pbkdf2+curl-data-binary"]')).toContainText('detected');
    await expect(page.locator('#alerts tr').first()).toBeVisible();
    expect(Number(await page.locator('#count-events').textContent())).toBeGreaterThan(0);
    await expect(page.locator('#run-status')).toContainText('coverage');
    await page.screenshot({ path: info.outputPath('live-run-done.png'), fullPage: true });
    expect(await exited).toBe(0);
  } finally {
    if (child.exitCode === null) child.kill('SIGINT');
    await exited;
    rmSync(out, { recursive: true, force: true });
  }
});
