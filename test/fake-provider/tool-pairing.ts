// Tool call/result pairing in a request's history, per API: which tool results a request carries (for rule
// matching and for tests asserting what was sent), and the 400 each real API answers when a call has no result
// or a result has no call. The messages are the real APIs' own (as they appear verbatim in public bug reports),
// so a test passing against the fake means the history would also pass against the real provider.
// Less certain than the texts: which message an index names. Anthropic's `messages.N` is taken to be the
// assistant message holding the unanswered tool_use (and the user message holding an orphan tool_result);
// Chat's `param` points at the assistant message for unanswered calls and at the orphan `tool` message. Tests
// should assert on the ids in the message rather than on these indexes where they can.

import { isJsonObject, type JsonObject } from './http.js'
import type { CompletionProtocol } from './types.js'

/** A tool result found in a request. */
export interface SentToolResult {
  /** The call id it answers (`tool_call_id`, `call_id`, `tool_use_id`). */
  callId: string
  /** The result content as sent: a string, or the API's content parts. */
  content: unknown
  /** Anthropic's `is_error` flag on the tool_result block, when set. */
  isError?: boolean
}

/** A broken pairing: the message and (OpenAI only) the `param` of the real error body. */
export interface PairingProblem {
  message: string
  param: string | null
}

type Json = JsonObject

function items(value: unknown): Json[] {
  return Array.isArray(value) ? value.filter(isJsonObject) : []
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : String(value)
}

/** Every tool result in the request body, in order. */
export function toolResultsOf(protocol: CompletionProtocol, body: unknown): SentToolResult[] {
  if (!isJsonObject(body)) return []
  if (protocol === 'openai-chat') {
    return items(body.messages)
      .filter((message) => message.role === 'tool')
      .map((message) => ({ callId: text(message.tool_call_id), content: message.content }))
  }
  if (protocol === 'openai-responses') {
    return items(body.input)
      .filter((item) => item.type === 'function_call_output')
      .map((item) => ({ callId: text(item.call_id), content: item.output }))
  }
  const results: SentToolResult[] = []
  for (const message of items(body.messages)) {
    if (message.role !== 'user') continue
    for (const block of items(message.content)) {
      if (block.type !== 'tool_result') continue
      const result: SentToolResult = { callId: text(block.tool_use_id), content: block.content }
      if (typeof block.is_error === 'boolean') result.isError = block.is_error
      results.push(result)
    }
  }
  return results
}

/**
 * What the real API rejects about the request's tool pairing, or null. `previousCalls` are the call ids of the
 * response named by `previous_response_id` (Responses only): their outputs must be in this request's input.
 */
export function pairingProblem(protocol: CompletionProtocol, body: Json, previousCalls: string[] = []): PairingProblem | null {
  if (protocol === 'openai-chat') return chatProblem(items(body.messages))
  if (protocol === 'openai-responses') return responsesProblem(items(body.input), previousCalls)
  return anthropicProblem(items(body.messages))
}

// ---------------------------------------------------------------------------------------------
// Chat Completions: an assistant message with `tool_calls` must be followed by one `tool` message per id, before
// any other message; a `tool` message must answer a pending call of the assistant message before it.

function chatCallIds(message: Json): string[] {
  return items(message.tool_calls).map((call) => text(call.id))
}

function chatMissing(ids: string[], assistantIndex: number): PairingProblem {
  return {
    message:
      "An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. " +
      `The following tool_call_ids did not have response messages: ${ids.join(', ')}`,
    param: `messages.[${assistantIndex}].role`,
  }
}

function chatProblem(messages: Json[]): PairingProblem | null {
  let pending: { index: number; ids: string[] } | null = null
  for (const [index, message] of messages.entries()) {
    if (message.role === 'tool') {
      const id = text(message.tool_call_id)
      if (pending === null || !pending.ids.includes(id)) {
        return {
          message: "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.",
          param: `messages.[${index}].role`,
        }
      }
      pending.ids = pending.ids.filter((pendingId) => pendingId !== id)
      continue
    }
    if (pending !== null && pending.ids.length > 0) return chatMissing(pending.ids, pending.index)
    pending = null
    if (message.role === 'assistant') {
      const ids = chatCallIds(message)
      if (ids.length > 0) pending = { index, ids }
    }
  }
  if (pending !== null && pending.ids.length > 0) return chatMissing(pending.ids, pending.index)
  return null
}

// ---------------------------------------------------------------------------------------------
// Responses: every `function_call_output` needs a `function_call` with its `call_id` (in the input, or in the
// previous response), and every such call needs an output.

function responsesProblem(input: Json[], previousCalls: string[]): PairingProblem | null {
  const calls = [...previousCalls, ...input.filter((item) => item.type === 'function_call').map((item) => text(item.call_id))]
  const outputs = input.filter((item) => item.type === 'function_call_output').map((item) => text(item.call_id))
  const orphan = outputs.find((id) => !calls.includes(id))
  if (orphan !== undefined) {
    return { message: `No tool call found for function call output with call_id ${orphan}.`, param: 'input' }
  }
  const unanswered = calls.find((id) => !outputs.includes(id))
  if (unanswered !== undefined) return { message: `No tool output found for function call ${unanswered}.`, param: 'input' }
  return null
}

// ---------------------------------------------------------------------------------------------
// Anthropic Messages: the message after an assistant message with `tool_use` blocks must be a user message that
// starts with a `tool_result` block for each of them (text may only follow the results); a `tool_result` must
// answer a `tool_use` of the message right before it.

function blocksOf(message: Json | undefined, type: string): Json[] {
  return message === undefined ? [] : items(message.content).filter((block) => block.type === type)
}

function anthropicProblem(messages: Json[]): PairingProblem | null {
  for (const [index, message] of messages.entries()) {
    if (message.role === 'user') {
      const previous = messages[index - 1]
      const uses = previous?.role === 'assistant' ? blocksOf(previous, 'tool_use').map((block) => text(block.id)) : []
      for (const [blockIndex, block] of items(message.content).entries()) {
        if (block.type !== 'tool_result' || uses.includes(text(block.tool_use_id))) continue
        return {
          message:
            `messages.${index}.content.${blockIndex}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${text(block.tool_use_id)}. ` +
            'Each `tool_result` block must have a corresponding `tool_use` block in the previous message.',
          param: null,
        }
      }
    }
    if (message.role !== 'assistant') continue
    const uses = blocksOf(message, 'tool_use').map((block) => text(block.id))
    if (uses.length === 0) continue
    const next = messages[index + 1]
    const leading: string[] = []
    if (next?.role === 'user') {
      for (const block of items(next.content)) {
        if (block.type !== 'tool_result') break
        leading.push(text(block.tool_use_id))
      }
    }
    const missing = uses.filter((id) => !leading.includes(id))
    if (missing.length > 0) {
      return {
        message:
          `messages.${index}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(', ')}. ` +
          'Each `tool_use` block must have a corresponding `tool_result` block in the next message.',
        param: null,
      }
    }
  }
  return null
}
