// A tool call's arguments on their way to the window while the model streams them. Providers send them in many
// small deltas (often one token each); the window needs to see them grow, not every piece, so the events are
// coalesced per call: the first goes out at once, later ones at most every ARGUMENTS_EVENT_MS with the text so far.
// When the stream ends the pending ones are dropped: the completed call follows as its `tool-call` event.
import type { ToolCallSoFar } from '../providers/provider-client'

export const ARGUMENTS_EVENT_MS = 100

interface Pending {
  call: ToolCallSoFar
  last: number
  timer: NodeJS.Timeout | null
}

export class ArgumentStream {
  private readonly calls = new Map<number, Pending>()

  constructor(
    private readonly emit: (call: ToolCallSoFar) => void,
    private readonly everyMs = ARGUMENTS_EVENT_MS,
  ) {}

  push(call: ToolCallSoFar): void {
    let p = this.calls.get(call.index)
    if (!p) {
      p = { call, last: 0, timer: null }
      this.calls.set(call.index, p)
    }
    p.call = call
    if (p.timer) return
    const due = p.last + this.everyMs - Date.now()
    if (due <= 0) this.fire(p)
    else {
      const pending = p
      pending.timer = setTimeout(() => this.fire(pending), due)
    }
  }

  private fire(p: Pending): void {
    p.timer = null
    p.last = Date.now()
    this.emit(p.call)
  }

  /** The stream ended (complete, stopped or failed): nothing more is sent for its calls. */
  close(): void {
    for (const p of this.calls.values()) if (p.timer) clearTimeout(p.timer)
    this.calls.clear()
  }
}
