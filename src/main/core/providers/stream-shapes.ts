// The shape of server-sent events on each completion API, checked before the SDKs see them. The SDKs skip what
// they do not recognise (an Anthropic data line without an event name, a Chat chunk whose `choices` is a string),
// and a reply cut short that way would pass for a complete one. Only the fields Keel reads are checked, so a
// provider adding fields or event types stays readable. Pure functions over text.
import type { ProviderApi } from '../../../shared/domain'
import { isJsonObject, type JsonObject } from '../json-object'

export interface SseFrame {
  /** The `event:` field, or null for an unnamed event. */
  event: string | null
  /** The `data:` lines joined with "\n", or null when the frame has none (a comment or keep-alive). */
  data: string | null
}

/**
 * Splits decoded stream text into complete frames (each ending in a blank line) and the incomplete rest. Line
 * endings are normalised to "\n" (SSE allows \r\n, \r and \n); a trailing "\r" is held back, since it may be the
 * first half of a "\r\n" split across two network chunks.
 */
export function splitFrames(buffer: string): { frames: string[]; rest: string } {
  const held = buffer.endsWith('\r') ? '\r' : ''
  const text = (held ? buffer.slice(0, -1) : buffer).replace(/\r\n?/g, '\n')
  const parts = text.split('\n\n')
  const rest = parts.pop()!
  return { frames: parts.map((p) => `${p}\n\n`), rest: rest + held }
}

export function parseFrame(frame: string): SseFrame {
  let event: string | null = null
  const data: string[] = []
  for (const line of frame.split('\n')) {
    if (line === '' || line.startsWith(':')) continue
    const colon = line.indexOf(':')
    const field = colon < 0 ? line : line.slice(0, colon)
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '')
    if (field === 'event') event = value
    else if (field === 'data') data.push(value)
  }
  return { event, data: data.length > 0 ? data.join('\n') : null }
}

type Json = JsonObject

function optionalText(value: unknown): boolean {
  return value === undefined || value === null || typeof value === 'string'
}

/** A short, single-line excerpt of what came in, for the error text. */
export function excerpt(text: string, max = 60): string {
  const line = text.replace(/\s+/g, ' ').trim()
  return line.length > max ? `${line.slice(0, max)}…` : line
}

function checkChatChunk(chunk: Json): string | null {
  if (chunk.choices === undefined) return null // e.g. a usage-only chunk
  if (!Array.isArray(chunk.choices)) return `a chunk whose "choices" is not a list (${excerpt(JSON.stringify(chunk.choices))})`
  for (const choice of chunk.choices) {
    if (!isJsonObject(choice)) return 'a chunk whose "choices" holds something other than objects'
    if (choice.delta === undefined) continue
    if (!isJsonObject(choice.delta)) return 'a chunk whose "delta" is not an object'
    if (!optionalText(choice.delta.content)) return 'a chunk whose "delta.content" is not text'
  }
  return null
}

function checkResponsesEvent(event: Json): string | null {
  if (typeof event.type !== 'string') return 'an event without a "type"'
  if (event.type === 'response.output_text.delta' && typeof event.delta !== 'string') return 'a text delta whose "delta" is not text'
  return null
}

function checkAnthropicEvent(event: Json): string | null {
  if (typeof event.type !== 'string') return 'an event without a "type"'
  if (event.type !== 'content_block_delta') return null
  if (!isJsonObject(event.delta) || typeof event.delta.type !== 'string') return 'a content_block_delta whose "delta" is not an object with a type'
  if (event.delta.type === 'text_delta' && typeof event.delta.text !== 'string') return 'a text_delta whose "text" is not text'
  return null
}

const RESPONSES_ENDINGS = new Set(['response.completed', 'response.incomplete', 'response.failed'])

/**
 * Whether this (intact) frame ends the reply: Chat's `[DONE]` or a choice with a finish_reason, a Responses
 * terminal event, Anthropic's message_stop; or an error event, which the SDK reports itself.
 */
export function isFinalFrame(api: ProviderApi, frame: SseFrame): boolean {
  if (frame.data === null) return false
  if (frame.event === 'error') return true
  if (api !== 'anthropic-messages' && frame.data.trim() === '[DONE]') return true
  let parsed: unknown
  try {
    parsed = JSON.parse(frame.data)
  } catch {
    return false
  }
  return isJsonObject(parsed) && endsReply(api, parsed)
}

function endsReply(api: ProviderApi, parsed: Json): boolean {
  if (isJsonObject(parsed.error) || parsed.type === 'error') return true
  if (api === 'openai-chat') return Array.isArray(parsed.choices) && parsed.choices.some((c) => isJsonObject(c) && typeof c.finish_reason === 'string')
  if (api === 'openai-responses') return typeof parsed.type === 'string' && RESPONSES_ENDINGS.has(parsed.type)
  return parsed.type === 'message_stop'
}

/** What is wrong with one frame for this API, in words; null when Keel can read it. */
export function frameProblem(api: ProviderApi, frame: SseFrame): string | null {
  if (frame.data === null) return null
  if (api !== 'anthropic-messages' && frame.data.trim() === '[DONE]') return null
  if (api === 'anthropic-messages') {
    // The SDK drops unnamed events; every event of the real API is named.
    if (frame.event === null) return `a data line with no event name (${excerpt(frame.data)})`
    if (frame.event === 'error') return null // the SDK turns it into an API error with the provider's message
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(frame.data)
  } catch {
    return `a data line that is not JSON (${excerpt(frame.data)})`
  }
  if (!isJsonObject(parsed)) return `a data line that is not a JSON object (${excerpt(frame.data)})`
  if (isJsonObject(parsed.error)) return null // an error event: the SDK reports it with the provider's message
  if (api === 'openai-chat') return checkChatChunk(parsed)
  if (api === 'openai-responses') return checkResponsesEvent(parsed)
  return checkAnthropicEvent(parsed)
}

export interface FrameVerdict {
  /** What is wrong with the frame (frameProblem); when set, `final` means nothing. */
  problem: string | null
  /** Whether the frame ends the reply (isFinalFrame). */
  final: boolean
}

const PASSES: FrameVerdict = { problem: null, final: false }
const ENDS: FrameVerdict = { problem: null, final: true }

/**
 * frameProblem and isFinalFrame in one pass, parsing the data once: the guard runs this on every event of every
 * reply, so it costs one JSON.parse of the event and nothing more.
 */
export function inspectFrame(api: ProviderApi, frame: SseFrame): FrameVerdict {
  if (frame.data === null) return PASSES
  if (api !== 'anthropic-messages' && frame.data.trim() === '[DONE]') return ENDS
  if (api === 'anthropic-messages') {
    if (frame.event === null) return { problem: `a data line with no event name (${excerpt(frame.data)})`, final: false }
    if (frame.event === 'error') return ENDS
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(frame.data)
  } catch {
    return { problem: `a data line that is not JSON (${excerpt(frame.data)})`, final: false }
  }
  if (!isJsonObject(parsed)) return { problem: `a data line that is not a JSON object (${excerpt(frame.data)})`, final: false }
  const final = frame.event === 'error' || endsReply(api, parsed)
  if (isJsonObject(parsed.error)) return final ? ENDS : PASSES
  const problem = api === 'openai-chat' ? checkChatChunk(parsed) : api === 'openai-responses' ? checkResponsesEvent(parsed) : checkAnthropicEvent(parsed)
  return problem ? { problem, final } : final ? ENDS : PASSES
}
