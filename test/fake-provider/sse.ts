// Server-sent events framing, as the real providers emit it.

/** One SSE message. `data` is JSON-encoded unless it is already a string (e.g. `[DONE]`). */
export interface SseEvent {
  /** The `event:` line (Anthropic and OpenAI Responses name every event; Chat Completions does not). */
  event?: string
  data: unknown
}

export function formatSse({ event, data }: SseEvent): string {
  const payload = typeof data === 'string' ? data : JSON.stringify(data)
  return `${event === undefined ? '' : `event: ${event}\n`}data: ${payload}\n\n`
}

export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
} as const
