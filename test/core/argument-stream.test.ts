// A tool call's arguments on their way to the window (agents/argument-stream.ts): the first piece of each call goes
// out at once, later ones coalesced to at most one per interval carrying the text so far, and nothing after the
// stream closes. Timers are vitest's fake clock (no sleeps).
import { afterEach, describe, expect, it, vi } from 'vitest'
import { ArgumentStream } from '../../src/main/core/agents/argument-stream'
import type { ToolCallSoFar } from '../../src/main/core/providers/provider-client'

afterEach(() => {
  vi.useRealTimers()
})

const piece = (index: number, argumentsSoFar: string): ToolCallSoFar => ({ index, id: `call_${index}`, name: 'read_file', argumentsSoFar })

describe('streamed tool-call arguments', () => {
  it('the first piece of each call is shown at once; the rest arrive coalesced, with the text so far; nothing after close', () => {
    vi.useFakeTimers()
    const shown: string[] = []
    const stream = new ArgumentStream((c) => shown.push(`${c.index}:${c.argumentsSoFar}`), 100)
    stream.push(piece(0, '{"pa'))
    stream.push(piece(1, '{'))
    expect(shown).toEqual(['0:{"pa', '1:{'])
    stream.push(piece(0, '{"path"'))
    stream.push(piece(0, '{"path": "a'))
    expect(shown).toHaveLength(2)
    vi.advanceTimersByTime(100)
    expect(shown).toEqual(['0:{"pa', '1:{', '0:{"path": "a'])
    stream.push(piece(0, '{"path": "a.txt"}'))
    stream.close()
    vi.advanceTimersByTime(1_000)
    expect(shown).toHaveLength(3)
  })

  it('a piece arriving exactly one interval after the last one shown is shown at once, not held back', () => {
    vi.useFakeTimers()
    const shown: string[] = []
    const stream = new ArgumentStream((c) => shown.push(c.argumentsSoFar), 100)
    stream.push(piece(0, '{"pa'))
    vi.advanceTimersByTime(100)
    // Nothing was pending, so no timer ran; the interval is over to the millisecond: this piece goes out now.
    stream.push(piece(0, '{"path"'))
    expect(shown).toEqual(['{"pa', '{"path"'])
    stream.close()
  })
})
