// A Keel core in a child process that starts a turn against a hanging provider and reports once the streamed
// text is checkpointed, so the parent can SIGKILL it mid-turn — a real crash, not a simulated one. With `before-text`
// it reports as soon as the turn has started instead (the parent kills it once the provider has the request, before
// any text came: nothing checkpointed, so no interrupted reply is stored).
// argv: dataDir keychainService sessionId text [before-text]
import Database from 'better-sqlite3'
import path from 'node:path'
import { openKeelCore } from '../../src/main/core/app/keel-core'

const [dataDir, keychainService, sessionId, text, when] = process.argv.slice(2) as [string, string, string, string, string | undefined]
const core = await openKeelCore({ dataDir, runtime: 'host', keychainService, watchConfig: false })
const sent = await core.dispatch('chat.send', { sessionId, text })
if (!sent.ok) {
  process.stdout.write(`ERROR ${JSON.stringify(sent.error)}\n`)
  process.exit(3)
}
const turnId = (sent.value as { turnId: string }).turnId
if (when === 'before-text') process.stdout.write(`STARTED ${turnId}\n`)
const reader = new Database(path.join(dataDir, 'keel.db'), { readonly: true })
core.subscribe((event, payload) => {
  if (event !== 'chat' || (payload as { type: string }).type !== 'delta') return
  const check = setInterval(() => {
    const row = reader.prepare('SELECT partial_text FROM turns WHERE id = ?').get(turnId) as { partial_text: string }
    if (row.partial_text !== '') {
      clearInterval(check)
      process.stdout.write(`CHECKPOINTED ${turnId}\n`)
    }
  }, 10)
})
