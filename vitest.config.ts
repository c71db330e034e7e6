import { defineConfig } from 'vitest/config'

// Core and integration tests under Node: real SQLite files, the real keychain (run inside scripts/with-keyring.sh),
// the recording fake provider. End-to-end tests are Playwright's (test/e2e), not vitest's.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/e2e/**', 'node_modules/**'],
    environment: 'node',
    pool: 'forks',
    // Each test file starts on a usable test keyring (brought back, and said so, if it has gone).
    setupFiles: ['test/support/test-keyring.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
})
