// A Keel core in a child process whose session offers one tool with an execute effect. It sends a message; when the
// tool's effect starts it prints EFFECT <state of its ledger row> and then waits forever, so the parent can SIGKILL
// the process in the middle of a running tool call — a real crash.
// argv: dataDir keychainService sessionId workspace
import { openKeelCore } from '../../src/main/core/app/keel-core'
import { gatedTool } from './agent-tools'

const [dataDir, keychainService, sessionId, workspace] = process.argv.slice(2) as [string, string, string, string]
const { tool, gate } = gatedTool('slow_exec', dataDir, 'execute')
const core = await openKeelCore({
  dataDir,
  runtime: 'host',
  keychainService,
  watchConfig: false,
  toolSet: () => ({ tools: [tool], workspace, approval: () => 'allow' }),
})
void gate.started.then(({ state }) => process.stdout.write(`EFFECT ${state}\n`))
const sent = await core.dispatch('chat.send', { sessionId, text: 'run the slow command' })
if (!sent.ok) {
  process.stdout.write(`ERROR ${JSON.stringify(sent.error)}\n`)
  process.exit(3)
}
