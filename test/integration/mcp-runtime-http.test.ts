// The MCP runtime over Streamable HTTP (issue #10), against an in-test server built with the SDK's McpServer: a
// header secret from the keychain reaches the server (and a missing one leaves it unresolved, never contacted);
// notifications/tools/list_changed refreshes the tool list and its schema hashes; a server that dies mid-call
// answers the call "failed" at once; a tool that hangs hits the per-call timeout and is cancelled on the server.
import { spawn } from 'node:child_process'
import net from 'node:net'
import readline from 'node:readline'
import { afterEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import type { McpCallResult } from '../../src/main/core/mcp/types'
import { testKey } from '../support/core-harness'
import { openRuntime, type RuntimeHarness } from '../support/mcp-runtime'
import { EVERYTHING_SERVER, httpEntry, processAlive, startHttpMcpServer, type TestHttpMcpServer } from '../support/mcp-servers'

const open: RuntimeHarness[] = []
const servers: TestHttpMcpServer[] = []
afterEach(async () => {
  for (const h of open.splice(0)) await h.close()
  for (const s of servers.splice(0)) await s.close()
})

async function setup(options: Parameters<typeof startHttpMcpServer>[0] = {}, fields: Record<string, unknown> = {}, runtimeOptions: Parameters<typeof openRuntime>[1] = {}) {
  const server = await startHttpMcpServer(options)
  servers.push(server)
  const entry = httpEntry('remote', server.url, fields)
  const h = openRuntime([entry], runtimeOptions)
  open.push(h)
  h.trustEntry(entry)
  return { server, h, entry }
}

const call = (h: RuntimeHarness, name: string, args: Record<string, unknown>, timeoutMs = 20_000) =>
  h.runtime.callTool('remote', name, args, { signal: new AbortController().signal, timeoutMs })

function text(result: McpCallResult): string {
  if (!result.ok) throw new Error(`call failed: ${result.outcome}: ${result.message}`)
  return result.content.map((c) => (c.type === 'text' ? c.text : '')).join('')
}

describe('MCP runtime over Streamable HTTP', { timeout: 60_000 }, () => {
  it('sends a header secret from the keychain; without it the server is unresolved and never contacted', async () => {
    const token = `Bearer ${testKey('http')}`
    const { server, h } = await setup({ requireHeaders: { authorization: token } }, { secrets: ['Authorization'] })

    await expect(h.runtime.ensureReady('remote')).rejects.toThrow('Authorization')
    expect(h.runtime.status('remote')).toMatchObject({ state: 'unresolved', missingSecrets: ['Authorization'] })
    expect(server.requests).toEqual([])

    await h.storeSecret('remote', 'Authorization', token)
    const tools = await h.runtime.ensureReady('remote')
    expect(tools.map((t) => t.name)).toEqual(['echo', 'hang', 'crash'])
    expect(server.requests.length).toBeGreaterThan(0)
    expect(server.requests.every((r) => r.authorization === token)).toBe(true)
    expect(text(await call(h, 'echo', { message: 'over http' }))).toBe('Echo: over http')

    const report = await h.runtime.check('remote')
    expect(report).toMatchObject({ ok: true, tools: ['echo', 'hang', 'crash'], path: null, pathSource: null })
    expect(report.phases.map((p) => p.phase)).toEqual(['resolve', 'connect', 'list-tools'])
    expect(JSON.stringify(report)).not.toContain(token)
  })

  it('a wrong header secret fails at connect with the HTTP status, and the secret is not in the message', async () => {
    const token = `Bearer ${testKey('right')}`
    const wrong = `Bearer ${testKey('wrong')}`
    const { h } = await setup({ requireHeaders: { authorization: token } }, { secrets: ['Authorization'] })
    await h.storeSecret('remote', 'Authorization', wrong)
    await expect(h.runtime.ensureReady('remote')).rejects.toThrow(/401|Unauthorized|missing or wrong/)
    const status = h.runtime.status('remote')
    expect(status).toMatchObject({ state: 'failed', phase: 'connect' })
    expect(JSON.stringify(status)).not.toContain(wrong.slice(7))
  })

  it('notifications/tools/list_changed refreshes the tools, with a new schema hash for a changed schema', async () => {
    const { server, h } = await setup({ tools: [{ name: 'lookup', inputSchema: { q: z.string() } }] })
    const before = await h.runtime.ensureReady('remote')
    expect(before.map((t) => t.name)).toEqual(['lookup'])

    const refreshed = h.waitForStatus('remote', () => h.runtime.tools('remote').length === 2)
    server.setTools([
      { name: 'lookup', inputSchema: { q: z.string(), limit: z.number() } },
      { name: 'summarize', inputSchema: { text: z.string() }, annotations: { readOnlyHint: true } },
    ])
    expect(await refreshed).toMatchObject({ state: 'ready', tools: 2 })
    const after = h.runtime.tools('remote')
    expect(after.map((t) => t.name)).toEqual(['lookup', 'summarize'])
    expect(after[0]!.schemaHash).not.toBe(before[0]!.schemaHash)
    expect(after[0]!.inputSchema).toMatchObject({ properties: { limit: { type: 'number' } } })
    expect(after[1]!.annotations).toMatchObject({ readOnlyHint: true })
  })

  it('a server that dies mid-call answers the call "failed" and is reported with a restart time', async () => {
    const { server, h } = await setup({}, {}, { restartDelaysMs: [60_000] })
    await h.runtime.ensureReady('remote')
    const started = Date.now()
    const result = await call(h, 'crash', {}, 30_000)
    expect(result).toMatchObject({ ok: false, outcome: 'failed' })
    expect((result as { message: string }).message).toContain('connection to the MCP server closed')
    expect(Date.now() - started).toBeLessThan(10_000)
    expect(server.callCount('crash')).toBe(1)
    const status = await h.waitForStatus('remote', (s) => s.state === 'failed')
    expect(status).toMatchObject({ state: 'failed', attempts: 0 })
    expect((status as { restartAt: number }).restartAt).toBeGreaterThan(Date.now())
  })

  it('a tool that hangs hits the per-call timeout; the server is asked to cancel it and keeps serving', async () => {
    const { server, h } = await setup()
    await h.runtime.ensureReady('remote')
    const started = Date.now()
    const result = await call(h, 'hang', {}, 1_000)
    expect(result).toMatchObject({ ok: false, outcome: 'timed-out' })
    expect(Date.now() - started).toBeLessThan(5_000)
    expect(server.callCount('hang')).toBe(1)
    await server.waitForCancel('hang')
    expect(text(await call(h, 'echo', { message: 'after the hang' }))).toBe('Echo: after the hang')
    expect(h.runtime.status('remote')).toMatchObject({ state: 'ready' })
  })

  it('falls back to the legacy SSE transport when the server only offers that (the everything server in sse mode)', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as net.AddressInfo
        probe.close(() => resolve(port))
      })
    })
    const child = spawn(process.execPath, [EVERYTHING_SERVER, 'sse'], { env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'pipe'] })
    try {
      await new Promise<void>((resolve, reject) => {
        readline.createInterface({ input: child.stderr! }).on('line', (line) => {
          if (line.includes(`running on port ${port}`)) resolve()
        })
        child.once('exit', (code) => reject(new Error(`sse server exited (${code})`)))
      })
      const entry = httpEntry('legacy', `http://127.0.0.1:${port}/sse`)
      const h = openRuntime([entry])
      open.push(h)
      h.trustEntry(entry)
      const tools = await h.runtime.ensureReady('legacy')
      expect(tools.map((t) => t.name)).toContain('echo')
      const result = await h.runtime.callTool('legacy', 'echo', { message: 'over sse' }, { signal: new AbortController().signal, timeoutMs: 20_000 })
      expect(text(result)).toContain('over sse')
      const report = await h.runtime.check('legacy')
      expect(report.phases.find((p) => p.phase === 'connect')?.detail).toContain('legacy SSE')
    } finally {
      child.kill('SIGKILL')
      if (child.exitCode === null && child.signalCode === null) await new Promise((resolve) => child.once('exit', resolve))
      expect(processAlive(child.pid!)).toBe(false)
    }
  })
})
