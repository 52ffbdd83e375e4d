// The committed example (docs/examples/run, made by a real `purple run` with
// scripts/make-example.mjs): the HTML that was written beside report.json shows that report.
import { test, expect } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { RunReport } from '../../src/model/index.js';

const RUN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'examples', 'run');
const report = JSON.parse(readFileSync(join(RUN, 'report.json'), 'utf8')) as RunReport;
const pct = (x: number | null): string => (x === null ? 'n/a' : `${(x * 100).toFixed(1)}%`);

test('the example report from a real run renders its own numbers, every variant, offline', async ({ page }) => {
  const external: string[] = [];
  await page.route('**/*', (route) => {
    const u = route.request().url();
    if (u.startsWith('file://') || u.startsWith('data:')) return route.continue();
    external.push(u);
    return route.abort();
  });
  await page.goto(pathToFileURL(join(RUN, 'index.html')).href);
  await expect(page.locator('html')).toHaveAttribute('data-ready', '1');
  await expect(page.locator('#headline-coverage .big')).toHaveText(pct(report.coverage.coverage));
  await expect(page.locator('#headline-fp .big')).toHaveText(pct(report.coverage.false_positive_rate));
  await expect(page.locator('section.variant')).toHaveCount(report.verdicts.length);
  for (const v of report.verdicts) {
    await expect(page.locator(`section.variant[data-variant="${v.variant_id}"] .badge`).first()).toHaveClass(new RegExp(`o-${v.outcome}`));
  }
  // A detected variant's timeline lists its ground truth and its alerts.
  const detected = report.verdicts.find((v) => v.outcome === 'detected');
  expect(detected, 'the example has a detected variant').toBeTruthy();
  const section = page.locator(`section.variant[data-variant="${detected!.variant_id}"]`);
  await section.locator('.vhead').click();
  await expect(section.locator('.timeline tr.tl-alert')).toHaveCount(detected!.alert_ids.length);
  expect(report.collectors.map((c) => c.id)).toContain('linux-audit');
  expect(external).toEqual([]);
});
