// The stream guard's parts that need no server: which timeouts an entry gets, how SSE text is framed and judged,
// and that the watchdog's timer lives exactly as long as the stream (never past dispose()).
import { afterEach, describe, expect, it, vi } from 'vitest'
import { StreamGuard, formatDuration, streamTimeoutsFor } from '../../src/main/core/providers/stream-guard'
import { frameProblem, inspectFrame, isFinalFrame, parseFrame, splitFrames, type SseFrame } from '../../src/main/core/providers/stream-shapes'
import { STREAM_TIMEOUT_DEFAULTS } from '../../src/shared/stream-timeouts'

const subject = { entryId: 'acme', entryName: 'Acme', baseUrl: 'https://acme.example/v1' }

describe('stream timeouts of an entry', () => {
  it('local servers get longer defaults than remote APIs', () => {
    expect(STREAM_TIMEOUT_DEFAULTS.local.firstByteMs).toBeGreaterThan(STREAM_TIMEOUT_DEFAULTS.remote.firstByteMs)
    expect(STREAM_TIMEOUT_DEFAULTS.local.idleMs).toBeGreaterThan(STREAM_TIMEOUT_DEFAULTS.remote.idleMs)
    expect(streamTimeoutsFor({ kind: 'lmstudio', baseUrl: 'http://127.0.0.1:1234/v1' })).toEqual(STREAM_TIMEOUT_DEFAULTS.local)
    expect(streamTimeoutsFor({ kind: 'openai-compatible', baseUrl: 'http://192.168.1.20:8000/v1' })).toEqual(STREAM_TIMEOUT_DEFAULTS.local)
    expect(streamTimeoutsFor({ kind: 'openai', baseUrl: 'https://api.openai.com/v1' })).toEqual(STREAM_TIMEOUT_DEFAULTS.remote)
  })

  it('an entry\'s own value wins, the other one keeps its default', () => {
    expect(streamTimeoutsFor({ kind: 'openai', baseUrl: 'https://api.openai.com/v1', timeouts: { idleMs: 5000 } })).toEqual({
      firstByteMs: STREAM_TIMEOUT_DEFAULTS.remote.firstByteMs,
      idleMs: 5000,
    })
  })

  it('durations read as seconds', () => {
    expect(formatDuration(300)).toBe('0.3 s')
    expect(formatDuration(120_000)).toBe('120 s')
  })
})

describe('SSE framing', () => {
  it('splits on blank lines in any line-ending style and holds back an incomplete frame', () => {
    expect(splitFrames('data: a\n\ndata: b\r\n\r\ndata: c\r\rdata: d')).toEqual({ frames: ['data: a\n\n', 'data: b\n\n', 'data: c\n\n'], rest: 'data: d' })
  })

  it('holds back a trailing \\r that may be half of a \\r\\n split across network chunks', () => {
    const first = splitFrames('data: a\r\n\r')
    expect(first.frames).toEqual([])
    expect(splitFrames(`${first.rest}\n`).frames).toEqual(['data: a\n\n'])
  })

  it('reads event names, joins data lines and skips comments', () => {
    expect(parseFrame(': keep-alive\nevent: ping\ndata: {"a":\ndata: 1}\n\n')).toEqual({ event: 'ping', data: '{"a":\n1}' })
    expect(parseFrame(': OPENROUTER PROCESSING\n\n')).toEqual({ event: null, data: null })
  })
})

describe('frame shapes', () => {
  const chat = (data: unknown) => frameProblem('openai-chat', { event: null, data: JSON.stringify(data) })
  it('accepts what the real APIs send, including usage-only and error chunks', () => {
    expect(chat({ choices: [{ index: 0, delta: { content: 'hi' } }] })).toBeNull()
    expect(chat({ choices: [], usage: { total_tokens: 3 } })).toBeNull()
    expect(chat({ error: { message: 'overloaded' } })).toBeNull()
    expect(frameProblem('openai-chat', { event: null, data: '[DONE]' })).toBeNull()
    expect(frameProblem('anthropic-messages', { event: 'ping', data: '{"type":"ping"}' })).toBeNull()
    expect(frameProblem('openai-responses', { event: 'response.created', data: '{"type":"response.created"}' })).toBeNull()
  })

  it('names what is wrong', () => {
    expect(chat({ choices: 'nope' })).toBe('a chunk whose "choices" is not a list ("nope")')
    expect(chat({ choices: [{ delta: { content: 7 } }] })).toBe('a chunk whose "delta.content" is not text')
    expect(frameProblem('openai-chat', { event: null, data: '{not json' })).toBe('a data line that is not JSON ({not json)')
    expect(frameProblem('anthropic-messages', { event: null, data: '{"type":"content_block_delta"}' })).toMatch(/^a data line with no event name/)
    expect(frameProblem('openai-responses', { event: 'x', data: '{"type":"response.output_text.delta","delta":{}}' })).toBe('a text delta whose "delta" is not text')
  })
})

describe('inspectFrame (what the guard runs on every event)', () => {
  it('gives the same problem and the same end of reply as frameProblem and isFinalFrame, for every API', () => {
    const frames: SseFrame[] = [
      { event: null, data: null },
      { event: null, data: '[DONE]' },
      { event: null, data: '{not json' },
      { event: null, data: '7' },
      { event: 'error', data: '{"error":{"message":"overloaded"}}' },
      { event: 'error', data: 'not json' },
      { event: null, data: '{"error":{"message":"x"}}' },
      { event: null, data: '{"type":"error"}' },
      { event: null, data: JSON.stringify({ choices: [{ index: 0, delta: { content: 'hi' } }] }) },
      { event: null, data: JSON.stringify({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }) },
      { event: null, data: JSON.stringify({ choices: 'nope' }) },
      { event: null, data: JSON.stringify({ choices: [{ delta: { content: 7 }, finish_reason: 'stop' }] }) },
      { event: 'response.output_text.delta', data: '{"type":"response.output_text.delta","delta":"hi"}' },
      { event: 'x', data: '{"type":"response.output_text.delta","delta":{}}' },
      { event: 'response.completed', data: '{"type":"response.completed"}' },
      { event: null, data: '{"no":"type"}' },
      { event: 'content_block_delta', data: '{"type":"content_block_delta","delta":{"type":"text_delta","text":"hi"}}' },
      { event: 'content_block_delta', data: '{"type":"content_block_delta","delta":{"type":"text_delta","text":1}}' },
      { event: null, data: '{"type":"content_block_delta"}' },
      { event: 'message_stop', data: '{"type":"message_stop"}' },
      { event: 'ping', data: '{"type":"ping"}' },
    ]
    for (const api of ['openai-chat', 'openai-responses', 'anthropic-messages'] as const) {
      for (const frame of frames) {
        const verdict = inspectFrame(api, frame)
        const problem = frameProblem(api, frame)
        expect(verdict.problem, `${api} ${JSON.stringify(frame)}`).toBe(problem)
        // With a problem the guard stops there, so whether the frame would have ended the reply does not matter.
        if (problem === null) expect(verdict.final, `${api} ${JSON.stringify(frame)}`).toBe(isFinalFrame(api, frame))
      }
    }
  })
})

describe('the end of a reply', () => {
  it('is recognised on each API, and only there', () => {
    const chat = (data: unknown) => isFinalFrame('openai-chat', { event: null, data: JSON.stringify(data) })
    expect(isFinalFrame('openai-chat', { event: null, data: '[DONE]' })).toBe(true)
    expect(chat({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })).toBe(true)
    expect(chat({ choices: [{ index: 0, delta: { content: 'hi' }, finish_reason: null }] })).toBe(false)
    expect(isFinalFrame('openai-responses', { event: 'response.completed', data: '{"type":"response.completed"}' })).toBe(true)
    expect(isFinalFrame('openai-responses', { event: 'response.output_text.done', data: '{"type":"response.output_text.done"}' })).toBe(false)
    expect(isFinalFrame('anthropic-messages', { event: 'message_stop', data: '{"type":"message_stop"}' })).toBe(true)
    expect(isFinalFrame('anthropic-messages', { event: 'message_delta', data: '{"type":"message_delta"}' })).toBe(false)
    expect(isFinalFrame('anthropic-messages', { event: 'error', data: 'overloaded' })).toBe(true)
  })
})

describe('the watchdog', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('ends the wait after the first-byte timeout, aborting the request', () => {
    vi.useFakeTimers()
    const guard = new StreamGuard(subject, 'openai-chat', { firstByteMs: 300, idleMs: 300 }, null, new AbortController().signal)
    vi.advanceTimersByTime(299)
    expect(guard.problem).toBeNull()
    vi.advanceTimersByTime(1)
    expect(guard.signal.aborted).toBe(true)
    expect(guard.problem?.data).toMatchObject({ kind: 'timeout', entryId: 'acme' })
    guard.dispose()
  })

  it('leaves no timer behind once disposed, and Stop still reaches the request', () => {
    vi.useFakeTimers()
    const stop = new AbortController()
    const guard = new StreamGuard(subject, 'openai-chat', { firstByteMs: 300, idleMs: 300 }, null, stop.signal)
    expect(vi.getTimerCount()).toBe(1)
    guard.dispose()
    expect(vi.getTimerCount()).toBe(0)
    vi.advanceTimersByTime(10_000)
    expect(guard.problem).toBeNull()
    expect(guard.signal.aborted).toBe(false)

    // A body chunk that arrives after the turn ended does not start the idle timer again.
    ;(guard as unknown as { arm(ms: number): void }).arm(300)
    expect(vi.getTimerCount()).toBe(0)

    const running = new StreamGuard(subject, 'openai-chat', { firstByteMs: 300, idleMs: 300 }, null, stop.signal)
    stop.abort()
    expect(running.signal.aborted).toBe(true)
    expect(running.problem).toBeNull()
    running.dispose()
  })
})
