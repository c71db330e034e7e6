// Watches one reply stream where the bytes arrive (the fetch the SDKs are given), because that is where a provider
// that stops sending, answers with a web page, or sends events of the wrong shape can be told apart:
//   - a watchdog timer: the first-byte timeout runs from the request to the first byte of the body (headers alone
//     do not count: a server may send them at once and then sit on the prompt), then the idle timeout runs between
//     body chunks. Keep-alive comments count as progress (OpenRouter sends them while a model thinks).
//   - a 2xx answer that is an HTML page (a captive portal, a proxy login) becomes an error saying so, with its title.
//   - every event is checked before the SDK sees it (stream-shapes.ts). Events before a bad one are passed on, the
//     bad one and everything after it are not, so the partial reply is exactly what arrived intact.
// The guard never outlives its turn: dispose() clears the timer and unlinks the Stop signal.
import { performance } from 'node:perf_hooks'
import type { ProviderApi, ProviderEntry, RuntimeIdentity } from '../../../shared/domain'
import { STREAM_TIMEOUT_DEFAULTS, type StreamTimeoutValues } from '../../../shared/stream-timeouts'
import { KeelError } from '../errors'
import { isLocalEntry } from './kinds'
import { redact, redactExcerpt, type ProviderSecrets } from './provider-errors'
import { excerpt, inspectFrame, parseFrame, splitFrames } from './stream-shapes'

/** The entry's own timeouts, each missing value taken from the local or remote defaults. */
export function streamTimeoutsFor(entry: Pick<ProviderEntry, 'kind' | 'baseUrl' | 'local' | 'timeouts'>): StreamTimeoutValues {
  const defaults = STREAM_TIMEOUT_DEFAULTS[isLocalEntry(entry) ? 'local' : 'remote']
  return { firstByteMs: entry.timeouts?.firstByteMs ?? defaults.firstByteMs, idleMs: entry.timeouts?.idleMs ?? defaults.idleMs }
}

type Subject = Pick<RuntimeIdentity, 'entryId' | 'entryName' | 'baseUrl'>
/** Where the stream is: waiting for headers, waiting for the first byte of the body, or reading the body. */
type Phase = 'request' | 'headers' | 'body'

/** How long a reply that is all there already is handled before the event loop gets a turn (see watch). */
const YIELD_AFTER_MS = 8
/** How many events one read of the SDK gets at most. */
const FRAMES_PER_PULL = 32

/** How much of an HTML page is read to find its title. */
const HTML_READ_LIMIT = 64 * 1024

export function formatDuration(ms: number): string {
  return ms < 10_000 ? `${Number((ms / 1000).toFixed(1))} s` : `${Math.round(ms / 1000)} s`
}

export class StreamGuard {
  /** Pass this to the SDK: it aborts on Stop and when the watchdog fires. */
  readonly signal: AbortSignal
  /** Why the guard ended the stream; the caller reports this instead of whatever the SDK made of it. */
  problem: KeelError | null = null
  private readonly controller = new AbortController()
  private phase: Phase = 'request'
  private timer: NodeJS.Timeout | null = null
  private disposed = false
  private readonly unlink: () => void

  constructor(
    private readonly id: Subject,
    private readonly api: ProviderApi,
    readonly timeouts: StreamTimeoutValues,
    /** The key and header values of the entry: scrubbed (in every encoding) from what the provider sent. */
    private readonly key: ProviderSecrets,
    stop: AbortSignal,
  ) {
    this.signal = this.controller.signal
    const onStop = (): void => this.controller.abort()
    if (stop.aborted) onStop()
    else stop.addEventListener('abort', onStop, { once: true })
    this.unlink = () => stop.removeEventListener('abort', onStop)
    this.arm(timeouts.firstByteMs)
  }

  /** Ends the watch: no timer keeps running after the turn, whichever way it ended. */
  dispose(): void {
    this.disposed = true
    this.disarm()
    this.unlink()
  }

  /** The fetch the SDK uses for this one request. */
  readonly fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const response = await globalThis.fetch(input, init)
    if (this.phase === 'request') this.phase = 'headers'
    // Error statuses are the SDK's to read and classify; the watchdog still covers a body that never comes.
    if (!response.ok || !response.body) return response
    const type = response.headers.get('content-type') ?? ''
    if (/text\/html|application\/xhtml/i.test(type)) {
      const title = await this.readTitle(response.body)
      throw this.fail(this.htmlError(response.status, type, title), false)
    }
    return new Response(this.watch(response.body, response.status, type), { status: response.status, statusText: response.statusText, headers: response.headers })
  }

  private arm(ms: number): void {
    this.disarm()
    // A read that completes after the turn ended (the SDK gave up on the stream) must not start a new timer.
    if (this.disposed) return
    this.timer = setTimeout(() => this.fail(this.timeoutError(ms), true), ms)
  }

  private disarm(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
  }

  /** Records the first problem; a timeout also aborts the request, since nothing else would end the wait. */
  private fail(error: KeelError, abort: boolean): KeelError {
    if (!this.problem) this.problem = error
    this.disarm()
    if (abort) this.controller.abort()
    return this.problem
  }

  /** The body as the SDK will read it: only intact frames, with the watchdog re-armed on every chunk. */
  private watch(body: ReadableStream<Uint8Array>, status: number, type: string): ReadableStream<Uint8Array> {
    const reader = body.getReader()
    const decoder = new TextDecoder()
    const encoder = new TextEncoder()
    let buffer = ''
    let events = 0
    /** Whether the event that ends a reply arrived ([DONE], a finish_reason, response.completed, message_stop). */
    let finished = false
    let halted: KeelError | null = null
    /** Passes on the frames that are intact; stops at the first one that is not. */
    const take = (frames: string[]): string => {
      let good = ''
      for (const frame of frames) {
        const parsed = parseFrame(frame)
        const verdict = inspectFrame(this.api, parsed)
        if (verdict.problem) {
          halted = this.fail(this.malformedError(verdict.problem), false)
          break
        }
        if (parsed.data !== null) events += 1
        if (verdict.final) finished = true
        good += frame
      }
      return good
    }
    let handlingSince = performance.now()
    /** Intact-looking frames read but not yet passed on (checked as they go). */
    let backlog: string[] = []
    return new ReadableStream<Uint8Array>({
      pull: async (ctl) => {
        for (;;) {
          // A reply that arrives faster than it is handled (a burst after a stall, a fast local model) would be read,
          // parsed and sent on in one unbroken run of promise callbacks, holding the process until its end: Stop,
          // other requests, even the deltas already written to a window would wait. After YIELD_AFTER_MS of it, the
          // rest waits one turn of the event loop.
          if (performance.now() - handlingSince > YIELD_AFTER_MS) {
            await new Promise<void>((resolve) => setImmediate(resolve))
            handlingSince = performance.now()
          }
          // Frames before the bad one were delivered by the previous pull; now the stream fails.
          if (halted) return ctl.error(halted)
          // A network chunk can hold a thousand events: they go on a few at a time, so the first delta of a burst
          // reaches the window before the rest of the burst is handled (and the yield above can come between).
          if (backlog.length > 0) {
            const good = take(backlog.splice(0, FRAMES_PER_PULL))
            if (good) return ctl.enqueue(encoder.encode(good))
            continue
          }
          const { value, done } = await reader.read()
          if (done) {
            this.disarm()
            const split = splitFrames(buffer + decoder.decode())
            // A last frame without its closing blank line is still a frame.
            const good = take(split.rest.trim() === '' ? split.frames : [...split.frames, `${split.rest}\n\n`])
            if (good) ctl.enqueue(encoder.encode(good))
            if (!halted && events === 0) halted = this.fail(this.emptyError(status, type, buffer), false)
            // A connection closed mid-reply must not pass for a complete reply.
            else if (!halted && !finished) halted = this.fail(this.malformedError('the stream ended before the reply did (no closing event arrived)'), false)
            // What this last read brought is delivered first; the next pull reports the problem.
            if (halted) return good ? undefined : ctl.error(halted)
            return ctl.close()
          }
          if (value.byteLength === 0) continue
          if (this.phase !== 'body') this.phase = 'body'
          this.arm(this.timeouts.idleMs)
          const split = splitFrames(buffer + decoder.decode(value, { stream: true }))
          buffer = split.rest
          backlog = split.frames
        }
      },
      cancel: (reason) => reader.cancel(reason),
    })
  }

  private async readTitle(body: ReadableStream<Uint8Array>): Promise<string | null> {
    const reader = body.getReader()
    const decoder = new TextDecoder()
    let html = ''
    try {
      while (html.length < HTML_READ_LIMIT) {
        const { value, done } = await reader.read()
        if (done) break
        html += decoder.decode(value, { stream: true })
        if (/<\/title>/i.test(html)) break
      }
    } catch {
      // The page could not be read to the end (Stop, or the watchdog): report it without a title.
    } finally {
      reader.cancel().catch(() => undefined)
    }
    const match = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(html)
    if (!match) return null
    const title = match[1]!
      .replace(/&amp;/g, '&')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&#0?39;/g, "'")
    // Redacted before it is shortened: a secret cut by the shortening would no longer match.
    const clean = excerpt(redact(title, this.key), 80)
    return clean === '' ? null : clean
  }

  private get who(): string {
    return `"${this.id.entryName}"`
  }

  private timeoutError(ms: number): KeelError {
    const after = formatDuration(ms)
    const extra = { entryId: this.id.entryId }
    if (this.phase === 'body') {
      return KeelError.of('timeout', `${this.who} stopped sending in the middle of the reply: nothing arrived for ${after} (idle timeout). Keel ended the turn.`, {
        ...extra,
        fix: `Any text that arrived is kept. Send again to retry; if this server pauses for longer, raise the idle timeout of "${this.id.entryName}" in Settings → Providers (Advanced).`,
      })
    }
    const what =
      this.phase === 'request'
        ? `${this.who} did not answer within ${after}: no response came back from ${this.id.baseUrl} (first-byte timeout).`
        : `${this.who} accepted the request but sent nothing of the reply within ${after} (first-byte timeout).`
    return KeelError.of('timeout', `${what} Keel ended the turn.`, {
      ...extra,
      fix: `Send again to retry. If the server is slow to start (a local model still loading, a long prompt), raise the first-byte timeout of "${this.id.entryName}" in Settings → Providers (Advanced).`,
    })
  }

  private htmlError(status: number, type: string, title: string | null): KeelError {
    const page = title ? `an HTML page titled "${title}"` : 'an HTML page'
    return KeelError.of('unexpected-response', `${this.who} answered with ${page} instead of a reply stream (HTTP ${status}, ${excerpt(redact(type, this.key), 40)}). Nothing was received from the model.`, {
      entryId: this.id.entryId,
      status,
      fix: `A captive portal (hotel or airport Wi-Fi) or a proxy login may be in the way: open ${this.id.baseUrl} in a browser and sign in, then send again. Otherwise check the base URL of "${this.id.entryName}" in Settings.`,
    })
  }

  private emptyError(status: number, type: string, body: string): KeelError {
    const looksHtml = /^\s*<(!doctype html|html)/i.test(body)
    const what = looksHtml ? 'an HTML page' : type ? `a body of type ${excerpt(redact(type, this.key), 40)}` : 'a body without a content type'
    return KeelError.of('unexpected-response', `${this.who} answered with ${what} that holds no reply events (HTTP ${status}), where a stream was expected. Nothing was received from the model.`, {
      entryId: this.id.entryId,
      status,
      fix: `Check the base URL and API type of "${this.id.entryName}" in Settings; a proxy in between may be rewriting the response.`,
    })
  }

  private malformedError(problem: string): KeelError {
    return KeelError.of('malformed-stream', `${this.who} sent a response Keel could not read (malformed stream): ${redactExcerpt(problem, this.key)}. Keel ended the reply there.`, {
      entryId: this.id.entryId,
      fix: `Any text that arrived before it is kept. Send again to retry; if it keeps happening, check that the API type of "${this.id.entryName}" (${this.api}) matches what the server speaks.`,
    })
  }
}
