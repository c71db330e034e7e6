// How usage reads in the window (src/renderer/src/lib/usageFormat.ts, the reply line in chatItems, the session
// totals): "not reported" and "cost unknown" are words, never 0; a reply's line names who answered.
import { describe, expect, it } from 'vitest'
import type { ChatMessage, SessionView, TurnView } from '../../src/shared/domain'
import type { TurnUsageView, UsageRow } from '../../src/shared/usage'
import { buildChatItems } from '../../src/renderer/src/lib/chatItems'
import { formatCost, formatRowCost, formatTokenLine, replyUsageParts, totalOf } from '../../src/renderer/src/lib/usageFormat'

const usage: TurnUsageView = {
  steps: 1,
  unreportedSteps: 0,
  inputTokens: 12_345,
  outputTokens: 678,
  cachedInputTokens: 2_000,
  reasoningTokens: null,
  cost: 0.01234,
  unpricedSteps: 0,
  durationMs: 2_340,
  firstTokenMs: 410,
  entryId: 'work',
  entryName: 'Work gateway',
  model: 'gpt-work',
}

const row = (over: Partial<UsageRow>): UsageRow => ({ key: 'k', label: 'k', steps: 1, unreportedSteps: 0, inputTokens: 10, outputTokens: 5, cachedInputTokens: null, reasoningTokens: null, cost: null, unpricedSteps: 1, ...over })

describe('usage in words', () => {
  it("the reply's line: who answered, tokens, cost, duration and first token", () => {
    expect(replyUsageParts(usage).join(' · ')).toBe('Work gateway · gpt-work · 12,345 in (2,000 cached) · 678 out · $0.0123 · 2.3 s · first token 410 ms')
  })

  it('nothing reported and no price read as such, never as 0', () => {
    const none = { ...usage, inputTokens: null, outputTokens: null, cachedInputTokens: null, cost: null, unreportedSteps: 1, unpricedSteps: 1 }
    expect(replyUsageParts(none).join(' · ')).toBe('Work gateway · gpt-work · tokens not reported · cost unknown · 2.3 s · first token 410 ms')
    expect(formatTokenLine({ inputTokens: 5, outputTokens: null, cachedInputTokens: null, reasoningTokens: null })).toBe('5 in · not reported out')
    expect(formatCost(null)).toBe('cost unknown')
    expect(formatCost(0)).toBe('$0')
  })

  it('totals: a count is "not reported" only when no row reported it; a partly priced total says so', () => {
    const t = totalOf([row({ cost: 0.5, unpricedSteps: 0 }), row({ inputTokens: null, outputTokens: null, unreportedSteps: 1 })])
    expect(t).toMatchObject({ steps: 2, inputTokens: 10, outputTokens: 5, cachedInputTokens: null, unreportedSteps: 1, cost: 0.5, unpricedSteps: 1 })
    expect(formatRowCost(t)).toBe('$0.5000 + unknown (1 unpriced)')
  })

  it("the chat's reply row carries its turn's usage; the user's message does not", () => {
    const user = { id: 'u1', role: 'user', content: 'hi', status: 'complete', createdAt: 1, turnId: 't1', producedWith: null } as ChatMessage
    const reply = { id: 'a1', role: 'assistant', content: 'hello', status: 'complete', createdAt: 3, turnId: 't1', producedWith: null } as ChatMessage
    const turn: TurnView = { id: 't1', status: 'done', error: null, partialText: '', userMessageId: 'u1', startedAt: 2, usage }
    const view = { session: { id: 's1' }, messages: [user, reply], turns: [turn], page: { olderCursor: null, newerCursor: null, endCursor: null, total: 2 }, draft: '', recovery: null } as unknown as SessionView
    const items = buildChatItems(view, new Map(), null)
    expect(items.map((i) => (i.kind === 'message' ? [i.message.id, i.usage ?? null] : [i.kind]))).toEqual([
      ['u1', null],
      ['a1', usage],
    ])
  })
})
