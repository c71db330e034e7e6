// A provider that fails in the middle of an agent turn (the step after a tool call): the turn ends as an error the
// user sees, and a 429's Retry-After cools that credential down like in a plain turn (provider-errors.test.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fakeProviderForFile, testKeychainService, type CoreHarness } from '../support/core-harness'
import { openAgentHarness, requestsTo, sessionOnFakeApi } from '../support/agent-sessions'
import { BUILTIN_TOOLS } from '../../src/main/core/tools/builtin-tools'
import type { SessionToolSet } from '../../src/main/core/agents/agent-steps'

const fake = fakeProviderForFile()
const service = testKeychainService()
const toolSets = new Map<string, SessionToolSet>()
let h: CoreHarness
let workspace: string

beforeAll(async () => {
  ;({ h, workspace } = await openAgentHarness('keel-agent-err', service, toolSets))
})
afterAll(async () => {
  await h.close()
})

describe('agent turn errors', () => {
  it('a 429 on the step after a tool call ends the turn as a rate-limited error and cools the key down', async () => {
    const { sessionId, prefix } = await sessionOnFakeApi(h, fake, 'openai-chat', { id: 'busy' })
    toolSets.set(sessionId, { tools: BUILTIN_TOOLS, workspace })
    fake.sequence([
      { pathPrefix: prefix, reply: 'Let me look.', toolCalls: [{ id: 'call_1', name: 'read_file', arguments: { path: 'hello.txt' } }] },
      // A long Retry-After, so the cooldown cannot run out before the next send, however loaded the machine.
      { pathPrefix: prefix, toolResultFor: 'call_1', status: 429, retryAfter: 600 },
    ])
    const { turnId } = await h.call('chat.send', { sessionId, text: 'What does hello.txt say?' })
    const ended = await h.turnEnded(turnId)
    expect(ended).toMatchObject({ status: 'error', assistantMessageId: null })
    if (ended.type !== 'turn-ended') throw new Error('unreachable')
    expect(ended.error?.kind).toBe('rate-limited')
    expect(ended.error?.message).toMatch(/rate limiting requests \(HTTP 429\)/)
    expect(requestsTo(fake, prefix)).toHaveLength(2)
    const view = await h.call('sessions.open', { id: sessionId })
    expect(view.turns.find((t) => t.id === turnId)).toMatchObject({ status: 'error', error: { kind: 'rate-limited' } })
    // The next send is refused before any request goes out.
    const refused = await h.fail('chat.send', { sessionId, text: 'again' })
    expect(refused).toMatchObject({ kind: 'rate-limited', entryId: 'busy' })
    expect(refused.message).toMatch(/Nothing was sent/)
    expect(requestsTo(fake, prefix)).toHaveLength(2)
  })
})
