// The chat log's rows for agent turns (src/renderer/src/lib/chatItems.ts, pure): each step's text, then its tool
// calls, between the user message and the reply; arguments still streaming as a draft row; a later event never
// moves a call back; a paused turn ends with its panel; a plain chat session gets exactly the rows it had.
import { describe, expect, it } from 'vitest'
import type { ChatMessage, SessionView, ToolCallView, TurnView } from '../../src/shared/domain'
import { buildChatItems, mergeToolCalls } from '../../src/renderer/src/lib/chatItems'
import type { LiveTurn } from '../../src/renderer/src/lib/liveTurn'

const user: ChatMessage = { id: 'u1', role: 'user', content: 'Make it green', status: 'complete', createdAt: 1, turnId: 't1', producedWith: null } as ChatMessage
const reply: ChatMessage = { id: 'a1', role: 'assistant', content: 'Done.', status: 'complete', createdAt: 5, turnId: 't1', producedWith: null } as ChatMessage

function turn(over: Partial<TurnView> = {}): TurnView {
  return { id: 't1', status: 'done', error: null, partialText: '', userMessageId: 'u1', startedAt: 2, ...over }
}

function call(over: Partial<ToolCallView>): ToolCallView {
  return { id: 'c1', providerCallId: 'call_1', turnId: 't1', step: 0, toolName: 'read_file', source: 'builtin', effect: 'read', state: 'succeeded', arguments: '{"path":"a.txt"}', resultPreview: 'x', startedAt: 3, endedAt: 4, ...over }
}

function view(over: Partial<SessionView>): SessionView {
  return {
    session: { id: 's1' } as SessionView['session'],
    messages: [user],
    turns: [turn()],
    page: { olderCursor: null, newerCursor: null, endCursor: null, total: 1 },
    draft: '',
    recovery: null,
    ...over,
  }
}

const kinds = (items: ReturnType<typeof buildChatItems>) => items.map((i) => (i.kind === 'tool-call' ? `call:${i.call.toolName}:${i.call.state}` : i.kind === 'step-text' ? `step:${i.text}` : i.kind))

describe('chat rows of agent turns', () => {
  it('places each step text and its calls between the user message and the reply, in step order', () => {
    const v = view({
      messages: [user, reply],
      toolCalls: [call({ id: 'c2', providerCallId: 'call_2', step: 1, toolName: 'edit_file', effect: 'write' }), call({})],
      steps: [
        { turnId: 't1', step: 1, text: 'Changing it.', finishReason: 'tool-calls' },
        { turnId: 't1', step: 0, text: '', finishReason: 'tool-calls' },
        { turnId: 't1', step: 2, text: 'Done.', finishReason: 'text' },
      ],
    })
    expect(kinds(buildChatItems(v, new Map(), null))).toEqual(['message', 'call:read_file:succeeded', 'step:Changing it.', 'call:edit_file:succeeded', 'message'])
  })

  it('a plain chat session gets the same rows as before (no tool rows, no step rows)', () => {
    const v = view({ messages: [user, reply] })
    expect(kinds(buildChatItems(v, new Map(), null))).toEqual(['message', 'message'])
  })

  it('a running turn shows the streamed step text, the calls, a draft whose arguments are arriving, then the reply text', () => {
    const live: LiveTurn = {
      turnId: 't1', userMessageId: 'u1', text: '', ended: null, error: null, startedAt: 2,
      steps: [{ step: 0, text: 'Looking first.' }],
      drafts: [{ step: 0, index: 1, providerCallId: 'call_2', toolName: 'edit_file', argumentsSoFar: '{"path":"a.t' }],
    }
    const v = view({ turns: [turn({ status: 'running' })], toolCalls: [call({ state: 'running', resultPreview: null })] })
    const items = buildChatItems(v, new Map([['t1', live]]), null)
    expect(kinds(items)).toEqual(['message', 'step:Looking first.', 'call:read_file:running', 'tool-call-draft', 'reply-text'])
    const draft = items.find((i) => i.kind === 'tool-call-draft')
    expect(draft?.kind === 'tool-call-draft' && draft.draft.argumentsSoFar).toBe('{"path":"a.t')
    // Once the call exists, its draft row goes.
    const made = view({ turns: [turn({ status: 'running' })], toolCalls: [call({ state: 'running', resultPreview: null }), call({ id: 'c2', providerCallId: 'call_2', toolName: 'edit_file', effect: 'write', state: 'awaiting-approval', resultPreview: null })] })
    expect(kinds(buildChatItems(made, new Map([['t1', live]]), null))).toEqual(['message', 'step:Looking first.', 'call:read_file:running', 'call:edit_file:awaiting-approval', 'reply-text'])
  })

  it('a turn paused on its step limit ends with the pause panel and no reply text; an approval pause has none', () => {
    const pause = { reason: 'step-limit' as const, message: 'The turn reached its step limit (3 steps) and paused.', limit: 3 }
    const v = view({ turns: [turn({ status: 'stopped', pause, partialText: 'half a step' })], toolCalls: [call({})] })
    const items = buildChatItems(v, new Map(), null)
    expect(kinds(items)).toEqual(['message', 'call:read_file:succeeded', 'turn-pause'])
    expect(items.at(-1)).toMatchObject({ kind: 'turn-pause', sessionId: 's1', pause })
    const waiting = view({ turns: [turn({ status: 'stopped', pause: { reason: 'awaiting-approval', message: 'waits' } })], toolCalls: [call({ state: 'awaiting-approval' })] })
    expect(kinds(buildChatItems(waiting, new Map(), null))).toEqual(['message', 'call:read_file:awaiting-approval'])
  })

  it('a tool-call event newer than the view wins; an older one never moves a call back', () => {
    const viewed = [call({ state: 'running', resultPreview: null })]
    expect(mergeToolCalls(viewed, new Map([['c1', call({ state: 'succeeded' })]]))[0]!.state).toBe('succeeded')
    expect(mergeToolCalls([call({ state: 'succeeded' })], new Map([['c1', call({ state: 'running' })]]))[0]!.state).toBe('succeeded')
    expect(mergeToolCalls([], new Map([['c9', call({ id: 'c9' })]])).map((c) => c.id)).toEqual(['c9'])
  })

  it('the message shown right after Send carries its files until the stored one (with its files) is read', () => {
    const png = { id: 'a'.repeat(64), name: 'chart.png', mime: 'image/png', size: 120, kind: 'image' } as const
    const sent = { turnId: 't2', text: 'What changed?', attachments: [png], createdAt: 9 }
    const rows = buildChatItems(view({ messages: [user, reply] }), new Map(), sent)
    expect(rows.at(-1)).toMatchObject({ kind: 'pending-user', text: 'What changed?', attachments: [png] })
  })
})
