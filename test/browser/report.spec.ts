import { test, expect, type Page } from '@playwright/test';
import { expectedCell, loadFixture, renderFleet, renderToFile, type Rendered } from './fixture.js';

let run: Rendered;
const external: string[] = [];

test.beforeAll(() => {
  run = renderToFile(loadFixture('run-a'));
});
test.afterAll(() => run.cleanup());

async function open(page: Page, url = run.url): Promise<void> {
  // Block and record anything that is not the file itself: the report must work offline.
  await page.route('**/*', (route) => {
    const u = route.request().url();
    if (u.startsWith('file://')) return route.continue();
    external.push(u);
    return route.abort();
  });
  page.on('request', (r) => {
    if (!r.url().startsWith('file://') && !r.url().startsWith('data:')) external.push(r.url());
  });
  await page.goto(url);
  await expect(page.locator('html')).toHaveAttribute('data-ready', '1');
}

test('headline, no network requests, and hostile event text stays inert', async ({ page }, info) => {
  external.length = 0;
  await open(page);
  await expect(page.locator('#headline-coverage .big')).toHaveText('50.0%');
  await expect(page.locator('#headline-fp .big')).toHaveText('33.3%');
  // expand everything so every event row (with the hostile command line) is in the DOM tree shown
  await page.click('#expand-all');
  await expect(page.locator('.variant .vbody').first()).toBeVisible();
  expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  await expect(page.locator('img')).toHaveCount(0);
  await expect(page.locator('.cmd code').filter({ hasText: '</script><script>window.__pwned=1</script>' }).first()).toBeVisible();
  expect(external).toEqual([]);
  await page.screenshot({ path: info.outputPath('report-expanded.png'), fullPage: true });
});

test('coverage matrix: default axes, change both axes, cell contents match the data', async ({ page }, info) => {
  await open(page);
  const verdicts = run.report.verdicts;
  await expect(page.locator('#axis-y')).toHaveValue('interpreter');
  await expect(page.locator('#axis-x')).toHaveValue('lineage');
  const check = async (ax: string, x: string, ay: string, y: string) => {
    const want = expectedCell(verdicts, ax, x, ay, y);
    const cell = page.locator(`#matrix td.cell[data-x="${x}"][data-y="${y}"]`);
    await expect(cell).toHaveAttribute('data-positives', String(want.positives));
    await expect(cell).toHaveAttribute('data-detected', String(want.detected));
    if (want.positives) await expect(cell.locator('.frac')).toHaveText(`${want.detected}/${want.positives}`);
    return want;
  };
  const a = await check('lineage', 'siblings', 'interpreter', 'openssl');
  expect(a.positives).toBeGreaterThan(a.detected); // a mixed cell, not a trivially full or empty one
  await page.selectOption('#axis-x', 'upload');
  await page.selectOption('#axis-y', 'encryption');
  await expect(page.locator('#matrix thead th').first()).toHaveText('encryption \\ upload');
  const b = await check('upload', 'python-urllib', 'encryption', 'python-cryptography-gcm');
  expect(b.positives).toBeGreaterThan(0);
  await check('upload', 'curl-data-binary', 'encryption', 'openssl-enc-aes-256-cbc');
  const uploads = new Set(verdicts.map((v) => String(v.axes.upload)));
  await expect(page.locator('#matrix thead th')).toHaveCount(uploads.size + 1);
  await page.locator('#coverage-matrix').screenshot({ path: info.outputPath('matrix-encryption-by-upload.png') });
});

test('a variant timeline shows ground truth, telemetry, the alert, the join and the latency', async ({ page }, info) => {
  await open(page);
  const v = run.report.verdicts.find((x) => x.variant_id === 'python-aes/spawn-openssl')!;
  const section = page.locator(`section.variant[data-variant="${v.variant_id}"]`);
  await expect(section.locator('.timeline')).toBeHidden();
  await section.locator('.vhead').click();
  const tl = section.locator('.timeline');
  await expect(tl).toBeVisible();
  await expect(tl.locator('tr.tl-truth')).toHaveCount(v.actions.length);
  await expect(tl.locator('tr.tl-alert')).toHaveCount(v.alert_ids.length);
  await expect(tl.locator('tr.tl-alert .join')).toHaveText(v.strongest_join!);
  await expect(tl.locator('tr.tl-alert .latency')).toHaveText(`${v.latency_ms} ms`);
  const evIds = v.actions.flatMap((a) => a.event_ids);
  for (const id of evIds) await expect(tl.locator(`tr[id="ev-${id}"]`)).toHaveCount(1);
  await section.screenshot({ path: info.outputPath('timeline-spawn-openssl.png') });
});

test('filters (outcome, axis value) and search narrow the variant list', async ({ page }) => {
  await open(page);
  const verdicts = run.report.verdicts;
  const visible = page.locator('section.variant:visible');
  await expect(visible).toHaveCount(verdicts.length);
  await page.selectOption('#filter-outcome', 'missed');
  await expect(visible).toHaveCount(verdicts.filter((v) => v.outcome === 'missed').length);
  await page.selectOption('#filter-axis-interpreter', 'openssl');
  const both = verdicts.filter((v) => v.outcome === 'missed' && v.axes.interpreter === 'openssl');
  await expect(visible).toHaveCount(both.length);
  await expect(visible.first()).toHaveAttribute('data-variant', both[0]!.variant_id);
  await expect(page.locator('#shown-count')).toHaveText(`showing ${both.length} of ${verdicts.length} variants`);
  await page.click('#clear-filters');
  await expect(visible).toHaveCount(verdicts.length);
  // search reaches into the (collapsed) timelines: a process name only one variant has
  await page.fill('#search', 'backupd');
  await expect(visible).toHaveCount(1);
  await expect(visible).toHaveAttribute('data-variant', 'python-aes/masquerade-backup');
  await page.fill('#search', 'no such text anywhere');
  await expect(visible).toHaveCount(0);
  await page.fill('#search', '');
  await page.selectOption('#filter-outcome', 'problems');
  await expect(visible).toHaveCount(verdicts.filter((v) => ['missed', 'false-positive', 'error'].includes(v.outcome)).length);
});

test('clicking a matrix cell filters the variants to that cell', async ({ page }) => {
  await open(page);
  await page.locator('#matrix td.cell[data-x="same-process"][data-y="python3"]').click();
  const want = run.report.verdicts.filter((v) => v.axes.lineage === 'same-process' && v.axes.interpreter === 'python3');
  await expect(page.locator('section.variant:visible')).toHaveCount(want.length);
});

test('print layout: no controls, every variant expanded (even filtered ones)', async ({ page }, info) => {
  await open(page);
  await page.selectOption('#filter-outcome', 'detected');
  await page.emulateMedia({ media: 'print' });
  await expect(page.locator('#filter-outcome')).toBeHidden();
  await expect(page.locator('#axis-x')).toBeHidden();
  await expect(page.locator('.toggle').first()).toBeHidden();
  await expect(page.locator('section.variant:visible')).toHaveCount(run.report.verdicts.length);
  await expect(page.locator('.variant .timeline:visible')).toHaveCount(run.report.verdicts.filter((v) => v.outcome !== 'skipped').length);
  await expect(page.locator('#telemetry-readiness')).toBeVisible();
  await page.screenshot({ path: info.outputPath('print-layout.png'), fullPage: true });
  const pdf = await page.pdf({ format: 'A4' });
  expect(pdf.subarray(0, 4).toString()).toBe('%PDF');
  await page.emulateMedia({ media: 'screen' });
  await expect(page.locator('#filter-outcome')).toBeVisible();
});

test('miss reasons and telemetry readiness are shown in plain words', async ({ page }) => {
  await open(page);
  for (const v of run.report.verdicts.filter((x) => x.outcome === 'missed')) {
    await expect(page.locator(`#misses li[data-variant="${v.variant_id}"]`)).toContainText(v.reason!.replace('-', ' '));
  }
  const audit = page.locator('tr[data-collector="linux-audit"]');
  await expect(audit.locator('td.lost')).toHaveText('3');
  await expect(audit).toContainText('library loads (dlopen of libcrypto) are not audited');
  await expect(page.locator('tr[data-collector="strace"]')).toContainText('Operation not permitted');
});

test('fleet report: host axis in the matrix and per-host coverage', async ({ page }, info) => {
  const fleet = renderFleet();
  try {
    await open(page, fleet.url);
    await expect(page.locator('#axis-x')).toHaveValue('host');
    const cell = expectedCell(fleet.report.verdicts, 'host', 'mac-ci-14', 'interpreter', 'osascript-jxa');
    await expect(page.locator('#matrix td.cell[data-x="mac-ci-14"][data-y="osascript-jxa"]')).toHaveAttribute('data-detected', String(cell.detected));
    await expect(page.locator('#matrix td.cell[data-x="lab-deb12"][data-y="osascript-jxa"]')).toContainText('not run');
    await expect(page.locator('#hosts tr[data-host="mac-ci-14"] .pct')).toHaveText('75.0%');
    await page.screenshot({ path: info.outputPath('fleet.png'), fullPage: true });
  } finally {
    fleet.cleanup();
  }
});
