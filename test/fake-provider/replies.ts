// Writing a successful (or deliberately broken) reply: non-stream JSON, normal/slow SSE streams,
// a stream that hangs or stalls, a stream with a malformed event, and a page that is not a stream.

import type { ServerResponse } from 'node:http'
import { setTimeout as delay } from 'node:timers/promises'
import { sendJson } from './http.js'
import { fitChunks, splitWords, type ProtocolWire, type ReplyContext } from './protocols.js'
import { formatSse, SSE_HEADERS, type SseEvent } from './sse.js'
import type { MalformedKind, StallPoint } from './types.js'

export interface ReplyPlan {
  wire: ProtocolWire
  ctx: ReplyContext
  text: string
  stream: boolean
  /** Extra response headers (request ids). */
  headers: Record<string, string>
  /** Aborted when the client goes away, so pending delays stop early. */
  signal: AbortSignal
  slow?: { chunks: number; intervalMs: number }
  /** Resolves when a held stream may go on after its first chunk. */
  hold?: Promise<void>
  /** Pauses before a text chunk (by index): each call marks the stream as waiting and resolves when it may send that chunk. */
  holdsBefore?: Map<number, () => Promise<void>>
  /** Resolves when a stream paused halfway through its tool-call events may go on. */
  argumentsHold?: Promise<void>
}

/** The text deltas of a reply: none for a tool-call reply without text. */
function textChunks(plan: ReplyPlan): string[] {
  if (!plan.ctx.hasText) return []
  return plan.slow ? fitChunks(splitWords(plan.text), plan.slow.chunks) : splitWords(plan.text)
}

/** A normal reply, streamed or not; a `slow` plan spaces its chunks out. Tool calls follow the text. */
export async function sendReply(res: ServerResponse, plan: ReplyPlan): Promise<void> {
  const chunks = textChunks(plan)
  const intervalMs = plan.slow?.intervalMs ?? 0
  if (!plan.stream) {
    // Non-stream slow replies take as long as the stream would have.
    if (!(await pause(intervalMs * Math.max(0, chunks.length - 1), plan.signal))) return
    if (plan.hold && !(await held(plan.hold, plan.signal))) return
    sendJson(res, 200, plan.wire.complete(plan.ctx, chunks.join('')), plan.headers)
    return
  }
  openStream(res, plan)
  // With no text, a held stream waits right after its opening events.
  if (chunks.length === 0 && plan.hold && !(await held(plan.hold, plan.signal))) return
  for (const [index, chunk] of chunks.entries()) {
    if (index > 0 && !(await pause(intervalMs, plan.signal))) return
    const before = plan.holdsBefore?.get(index)
    if (before && !(await held(before(), plan.signal))) return
    writeEvents(res, plan.wire.delta(plan.ctx, chunk))
    if (index === 0 && plan.hold && !(await held(plan.hold, plan.signal))) return
  }
  const fullText = chunks.join('')
  if (plan.ctx.toolCalls.length > 0) {
    const events = plan.wire.tools(plan.ctx, fullText)
    if (plan.argumentsHold) {
      // Half the events: a call has started and some of its argument deltas are out, the rest are not.
      const half = Math.ceil(events.length / 2)
      writeEvents(res, events.slice(0, half))
      if (!(await held(plan.argumentsHold, plan.signal))) return
      writeEvents(res, events.slice(half))
    } else writeEvents(res, events)
  }
  writeEvents(res, plan.wire.tail(plan.ctx, fullText))
  res.end()
}

/**
 * Headers plus the first delta, then silence until the client disconnects (a non-stream request
 * gets no response at all). The caller observes the disconnect via the response's `close` event.
 */
export function sendHang(res: ServerResponse, plan: ReplyPlan): void {
  if (!plan.stream) return
  openStream(res, plan)
  writeEvents(res, plan.wire.delta(plan.ctx, splitWords(plan.text)[0]!))
}

/**
 * A 200 stream with one valid delta, then a broken event (see MalformedKind): `not-json` ends there, the others
 * go on with the rest of the reply and a normal ending.
 */
export function sendMalformed(res: ServerResponse, plan: ReplyPlan, kind: MalformedKind): void {
  if (!plan.stream) {
    res.writeHead(200, { ...plan.headers, 'content-type': 'application/json' })
    res.end('{not json')
    return
  }
  const [first, ...rest] = splitWords(plan.text)
  openStream(res, plan)
  writeEvents(res, plan.wire.delta(plan.ctx, first!))
  if (kind === 'truncated') {
    res.end()
    return
  }
  if (kind === 'not-json') {
    // Anthropic's SDK ignores unnamed events, so name the broken one like a real delta.
    const eventLine = plan.wire.deltaEvent === undefined ? '' : `event: ${plan.wire.deltaEvent}\n`
    res.end(`${eventLine}data: {not json\n\n`)
    return
  }
  if (kind === 'wrong-shape') writeEvents(res, plan.wire.wrongShape(plan.ctx))
  else res.write('data: {not json\n\n')
  for (const piece of rest) writeEvents(res, plan.wire.delta(plan.ctx, piece))
  if (plan.ctx.toolCalls.length > 0) writeEvents(res, plan.wire.tools(plan.ctx, plan.text))
  writeEvents(res, plan.wire.tail(plan.ctx, plan.text))
  res.end()
}

/** Stops at `point` and sends nothing more until the client disconnects (a non-stream request gets nothing). */
export function sendStall(res: ServerResponse, plan: ReplyPlan, point: StallPoint): void {
  if (point === 'before-headers' || !plan.stream) return
  if (point === 'after-text') return sendHang(res, plan)
  res.writeHead(200, { ...plan.headers, ...SSE_HEADERS })
  res.flushHeaders()
}

/** A 200 page instead of a reply, whatever was asked for. */
export function sendPage(res: ServerResponse, plan: ReplyPlan, page: { body: string; contentType?: string }): void {
  res.writeHead(200, { ...plan.headers, 'content-type': page.contentType ?? 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(page.body) })
  res.end(page.body)
}

function openStream(res: ServerResponse, plan: ReplyPlan): void {
  res.writeHead(200, { ...plan.headers, ...SSE_HEADERS })
  res.flushHeaders()
  writeEvents(res, plan.wire.head(plan.ctx))
}

function writeEvents(res: ServerResponse, events: SseEvent[]): void {
  if (res.destroyed) return
  res.write(events.map(formatSse).join(''))
}

/** Wait for the hold's release; false when the client went away first. */
function held(hold: Promise<void>, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false)
  return new Promise((resolve) => {
    const onAbort = () => resolve(false)
    signal.addEventListener('abort', onAbort, { once: true })
    void hold.then(() => {
      signal.removeEventListener('abort', onAbort)
      resolve(!signal.aborted)
    })
  })
}

/** Wait `ms`; false when the client went away meanwhile (the reply must then stop). */
async function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  if (ms > 0) {
    try {
      await delay(ms, undefined, { signal })
    } catch {
      return false // aborted
    }
  }
  return !signal.aborted
}
