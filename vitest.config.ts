import { defineConfig } from 'vitest/config'

// Core and integration tests under Node: real SQLite files, the real keychain (run inside scripts/with-keyring.sh),
// the recording fake provider. End-to-end tests are Playwright's (test/e2e), not vitest's.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/e2e/**', 'node_modules/**'],
    environment: 'node',
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
})
