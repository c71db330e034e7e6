// A Keel core in a child process that stops at one step of a restore and says so, so the parent can SIGKILL it
// there — a real crash in the middle of a restore, not a simulated one.
// argv: dataDir keychainService stopAt (a step name, see transfer/restore.ts) [backupName: stage that backup]
import { openKeelCore } from '../../src/main/core/app/keel-core'

const [dataDir, keychainService, stopAt, backupName] = process.argv.slice(2) as [string, string, string, string | undefined]
// Keeps the process alive while it waits to be killed (a pending promise alone does not).
setInterval(() => undefined, 60_000)
const restoreStep = async (step: string) => {
  if (step !== stopAt) return
  process.stdout.write(`AT ${step}\n`)
  await new Promise(() => undefined)
}
const core = await openKeelCore({ dataDir, runtime: 'host', keychainService, watchConfig: false, restoreStep })
if (backupName) {
  const staged = await core.dispatch('data.restore', { name: backupName })
  process.stdout.write(staged.ok ? 'STAGED\n' : `ERROR ${JSON.stringify(staged.error)}\n`)
} else {
  process.stdout.write('OPENED\n')
}
