// A locked keychain is not a missing MCP secret (issue #10, as for provider keys): while the Secret Service collection
// is locked, a server that needs a secret is not reported "unresolved: missing API_KEY" (the key is still there) but
// failed at resolve with the keychain's own message and how to unlock it, and nothing is started; once unlocked, the
// same stored secret starts it. A real gnome-keyring on a private bus, locked with the Secret Service Lock method.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testKey } from '../support/core-harness'
import { openRuntime, type RuntimeHarness } from '../support/mcp-runtime'
import { everythingEntry } from '../support/mcp-servers'
import { startPrivateKeyring, type PrivateKeyring } from '../support/private-keyring'

let keyring: PrivateKeyring
let h: RuntimeHarness
const savedBus = process.env.DBUS_SESSION_BUS_ADDRESS
const entry = everythingEntry('keyed', { secrets: ['API_KEY'] })
beforeAll(async () => {
  keyring = await startPrivateKeyring()
  h = openRuntime([entry])
  h.trustEntry(entry)
})
afterAll(async () => {
  await h?.close()
  await keyring?.stop()
  process.env.DBUS_SESSION_BUS_ADDRESS = savedBus
})

describe('MCP secrets in a locked keychain', () => {
  it('a locked keychain fails the start at resolve with how to unlock it, never "missing"; unlocked, the same secret starts the server', async () => {
    const secret = testKey('locked-mcp')
    await h.storeSecret('keyed', 'API_KEY', secret)
    await keyring.lock()

    await expect(h.runtime.ensureReady('keyed')).rejects.toMatchObject({ data: { kind: 'keychain-locked', message: expect.stringMatching(/keychain is locked/) } })
    const status = h.runtime.status('keyed')
    expect(status).toMatchObject({ state: 'failed', phase: 'resolve', exitCode: null })
    expect(status.state).not.toBe('unresolved')
    const report = await h.runtime.check('keyed')
    expect(report).toMatchObject({ ok: false, missingSecrets: [] })
    expect(report.phases[0]).toMatchObject({ phase: 'resolve', ok: false })
    expect(report.phases[0]!.detail).toMatch(/Unlock/)

    await keyring.unlock()
    await h.runtime.ensureReady('keyed')
    const env = await h.runtime.callTool('keyed', 'get-env', {}, { signal: new AbortController().signal, timeoutMs: 20_000 })
    expect(env.ok && env.content[0]?.type === 'text' && (JSON.parse(env.content[0].text) as Record<string, string>).API_KEY).toBe(secret)
  })
})
