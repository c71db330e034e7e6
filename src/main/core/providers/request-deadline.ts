// A time limit for a provider request that is not a reply stream: the models list (Settings, the model picker,
// "Refresh models"). Without one it would wait as long as the SDK's 10-minute default. The entry's first-byte
// timeout covers the whole request, answer included (a list is small, so once its first byte arrives the rest
// follows at once), and a request that runs out ends with a timeout error naming the entry, as a reply stream does.
import type { ProviderEntry } from '../../../shared/domain'
import { KeelError } from '../errors'
import { formatDuration, streamTimeoutsFor } from './stream-guard'

type Subject = Pick<ProviderEntry, 'id' | 'name' | 'baseUrl' | 'kind' | 'local' | 'timeouts'>

export class RequestDeadline {
  /** Pass this to the SDK call: it aborts when the deadline passes. */
  readonly signal: AbortSignal
  /** The timeout, once the deadline passed; the caller reports this instead of whatever the SDK made of the abort. */
  problem: KeelError | null = null
  readonly ms: number
  private readonly controller = new AbortController()
  /** Whether the server answered with its status and headers (then it is the body that did not come). */
  private answered = false
  private timer: NodeJS.Timeout | null

  constructor(
    private readonly entry: Subject,
    /** What was asked for, for the message: "its model list". */
    private readonly what: string,
  ) {
    this.ms = streamTimeoutsFor(entry).firstByteMs
    this.signal = this.controller.signal
    this.timer = setTimeout(() => {
      this.timer = null
      this.problem = this.timeoutError()
      this.controller.abort()
    }, this.ms)
  }

  /** The fetch the SDK uses for this request: it notes when the headers arrived. */
  readonly fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const response = await globalThis.fetch(input, init)
    this.answered = true
    return response
  }

  /** Ends the watch, whichever way the request ended: no timer outlives it. */
  dispose(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
  }

  private timeoutError(): KeelError {
    const who = `"${this.entry.name}"`
    const after = formatDuration(this.ms)
    const what = this.answered
      ? `${who} accepted the request but did not send ${this.what} within ${after} (first-byte timeout).`
      : `${who} did not answer within ${after}: no response came back from ${this.entry.baseUrl} (first-byte timeout).`
    return KeelError.of('timeout', `${what} Keel stopped waiting for ${this.what}.`, {
      entryId: this.entry.id,
      fix: `Try again later. If the server is slow to start (a local model still loading), raise the first-byte timeout of "${this.entry.name}" in Settings → Providers (Advanced).`,
    })
  }
}
