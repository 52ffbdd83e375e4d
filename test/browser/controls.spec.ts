// The real-controls parts of the HTML report in Chromium: the side-by-side section, the control
// badges in a variant's header, and the control's alert on its timeline.
import { test, expect } from '@playwright/test';
import { join } from 'node:path';
import { collectControls, openControlSessions, parseControlSpecs } from '../../src/pipeline/controls/index.js';
import { A, B, FIXTURES, N, fixtureRun } from '../controls/helpers.js';
import { renderToFile, type Rendered } from './fixture.js';

let run: Rendered;

test.beforeAll(async () => {
  const report = fixtureRun();
  const sessions = await openControlSessions(parseControlSpecs([`file:${join(FIXTURES, 'elastic-search-response.json')},name=elastic`, `file:${join(FIXTURES, 'crowdstrike-alerts.json')},name=falcon`]), { runId: report.run.id, env: {} });
  report.controls = await collectControls(sessions, report, { waitMs: 0, pollMs: 0, secrets: [] });
  run = renderToFile(report);
});
test.afterAll(() => run.cleanup());

test('controls side by side, badges, and the control alert on the timeline', async ({ page }) => {
  await page.route('**/*', (route) => (route.request().url().startsWith('file://') ? route.continue() : route.abort()));
  await page.goto(run.url);
  await expect(page.locator('html')).toHaveAttribute('data-ready', '1');
  const section = page.locator('#controls');
  await expect(section).toBeVisible();
  await expect(section.locator('thead th')).toHaveText(['variant', 'expect', 'embedded pack', 'elastic', 'falcon']);
  const row = (v: string) => section.locator(`tr[data-variant="${v}"]`);
  await expect(row(A).locator('td[data-control="elastic"]')).toHaveText("alerted, 78.5 s");
  await expect(row(B).locator('td[data-control="elastic"]')).toHaveText('not alerted');
  await expect(row(B).locator('td[data-control="falcon"]')).toHaveClass(/cs-alerted/);
  await expect(row(N).locator('td[data-control="elastic"]')).toHaveText(/false positive/);
  await expect(page.locator('#unexpected-alerts li')).toHaveCount(1);
  const variant = page.locator(`section.variant[data-variant="${A}"]`);
  await expect(variant.locator('.cbadge')).toHaveText(['elastic: alerted', 'falcon: not alerted']);
  await variant.locator('.toggle').click();
  await expect(variant.locator('tr.tl-control')).toHaveCount(1);
  await expect(variant.locator('tr.tl-control')).toContainText('Encrypted file upload by scripted tool');
});
