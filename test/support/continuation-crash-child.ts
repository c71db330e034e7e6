// A Keel core in a child process started after a crash: at startup it continues the interrupted reply by itself
// (the provider hangs after the continuation's first words). Once the continuation's text is checkpointed, a
// message is sent in another session (the provider hangs there too); once that reply is checkpointed as well, it
// reports both turn ids and the parent SIGKILLs it: a second crash, while the interrupted reply was being continued.
// argv: dataDir keychainService otherSessionId text
import Database from 'better-sqlite3'
import path from 'node:path'
import { openKeelCore } from '../../src/main/core/app/keel-core'

const [dataDir, keychainService, otherSessionId, text] = process.argv.slice(2) as [string, string, string, string]
const reader = new Database(path.join(dataDir, 'keel.db'), { readonly: true })
const core = await openKeelCore({ dataDir, runtime: 'host', keychainService, watchConfig: false })

/** The id of a running turn matching `where` whose streamed text is checkpointed, once there is one. */
function checkpointed(where: string, ...params: unknown[]): Promise<string> {
  return new Promise((resolve) => {
    const check = setInterval(() => {
      const row = reader.prepare(`SELECT id FROM turns WHERE status = 'running' AND partial_text != '' AND ${where}`).get(...params) as { id: string } | undefined
      if (row) {
        clearInterval(check)
        resolve(row.id)
      }
    }, 10)
  })
}

const continuation = await checkpointed("kind = 'continuation'")
const sent = await core.dispatch('chat.send', { sessionId: otherSessionId, text })
if (!sent.ok) {
  process.stdout.write(`ERROR ${JSON.stringify(sent.error)}\n`)
  process.exit(3)
}
const other = (sent.value as { turnId: string }).turnId
await checkpointed('id = ?', other)
process.stdout.write(`CHECKPOINTED ${continuation} ${other}\n`)
