// The MCP runtime: one live connection per started server, through the official SDK's Client (stdio through
// ServerProcess, Streamable HTTP, legacy SSE as a fallback). It decides whether a server may start (enabled,
// trusted for its current launch spec, every named secret in the keychain), starts it phase by phase so a failure
// says where it happened (resolve, spawn, connect, initialize, list-tools) with the exit code and the last stderr
// lines, keeps its tool list fresh (list_changed), restarts it with backoff after a crash, bounds every call
// (timeout reset by progress, Stop cancels, a dying server answers "failed"), and kills process groups on stop.
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js'
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js'
import { ErrorCode, McpError, ToolListChangedNotificationSchema, type CallToolResult, type Tool } from '@modelcontextprotocol/sdk/types.js'
import type { KeelErrorKind } from '../../../shared/domain'
import type { McpCheckReport, McpPhase, McpServerEntry, McpServerStatus } from '../../../shared/mcp'
import { mcpSecretAccount } from '../../../shared/mcp'
import { KeelError } from '../errors'
import { redactSecrets } from '../secrets/redaction'
import { schemaHash, type JsonSchema } from '../tools/tool-definition'
import { pathOf, resolveCommand } from './command-lookup'
import { launchHash } from './launch'
import { loginEnvironment as defaultLoginEnvironment, type LoginEnvironment } from './login-environment'
import { ServerProcess } from './server-process'
import type { McpTrustStore } from './trust-store'
import type { McpCallOptions, McpCallResult, McpContent, McpRuntime, McpTool } from './types'

export type { LoginEnvironment } from './login-environment'

export interface McpServersOptions {
  /** The current config's mcpServers. */
  entries(): readonly McpServerEntry[]
  /** keychain.readSecret — re-read at each start. */
  readSecret(account: string): Promise<string | null>
  trust: McpTrustStore
  /** Default: the login shell's env, resolved once (timeout, fallback to process.env). */
  loginEnvironment?: () => Promise<LoginEnvironment>
  /** Under Electron: a `node` command that is not on the PATH runs as process.execPath + ELECTRON_RUN_AS_NODE=1. */
  electronNode?: boolean
  /** How long connect + initialize + list tools may take before the start fails (default 30 s). */
  startTimeoutMs?: number
  /** Delays before each automatic restart after a crash; their count is the number of attempts (default 1 s, 5 s, 15 s). */
  restartDelaysMs?: readonly number[]
}

const START_TIMEOUT_MS = 30_000
const RESTART_DELAYS_MS = [1_000, 5_000, 15_000]
/** A server that ran this long before crashing starts its restart attempts afresh. */
const STABLE_MS = 60_000
const STDERR_LINES = 20
const CLIENT_INFO = { name: 'keel', version: '0.1.0' }

/** What a start failed with: the phase, a message for the user, and what the process left behind. */
class StartFailure extends Error {
  constructor(
    readonly phase: McpPhase,
    message: string,
    readonly exitCode: number | null = null,
    readonly stderrTail: string[] = [],
    readonly kind: 'not-found' | 'unresolved' | 'forbidden' | 'server' | 'timeout' = 'server',
    readonly missingSecrets: string[] = [],
  ) {
    super(message)
  }
  /** What to do about it, when Keel knows (a command not found). */
  fix: string | null = null
  /** Already in the trace's phases (check() must not add it twice). */
  recorded = false
  /** The kind of the KeelError it came from (keychain-locked, …), kept for the error ensureReady throws. */
  keelKind: KeelErrorKind | null = null
}

function recorded(failure: StartFailure, fix: string | null = null): StartFailure {
  failure.recorded = true
  failure.fix = fix
  return failure
}

/** One open connection to a running server. */
interface Connection {
  client: Client
  process: ServerProcess | null
  secrets: string[]
  stderr: string[]
  launchHash: string
  readySince: number
  /** Set when the connection was lost on its own (not stopped by Keel): what a pending call answers. */
  lost: string | null
  lostWaiters: Array<(message: string) => void>
  closing: boolean
}

interface ServerState {
  conn: Connection | null
  tools: McpTool[]
  /** The run status when there is one to tell (starting, ready, failed, unresolved); else it is worked out from config. */
  status: McpServerStatus | null
  starting: Promise<readonly McpTool[]> | null
  /** The connection a start is opening (so a stop can end it before initialize answers). */
  opening: Connection | null
  /** Restart attempts after the last crash. */
  attempts: number
  restartTimer: NodeJS.Timeout | null
  /** Bumped by every stop: starts and restart timers begun before it are stale. */
  generation: number
}

/** The parts of one start, shared by the running start and check(). */
interface StartTrace {
  phases: McpCheckReport['phases']
  path: string | null
  pathSource: LoginEnvironment['source'] | null
  missingSecrets: string[]
  stderr: string[]
}

export class McpServers implements McpRuntime {
  private readonly states = new Map<string, ServerState>()
  private readonly listeners = new Set<(serverId: string) => void>()
  private readonly loginEnv: () => Promise<LoginEnvironment>
  private closed = false

  constructor(private readonly opts: McpServersOptions) {
    this.loginEnv = opts.loginEnvironment ?? defaultLoginEnvironment
  }

  // ---- McpRuntime -------------------------------------------------------------------------------------------------

  async ensureReady(serverId: string): Promise<readonly McpTool[]> {
    const entry = this.entry(serverId)
    if (!entry) throw KeelError.of('not-found', `There is no MCP server "${serverId}".`, { fix: 'Check Settings → MCP servers.' })
    if (!entry.enabled) throw KeelError.of('invalid-input', `The MCP server "${entry.name}" is disabled.`, { fix: 'Enable it in Settings → MCP servers.' })
    if (this.closed) throw KeelError.of('conflict', 'Keel is quitting: no MCP server is started any more.')
    const state = this.state(serverId)
    if (state.conn && !state.conn.lost && state.status?.state === 'ready') return state.tools
    if (state.starting) return state.starting
    this.clearRestart(state)
    return this.start(entry, state)
  }

  tools(serverId: string): readonly McpTool[] {
    const state = this.states.get(serverId)
    return state?.status?.state === 'ready' ? state.tools : []
  }

  status(serverId: string): McpServerStatus {
    const entry = this.entry(serverId)
    if (!entry) return { state: 'stopped' }
    if (!entry.enabled) return { state: 'disabled' }
    const run = this.states.get(serverId)?.status ?? null
    // What runs (or is starting) is shown until configChanged() stops it; otherwise an untrusted launch spec comes
    // first, since nothing else can happen before the user trusts it.
    if (run && (run.state === 'ready' || run.state === 'starting')) return run
    if (!this.opts.trust.isTrusted(serverId, launchHash(entry))) return { state: 'untrusted', message: untrustedMessage(entry) }
    return run ?? { state: 'stopped' }
  }

  async callTool(serverId: string, name: string, args: Record<string, unknown>, opts: McpCallOptions): Promise<McpCallResult> {
    if (opts.signal.aborted) return { ok: false, outcome: 'cancelled', message: 'Cancelled by the user (Stop) before it started.' }
    try {
      await this.ensureReady(serverId)
    } catch (err) {
      return { ok: false, outcome: 'failed', message: err instanceof Error ? err.message : 'The MCP server could not be started.' }
    }
    const state = this.state(serverId)
    const conn = state.conn
    if (!conn) return { ok: false, outcome: 'failed', message: 'The MCP server is not running.' }
    if (conn.lost) return { ok: false, outcome: 'failed', message: conn.lost }
    let onLost: ((message: string) => void) | null = null
    const lost = new Promise<McpCallResult>((resolve) => {
      onLost = (message) => resolve({ ok: false, outcome: 'failed', message })
      conn.lostWaiters.push(onLost)
    })
    const call = conn.client
      .callTool({ name, arguments: args }, undefined, {
        signal: opts.signal,
        timeout: opts.timeoutMs,
        resetTimeoutOnProgress: true,
        // Asking for progress is what makes the server send it (and each notification restarts the timeout).
        onprogress: () => {},
      })
      .then(
        (result): McpCallResult => ({ ok: true, isError: result.isError === true, content: mapContent(result as CallToolResult) }),
        async (err: unknown): Promise<McpCallResult> => {
          if (opts.signal.aborted) return { ok: false, outcome: 'cancelled', message: 'Cancelled by the user (Stop); the server was asked to cancel it.' }
          if (err instanceof McpError && err.code === ErrorCode.RequestTimeout) {
            return { ok: false, outcome: 'timed-out', message: `No answer from the MCP server within ${Math.round(opts.timeoutMs / 1000)} s (progress notifications reset this timeout); the server was asked to cancel it.` }
          }
          // The connection closing rejects every pending request: say why it closed (the exit code) when known.
          if (err instanceof McpError && err.code === ErrorCode.ConnectionClosed) {
            return { ok: false, outcome: 'failed', message: conn.lost ?? (await lostMessage(conn)) }
          }
          // A JSON-RPC error is the server's answer; anything else (a refused request, a broken pipe) never reached it.
          const text = err instanceof McpError ? `The MCP server answered with an error: ${errorText(err)}` : `The request to the MCP server failed: ${errorText(err)}`
          return { ok: false, outcome: 'failed', message: redactSecrets(text, conn.secrets) }
        },
      )
    try {
      return await Promise.race([call, lost])
    } finally {
      const i = conn.lostWaiters.indexOf(onLost!)
      if (i >= 0) conn.lostWaiters.splice(i, 1)
    }
  }

  async restart(serverId: string): Promise<void> {
    const state = this.state(serverId)
    state.attempts = 0
    await this.stopServer(serverId, state)
    await this.ensureReady(serverId)
  }

  async stop(serverId: string): Promise<void> {
    const state = this.states.get(serverId)
    if (state) await this.stopServer(serverId, state)
  }

  async check(serverId: string): Promise<McpCheckReport> {
    const entry = this.entry(serverId)
    if (!entry) throw KeelError.of('not-found', `There is no MCP server "${serverId}".`, { fix: 'Check Settings → MCP servers.' })
    const trace: StartTrace = { phases: [], path: null, pathSource: null, missingSecrets: [], stderr: [] }
    let tools: McpTool[] = []
    let conn: Connection | null = null
    let ok = false
    try {
      if (!this.opts.trust.isTrusted(serverId, launchHash(entry))) throw new StartFailure('resolve', untrustedMessage(entry), null, [], 'forbidden')
      conn = await this.open(entry, trace, () => {})
      tools = await this.listTools(entry, conn, trace)
      ok = true
    } catch (err) {
      recordFailure(trace, err)
    } finally {
      if (conn) await this.closeConnection(conn)
    }
    return {
      serverId,
      name: entry.name,
      ok,
      phases: trace.phases,
      path: trace.path,
      pathSource: trace.pathSource,
      missingSecrets: trace.missingSecrets,
      tools: tools.map((t) => t.name),
      stderrTail: conn ? conn.stderr.slice(-STDERR_LINES) : trace.stderr,
    }
  }

  onChange(listener: (serverId: string) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  async stopAll(): Promise<void> {
    this.closed = true
    await Promise.all([...this.states.entries()].map(([id, state]) => this.stopServer(id, state)))
  }

  // ---- config ------------------------------------------------------------------------------------------------------

  /** config.json changed: stop removed/disabled servers, restart those whose launchHash changed (they ask trust again). */
  configChanged(): void {
    for (const [id, state] of [...this.states.entries()]) {
      const entry = this.entry(id)
      if (!entry || !entry.enabled) {
        void this.stopServer(id, state).then(() => {
          if (!entry) this.states.delete(id)
        })
        continue
      }
      const running = state.conn?.launchHash
      if (running !== undefined && running !== launchHash(entry)) {
        void this.stopServer(id, state).then(() => {
          if (this.opts.trust.isTrusted(id, launchHash(entry))) this.ensureReady(id).catch(() => {})
        })
      } else if (state.status?.state === 'unresolved' || (state.status?.state === 'failed' && state.status.restartAt === null)) {
        // A fixed entry (a new secret name, another command) starts from a clean slate on its next use.
        state.status = null
        this.emit(id)
      }
    }
  }

  /** At launch: start servers marked startWithKeel (trusted, resolved). Failures become their status. */
  autostart(): void {
    for (const entry of this.opts.entries()) {
      if (!entry.enabled || !entry.startWithKeel) continue
      if (!this.opts.trust.isTrusted(entry.id, launchHash(entry))) continue
      this.ensureReady(entry.id).catch(() => {})
    }
  }

  // ---- starting ----------------------------------------------------------------------------------------------------

  private entry(serverId: string): McpServerEntry | undefined {
    return this.opts.entries().find((e) => e.id === serverId)
  }

  private state(serverId: string): ServerState {
    let state = this.states.get(serverId)
    if (!state) {
      state = { conn: null, tools: [], status: null, starting: null, opening: null, attempts: 0, restartTimer: null, generation: 0 }
      this.states.set(serverId, state)
    }
    return state
  }

  private emit(serverId: string): void {
    for (const l of [...this.listeners]) {
      try {
        l(serverId)
      } catch {
        // a listener's failure is its own
      }
    }
  }

  private setStatus(serverId: string, state: ServerState, status: McpServerStatus | null): void {
    state.status = status
    this.emit(serverId)
  }

  private start(entry: McpServerEntry, state: ServerState): Promise<readonly McpTool[]> {
    if (!this.opts.trust.isTrusted(entry.id, launchHash(entry))) {
      this.setStatus(entry.id, state, null)
      return Promise.reject(KeelError.of('forbidden', untrustedMessage(entry), { fix: 'Trust it in Settings → MCP servers (the prompt shows exactly what will run).' }))
    }
    // A stop while this start runs bumps the generation: the start then closes what it opened and reports nothing.
    const generation = state.generation
    const stale = () => this.closed || state.generation !== generation
    let run: Promise<readonly McpTool[]> | null = null
    run = (async () => {
      this.setStatus(entry.id, state, { state: 'starting', since: Date.now() })
      const trace: StartTrace = { phases: [], path: null, pathSource: null, missingSecrets: [], stderr: [] }
      let conn: Connection | null = null
      try {
        conn = await this.open(entry, trace, (c) => this.onListChanged(entry.id, state, c), (opening) => {
          state.opening = opening
        })
        if (stale()) throw new StartFailure('initialize', 'stopped')
        const tools = await this.listTools(entry, conn, trace)
        if (stale()) throw new StartFailure('list-tools', 'stopped')
        state.conn = conn
        state.tools = tools
        conn.readySince = Date.now()
        this.watchConnection(entry.id, state, conn)
        this.setStatus(entry.id, state, { state: 'ready', tools: tools.length, since: conn.readySince })
        return tools
      } catch (err) {
        const opened = conn ?? state.opening
        if (opened) await this.closeConnection(opened)
        if (stale()) throw KeelError.of('conflict', `The MCP server "${entry.name}" was stopped while it started.`)
        const failure = err instanceof StartFailure ? err : new StartFailure('initialize', errorText(err))
        if (failure.kind === 'unresolved') {
          this.setStatus(entry.id, state, { state: 'unresolved', missingSecrets: failure.missingSecrets, message: failure.message })
          throw KeelError.of('unresolved', failure.message, { fix: `Store ${failure.missingSecrets.join(', ')} in Settings → MCP servers → ${entry.name}.` })
        }
        const stderrTail = opened ? opened.stderr.slice(-STDERR_LINES) : failure.stderrTail
        // The status carries the fix too (a command not found: the absolute path, or PATH in the login profile), so
        // Settings and diagnostics say how to fix it, not only what failed.
        const shown = failure.fix ? `${failure.message} ${failure.fix}` : failure.message
        this.setStatus(entry.id, state, { state: 'failed', phase: failure.phase, message: shown, exitCode: failure.exitCode, stderrTail, restartAt: null, attempts: state.attempts })
        throw KeelError.of(failure.keelKind ?? (failure.kind === 'not-found' ? 'not-found' : failure.kind === 'timeout' ? 'timeout' : 'server'), failure.message, {
          fix: failure.fix ?? 'Check the server in Settings → MCP servers (Test shows each phase).',
        })
      } finally {
        state.opening = null
        if (state.starting === run) state.starting = null
      }
    })()
    state.starting = run
    return run
  }

  /** Resolves secrets and the command, spawns or connects, and initializes: the phases before list-tools. */
  private async open(entry: McpServerEntry, trace: StartTrace, onToolsChanged: (conn: Connection) => void, opening: (conn: Connection) => void = () => {}): Promise<Connection> {
    const timeout = this.opts.startTimeoutMs ?? START_TIMEOUT_MS
    let t0 = performance.now()
    // resolve: the named secrets (re-read now: a rotated key is used at the next start) and, for stdio, the command.
    const values: Record<string, string> = {}
    const missing: string[] = []
    for (const name of entry.secrets) {
      let value: string | null
      try {
        value = await this.opts.readSecret(mcpSecretAccount(entry.id, name))
      } catch (err) {
        // A locked or unavailable keychain: the keychain's own message says what to do.
        const fix = err instanceof KeelError ? (err.data.fix ?? null) : null
        trace.phases.push({ phase: 'resolve', ok: false, ms: performance.now() - t0, detail: `${errorText(err)}${fix ? ` ${fix}` : ''}` })
        const failure = recorded(new StartFailure('resolve', errorText(err)), fix)
        if (err instanceof KeelError) failure.keelKind = err.data.kind
        throw failure
      }
      if (value === null || value === '') missing.push(name)
      else values[name] = value
    }
    const secrets = Object.values(values)
    trace.missingSecrets = missing
    if (missing.length > 0) {
      throw new StartFailure('resolve', `The MCP server "${entry.name}" needs ${missing.join(', ')}, which ${missing.length === 1 ? 'is' : 'are'} not in the keychain.`, null, [], 'unresolved', missing)
    }
    const conn: Connection = { client: newClient(() => onToolsChanged(conn)), process: null, secrets, stderr: [], launchHash: launchHash(entry), readySince: 0, lost: null, lostWaiters: [], closing: false }
    opening(conn)
    const t = entry.transport
    if (t.type === 'stdio') {
      const login = await this.loginEnv()
      trace.path = pathOf(login.env)
      trace.pathSource = login.source
      let resolved
      try {
        resolved = resolveCommand(t.command, t.cwd, login, this.opts.electronNode ?? false)
      } catch (err) {
        const fix = err instanceof KeelError ? (err.data.fix ?? null) : null
        trace.phases.push({ phase: 'resolve', ok: false, ms: performance.now() - t0, detail: `${errorText(err)}${fix ? ` ${fix}` : ''}` })
        throw recorded(new StartFailure('resolve', errorText(err), null, [], 'not-found'), fix)
      }
      trace.phases.push({ phase: 'resolve', ok: true, ms: performance.now() - t0, detail: `${resolved.file}${entry.secrets.length ? `; secrets: ${entry.secrets.join(', ')}` : ''}` })
      // Only the login environment, the entry's own env and its own secrets: never Keel's keys or another server's.
      const env = { ...login.env, ...t.env, ...resolved.env, ...values }
      const proc = new ServerProcess({
        file: resolved.file,
        args: t.args,
        env,
        cwd: t.cwd,
        onStderr: (line) => {
          conn.stderr.push(redactSecrets(line, secrets))
          if (conn.stderr.length > STDERR_LINES * 5) conn.stderr.splice(0, conn.stderr.length - STDERR_LINES)
        },
      })
      conn.process = proc
      t0 = performance.now()
      try {
        await proc.spawnProcess()
      } catch (err) {
        const message = redactSecrets(`Could not start ${resolved.file}: ${errorText(err)}`, secrets)
        trace.phases.push({ phase: 'spawn', ok: false, ms: performance.now() - t0, detail: message })
        throw recorded(new StartFailure('spawn', message))
      }
      if (conn.closing) {
        await proc.close()
        throw recorded(new StartFailure('spawn', 'The server was stopped while it started.'))
      }
      trace.phases.push({ phase: 'spawn', ok: true, ms: performance.now() - t0, detail: `pid ${proc.pid}` })
      t0 = performance.now()
      try {
        await conn.client.connect(proc, { timeout })
      } catch (err) {
        // The process may have exited (a bad flag, a missing module): wait for its exit code and last words.
        const exit = proc.exit ?? (await Promise.race([proc.exited(), delay(500).then(() => null)]))
        const timedOut = err instanceof McpError && err.code === ErrorCode.RequestTimeout
        // (On a timeout the SDK has already closed the transport, which stopped the process: that exit is ours.)
        const message = timedOut
          ? `The server did not answer initialize within ${Math.round(timeout / 1000)} s.`
          : exit
            ? `The server exited (${exitText(exit)}) before it answered initialize.`
            : redactSecrets(`Initialize failed: ${errorText(err)}`, secrets)
        trace.phases.push({ phase: 'initialize', ok: false, ms: performance.now() - t0, detail: message })
        trace.stderr = conn.stderr.slice(-STDERR_LINES)
        await this.closeConnection(conn)
        throw recorded(new StartFailure('initialize', message, timedOut ? null : (exit?.code ?? null), trace.stderr, timedOut ? 'timeout' : 'server'))
      }
      trace.phases.push({ phase: 'initialize', ok: true, ms: performance.now() - t0, detail: serverText(conn.client) })
      return conn
    }
    // http: Streamable HTTP first; a server that answers it with 400/404/405 only speaks the legacy SSE transport.
    trace.phases.push({ phase: 'resolve', ok: true, ms: performance.now() - t0, detail: `${t.url}${entry.secrets.length ? `; secret headers: ${entry.secrets.join(', ')}` : ''}` })
    const headers = { ...t.headers, ...values }
    t0 = performance.now()
    let kind = 'Streamable HTTP'
    try {
      try {
        await conn.client.connect(new StreamableHTTPClientTransport(new URL(t.url), { requestInit: { headers } }), { timeout })
      } catch (err) {
        if (!(err instanceof StreamableHTTPError && (err.code === 400 || err.code === 404 || err.code === 405))) throw err
        await conn.client.close().catch(() => {})
        conn.client = newClient(() => onToolsChanged(conn))
        kind = 'legacy SSE'
        await conn.client.connect(sseTransport(t.url, headers), { timeout })
      }
    } catch (err) {
      const timedOut = err instanceof McpError && err.code === ErrorCode.RequestTimeout
      const message = timedOut ? `The server did not answer initialize within ${Math.round(timeout / 1000)} s.` : redactSecrets(`Could not connect to ${t.url}: ${errorText(err)}`, secrets)
      const phase: McpPhase = timedOut ? 'initialize' : 'connect'
      trace.phases.push({ phase, ok: false, ms: performance.now() - t0, detail: message })
      await conn.client.close().catch(() => {})
      throw recorded(new StartFailure(phase, message, null, [], timedOut ? 'timeout' : 'server'))
    }
    trace.phases.push({ phase: 'connect', ok: true, ms: performance.now() - t0, detail: `${kind}; ${serverText(conn.client)}` })
    return conn
  }

  private async listTools(entry: McpServerEntry, conn: Connection, trace: StartTrace | null): Promise<McpTool[]> {
    const t0 = performance.now()
    try {
      const listed: Tool[] = []
      let cursor: string | undefined
      do {
        const page = await conn.client.listTools(cursor ? { cursor } : undefined, { timeout: this.opts.startTimeoutMs ?? START_TIMEOUT_MS })
        listed.push(...page.tools)
        cursor = page.nextCursor
      } while (cursor)
      const tools = listed.map((t) => toMcpTool(entry.id, t))
      trace?.phases.push({ phase: 'list-tools', ok: true, ms: performance.now() - t0, detail: `${tools.length} tools` })
      return tools
    } catch (err) {
      const message = conn.lost ?? redactSecrets(`Listing the tools failed: ${errorText(err)}`, conn.secrets)
      trace?.phases.push({ phase: 'list-tools', ok: false, ms: performance.now() - t0, detail: message })
      throw recorded(new StartFailure('list-tools', message, conn.process?.exit?.code ?? null, conn.stderr.slice(-STDERR_LINES)))
    }
  }

  private onListChanged(serverId: string, state: ServerState, conn: Connection): void {
    const entry = this.entry(serverId)
    if (!entry || state.conn !== conn || state.status?.state !== 'ready') return
    this.listTools(entry, conn, null).then(
      (tools) => {
        if (state.conn !== conn) return
        state.tools = tools
        this.setStatus(serverId, state, { state: 'ready', tools: tools.length, since: conn.readySince })
      },
      () => {
        // The connection is going away; watchConnection reports it.
      },
    )
  }

  // ---- running, crashing, stopping ---------------------------------------------------------------------------------

  /** Notices a ready connection going away on its own: fails pending calls, reports, and schedules a restart. */
  private watchConnection(serverId: string, state: ServerState, conn: Connection): void {
    const lose = (message: string) => {
      if (conn.closing || conn.lost) return
      conn.lost = message
      for (const w of conn.lostWaiters.splice(0)) w(message)
      if (state.conn !== conn) return
      state.conn = null
      state.tools = []
      void this.closeConnection(conn)
      // A server that ran a good while before this crash gets its full set of restart attempts again.
      if (Date.now() - conn.readySince > STABLE_MS) state.attempts = 0
      this.scheduleRestart(serverId, state, { message, exitCode: conn.process?.exit?.code ?? null, stderrTail: conn.stderr.slice(-STDERR_LINES) })
    }
    const transport = conn.client.transport as Transport | undefined
    if (conn.process) {
      void conn.process.exited().then((exit) => lose(`The MCP server exited (${exitText(exit)}).`))
    } else if (transport) {
      // HTTP has no process to watch: a broken stream or failed request is checked with a ping; no answer means gone.
      const previous = transport.onerror
      transport.onerror = (error) => {
        previous?.(error)
        if (conn.closing || conn.lost) return
        conn.client.ping({ timeout: 3_000 }).catch(() => lose(`The connection to the MCP server closed (${redactSecrets(errorText(error), conn.secrets)}).`))
      }
      const previousClose = transport.onclose
      transport.onclose = () => {
        previousClose?.()
        lose('The connection to the MCP server closed.')
      }
    }
  }

  /**
   * After a crash (or a failed restart attempt): status failed with when Keel tries again, and the timer for it.
   * `attempts` counts the restarts already tried; after the last delay Keel stops trying (restartAt null).
   */
  private scheduleRestart(serverId: string, state: ServerState, crash: { message: string; exitCode: number | null; stderrTail: string[] }): void {
    if (this.closed) return
    const delays = this.opts.restartDelaysMs ?? RESTART_DELAYS_MS
    const delayMs = delays[state.attempts]
    const restartAt = delayMs === undefined ? null : Date.now() + delayMs
    const note =
      delayMs === undefined
        ? ` Keel gave up after ${state.attempts} restart attempts; use Restart in Settings → MCP servers.`
        : ` Keel restarts it in ${Math.max(1, Math.round(delayMs / 1000))} s (attempt ${state.attempts + 1} of ${delays.length}).`
    // It was ready and then went away (the process exited, or the HTTP stream broke): phase 'running', not a start phase.
    this.setStatus(serverId, state, { state: 'failed', phase: 'running', message: crash.message + note, exitCode: crash.exitCode, stderrTail: crash.stderrTail, restartAt, attempts: state.attempts })
    if (delayMs === undefined) return
    const generation = state.generation
    state.restartTimer = setTimeout(() => {
      state.restartTimer = null
      const entry = this.entry(serverId)
      if (this.closed || state.generation !== generation || !entry || !entry.enabled || state.conn || state.starting) return
      state.attempts += 1
      this.start(entry, state).then(
        () => {},
        () => {
          // A failed attempt: try again while attempts are left (not for what a restart cannot fix: trust, secrets).
          const failed = state.status
          if (state.generation === generation && failed?.state === 'failed' && failed.phase !== 'resolve') {
            this.scheduleRestart(serverId, state, { message: failed.message, exitCode: failed.exitCode, stderrTail: failed.stderrTail })
          }
        },
      )
    }, delayMs)
    state.restartTimer.unref?.()
  }

  private clearRestart(state: ServerState): void {
    if (state.restartTimer) clearTimeout(state.restartTimer)
    state.restartTimer = null
  }

  private async stopServer(serverId: string, state: ServerState): Promise<void> {
    state.generation += 1
    this.clearRestart(state)
    const starting = state.starting
    const conn = state.conn
    const opening = state.opening
    state.conn = null
    state.tools = []
    await Promise.all([conn ? this.closeConnection(conn) : null, opening ? this.closeConnection(opening) : null])
    if (starting) await starting.catch(() => {})
    const had = state.status !== null
    state.status = null
    if (had || conn) this.emit(serverId)
  }

  private async closeConnection(conn: Connection): Promise<void> {
    if (!conn.closing) {
      conn.closing = true
      // client.close() closes the transport: ServerProcess.close() kills the process group.
      await conn.client.close().catch(() => {})
    }
    // Again, for a process spawned after the close began (a stop during the start) or not the client's transport yet.
    if (conn.process) await conn.process.close()
  }
}

// ---- helpers ---------------------------------------------------------------------------------------------------------

function newClient(onToolsChanged: () => void): Client {
  const client = new Client(CLIENT_INFO, { capabilities: {} })
  // Refetched by the runtime itself (with its own timeout) rather than the SDK's auto-refresh, so the state is one.
  client.setNotificationHandler(ToolListChangedNotificationSchema, async () => onToolsChanged())
  return client
}

function sseTransport(url: string, headers: Record<string, string>): SSEClientTransport {
  return new SSEClientTransport(new URL(url), {
    requestInit: { headers },
    // The event stream's GET needs the headers too (an Authorization header is the common case).
    eventSourceInit: { fetch: (u, init) => fetch(u, { ...init, headers: { ...(init?.headers as Record<string, string>), ...headers } }) },
  })
}

function toMcpTool(serverId: string, tool: Tool): McpTool {
  const inputSchema = tool.inputSchema as unknown as JsonSchema
  return {
    serverId,
    name: tool.name,
    description: tool.description ?? tool.title ?? '',
    inputSchema,
    schemaHash: schemaHash(inputSchema),
    annotations: { ...(tool.annotations ?? {}), ...(tool.annotations?.title === undefined && tool.title ? { title: tool.title } : {}) },
  }
}

/** A tool result's content as McpContent; structured-only results become their JSON text. */
export function mapContent(result: CallToolResult): McpContent[] {
  const out: McpContent[] = []
  for (const block of result.content ?? []) {
    switch (block.type) {
      case 'text':
        out.push({ type: 'text', text: block.text })
        break
      case 'image':
        out.push({ type: 'image', data: block.data, mimeType: block.mimeType })
        break
      case 'audio':
        out.push({ type: 'audio', data: block.data, mimeType: block.mimeType })
        break
      case 'resource': {
        const r = block.resource as { uri: string; mimeType?: string; text?: string }
        out.push({ type: 'resource', uri: r.uri, mimeType: r.mimeType ?? null, text: typeof r.text === 'string' ? r.text : null })
        break
      }
      case 'resource_link':
        out.push({ type: 'resource', uri: block.uri, mimeType: block.mimeType ?? null, text: null })
        break
    }
  }
  if (out.length === 0 && result.structuredContent !== undefined) out.push({ type: 'text', text: JSON.stringify(result.structuredContent) })
  return out
}

function untrustedMessage(entry: McpServerEntry): string {
  return `The MCP server "${entry.name}" is not trusted yet (it is new, or what it runs changed). Trust it in Settings → MCP servers, which shows exactly what will run.`
}

function errorText(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as Error & { cause?: unknown }).cause
    return cause instanceof Error && !err.message.includes(cause.message) ? `${err.message} (${cause.message})` : err.message
  }
  return String(err)
}

function exitText(exit: { code: number | null; signal: NodeJS.Signals | null }): string {
  return exit.code !== null ? `code ${exit.code}` : `signal ${exit.signal ?? 'unknown'}`
}

function serverText(client: Client): string {
  const v = client.getServerVersion()
  return v ? `initialized ${v.name} ${v.version}` : 'initialized'
}

/** Why a connection closed, once its process has exited (briefly waited for: the pipe closes just before). */
async function lostMessage(conn: Connection): Promise<string> {
  if (conn.lost) return conn.lost
  if (conn.process) {
    const exit = conn.process.exit ?? (await Promise.race([conn.process.exited(), delay(1_000).then(() => null)]))
    if (exit) return `The MCP server exited (${exitText(exit)}).`
  }
  return 'The connection to the MCP server closed.'
}

function recordFailure(trace: StartTrace, err: unknown): void {
  if (err instanceof StartFailure && err.recorded) return
  const phase = err instanceof StartFailure ? err.phase : 'initialize'
  trace.phases.push({ phase, ok: false, ms: 0, detail: errorText(err) })
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref())
}
