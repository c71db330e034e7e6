// Public types of the fake LLM provider used by Keel's tests.
//
// Tool calls (for agent tests), in short:
// - `Rule.toolCalls: [{ name, id?, arguments }]` makes the reply zero or more text deltas (`reply`, none when
//   absent) followed by one tool call per entry, several in one reply being parallel calls. Each API gets its own
//   real stream: Chat `delta.tool_calls[]` (index, id, type, function.name, then `function.arguments` pieces) and
//   `finish_reason: "tool_calls"`; Responses `function_call` output items (`output_item.added`,
//   `function_call_arguments.delta`/`.done`, `output_item.done`, then `response.completed` listing them);
//   Anthropic `tool_use` content blocks (`input_json_delta` pieces) and `stop_reason: "tool_use"`. Non-stream
//   requests get the same calls in the one JSON body. `argumentChunks` (default 3) is how many deltas each call's
//   arguments JSON is split into. Ids default to `call_fake<n>_<i>` (OpenAI) / `toolu_fake<n>_<i>` (Anthropic).
//   `hold` pauses a call-only reply right after its opening events; `malformed`, `hang` and `stall: 'after-text'`
//   break the text part, so with `toolCalls` they use the echo text when `reply` is absent.
// - Matching by content or position: `requestIndex` (0-based among completion requests since start/clear()),
//   `toolResultFor: '<call id>'` (the request carries a tool result for that call), `toolResults: true|false`
//   (it carries any / no tool result).
// - `sequence([step1, step2, ...])`: steps answer one request each, strictly in order; a step is only tried once
//   the one before it was used, so "first request → tool call; second request, which must carry the result →
//   final text" is `sequence([{ toolCalls: [...] }, { toolResultFor: 'call_1', reply: 'done' }])`.
// - Strict tool pairing (on by default, `FakeProviderOptions.toolPairing: 'off'` to disable): every completion
//   request whose history breaks call/result pairing is answered 400 with the real API's error body and message
//   (see tool-pairing.ts), before any rule is consumed, as the real APIs would. Responses requests continuing a
//   fake reply with `previous_response_id` must carry an output for each of that reply's calls.
// - `toolResultsSent(request)` (server.ts) lists the tool results a recorded request carried, to assert on them;
//   `POST /__admin/sequence {steps}` scripts a sequence from another process.

/** Which wire protocol a request was classified as (by method + path suffix). */
export type Protocol = 'openai-chat' | 'openai-responses' | 'anthropic-messages' | 'models' | 'unknown'

/** Completion protocols: the ones that produce a reply (everything but models/unknown). */
export type CompletionProtocol = 'openai-chat' | 'openai-responses' | 'anthropic-messages'

/** Error/response JSON dialect: decides the shape of error bodies and model lists. */
export type Dialect = 'openai' | 'anthropic'

export interface RecordedRequest {
  method: string
  /** Full path without the query string, prefix included (e.g. `/alpha/v1/chat/completions`). */
  path: string
  /** Path plus query string, exactly as received. */
  url: string
  /** Request headers with lower-cased names; repeated headers are joined with ", ". */
  headers: Record<string, string>
  /** Raw `authorization` header. */
  authorization?: string
  /** Raw `x-api-key` header (Anthropic auth). */
  apiKey?: string
  /** Token after `Bearer ` in the authorization header (OpenAI auth). */
  bearer?: string
  /** `model` field of the JSON body, when it is a string. */
  model?: string
  /** Parsed JSON body; the raw string when it is not valid JSON; absent when empty. */
  body?: unknown
  protocol: Protocol
  /** `Date.now()` when the request was fully received. */
  at: number
}

/** Encodings the fake can echo a received key in (see `RuleBehaviour.echoKey`). */
export type KeyEcho = 'raw' | 'base64' | 'base64url' | 'hex' | 'url' | 'basic'

/** Which requests a rule applies to; every given field must match. */
export interface RuleMatch {
  /** The request path must start with this (e.g. `/alpha` to target one simulated endpoint). */
  pathPrefix?: string
  model?: string
  /** Matches either the bearer token or the `x-api-key` header. */
  key?: string
  /** Without it a rule never applies to models requests (only `protocol: 'models'` does). */
  protocol?: Protocol
  /** 0-based position of the request among the completion requests recorded since start or the last `clear()`. */
  requestIndex?: number
  /** The request carries a tool result for this call id (Chat `tool` message, Responses `function_call_output`,
   * Anthropic `tool_result` block). */
  toolResultFor?: string
  /** `true`: the request carries at least one tool result; `false`: none. */
  toolResults?: boolean
}

/** One scripted tool call of a reply. */
export interface ToolCallSpec {
  name: string
  /** The provider call id (`tool_calls[].id`, `call_id`, `tool_use.id`); generated when absent. */
  id?: string
  /** The arguments object; streamed as its JSON text, split into `argumentChunks` deltas. */
  arguments: Record<string, unknown>
}

/**
 * How a `malformed` stream breaks, after one valid text delta:
 * - `not-json` (also `true`): a `data:` line that is not JSON, named like a delta; then the connection ends.
 * - `wrong-shape`: valid JSON of the wrong shape where a delta belongs (Chat: `"choices":"nope"`; Responses: a
 *   text delta whose `delta` is an object; Anthropic: a `content_block_delta` whose `delta` is a string), then the
 *   rest of the reply and a normal ending, so a client that skips the bad chunk sees a "complete" reply.
 * - `bare-line`: an unnamed `data: {not json` line (Anthropic's SDK skips unnamed events), then the rest of the
 *   reply and a normal ending.
 * - `truncated`: the connection ends cleanly right there, without the stream's closing events ([DONE], a
 *   finish_reason, response.completed, message_stop), as when a proxy drops it.
 */
export type MalformedKind = 'not-json' | 'wrong-shape' | 'bare-line' | 'truncated'

/**
 * Where a `stall`ed reply stops, until the client disconnects:
 * - `before-headers`: the request is read and never answered;
 * - `after-headers`: a 200 event-stream header is sent, then nothing;
 * - `after-text`: headers, the stream's opening events and one text delta, then nothing (as `hang`).
 * A models request (a rule with `protocol: 'models'`) stalls the same way: never answered, a 200 JSON header and
 * nothing, or the header and half of the JSON body.
 */
export type StallPoint = 'before-headers' | 'after-headers' | 'after-text'

/**
 * What happens to a matching request. Precedence: `status` > `page` > `malformed` > `stall` > `hang` > `slow`;
 * `reply` and `models` combine with the streaming behaviours.
 */
export interface RuleBehaviour {
  /** Answer with this HTTP error status, in the provider's own error JSON shape. */
  status?: number
  /** With `status`: send this JSON body verbatim instead of the generated error body. */
  body?: unknown
  /** With `status`: the error message to put in the generated error body. */
  message?: string
  /**
   * With `status`: a misbehaving server that echoes the credential it received (bearer or x-api-key) in its error
   * message, once per listed encoding, so tests can check that no form of the key gets through.
   */
  echoKey?: KeyEcho[]
  /** With `status: 429`: the Retry-After seconds sent (default 1). */
  retryAfter?: number
  /** Close the connection without answering (a network error at the client; with `times`, "fail N times"). */
  drop?: boolean
  /** A 200 answer with this body instead of a reply (default content type `text/html; charset=utf-8`): a captive
   * portal or a proxy login page answering a streaming request. */
  page?: { body: string; contentType?: string }
  /** 200 SSE stream that breaks after one valid delta; `true` means `not-json` (see MalformedKind). */
  malformed?: boolean | MalformedKind
  /** Stop sending at this point (see StallPoint) until the client disconnects. */
  stall?: StallPoint
  /** Send headers and one delta, then nothing more until the client disconnects. */
  hang?: boolean
  /** Stream exactly `chunks` chunks, `intervalMs` apart (the reply is padded/merged to fit). */
  slow?: { chunks: number; intervalMs: number }
  /**
   * A stream that pauses after its first chunk until `release(hold)` is called with this name, then finishes
   * normally: a reply that is mid-stream for exactly as long as the test needs (no timing guesses).
   */
  hold?: string
  /**
   * A stream that pauses before its text chunk number `chunk` (0-based; 0 = before any text) until `release(hold)`,
   * one pause per entry: text that arrives in steps the test orders (e.g. a checkpoint refused before the first
   * chunk, several chunks while the disk is full, the rest after it is freed).
   */
  holdBefore?: { chunk: number; hold: string }[]
  /**
   * With `toolCalls`: the stream pauses halfway through the tool-call events (after the first argument deltas)
   * until `release(holdInArguments)`: a call whose arguments are mid-stream for as long as the test needs.
   */
  holdInArguments?: string
  /** Reply text instead of the default `Echo [<model>]: <last user text>`. With `toolCalls`: the text streamed
   * before the calls (none when absent). */
  reply?: string
  /** The reply ends in these tool calls (parallel when several), in each API's real wire format. */
  toolCalls?: ToolCallSpec[]
  /** With `toolCalls`: how many deltas each call's arguments JSON is split into (default 3; fewer for very short
   * JSON). */
  argumentChunks?: number
  /** For models requests: list these model ids instead of the defaults. */
  models?: string[]
  /** For models requests (OpenAI dialect): a `pricing` object per model id, as OpenRouter's /models states it
   * (`{ prompt: '0.000003', completion: '0.000015', input_cache_read?: … }`, USD per token). */
  modelPricing?: Record<string, Record<string, string>>
  /** For models requests (OpenAI dialect): the input types per model id, as OpenRouter's /models states them
   * (`architecture.input_modalities`, e.g. `['text']` or `['text', 'image']`). */
  modelInputs?: Record<string, string[]>
  /**
   * The usage the reply reports, in its API's own fields (streaming included): Chat `usage.prompt_tokens`,
   * `completion_tokens`, `prompt_tokens_details.cached_tokens`, `completion_tokens_details.reasoning_tokens` (the
   * stream's last chunk, only when the request asked with `stream_options.include_usage`); Responses
   * `response.usage.input_tokens`, `output_tokens`, `input_tokens_details.cached_tokens`,
   * `output_tokens_details.reasoning_tokens`; Anthropic `message_start.message.usage.input_tokens` and
   * `cache_read_input_tokens`, `message_delta.usage.output_tokens` (Anthropic has no reasoning count). Details
   * absent from the spec are not sent. `'none'`: the reply reports no usage at all. Absent: word counts as before.
   */
  usage?: UsageSpec | 'none'
}

/** Token counts a reply reports (see `RuleBehaviour.usage`). */
export interface UsageSpec {
  input: number
  output: number
  cached?: number
  reasoning?: number
}

export interface Rule extends RuleMatch, RuleBehaviour {
  /** Apply this rule to at most this many requests, then drop it. Unlimited when absent. */
  times?: number
}

export interface FakeProviderOptions {
  /** Port to listen on (127.0.0.1); 0 or absent picks a free one. */
  port?: number
  /** Model ids listed by the models endpoints, per dialect. */
  models?: { openai?: string[]; anthropic?: string[] }
  /** `strict` (default) rejects histories with broken tool call/result pairing as the real APIs do; `off` lets
   * them through (only for tests about something else that need a deliberately odd history). */
  toolPairing?: 'strict' | 'off'
}

export interface FakeProvider {
  /** `http://127.0.0.1:<port>`, without a trailing slash. */
  readonly url: string
  readonly port: number
  /** A copy of every recorded request since start or the last `clear()`. */
  requests(): RecordedRequest[]
  /** Forget recorded requests and disconnects. */
  clear(): void
  /** Resolves as soon as at least `n` requests are recorded; rejects after `timeoutMs`. */
  waitForRequests(n: number, timeoutMs?: number): Promise<RecordedRequest[]>
  /** Requests whose client went away before the response was finished (e.g. an aborted stream). */
  disconnects(): RecordedRequest[]
  /** Resolves as soon as at least `n` client disconnects are seen; rejects after `timeoutMs`. */
  waitForDisconnects(n: number, timeoutMs?: number): Promise<RecordedRequest[]>
  /** Resolves once a stream has reached the `holdBefore` hold `name` and waits there (before writing that chunk). */
  waitForHeld(name: string, timeoutMs?: number): Promise<true>
  /** Append a scripted rule; rules are tried in insertion order, first match wins. */
  script(rule: Rule): void
  /**
   * Script steps that answer one request each, strictly in order: step N+1 is only tried once step N was used
   * (its own match fields still apply). Steps' `times` is ignored. Unused steps are dropped by `resetScript()`.
   */
  sequence(steps: Rule[]): void
  /** Drop all scripted rules (and forget released holds). */
  resetScript(): void
  /** Lets every stream held under `name` (now or later) finish. */
  release(name: string): void
  /** Only accept these keys (bearer or x-api-key) from now on; `null` accepts anything. */
  acceptKeys(keys: string[] | null): void
  /** Stop listening and drop open connections (hanging streams included). */
  close(): Promise<void>
}
