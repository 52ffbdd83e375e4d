// Browser tests of the HTML report and the live view, in Debian's Chromium (never a downloaded
// browser). Screenshots and traces land in test-results/ as CI artifacts.
import { defineConfig } from '@playwright/test';
import { chromiumArgs } from './scenarios/browser/chromium-flags.mjs';

export default defineConfig({
  testDir: 'test/browser',
  // The kernel's audit watches every connect/sendto on the host while the browsers run.
  globalSetup: './test/browser/egress-setup.ts',
  outputDir: 'test-results',
  timeout: 30_000,
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    headless: true,
    screenshot: 'on',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      // Nothing but loopback (scenarios/browser/chromium-flags.mjs); checked by the egress watch.
      args: chromiumArgs(),
    },
  },
});
