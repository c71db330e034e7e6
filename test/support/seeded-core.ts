// A real core opened on a data dir seeded the way Keel writes it (test/e2e/support/seed.ts), closed and removed
// after each test: for paging tests that need a session hundreds of messages long without sending hundreds of turns.
import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import { afterEach } from 'vitest'
import { CoreHarness, tempDataDir, testKeychainService } from './core-harness'
import { longMessageText, seedDataDir } from '../e2e/support/seed'

/** Registers the clean-up; returns `open(spec, more?)`: seed, let `more` edit keel.db directly, open the core. */
export function seededCoreEachTest(label: string) {
  let harness: CoreHarness | null = null
  let dir: string | null = null
  afterEach(async () => {
    await harness?.core.close()
    harness = null
    if (dir) fs.rmSync(dir, { recursive: true, force: true })
    dir = null
  })
  return async function open(spec: Parameters<typeof seedDataDir>[1], more?: (db: Database.Database) => void): Promise<CoreHarness> {
    dir = tempDataDir(label)
    seedDataDir(dir, spec)
    if (more) {
      const db = new Database(path.join(dir, 'keel.db'))
      try {
        more(db)
      } finally {
        db.close()
      }
    }
    harness = await CoreHarness.open(dir, testKeychainService())
    return harness
  }
}

/** The texts of the seeded long session's messages `from`..`to` (1-based, inclusive). */
export const longTexts = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => longMessageText(from + i))
