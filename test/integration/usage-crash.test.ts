// Usage survives a crash like the rest of the turn (issue #11): the step that called a tool committed its usage with
// its end (with the call), so after a SIGKILL during that tool and a restart, the totals hold that step and the
// continuation's step — exactly what the fake provider reported, nothing estimated for the step cut short.
import { CHILD_PROCESS_TIMEOUT_MS, crashDuringTool } from '../support/crash'
import { describe, expect, it } from 'vitest'
import { CoreHarness, fakeProviderForFile, testKey } from '../support/core-harness'
import { sessionToCrash } from '../support/agent-sessions'
import { gatedTool } from '../support/agent-tools'

const fake = fakeProviderForFile()

describe('usage across a crash', { timeout: CHILD_PROCESS_TIMEOUT_MS }, () => {
  it('the step committed before the crash keeps its usage; the continuation adds its own; totals are the sum', async () => {
    const { dataDir, service, workspace, sessionId, prefix } = await sessionToCrash(fake, 'keel-usage-crash', 'anthropic-messages', { id: 'c', prefix: '/usage-crash', key: testKey('crash') })

    fake.sequence([
      { pathPrefix: prefix, toolCalls: [{ id: 'toolu_c', name: 'slow_exec', arguments: { label: 'crash' } }], usage: { input: 700, output: 40, cached: 300 } },
      { pathPrefix: prefix, toolResultFor: 'toolu_c', reply: 'Recovered.', usage: { input: 1500, output: 25 } },
    ])
    await crashDuringTool(dataDir, service, sessionId, workspace)

    const { tool } = gatedTool('slow_exec', dataDir, 'execute')
    const h = await CoreHarness.open(dataDir, service, { toolSet: () => ({ tools: [tool], workspace, approval: () => 'allow' }) })
    try {
      await h.waitFor('chat', (e) => e.type === 'turn-ended' && e.sessionId === sessionId && e.status === 'done')
      const today = new Date().toISOString().slice(0, 10)
      const total = (await h.call('usage.summary', { from: today, to: today, groupBy: 'entry' })).rows.find((r) => r.key === 'c')!
      // Anthropic: Keel's input includes the cache reads (700 + 300).
      expect(total).toMatchObject({ steps: 2, unreportedSteps: 0, inputTokens: 1000 + 1500, cachedInputTokens: 300, outputTokens: 65 })
      expect((await h.call('usage.session', { id: sessionId })).rows).toMatchObject([{ steps: 2, outputTokens: 65 }])
    } finally {
      await h.close()
    }
  })
})
