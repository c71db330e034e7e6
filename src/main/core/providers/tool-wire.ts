// Tool calls on the wire, for the three completion APIs: the tool definitions a request offers, how a history with
// tool calls and results is written in each API's required order, how streamed tool calls are assembled, and the
// pairing guarantee applied to every history before it is sent (invariant 13).
//   Chat Completions: an assistant message with `tool_calls`, then one `tool` message per tool_call_id.
//   Responses: a `function_call` item per call, then a `function_call_output` item per call_id.
//   Anthropic Messages: `tool_use` blocks in the assistant message, and `tool_result` blocks first in the next user
//   message.
import type { JsonSchema } from '../tools/tool-definition'
import { anthropicUserBlocks, chatUserContent, responsesUserContent, type WireAttachment } from '../attachments/attachment-wire'

export interface WireToolDefinition {
  name: string
  description: string
  inputSchema: JsonSchema
}

/** A tool call as the model made it. */
export interface WireToolCall {
  /** The provider's call id (tool_calls[].id, call_id, tool_use.id). */
  id: string
  name: string
  /** The arguments text exactly as the model streamed it (may be malformed JSON). */
  argumentsJson: string
}

/** A tool result answering one call. */
export interface WireToolResult {
  callId: string
  content: string
  isError: boolean
  /** Images the tool returned: Anthropic takes them in the tool_result; the other APIs get a note instead. */
  images?: ReadonlyArray<{ mimeType: string; data: string }>
}

/** What a result says on an API that takes no images in tool results (Chat Completions, Responses). */
export const IMAGES_NOT_PASSED = '[The image is not passed to the model: this API takes no images in tool results.]'

function textWithoutImages(r: WireToolResult): string {
  return r.images && r.images.length > 0 ? `${r.content}\n${IMAGES_NOT_PASSED}` : r.content
}

export interface WireMessage {
  role: 'user' | 'assistant'
  content: string
  /** Assistant only: the calls this step made, after its text. */
  toolCalls?: WireToolCall[]
  /** User only: results answering the previous assistant message's calls; they go before `content`. */
  toolResults?: WireToolResult[]
  /** User only: the files the message was sent with (attachment-wire.ts writes them in each API's shape). */
  attachments?: readonly WireAttachment[]
}

/** A call completed in the stream, with its arguments parsed (null when they are not a JSON object). */
export interface CompletedToolCall extends WireToolCall {
  arguments: Record<string, unknown> | null
  /** Why `arguments` is null: the model can read this as the call's result. */
  argumentsProblem: string | null
}

export const UNANSWERED_RESULT = 'no result was recorded for this call'

/** Parses the arguments text of a call; a problem is described in words the model can act on. */
export function parseArguments(text: string): { arguments: Record<string, unknown> | null; problem: string | null } {
  if (text.trim() === '') return { arguments: {}, problem: null }
  try {
    const parsed: unknown = JSON.parse(text)
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return { arguments: parsed as Record<string, unknown>, problem: null }
    return { arguments: null, problem: 'the arguments are not a JSON object' }
  } catch {
    return { arguments: null, problem: 'the arguments are not valid JSON' }
  }
}

/**
 * Invariant 13, applied to every history before it is sent: every call is followed by its result (a missing one is
 * answered "no result was recorded for this call") and every result answers a call of the assistant message right
 * before it (an orphan result is dropped). The ledger already answers every call; this is the last line of defence
 * that makes a broken history impossible to send.
 */
export function pairToolHistory(messages: readonly WireMessage[]): WireMessage[] {
  const out: WireMessage[] = []
  const pendingCalls = (): WireToolCall[] | null => {
    const last = out[out.length - 1]
    return last?.role === 'assistant' && last.toolCalls && last.toolCalls.length > 0 ? last.toolCalls : null
  }
  for (const m of messages) {
    const calls = pendingCalls()
    if (calls) {
      if (m.role === 'user') {
        out.push({ ...answering(calls, m.toolResults ?? [], m.content), ...(m.attachments ? { attachments: m.attachments } : {}) })
        continue
      }
      out.push(answering(calls, []))
    }
    if (m.role === 'user' && m.toolResults) {
      // Results with no call right before them: dropped, with any text kept.
      if (m.content !== '' || m.attachments?.length) out.push({ role: 'user', content: m.content, ...(m.attachments ? { attachments: m.attachments } : {}) })
      continue
    }
    out.push(m)
  }
  const calls = pendingCalls()
  if (calls) out.push(answering(calls, []))
  return out
}

function answering(calls: readonly WireToolCall[], results: readonly WireToolResult[], content = ''): WireMessage {
  const byId = new Map(results.map((r) => [r.callId, r]))
  return { role: 'user', content, toolResults: calls.map((c) => byId.get(c.id) ?? { callId: c.id, content: UNANSWERED_RESULT, isError: true }) }
}

// ---- request bodies ----

export function chatTools(tools: readonly WireToolDefinition[]): unknown[] {
  return tools.map((t) => ({ type: 'function', function: { name: t.name, description: t.description, parameters: t.inputSchema } }))
}

export function responsesTools(tools: readonly WireToolDefinition[]): unknown[] {
  return tools.map((t) => ({ type: 'function', name: t.name, description: t.description, parameters: t.inputSchema, strict: false }))
}

export function anthropicTools(tools: readonly WireToolDefinition[]): unknown[] {
  return tools.map((t) => ({ name: t.name, description: t.description, input_schema: t.inputSchema }))
}

/** Chat Completions messages; a plain history comes out exactly as before ({ role, content }). */
export function chatMessages(messages: readonly WireMessage[]): unknown[] {
  const out: unknown[] = []
  for (const m of messages) {
    if (m.role === 'assistant' && m.toolCalls && m.toolCalls.length > 0) {
      out.push({
        role: 'assistant',
        content: m.content === '' ? null : m.content,
        tool_calls: m.toolCalls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.argumentsJson } })),
      })
      continue
    }
    if (m.role === 'user' && m.toolResults) {
      for (const r of m.toolResults) out.push({ role: 'tool', tool_call_id: r.callId, content: textWithoutImages(r) })
      if (m.content !== '' || m.attachments?.length) out.push({ role: 'user', content: chatUserContent(m.content, m.attachments) })
      continue
    }
    out.push({ role: m.role, content: m.role === 'user' ? chatUserContent(m.content, m.attachments) : m.content })
  }
  return out
}

/** Responses input items; a plain history comes out exactly as before ({ role, content }). */
export function responsesInput(messages: readonly WireMessage[]): unknown[] {
  const out: unknown[] = []
  for (const m of messages) {
    if (m.role === 'assistant' && m.toolCalls && m.toolCalls.length > 0) {
      if (m.content !== '') out.push({ role: 'assistant', content: m.content })
      for (const c of m.toolCalls) out.push({ type: 'function_call', call_id: c.id, name: c.name, arguments: c.argumentsJson })
      continue
    }
    if (m.role === 'user' && m.toolResults) {
      for (const r of m.toolResults) out.push({ type: 'function_call_output', call_id: r.callId, output: textWithoutImages(r) })
      if (m.content !== '' || m.attachments?.length) out.push({ role: 'user', content: responsesUserContent(m.content, m.attachments) })
      continue
    }
    out.push({ role: m.role, content: m.role === 'user' ? responsesUserContent(m.content, m.attachments) : m.content })
  }
  return out
}

/**
 * Anthropic messages; a plain history comes out exactly as before ({ role, content: string }). Tool results go
 * first in the user message after the calls, and a user message right after them joins that message (the API
 * wants the results immediately after the calls; text may follow them).
 */
export function anthropicMessages(messages: readonly WireMessage[], options: { pdfDocuments?: boolean } = {}): unknown[] {
  const userBlocks = (m: WireMessage) => anthropicUserBlocks(m.content, m.attachments, options.pdfDocuments)
  const out: Array<{ role: string; content: unknown }> = []
  for (const m of messages) {
    if (m.role === 'assistant' && m.toolCalls && m.toolCalls.length > 0) {
      const blocks: unknown[] = []
      if (m.content.trim() !== '') blocks.push({ type: 'text', text: m.content })
      for (const c of m.toolCalls) {
        const parsed = parseArguments(c.argumentsJson)
        // The API takes the input as an object: malformed arguments (answered as such) go as an empty one.
        blocks.push({ type: 'tool_use', id: c.id, name: c.name, input: parsed.arguments ?? {} })
      }
      out.push({ role: 'assistant', content: blocks })
      continue
    }
    if (m.role === 'user' && m.toolResults) {
      const blocks: unknown[] = m.toolResults.map((r) => ({
        type: 'tool_result',
        tool_use_id: r.callId,
        // Images go in the result itself, after its text (tool_result content blocks: text and image).
        content: r.images && r.images.length > 0 ? [{ type: 'text', text: r.content }, ...r.images.map((i) => ({ type: 'image', source: { type: 'base64', media_type: i.mimeType, data: i.data } }))] : r.content,
        ...(r.isError ? { is_error: true } : {}),
      }))
      blocks.push(...userBlocks(m))
      out.push({ role: 'user', content: blocks })
      continue
    }
    const prev = out[out.length - 1]
    if (m.role === 'user' && prev?.role === 'user' && Array.isArray(prev.content)) {
      ;(prev.content as unknown[]).push(...userBlocks(m))
      continue
    }
    out.push({ role: m.role, content: m.role === 'user' && m.attachments?.length ? userBlocks(m) : m.content })
  }
  return out
}

// ---- assembling streamed calls ----

/** Collects tool calls as they stream, keyed by the API's index or item id, in the order they started. */
export class ToolCallAssembler {
  private readonly calls = new Map<string | number, { id: string; name: string; args: string }>()

  start(key: string | number, id: string, name: string, args = ''): void {
    if (!this.calls.has(key)) this.calls.set(key, { id, name, args })
  }

  /** Chat Completions sends id and name on the first delta only; later deltas carry argument pieces. */
  chatDelta(index: number, delta: { id?: string | null; function?: { name?: string | null; arguments?: string | null } | null }): void {
    let c = this.calls.get(index)
    if (!c) {
      c = { id: delta.id ?? '', name: delta.function?.name ?? '', args: '' }
      this.calls.set(index, c)
    } else {
      if (delta.id && !c.id) c.id = delta.id
      if (delta.function?.name && !c.name) c.name = delta.function.name
    }
    if (delta.function?.arguments) c.args += delta.function.arguments
  }

  append(key: string | number, piece: string): void {
    const c = this.calls.get(key)
    if (c) c.args += piece
  }

  /** The final arguments text, when the API sends it whole at the end (Responses' output_item.done). */
  complete(key: string | number, args: string): void {
    const c = this.calls.get(key)
    if (c) c.args = args
  }

  get size(): number {
    return this.calls.size
  }

  /** The call's position among the reply's calls (the order they started in). */
  indexOf(key: string | number): number {
    return [...this.calls.keys()].indexOf(key)
  }

  /** A call as far as it has arrived (its arguments may be cut anywhere). */
  partial(key: string | number): { id: string; name: string; args: string } | null {
    const c = this.calls.get(key)
    return c ? { ...c } : null
  }

  done(): CompletedToolCall[] {
    return [...this.calls.values()].map((c) => {
      const parsed = parseArguments(c.args)
      return { id: c.id, name: c.name, argumentsJson: c.args, arguments: parsed.arguments, argumentsProblem: parsed.problem }
    })
  }
}
