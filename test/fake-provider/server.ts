// A recording fake LLM provider: one node:http server speaking OpenAI Chat Completions, OpenAI
// Responses, Anthropic Messages and both models-list shapes, under any path prefix, so the official
// SDKs run against it unmodified. Every request is recorded; behaviours can be scripted per
// prefix/model/key to produce real-looking errors, broken or hanging streams.

import { EventEmitter } from 'node:events'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createAdminHandler, isAdminPath } from './admin.js'
import { DEFAULT_MODELS, defaultErrorMessage, errorBody, modelsBody } from './errors.js'
import { headerRecord, isJsonObject, parseJson, readBody, sendJson, type JsonObject, type ParsedBody } from './http.js'
import { echoReply, lastUserText, newReplyContext, planToolCalls, WIRES } from './protocols.js'
import { sendHang, sendMalformed, sendPage, sendReply, sendStall, type ReplyPlan } from './replies.js'
import { Script } from './rules.js'
import { pairingProblem, toolResultsOf, type SentToolResult } from './tool-pairing.js'
import type {
  CompletionProtocol,
  Dialect,
  FakeProvider,
  FakeProviderOptions,
  KeyEcho,
  Protocol,
  RecordedRequest,
  Rule,
  StallPoint,
} from './types.js'

export type * from './types.js'
export type { SentToolResult } from './tool-pairing.js'
export { createAdminHandler } from './admin.js'

/** The tool results a recorded completion request carried, in order (none for other requests). */
export function toolResultsSent(request: RecordedRequest): SentToolResult[] {
  if (!isCompletion(request.protocol)) return []
  return toolResultsOf(request.protocol, request.body)
}

/** The names of the tools a recorded request offered, in order: `function.name` on Chat Completions, `name` on the
 *  Responses API and Anthropic Messages (none when it offered none). */
export function toolNamesOffered(request: RecordedRequest): string[] {
  const tools = (request.body as { tools?: Array<{ name?: string; function?: { name: string } }> } | null)?.tools ?? []
  return tools.map((t) => t.function?.name ?? t.name ?? '')
}

function isCompletion(protocol: Protocol): protocol is CompletionProtocol {
  return protocol === 'openai-chat' || protocol === 'openai-responses' || protocol === 'anthropic-messages'
}

/** Start a fake provider on 127.0.0.1 (`port` 0 or absent = a free port). */
export async function startFakeProvider(options: FakeProviderOptions = {}): Promise<FakeProvider> {
  const server = createServer()
  await listen(server, options.port ?? 0)
  // The handler is attached in the same tick as the listen callback, before any connection is served.
  return new FakeProviderServer(server, (server.address() as AddressInfo).port, options)
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
}

/** Classify by method and path suffix, so any prefix (`/alpha/v1`, `/api/v1`, ...) works. */
function classify(method: string, path: string): Protocol {
  const trimmed = path.replace(/\/+$/, '')
  if (method === 'POST' && trimmed.endsWith('/chat/completions')) return 'openai-chat'
  if (method === 'POST' && trimmed.endsWith('/responses')) return 'openai-responses'
  if (method === 'POST' && trimmed.endsWith('/v1/messages')) return 'anthropic-messages'
  if (method === 'GET' && trimmed.endsWith('/models')) return 'models'
  return 'unknown'
}

/** Anthropic shapes for Messages, and for models requests carrying `anthropic-version`. */
function dialectOf(request: RecordedRequest): Dialect {
  if (request.protocol === 'anthropic-messages') return 'anthropic'
  if (request.protocol === 'models' && request.headers['anthropic-version'] !== undefined) return 'anthropic'
  return 'openai'
}

function bearerOf(authorization: string | undefined): string | undefined {
  const match = authorization?.match(/^Bearer\s+(.+)$/i)
  return match?.[1]?.trim()
}

/** The cheap checks the real APIs make before generating anything: the body, or the 400 message. */
function validate(protocol: CompletionProtocol, dialect: Dialect, parsed: ParsedBody): { body: JsonObject } | { error: string } {
  const anthropic = dialect === 'anthropic'
  if (!parsed.ok) {
    return {
      error: anthropic
        ? 'There was an issue with your request body: invalid JSON.'
        : 'We could not parse the JSON body of your request.',
    }
  }
  const body = parsed.value
  if (!isJsonObject(body)) return { error: 'The request body must be a JSON object.' }
  if (typeof body.model !== 'string' || body.model === '') {
    return { error: anthropic ? 'model: Field required' : 'you must provide a model parameter' }
  }
  if (protocol !== 'openai-responses' && !Array.isArray(body.messages)) {
    return { error: anthropic ? 'messages: Field required' : "Missing required parameter: 'messages'." }
  }
  if (anthropic && typeof body.max_tokens !== 'number') return { error: 'max_tokens: Field required' }
  return { body }
}

/** One request being answered. */
interface Exchange {
  request: RecordedRequest
  res: ServerResponse
  dialect: Dialect
  /** Unique per server; used in request and response ids. */
  serial: number
  /** Request-id response headers. */
  headers: Record<string, string>
  /** Aborted when the connection closes. */
  signal: AbortSignal
  /** 0-based position among completion requests since start or the last clear() (for `requestIndex` rules). */
  completionIndex: number
}

/** Request ids as each provider names the header. */
function requestIdHeaders(dialect: Dialect, serial: number): Record<string, string> {
  const id = `req_fake${serial}`
  return dialect === 'anthropic' ? { 'request-id': id } : { 'x-request-id': id }
}

function replyPlan(exchange: Exchange, protocol: CompletionProtocol, body: JsonObject, rule: Rule | undefined, hold?: Promise<void>, argumentsHold?: Promise<void>): ReplyPlan {
  const model = body.model as string // checked by validate()
  const toolCalls = planToolCalls(protocol, rule?.toolCalls ?? [], exchange.serial, rule?.argumentChunks)
  // A tool-call reply has text only when the rule gives it; a plain reply always has (echo by default), and so
  // does one whose text part is what breaks (malformed, hang, stall after text).
  const breaksText = rule?.malformed !== undefined || rule?.hang === true || rule?.stall === 'after-text'
  const text = rule?.reply ?? (toolCalls.length > 0 && !breaksText ? '' : echoReply(model, lastUserText(protocol, body)))
  const plan: ReplyPlan = {
    wire: WIRES[protocol],
    ctx: newReplyContext(protocol, body, model, exchange.serial, toolCalls, toolCalls.length === 0 || text !== '', rule?.usage),
    text,
    stream: body.stream === true,
    headers: exchange.headers,
    signal: exchange.signal,
  }
  if (rule?.slow) plan.slow = rule.slow
  if (hold) plan.hold = hold
  if (argumentsHold) plan.argumentsHold = argumentsHold
  return plan
}

class FakeProviderServer implements FakeProvider {
  readonly url: string
  readonly port: number
  private recorded: RecordedRequest[] = []
  private disconnected: RecordedRequest[] = []
  private readonly script_ = new Script()
  private keys: string[] | null = null
  private serial = 0
  /** Call ids each Responses reply ended with, by response id: the calls a `previous_response_id` continues. */
  private responseCalls = new Map<string, string[]>()
  /** Named holds (`Rule.hold`): a promise per name, resolved by `release(name)`. */
  private holds = new Map<string, { promise: Promise<void>; release: () => void }>()
  /** The holdBefore names a stream has reached (see waitForHeld). */
  private waiting = new Set<string>()
  /** Emits `request` and `disconnect`; drives the waitFor* promises without polling. */
  private readonly events = new EventEmitter().setMaxListeners(0)
  private readonly admin = createAdminHandler(this)

  constructor(
    private readonly server: Server,
    port: number,
    private readonly options: FakeProviderOptions,
  ) {
    this.port = port
    this.url = `http://127.0.0.1:${port}`
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      this.handle(req, res).catch((error: unknown) => this.fail(res, error))
    })
  }

  requests(): RecordedRequest[] {
    return [...this.recorded]
  }

  disconnects(): RecordedRequest[] {
    return [...this.disconnected]
  }

  clear(): void {
    this.recorded = []
    this.disconnected = []
  }

  waitForRequests(n: number, timeoutMs = 5000): Promise<RecordedRequest[]> {
    return this.waitFor('request', () => (this.recorded.length >= n ? this.requests() : undefined), timeoutMs, `${n} request(s)`)
  }

  waitForDisconnects(n: number, timeoutMs = 5000): Promise<RecordedRequest[]> {
    return this.waitFor(
      'disconnect',
      () => (this.disconnected.length >= n ? this.disconnects() : undefined),
      timeoutMs,
      `${n} client disconnect(s)`,
    )
  }

  script(rule: Rule): void {
    this.script_.add(rule)
  }

  sequence(steps: Rule[]): void {
    this.script_.addSequence(steps)
  }

  resetScript(): void {
    this.script_.reset()
    // Streams still waiting on a hold are let go, so no test leaves one hanging for the next.
    for (const hold of this.holds.values()) hold.release()
    this.holds.clear()
    this.waiting.clear()
  }

  release(name: string): void {
    this.hold(name).release()
  }

  waitForHeld(name: string, timeoutMs = 5000): Promise<true> {
    return this.waitFor('held', () => (this.waiting.has(name) ? true : undefined), timeoutMs, `a stream held at "${name}"`)
  }

  /** A stream has reached the hold `name` (holdBefore) and waits there: announced, so a test can wait for it. */
  private waitingOn(name: string): Promise<void> {
    this.waiting.add(name)
    this.events.emit('held')
    return this.hold(name).promise
  }

  private hold(name: string): { promise: Promise<void>; release: () => void } {
    let hold = this.holds.get(name)
    if (!hold) {
      let release!: () => void
      const promise = new Promise<void>((resolve) => (release = resolve))
      hold = { promise, release }
      this.holds.set(name, hold)
    }
    return hold
  }

  acceptKeys(keys: string[] | null): void {
    this.keys = keys === null ? null : [...keys]
  }

  close(): Promise<void> {
    // Hanging streams would otherwise keep server.close() waiting forever.
    this.server.closeAllConnections()
    return new Promise((resolve, reject) => this.server.close((error) => (error ? reject(error) : resolve())))
  }

  // -------------------------------------------------------------------------------------------

  private waitFor<T>(event: string, ready: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const value = ready()
        if (value === undefined) return
        cleanup()
        resolve(value)
      }
      const timer = setTimeout(() => {
        cleanup()
        reject(new Error(`fake provider: timed out after ${timeoutMs}ms waiting for ${what}`))
      }, timeoutMs)
      const cleanup = (): void => {
        clearTimeout(timer)
        this.events.off(event, check)
      }
      this.events.on(event, check)
      check()
    })
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '/'
    const path = url.split('?')[0] ?? '/'
    const raw = await readBody(req)
    if (isAdminPath(path)) {
      await this.admin(req, res, raw)
      return
    }
    const parsed = parseJson(raw)
    const request = this.record(req, url, path, parsed)
    const exchange = this.exchange(request, res)
    if (request.protocol === 'unknown') {
      sendJson(res, 404, { error: { message: 'Unknown path' } }, exchange.headers)
    } else if (!this.keyAccepted(request)) {
      this.sendError(exchange, 401, exchange.dialect === 'anthropic' ? 'invalid x-api-key' : 'Incorrect API key provided.')
    } else if (request.protocol === 'models') {
      this.sendModels(exchange)
    } else {
      await this.sendCompletion(exchange, request.protocol, parsed)
    }
  }

  private record(req: IncomingMessage, url: string, path: string, parsed: ParsedBody): RecordedRequest {
    const headers = headerRecord(req.headers)
    const body = parsed.ok ? parsed.value : parsed.raw
    const model = isJsonObject(body) && typeof body.model === 'string' ? body.model : undefined
    const request: RecordedRequest = {
      method: req.method ?? 'GET',
      path,
      url,
      headers,
      protocol: classify(req.method ?? 'GET', path),
      at: Date.now(),
    }
    // Optional fields are only set when present, so `toEqual` comparisons stay simple.
    if (headers.authorization !== undefined) request.authorization = headers.authorization
    if (headers['x-api-key'] !== undefined) request.apiKey = headers['x-api-key']
    const bearer = bearerOf(headers.authorization)
    if (bearer !== undefined) request.bearer = bearer
    if (model !== undefined) request.model = model
    if (body !== undefined) request.body = body
    this.recorded.push(request)
    this.events.emit('request')
    return request
  }

  /** Per-request response state; watches for the client going away. */
  private exchange(request: RecordedRequest, res: ServerResponse): Exchange {
    this.serial += 1
    const dialect = dialectOf(request)
    const abort = new AbortController()
    let closed = false
    const onClose = (): void => {
      if (closed) return
      closed = true
      abort.abort()
      // Closed before the response finished: the client went away (abort, Stop, crash).
      if (!res.writableFinished) this.noteDisconnect(request)
    }
    res.on('close', onClose)
    // A client with a very short timeout (on a busy machine) may be gone before its request was even read.
    if (!res.socket || res.socket.destroyed) onClose()
    const completionIndex = this.recorded.filter((recorded) => recorded !== request && isCompletion(recorded.protocol)).length
    return {
      request,
      res,
      dialect,
      serial: this.serial,
      headers: requestIdHeaders(dialect, this.serial),
      signal: abort.signal,
      completionIndex,
    }
  }

  private noteDisconnect(request: RecordedRequest): void {
    this.disconnected.push(request)
    this.events.emit('disconnect')
  }

  private keyAccepted(request: RecordedRequest): boolean {
    const keys = this.keys
    if (keys === null) return true
    // Either credential may carry the key: @anthropic-ai/sdk v1 sends its apiKey as a Bearer token.
    return [request.bearer, request.apiKey].some((key) => key !== undefined && keys.includes(key))
  }

  private sendModels(exchange: Exchange): void {
    const rule = this.script_.take(exchange.request, { requestIndex: -1, toolResultIds: [] })
    if (rule?.status !== undefined) {
      this.sendScriptedError(exchange, rule)
      return
    }
    const ids = rule?.models ?? this.options.models?.[exchange.dialect] ?? DEFAULT_MODELS[exchange.dialect]
    if (rule?.stall) {
      stallModels(exchange, JSON.stringify(modelsBody(exchange.dialect, ids)), rule.stall)
      return
    }
    sendJson(exchange.res, 200, modelsBody(exchange.dialect, ids, rule?.modelPricing, rule?.modelInputs), exchange.headers)
  }

  private async sendCompletion(exchange: Exchange, protocol: CompletionProtocol, parsed: ParsedBody): Promise<void> {
    if (protocol === 'anthropic-messages' && exchange.request.headers['anthropic-version'] === undefined) {
      this.sendError(exchange, 400, 'anthropic-version: header is required')
      return
    }
    const checked = validate(protocol, exchange.dialect, parsed)
    if ('error' in checked) {
      this.sendError(exchange, 400, checked.error)
      return
    }
    // Checked before any rule is consumed, so a broken history never uses up a sequence step.
    const problem = this.options.toolPairing === 'off' ? null : pairingProblem(protocol, checked.body, this.previousCalls(checked.body))
    if (problem) {
      this.sendError(exchange, 400, problem.message, undefined, problem.param)
      return
    }
    const toolResultIds = toolResultsOf(protocol, checked.body).map((result) => result.callId)
    const rule = this.script_.take(exchange.request, { requestIndex: exchange.completionIndex, toolResultIds })
    if (rule?.status !== undefined) {
      this.sendScriptedError(exchange, rule)
      return
    }
    if (rule?.drop) {
      // A connection reset before any answer: the client sees a network error, as with a server that went away.
      exchange.res.socket?.destroy()
      return
    }
    const plan = replyPlan(exchange, protocol, checked.body, rule, rule?.hold !== undefined ? this.hold(rule.hold).promise : undefined, rule?.holdInArguments !== undefined ? this.hold(rule.holdInArguments).promise : undefined)
    if (rule?.holdBefore) plan.holdsBefore = new Map(rule.holdBefore.map((h) => [h.chunk, () => this.waitingOn(h.hold)]))
    if (protocol === 'openai-responses' && plan.ctx.toolCalls.length > 0) {
      this.responseCalls.set(plan.ctx.id, plan.ctx.toolCalls.map((call) => call.id))
    }
    if (rule?.page) sendPage(exchange.res, plan, rule.page)
    else if (rule?.malformed) sendMalformed(exchange.res, plan, rule.malformed === true ? 'not-json' : rule.malformed)
    else if (rule?.stall) sendStall(exchange.res, plan, rule.stall)
    else if (rule?.hang) sendHang(exchange.res, plan)
    else await sendReply(exchange.res, plan)
  }

  /** The calls of the response a Responses request continues (`previous_response_id`), which it must answer. */
  private previousCalls(body: JsonObject): string[] {
    return typeof body.previous_response_id === 'string' ? (this.responseCalls.get(body.previous_response_id) ?? []) : []
  }

  private sendScriptedError(exchange: Exchange, rule: Rule): void {
    const status = rule.status ?? 500
    const message = rule.message ?? defaultErrorMessage(status, exchange.request.model)
    const key = exchange.request.bearer ?? exchange.request.apiKey ?? ''
    const echoes = (rule.echoKey ?? []).map((encoding) => `${encoding}=${encodeKeyEcho(key, encoding)}`)
    this.sendError(exchange, status, echoes.length > 0 ? `${message} You sent: ${echoes.join(' ')}` : message, rule.body, null, rule.retryAfter)
  }

  /** An error in the provider's shape (or `body` verbatim); 429s carry `retry-after` like real rate limits. */
  private sendError(exchange: Exchange, status: number, message: string, body?: unknown, param: string | null = null, retryAfter = 1): void {
    const extra: Record<string, string> = status === 429 ? { 'retry-after': String(retryAfter) } : {}
    const payload = body !== undefined ? body : errorBody(exchange.dialect, status, message, param)
    sendJson(exchange.res, status, payload, { ...exchange.headers, ...extra })
  }

  private fail(res: ServerResponse, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error)
    if (!res.headersSent) sendJson(res, 500, { error: { message: `fake provider crashed: ${message}` } })
    else res.destroy()
  }
}

/** The received key as a misbehaving server might echo it (`basic`: inside `base64(user:key)`, misaligned). */
function encodeKeyEcho(key: string, encoding: KeyEcho): string {
  const bytes = Buffer.from(key, 'utf8')
  switch (encoding) {
    case 'raw':
      return key
    case 'base64':
      return bytes.toString('base64')
    case 'base64url':
      return bytes.toString('base64url')
    case 'hex':
      return bytes.toString('hex')
    case 'url':
      return [...bytes].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('')
    case 'basic':
      return Buffer.from(`user:${key}`, 'utf8').toString('base64')
  }
}

/**
 * A models list that stops (see StallPoint) until the client disconnects: never answered, a 200 JSON header and
 * nothing, or the header and the first half of the body.
 */
function stallModels(exchange: Exchange, payload: string, point: StallPoint): void {
  if (point === 'before-headers') return
  exchange.res.writeHead(200, { ...exchange.headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) })
  if (point === 'after-headers') exchange.res.flushHeaders()
  else exchange.res.write(payload.slice(0, Math.floor(payload.length / 2)))
}
