// Run the fake provider as its own process:  npx tsx test/fake-provider/cli.ts [--port N]
// Prints `FAKE_PROVIDER_URL=http://127.0.0.1:PORT` once listening; drive it via /__admin/ (see
// admin.ts). Stops on SIGTERM/SIGINT.
// When spawning it from code, prefer `node --import tsx test/fake-provider/cli.ts`: `npx` exits on
// SIGTERM without forwarding it, which would leave the server running.

import { parseArgs } from 'node:util'
import { startFakeProvider } from './server.js'

function portFromArgs(): number {
  const { values } = parseArgs({ options: { port: { type: 'string', default: '0' } } })
  const port = Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`--port must be an integer in 0..65535, got ${values.port}`)
  }
  return port
}

const fake = await startFakeProvider({ port: portFromArgs() })
console.log(`FAKE_PROVIDER_URL=${fake.url}`)

const stop = (): void => {
  fake.close().then(
    () => process.exit(0),
    () => process.exit(1),
  )
}
process.once('SIGTERM', stop)
process.once('SIGINT', stop)
