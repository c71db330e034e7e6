// Real MCP servers for tests (issue #10), offline: the reference servers from npm (started with process.execPath,
// never npx), a few deliberately broken stdio servers, and an in-test Streamable HTTP server built with the SDK's
// own McpServer + StreamableHTTPServerTransport whose tools, header check, list_changed, crash and hang a test controls.
import fs from 'node:fs'
import http from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import path from 'node:path'
import { randomUUID } from 'node:crypto'
import { z } from 'zod'
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import type { CallToolResult, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js'
import { McpServerEntry } from '../../src/shared/mcp'

const ROOT = path.resolve(import.meta.dirname, '../..')

/** server-everything's entry point; its first argument picks the transport (`stdio` (default), `sse`, `streamableHttp`). */
export const EVERYTHING_SERVER = path.join(ROOT, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js')
/** server-filesystem's entry point; its arguments are the directories it may touch. */
export const FILESYSTEM_SERVER = path.join(ROOT, 'node_modules/@modelcontextprotocol/server-filesystem/dist/index.js')

/** A config.json entry, filled with the schema's defaults (pass the fields you care about). */
export function mcpEntry(fields: { id: string; transport: unknown } & Record<string, unknown>): McpServerEntry {
  return McpServerEntry.parse({ name: fields.id, ...fields })
}

/**
 * Writes a data dir's config.json for an agent on MCP tools: one keyless "Work" entry (`gpt-work`) at `baseUrl`, the
 * default, one agent profile, and these servers.
 */
export function writeAgentConfig(dataDir: string, baseUrl: string, profile: { id: string; name: string; tools: unknown[]; approvals?: unknown[] }, mcpServers: McpServerEntry[]): void {
  fs.writeFileSync(
    path.join(dataDir, 'config.json'),
    JSON.stringify({
      version: 1,
      providers: [{ id: 'work', name: 'Work', kind: 'openai-compatible', api: 'openai-chat', baseUrl, defaultModel: 'gpt-work', auth: 'none' }],
      default: { entryId: 'work', model: 'gpt-work' },
      agentProfiles: [profile],
      mcpServers,
    }),
  )
}

/** The everything server over stdio, started with this Node. */
export function everythingEntry(id: string, fields: Record<string, unknown> = {}): McpServerEntry {
  return mcpEntry({ id, transport: { type: 'stdio', command: process.execPath, args: [EVERYTHING_SERVER, 'stdio'] }, ...fields })
}

/** The filesystem server over stdio, allowed into `dirs`. */
export function filesystemEntry(id: string, dirs: string[], fields: Record<string, unknown> = {}): McpServerEntry {
  return mcpEntry({ id, transport: { type: 'stdio', command: process.execPath, args: [FILESYSTEM_SERVER, ...dirs] }, ...fields })
}

/** A stdio "server" that writes to stderr and exits at once with `code` (a broken install, a bad flag). */
export function exitsAtOnceEntry(id: string, stderr: string, code = 3): McpServerEntry {
  const script = `process.stderr.write(${JSON.stringify(stderr + '\n')}); process.exit(${code})`
  return mcpEntry({ id, transport: { type: 'stdio', command: process.execPath, args: ['-e', script] } })
}

/** A stdio "server" that runs but never answers initialize (it never reads stdin). */
export function silentEntry(id: string): McpServerEntry {
  return mcpEntry({ id, transport: { type: 'stdio', command: process.execPath, args: ['-e', 'setInterval(() => {}, 60_000)'] } })
}

/**
 * The everything server behind a wrapper process (as `npx`/`uvx` are), which also starts a helper that ignores stdin
 * (as a server's own background process would): the wrapper writes `<wrapper pid> <server pid> <helper pid>` to
 * `pidFile`, so a test can kill the real server (a crash) or check that stopping it ended all three (the process
 * group was killed; closing stdin alone would leave the helper). The wrapper exits with the server's code (1 when killed).
 */
export function wrappedEverythingEntry(id: string, pidFile: string, fields: Record<string, unknown> = {}): McpServerEntry {
  const script = [
    `const { spawn } = require('node:child_process')`,
    `const c = spawn(process.execPath, [${JSON.stringify(EVERYTHING_SERVER)}, 'stdio'], { stdio: 'inherit' })`,
    `const helper = spawn(process.execPath, ['-e', 'setInterval(() => {}, 60000)'], { stdio: 'ignore' })`,
    `require('node:fs').writeFileSync(${JSON.stringify(pidFile)}, process.pid + ' ' + c.pid + ' ' + helper.pid)`,
    `c.on('exit', (code) => process.exit(code ?? 1))`,
  ].join('; ')
  return mcpEntry({ id, transport: { type: 'stdio', command: process.execPath, args: ['-e', script] }, ...fields })
}

/** The pids a wrapped server wrote (see wrappedEverythingEntry). */
export function wrappedPids(pidFile: string): { wrapper: number; server: number; helper: number } {
  const [wrapper, server, helper] = fs.readFileSync(pidFile, 'utf8').trim().split(' ').map(Number)
  return { wrapper: wrapper!, server: server!, helper: helper! }
}

/**
 * Whether the process is gone within `timeoutMs`: a SIGKILL is delivered when the kernel next schedules its target,
 * so on a loaded machine a killed process can still look alive for a moment after the kill returned. Polls the
 * process's state (not a timing guess); false when it is still running at the deadline.
 */
export async function processGone(pid: number, timeoutMs = 5_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (processAlive(pid)) {
    if (Date.now() > deadline) return false
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  return true
}

/** Whether a process with this pid is alive (signal 0 checks without sending anything). */
export function processAlive(pid: number): boolean {
  // A zombie (exited, not yet reaped by whoever inherited it) runs nothing: it counts as gone.
  try {
    if (fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').startsWith('Z')) return false
  } catch {
    // no /proc (macOS), or the process is gone: kill(0) below decides
  }
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The in-test Streamable HTTP server.

type ToolHandler = (args: Record<string, unknown>, extra: { signal: AbortSignal; sendProgress: (progress: number, total?: number) => Promise<void> }) => Promise<CallToolResult>

export interface TestHttpTool {
  name: string
  description?: string
  /** A zod raw shape (as McpServer.registerTool takes); changing it changes the tool's schema hash. */
  inputSchema?: Record<string, z.ZodType>
  annotations?: ToolAnnotations
  /** Default: echoes its arguments as JSON text. */
  handler?: ToolHandler
}

export interface TestHttpMcpServerOptions {
  tools?: TestHttpTool[]
  /** Headers every request must carry with exactly these values (else 401), e.g. { authorization: 'Bearer …' }. */
  requireHeaders?: Record<string, string>
}

export interface TestHttpMcpServer {
  /** The MCP endpoint, e.g. http://127.0.0.1:1234/mcp */
  url: string
  /** The headers of every request received (lower-case names), in order. */
  requests: Array<Record<string, string | string[] | undefined>>
  /** Replaces the tool list on every open session; each connected client gets notifications/tools/list_changed. */
  setTools(tools: TestHttpTool[]): void
  /** Resolves when a call of `name` has reached a handler (the n-th one, counting from 1; default: the next one). */
  waitForCall(name: string, nth?: number): Promise<void>
  /** How many calls of `name` reached a handler. */
  callCount(name: string): number
  /** Resolves once a call of `name` was cancelled by the client (notifications/cancelled aborted its handler). */
  waitForCancel(name: string): Promise<void>
  /** Like a crash: every open connection is destroyed and the server stops listening. */
  crash(): void
  close(): Promise<void>
}

/** Tools the in-test server offers by default: echo, hang (never answers, until cancelled), crash (the server dies mid-call). */
export function defaultHttpTools(server: () => TestHttpMcpServer): TestHttpTool[] {
  return [
    {
      name: 'echo',
      description: 'Echoes the message',
      inputSchema: { message: z.string() },
      annotations: { readOnlyHint: true },
      handler: async (args) => ({ content: [{ type: 'text', text: `Echo: ${String(args.message)}` }] }),
    },
    {
      name: 'hang',
      description: 'Never answers (until cancelled)',
      annotations: { readOnlyHint: true },
      handler: (_args, extra) => new Promise((_, reject) => extra.signal.addEventListener('abort', () => reject(new Error('cancelled')))),
    },
    {
      name: 'crash',
      description: 'The server dies while answering',
      annotations: { destructiveHint: true },
      handler: () => {
        // After the handler has been entered (so the call is in flight), the whole server goes away.
        setImmediate(() => server().crash())
        return new Promise(() => {})
      },
    },
  ]
}

export async function startHttpMcpServer(options: TestHttpMcpServerOptions = {}): Promise<TestHttpMcpServer> {
  let tools: TestHttpTool[] = []
  const sessions = new Map<string, { transport: StreamableHTTPServerTransport; mcp: McpServer; registered: Array<{ remove(): void }> }>()
  const sockets = new Set<Socket>()
  const requests: TestHttpMcpServer['requests'] = []
  const calls = new Map<string, number>()
  const callWaiters: Array<{ name: string; nth: number; resolve: () => void }> = []
  const cancelled = new Set<string>()
  const cancelWaiters: Array<{ name: string; resolve: () => void }> = []

  const register = (mcp: McpServer): Array<{ remove(): void }> =>
    tools.map((tool) =>
      mcp.registerTool(
        tool.name,
        { description: tool.description ?? tool.name, inputSchema: tool.inputSchema ?? {}, annotations: tool.annotations ?? {} },
        async (args: Record<string, unknown>, extra) => {
          const n = (calls.get(tool.name) ?? 0) + 1
          calls.set(tool.name, n)
          for (const w of [...callWaiters]) {
            if (w.name === tool.name && n >= w.nth) {
              callWaiters.splice(callWaiters.indexOf(w), 1)
              w.resolve()
            }
          }
          extra.signal.addEventListener('abort', () => {
            cancelled.add(tool.name)
            for (const w of cancelWaiters.filter((x) => x.name === tool.name)) {
              cancelWaiters.splice(cancelWaiters.indexOf(w), 1)
              w.resolve()
            }
          })
          const progressToken = extra._meta?.progressToken
          const sendProgress = async (progress: number, total?: number) => {
            if (progressToken === undefined) return
            await extra.sendNotification({ method: 'notifications/progress', params: { progressToken, progress, ...(total !== undefined ? { total } : {}) } })
          }
          const handler = tool.handler ?? (async (a: Record<string, unknown>) => ({ content: [{ type: 'text' as const, text: JSON.stringify(a) }] }))
          return handler(args, { signal: extra.signal, sendProgress })
        },
      ),
    )

  const httpServer = http.createServer(async (req, res) => {
    requests.push({ ...req.headers })
    for (const [name, value] of Object.entries(options.requireHeaders ?? {})) {
      if (req.headers[name.toLowerCase()] !== value) {
        res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: `missing or wrong ${name}` }))
        return
      }
    }
    if (!req.url?.startsWith('/mcp')) {
      res.writeHead(404).end()
      return
    }
    const sessionId = req.headers['mcp-session-id']
    let session = typeof sessionId === 'string' ? sessions.get(sessionId) : undefined
    if (!session) {
      if (sessionId !== undefined) {
        res.writeHead(404).end()
        return
      }
      const mcp = new McpServer({ name: 'keel-test-http', version: '1.0.0' }, { capabilities: { tools: { listChanged: true } } })
      const transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => {
          sessions.set(id, created)
        },
      })
      const created = { transport, mcp, registered: register(mcp) }
      transport.onclose = () => {
        if (transport.sessionId) sessions.delete(transport.sessionId)
      }
      await mcp.connect(transport)
      session = created
    }
    await session.transport.handleRequest(req, res)
  })
  httpServer.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve))
  const { port } = httpServer.address() as AddressInfo

  const server: TestHttpMcpServer = {
    url: `http://127.0.0.1:${port}/mcp`,
    requests,
    setTools(next) {
      tools = next
      for (const s of sessions.values()) {
        for (const r of s.registered) r.remove()
        s.registered = register(s.mcp)
        s.mcp.sendToolListChanged()
      }
    },
    waitForCall(name, nth) {
      const want = nth ?? (calls.get(name) ?? 0) + 1
      if ((calls.get(name) ?? 0) >= want) return Promise.resolve()
      return new Promise((resolve) => callWaiters.push({ name, nth: want, resolve }))
    },
    callCount: (name) => calls.get(name) ?? 0,
    waitForCancel(name) {
      if (cancelled.has(name)) return Promise.resolve()
      return new Promise((resolve) => cancelWaiters.push({ name, resolve }))
    },
    crash() {
      httpServer.close()
      for (const socket of sockets) socket.destroy()
      sessions.clear()
    },
    async close() {
      for (const s of sessions.values()) await s.mcp.close().catch(() => {})
      sessions.clear()
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => httpServer.close(() => resolve()))
    },
  }
  tools = options.tools ?? defaultHttpTools(() => server)
  return server
}

/** An http entry for the in-test server. */
export function httpEntry(id: string, url: string, fields: Record<string, unknown> = {}): McpServerEntry {
  return mcpEntry({ id, transport: { type: 'http', url }, ...fields })
}
