// The real MCP runtime inside the real core (issue #10): config.json names the reference everything server (stdio,
// started with this Node) and an agent profile that uses it; the core's own McpServers starts it only once the user
// trusts it (mcp.trust), and an agent turn driven by the recording fake provider calls echo and get-sum on it: the
// tools reach the provider under their wire names and the server's answers come back as the tool results.
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { toolNamesOffered, toolResultsSent } from '../fake-provider/server'
import { CoreHarness, fakeProviderForFile, tempDataDir, testKeychainService } from '../support/core-harness'
import { everythingEntry, writeAgentConfig } from '../support/mcp-servers'

const fake = fakeProviderForFile()

describe('the MCP runtime in the core', () => {
  it('starts a trusted everything server for an agent turn, which calls echo and get-sum on it', { timeout: 60_000 }, async () => {
    const dataDir = tempDataDir('keel-mcp-core')
    const prefix = `/mcp-core-${Math.random().toString(36).slice(2, 8)}`
    writeAgentConfig(dataDir, `${fake.url}${prefix}/v1`, { id: 'mcp-agent', name: 'MCP agent', tools: [{ source: 'mcp:everything', name: '*' }] }, [everythingEntry('everything', { name: 'Everything' })])
    const h = await CoreHarness.open(dataDir, testKeychainService())
    try {
      const [listed] = await h.call('mcp.list', {})
      expect(listed).toMatchObject({ entry: { id: 'everything' }, trusted: false, status: { state: 'untrusted' } })
      const trusted = await h.call('mcp.trust', { id: 'everything', launchHash: listed!.launchHash })
      expect(trusted.trusted).toBe(true)

      const session = await h.call('sessions.create', { profileId: 'mcp-agent' })
      fake.sequence([
        {
          toolCalls: [
            { id: 'call_echo', name: 'everything__echo', arguments: { message: 'the heron flies at dawn' } },
            { id: 'call_sum', name: 'everything__get-sum', arguments: { a: 17, b: 25 } },
          ],
        },
        { toolResultFor: 'call_sum', reply: 'The heron flies at dawn, and the sum is 42.' },
      ])
      const { turnId } = await h.call('chat.send', { sessionId: session.id, text: 'echo and add' })
      expect(await h.turnEnded(turnId)).toMatchObject({ status: 'done' })

      const sent = fake.requests().filter((r) => r.path.startsWith(`${prefix}/`) && r.protocol !== 'models')
      const names = toolNamesOffered(sent[0]!)
      expect(names).toEqual(expect.arrayContaining(['everything__echo', 'everything__get-sum', 'everything__get-env']))
      const results = toolResultsSent(sent[1]!)
      expect(results.find((r) => r.callId === 'call_echo')?.content).toContain('the heron flies at dawn')
      expect(results.find((r) => r.callId === 'call_sum')?.content).toContain('42')

      const [after] = await h.call('mcp.list', {})
      expect(after!.status).toMatchObject({ state: 'ready' })
      expect(after!.tools.map((t) => t.name)).toEqual(expect.arrayContaining(['echo', 'get-sum']))
    } finally {
      await h.close()
    }
  })
})
