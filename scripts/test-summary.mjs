// Adds up the vitest and Playwright JSON reports into the one closing line CI reads.
import fs from 'node:fs'

let passed = 0, failed = 0, skipped = 0
const read = (file) => {
  try { return JSON.parse(fs.readFileSync(file, 'utf8')) } catch { return null }
}

const vitest = read(process.argv[2])
if (vitest) {
  passed += vitest.numPassedTests
  failed += vitest.numFailedTests
  skipped += vitest.numPendingTests + (vitest.numTodoTests ?? 0)
  // A suite that failed to load has no tests to count; count it as a failure.
  failed += vitest.testResults.filter((f) => f.status === 'failed' && f.assertionResults.length === 0).length
} else { console.error('vitest report missing'); failed += 1 }

const pw = read(process.argv[3])
if (pw) {
  passed += pw.stats.expected + pw.stats.flaky
  failed += pw.stats.unexpected
  skipped += pw.stats.skipped
  failed += (pw.errors ?? []).length
} else { console.error('playwright report missing'); failed += 1 }

console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`)
process.exit(failed > 0 ? 1 : 0)
