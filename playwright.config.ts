import { defineConfig } from '@playwright/test'

// End-to-end: the real core in the browser host, driven in Debian's Chromium (Playwright's own browsers cannot
// be downloaded here). Each test starts its own host on a temp data dir; one worker fits a 2-core machine.
export default defineConfig({
  testDir: 'test/e2e',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  // Upper bounds only, never synchronization (tests wait on states): generous, because `npm test` must pass on a
  // loaded 2-core machine, where a restart of the host and a cold page load take several times their usual time.
  timeout: 120_000,
  expect: { timeout: 15_000 },
  reporter: [['list'], ['json', { outputFile: 'test-results/playwright.json' }]],
  outputDir: 'test-results/playwright',
  use: {
    browserName: 'chromium',
    launchOptions: {
      executablePath: process.env.KEEL_CHROMIUM ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    },
    viewport: { width: 1280, height: 800 },
    trace: 'off',
    screenshot: 'only-on-failure',
  },
})
