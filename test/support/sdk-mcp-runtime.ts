// A small McpRuntime for agent tests that do not need Keel's own runtime (src/main/core/mcp/mcp-servers.ts): each
// server is a REAL SDK McpServer the test defines, reached by a REAL SDK Client over the SDK's InMemoryTransport. So
// tool lists, list_changed, progress, cancellation and a connection that closes mid-call are the SDK's own
// behaviour; only the process management of the real runtime is left out. A server can be made to refuse to start
// (as an untrusted or failed server does), with the runtime's kind of message.
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js'
import { McpServer, type RegisteredTool } from '@modelcontextprotocol/sdk/server/mcp.js'
import { ErrorCode, McpError, ToolListChangedNotificationSchema, type CallToolResult, type ToolAnnotations } from '@modelcontextprotocol/sdk/types.js'
import { afterEach } from 'vitest'
import { z } from 'zod'
import { KeelError } from '../../src/main/core/errors'
import type { McpCallOptions, McpCallResult, McpContent, McpRuntime, McpTool } from '../../src/main/core/mcp/types'
import { schemaHash, type JsonSchema } from '../../src/main/core/tools/tool-definition'
import type { McpCheckReport, McpServerStatus } from '../../src/shared/mcp'

export interface SdkTool {
  name: string
  description?: string
  inputSchema?: Record<string, z.ZodType>
  annotations?: ToolAnnotations
  handler: (args: Record<string, unknown>, extra: { signal: AbortSignal; sendProgress(progress: number): Promise<void> }) => Promise<CallToolResult>
}

interface Running {
  server: McpServer
  client: Client
  registered: Map<string, RegisteredTool>
  tools: McpTool[]
  closeServerSide(): Promise<void>
}

export class SdkMcpRuntime implements McpRuntime {
  private readonly defs = new Map<string, SdkTool[]>()
  private readonly running = new Map<string, Running>()
  private readonly refusals = new Map<string, KeelError>()
  private readonly listeners = new Set<(id: string) => void>()
  /** How many times each server was started (ensureReady on a server that was not running). */
  readonly starts = new Map<string, number>()

  define(serverId: string, tools: SdkTool[]): void {
    this.defs.set(serverId, tools)
  }

  /** The next ensureReady of this server throws this (as an untrusted, unresolved or failed server does). */
  refuse(serverId: string, err: KeelError | null): void {
    if (err) this.refusals.set(serverId, err)
    else this.refusals.delete(serverId)
  }

  async ensureReady(serverId: string): Promise<readonly McpTool[]> {
    const refusal = this.refusals.get(serverId)
    if (refusal) throw refusal
    const up = this.running.get(serverId)
    if (up) return up.tools
    const defs = this.defs.get(serverId)
    if (!defs) throw KeelError.of('not-found', `No MCP server "${serverId}".`)
    this.starts.set(serverId, (this.starts.get(serverId) ?? 0) + 1)
    const server = new McpServer({ name: serverId, version: '1.0.0' }, { capabilities: { tools: { listChanged: true } } })
    const registered = new Map<string, RegisteredTool>()
    for (const t of defs) registered.set(t.name, this.register(server, t))
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair()
    await server.connect(serverSide)
    const client = new Client({ name: 'keel-test', version: '1.0.0' })
    const running: Running = { server, client, registered, tools: [], closeServerSide: () => serverSide.close() }
    client.setNotificationHandler(ToolListChangedNotificationSchema, async () => {
      running.tools = await this.list(serverId, client)
      for (const l of this.listeners) l(serverId)
    })
    client.onclose = () => {
      if (this.running.get(serverId) === running) this.running.delete(serverId)
    }
    await client.connect(clientSide)
    running.tools = await this.list(serverId, client)
    this.running.set(serverId, running)
    return running.tools
  }

  /** Replaces one tool (its schema, say) on the running server: the SDK sends notifications/tools/list_changed. */
  async replaceTool(serverId: string, tool: SdkTool): Promise<void> {
    const up = this.running.get(serverId)!
    const changed = new Promise<void>((resolve) => {
      const off = this.onChange((id) => {
        if (id === serverId) {
          off()
          resolve()
        }
      })
    })
    up.registered.get(tool.name)?.remove()
    up.registered.set(tool.name, this.register(up.server, tool))
    this.defs.set(serverId, [...(this.defs.get(serverId) ?? []).filter((t) => t.name !== tool.name), tool])
    await changed
  }

  /** The server goes away (as a process that exits): its side of the connection closes. */
  async kill(serverId: string): Promise<void> {
    await this.running.get(serverId)?.closeServerSide()
  }

  tools(serverId: string): readonly McpTool[] {
    return this.running.get(serverId)?.tools ?? []
  }

  status(serverId: string): McpServerStatus {
    const up = this.running.get(serverId)
    return up ? { state: 'ready', tools: up.tools.length, since: 0 } : { state: 'stopped' }
  }

  async callTool(serverId: string, name: string, args: Record<string, unknown>, opts: McpCallOptions): Promise<McpCallResult> {
    const up = this.running.get(serverId)
    if (!up) return { ok: false, outcome: 'failed', message: `failed: the MCP server "${serverId}" is not running` }
    try {
      const r = (await up.client.callTool({ name, arguments: args }, undefined, { signal: opts.signal, timeout: opts.timeoutMs, resetTimeoutOnProgress: true, onprogress: () => undefined })) as CallToolResult
      return { ok: true, isError: r.isError === true, content: r.content.map(toContent) }
    } catch (err) {
      if (opts.signal.aborted) return { ok: false, outcome: 'cancelled', message: 'cancelled by the user' }
      if (err instanceof McpError && err.code === ErrorCode.RequestTimeout) return { ok: false, outcome: 'timed-out', message: `timed out after ${opts.timeoutMs} ms` }
      if (err instanceof McpError && err.code === ErrorCode.ConnectionClosed) return { ok: false, outcome: 'failed', message: 'failed: server exited' }
      return { ok: false, outcome: 'failed', message: `failed: ${err instanceof Error ? err.message : String(err)}` }
    }
  }

  async restart(serverId: string): Promise<void> {
    await this.stop(serverId)
    await this.ensureReady(serverId)
  }

  async stop(serverId: string): Promise<void> {
    const up = this.running.get(serverId)
    this.running.delete(serverId)
    await up?.client.close()
  }

  async check(serverId: string): Promise<McpCheckReport> {
    return { serverId, name: serverId, ok: this.running.has(serverId), phases: [], path: null, pathSource: null, missingSecrets: [], tools: this.tools(serverId).map((t) => t.name), stderrTail: [] }
  }

  onChange(listener: (serverId: string) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  async stopAll(): Promise<void> {
    for (const id of [...this.running.keys()]) await this.stop(id)
  }

  private register(server: McpServer, t: SdkTool): RegisteredTool {
    return server.registerTool(t.name, { description: t.description ?? t.name, inputSchema: t.inputSchema ?? {}, annotations: t.annotations ?? {} }, async (args: Record<string, unknown>, extra) => {
      const token = extra._meta?.progressToken
      const sendProgress = async (progress: number) => {
        if (token !== undefined) await extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress } })
      }
      return t.handler(args, { signal: extra.signal, sendProgress })
    })
  }

  private async list(serverId: string, client: Client): Promise<McpTool[]> {
    const { tools } = await client.listTools()
    return tools.map((t) => ({
      serverId,
      name: t.name,
      description: t.description ?? '',
      inputSchema: t.inputSchema as JsonSchema,
      schemaHash: schemaHash(t.inputSchema as JsonSchema),
      annotations: t.annotations ?? {},
    }))
  }
}

function toContent(c: CallToolResult['content'][number]): McpContent {
  if (c.type === 'text') return { type: 'text', text: c.text }
  if (c.type === 'image') return { type: 'image', data: c.data, mimeType: c.mimeType }
  if (c.type === 'audio') return { type: 'audio', data: c.data, mimeType: c.mimeType }
  if (c.type === 'resource') return { type: 'resource', uri: c.resource.uri, mimeType: c.resource.mimeType ?? null, text: 'text' in c.resource ? String(c.resource.text) : null }
  return { type: 'resource', uri: c.uri, mimeType: c.mimeType ?? null, text: null }
}

/** A read-only tool that echoes its message: the plainest tool a server can offer. */
export const echoTool: SdkTool = {
  name: 'echo',
  description: 'Echoes the message',
  inputSchema: { message: z.string() },
  annotations: { readOnlyHint: true },
  handler: async (args) => ({ content: [{ type: 'text', text: `Echo: ${String(args.message)}` }] }),
}

/**
 * The cores and runtimes a test file opened, closed after each test (core first: it stops asking the servers). Call
 * once at the top of a file; push what each test opens.
 */
export function closedAfterEach<T extends { core: { close(): Promise<void> } }>(): Array<{ h: T; runtime: SdkMcpRuntime }> {
  const opened: Array<{ h: T; runtime: SdkMcpRuntime }> = []
  afterEach(async () => {
    for (const o of opened.splice(0)) {
      await o.h.core.close()
      await o.runtime.stopAll()
    }
  })
  return opened
}
