import { test, expect } from '@playwright/test';
import { startLiveServer, type LiveServer } from '../../src/report/index.js';
import { loadFixture } from './fixture.js';

let live: LiveServer;
test.beforeEach(async () => {
  live = await startLiveServer({ host: '127.0.0.1', port: 0 });
});
test.afterEach(async () => {
  await live.close();
});

test('the live page shows published events, alerts and verdicts as they stream', async ({ page }, info) => {
  const r = loadFixture('run-a');
  const outside: string[] = [];
  page.on('request', (req) => {
    if (!req.url().startsWith(live.url) && !req.url().startsWith(live.url.replace('http', 'ws'))) outside.push(req.url());
  });
  await page.goto(live.url);
  await expect(page.locator('#status')).toHaveText('live');
  live.publish({ type: 'status', text: 'running openssl-curl/siblings' });
  await expect(page.locator('#run-status')).toHaveText('running openssl-curl/siblings');
  const hostile = r.events.find((e) => e.process?.command_line?.includes('<script>'))!;
  for (const e of r.events.filter((x) => x !== hostile).slice(0, 5)) live.publish({ type: 'event', event: e });
  live.publish({ type: 'event', event: hostile });
  live.publish({ type: 'alert', alert: r.alerts[0]! });
  live.publish({ type: 'verdict', verdict: r.verdicts[0]! });
  await expect(page.locator('#count-events')).toHaveText('6');
  await expect(page.locator('#alerts tr')).toHaveCount(1);
  await expect(page.locator(`#verdicts tr[data-variant="${r.verdicts[0]!.variant_id}"]`)).toContainText('detected');
  await expect(page.locator(`#events tr[data-event-id="${hostile.event.id}"]`)).toContainText('<script>window.__pwned=1</script>');
  expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  expect(outside).toEqual([]);
  await page.screenshot({ path: info.outputPath('live-streaming.png'), fullPage: true });
});

test('after a reload the page catches up on everything published, then keeps streaming', async ({ page }, info) => {
  const r = loadFixture('run-a');
  await page.goto(live.url);
  await expect(page.locator('#status')).toHaveText('live');
  for (const e of r.events.slice(0, 4)) live.publish({ type: 'event', event: e });
  await expect(page.locator('#count-events')).toHaveText('4');
  await page.reload();
  // published while the page is reloading: must not be lost
  for (const e of r.events.slice(4, 7)) live.publish({ type: 'event', event: e });
  await expect(page.locator('#status')).toHaveText('live');
  await expect(page.locator('#count-events')).toHaveText('7');
  for (const v of r.verdicts.slice(0, 3)) live.publish({ type: 'verdict', verdict: v });
  live.publish({ type: 'done', coverage: r.coverage, exit_code: r.exit_code });
  await expect(page.locator('#verdicts tr')).toHaveCount(3);
  await expect(page.locator('#last-seq')).toHaveText('11');
  await expect(page.locator('#run-status')).toContainText('coverage 50%');
  // every event exactly once, no duplicates from the catch-up
  const ids = await page.locator('#events tr').evaluateAll((rows) => rows.map((x) => x.getAttribute('data-event-id')));
  expect(new Set(ids).size).toBe(7);
  await page.screenshot({ path: info.outputPath('live-after-reload.png'), fullPage: true });
});

test('the page reconnects when the socket drops and fills the gap', async ({ page }) => {
  const r = loadFixture('run-a');
  // Keep a handle on every socket the page opens, so the test can cut the connection.
  await page.addInitScript(() => {
    const Native = window.WebSocket;
    const sockets: WebSocket[] = [];
    (window as unknown as { __sockets: WebSocket[] }).__sockets = sockets;
    window.WebSocket = class extends Native {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols);
        sockets.push(this);
      }
    } as typeof WebSocket;
  });
  await page.goto(live.url);
  await expect(page.locator('#status')).toHaveText('live');
  live.publish({ type: 'event', event: r.events[0]! });
  await expect(page.locator('#count-events')).toHaveText('1');
  await page.evaluate(() => (window as unknown as { __sockets: WebSocket[] }).__sockets.forEach((ws) => ws.close()));
  live.publish({ type: 'event', event: r.events[1]! });
  live.publish({ type: 'event', event: r.events[2]! });
  await expect(page.locator('#count-events')).toHaveText('3');
  expect(await page.evaluate(() => (window as unknown as { __sockets: WebSocket[] }).__sockets.length)).toBe(2);
  await expect(page.locator('#status')).toHaveText('live');
  const ids = await page.locator('#events tr').evaluateAll((rows) => rows.map((x) => x.getAttribute('data-event-id')));
  expect(ids).toEqual([r.events[2]!.event.id, r.events[1]!.event.id, r.events[0]!.event.id]);
});
