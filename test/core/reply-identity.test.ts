// The identity of each reply and the "Switched to … on …" divider (src/renderer/src/lib/replyIdentity.ts and the
// chat rows, pure; issue #12): read from what was recorded for each reply (its usage, its message, its fallback
// record), never from the session's binding now; a divider only where the binding a reply was sent to changed; a
// one-turn fallback is not a switch.
import { describe, expect, it } from 'vitest'
import type { ChatMessage, SessionView, TurnView } from '../../src/shared/domain'
import type { StepFallbackView } from '../../src/shared/fallback'
import type { TurnUsageView } from '../../src/shared/usage'
import { buildChatItems } from '../../src/renderer/src/lib/chatItems'
import { answeredBy, selectedFor, switchText } from '../../src/renderer/src/lib/replyIdentity'

const produced = (entryId: string, model: string, entryName?: string) => ({ entryId, model, baseUrl: 'http://x', api: 'openai-chat', ...(entryName ? { entryName } : {}) })
const msg = (id: string, role: 'user' | 'assistant', turnId: string, producedWith: ChatMessage['producedWith'] = null): ChatMessage => ({ id, role, content: id, status: 'complete', createdAt: Number(id.slice(1)), turnId, producedWith })
const turn = (id: string, userMessageId: string, over: Partial<TurnView> = {}): TurnView => ({ id, status: 'done', error: null, partialText: '', userMessageId, startedAt: Number(userMessageId.slice(1)), ...over })
const usage = (entryId: string, entryName: string, model: string): TurnUsageView => ({ entryId, entryName, model, steps: 1, unreportedSteps: 0, unpricedSteps: 0, cost: null, durationMs: 1, firstTokenMs: 1, inputTokens: 1, outputTokens: 1, cachedInputTokens: null, reasoningTokens: null })
const fallback = (selected: [string, string, string], answered: [string, string, string]): StepFallbackView => ({
  step: 0,
  selected: { entryId: selected[0], entryName: selected[1], model: selected[2] },
  answered: { entryId: answered[0], entryName: answered[1], model: answered[2], identityKey: 'k' },
  skipped: [{ entryId: selected[0], entryName: selected[1], model: selected[2], reason: 'HTTP 503', message: 'HTTP 503', outcome: 'failed' }],
  at: 1,
})

function view(messages: ChatMessage[], turns: TurnView[]): SessionView {
  return { session: { id: 's1' } as SessionView['session'], messages, turns, page: { olderCursor: null, newerCursor: null, endCursor: null, total: messages.length }, draft: '', recovery: null }
}

const rows = (v: SessionView) => buildChatItems(v, new Map(), null).map((i) => (i.kind === 'identity-switch' ? switchText(i.to) : i.kind === 'message' ? i.message.id : i.kind))

describe('the identity of a reply', () => {
  it('is the usage its steps recorded, else its message’s record (named by main), else none', () => {
    const m = msg('a2', 'assistant', 't1', produced('work', 'gpt-x', 'Work gateway'))
    expect(answeredBy(m, usage('work', 'Work (as recorded)', 'gpt-x'))).toEqual({ entryId: 'work', entryName: 'Work (as recorded)', model: 'gpt-x' })
    expect(answeredBy(m)).toEqual({ entryId: 'work', entryName: 'Work gateway', model: 'gpt-x' })
    expect(answeredBy(msg('a2', 'assistant', 't1', produced('gone', 'm-1')))).toEqual({ entryId: 'gone', entryName: 'gone', model: 'm-1' })
    expect(answeredBy(msg('a2', 'assistant', 't1'))).toBeNull()
  })

  it('a fallback-answered reply was sent to its selected binding', () => {
    const m = msg('a2', 'assistant', 't1', produced('backup', 'b-1', 'Backup'))
    expect(selectedFor(m, usage('backup', 'Backup', 'b-1'), [fallback(['primary', 'Primary', 'p-1'], ['backup', 'Backup', 'b-1'])])).toEqual({ entryId: 'primary', entryName: 'Primary', model: 'p-1' })
  })
})

describe('the divider where the model changed', () => {
  it('comes right above the first reply of another entry or model, and only there', () => {
    const v = view(
      [
        msg('u1', 'user', 't1'), msg('a2', 'assistant', 't1', produced('work', 'gpt-x', 'Work')),
        msg('u3', 'user', 't3'), msg('a4', 'assistant', 't3', produced('work', 'gpt-x', 'Work')),
        msg('u5', 'user', 't5'), msg('a6', 'assistant', 't5', produced('claude', 'claude-sonnet', 'Anthropic')),
        msg('u7', 'user', 't7'), msg('a8', 'assistant', 't7', produced('claude', 'claude-opus', 'Anthropic')),
      ],
      [turn('t1', 'u1'), turn('t3', 'u3'), turn('t5', 'u5'), turn('t7', 'u7')],
    )
    expect(rows(v)).toEqual(['u1', 'a2', 'u3', 'a4', 'u5', 'Switched to claude-sonnet on Anthropic', 'a6', 'u7', 'Switched to claude-opus on Anthropic', 'a8'])
  })

  it('a one-turn fallback is not a switch (its own line says who answered); the next reply on the selected binding is none either', () => {
    const v = view(
      [
        msg('u1', 'user', 't1'), msg('a2', 'assistant', 't1', produced('primary', 'p-1', 'Primary')),
        msg('u3', 'user', 't3'), msg('a4', 'assistant', 't3', produced('backup', 'b-1', 'Backup')),
        msg('u5', 'user', 't5'), msg('a6', 'assistant', 't5', produced('primary', 'p-1', 'Primary')),
      ],
      [turn('t1', 'u1'), turn('t3', 'u3', { fallbacks: [fallback(['primary', 'Primary', 'p-1'], ['backup', 'Backup', 'b-1'])] }), turn('t5', 'u5')],
    )
    expect(rows(v)).toEqual(['u1', 'a2', 'u3', 'a4', 'u5', 'a6'])
  })
})
