// The MCP runtime over stdio (issue #10) on real servers: the reference everything server started with this Node,
// a real keel.db for trust, the real keychain (this test's own service). Tools are listed and called; a keychain
// secret reaches its own server's environment and no other; progress resets a call's timeout, the timeout ends a
// call, Stop cancels one; a crash fails the call in flight and restarts the server with backoff; stopping kills the
// whole process group. Each broken server fails at its own phase with a message that says what to do.
import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { KeelError } from '../../src/main/core/errors'
import type { McpCallResult } from '../../src/main/core/mcp/types'
import { testKey } from '../support/core-harness'
import { openRuntime, type RuntimeHarness } from '../support/mcp-runtime'
import { EVERYTHING_SERVER, everythingEntry, filesystemEntry, exitsAtOnceEntry, mcpEntry, processAlive, processGone, silentEntry, wrappedEverythingEntry, wrappedPids } from '../support/mcp-servers'

const open: RuntimeHarness[] = []
function runtime(...args: Parameters<typeof openRuntime>): RuntimeHarness {
  const h = openRuntime(...args)
  open.push(h)
  return h
}
afterEach(async () => {
  for (const h of open.splice(0)) await h.close()
})

const call = (h: RuntimeHarness, id: string, name: string, args: Record<string, unknown>, timeoutMs = 20_000, signal = new AbortController().signal) =>
  h.runtime.callTool(id, name, args, { signal, timeoutMs })

function text(result: McpCallResult): string {
  if (!result.ok) throw new Error(`call failed: ${result.outcome}: ${result.message}`)
  return result.content.map((c) => (c.type === 'text' ? c.text : '')).join('')
}

async function rejection(p: Promise<unknown>): Promise<KeelError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(KeelError)
  return err as KeelError
}

// Real servers start in a second or two; on a loaded machine (the whole suite on two cores) it takes longer, though
// nothing here waits on time except the timeouts under test.
describe('MCP runtime over stdio (everything server)', { timeout: 60_000 }, () => {
  it('starts a trusted server, lists its tools with annotations and schema hashes, and calls echo and get-sum', async () => {
    const entry = everythingEntry('everything')
    const h = runtime([entry])
    h.trustEntry(entry)
    const changes: string[] = []
    h.runtime.onChange((id) => changes.push(id))

    const tools = await h.runtime.ensureReady('everything')
    const names = tools.map((t) => t.name)
    expect(names).toEqual(expect.arrayContaining(['echo', 'get-sum', 'get-env', 'trigger-long-running-operation']))
    expect(h.runtime.status('everything')).toMatchObject({ state: 'ready', tools: tools.length })
    expect(changes).toContain('everything')
    const getEnv = tools.find((t) => t.name === 'get-env')!
    expect(getEnv).toMatchObject({ serverId: 'everything', annotations: { readOnlyHint: true } })
    expect(getEnv.schemaHash).toMatch(/^[0-9a-f]{64}$/)
    expect(tools.find((t) => t.name === 'get-sum')!.inputSchema).toMatchObject({ type: 'object', properties: { a: {}, b: {} } })

    expect(text(await call(h, 'everything', 'echo', { message: 'the heron flies at dawn' }))).toContain('the heron flies at dawn')
    expect(text(await call(h, 'everything', 'get-sum', { a: 17, b: 25 }))).toContain('42')
    // Image and embedded-resource content come through as McpContent blocks.
    const image = await call(h, 'everything', 'get-tiny-image', {})
    expect(image.ok && image.content.find((c) => c.type === 'image')).toMatchObject({ type: 'image', mimeType: 'image/png', data: expect.stringMatching(/^[A-Za-z0-9+/=]{40,}$/) })
    const resource = await call(h, 'everything', 'get-resource-reference', { resourceType: 'Text', resourceId: 2 })
    expect(resource.ok && resource.content.find((c) => c.type === 'resource')).toMatchObject({ type: 'resource', uri: expect.stringContaining('2'), text: expect.any(String) })
    // A tool error is a result (isError) the model reads, not a failed call; so is an unknown tool's answer.
    const bad = await call(h, 'everything', 'get-resource-reference', { resourceType: 'Text', resourceId: -5 })
    expect(bad).toMatchObject({ ok: true, isError: true })
    const unknown = await call(h, 'everything', 'no-such-tool', {})
    expect(unknown).toMatchObject({ ok: true, isError: true })
    expect(text(unknown)).toContain('no-such-tool not found')
    // A second ensureReady reuses the running server.
    expect(await h.runtime.ensureReady('everything')).toBe(tools)
  })

  it('lists the filesystem server’s tools with their annotations, and reads a file in its allowed folder', async () => {
    const dir = fs.realpathSync(fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'keel-mcp-fs-')))
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'the heron flies at dawn\n')
    const entry = filesystemEntry('files', [dir])
    const h = runtime([entry])
    h.trustEntry(entry)
    const tools = await h.runtime.ensureReady('files')
    const byName = new Map(tools.map((t) => [t.name, t]))
    expect(byName.get('read_text_file')?.annotations).toMatchObject({ readOnlyHint: true })
    expect(byName.get('write_file')?.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: true })
    expect(text(await call(h, 'files', 'read_text_file', { path: path.join(dir, 'notes.txt') }))).toContain('the heron flies at dawn')
  })

  it('gives a server its own keychain secrets and plain env, never another server’s secret or a provider key', async () => {
    const alpha = everythingEntry('alpha', { secrets: ['ALPHA_TOKEN'], transport: { type: 'stdio', command: process.execPath, args: [EVERYTHING_SERVER, 'stdio'], env: { ALPHA_MODE: 'plain-value' } } })
    const beta = everythingEntry('beta', { secrets: ['BETA_TOKEN'] })
    const h = runtime([alpha, beta])
    h.trustEntry(alpha)
    h.trustEntry(beta)
    const alphaSecret = testKey('alpha')
    const betaSecret = testKey('beta')
    const providerKey = testKey('provider')
    await h.storeSecret('alpha', 'ALPHA_TOKEN', alphaSecret)
    await h.storeSecret('beta', 'BETA_TOKEN', betaSecret)
    await h.keychain.storeKey('openai-work', providerKey)

    const alphaEnv = JSON.parse(text(await call(h, 'alpha', 'get-env', {}))) as Record<string, string>
    const betaEnv = JSON.parse(text(await call(h, 'beta', 'get-env', {}))) as Record<string, string>
    expect(alphaEnv.ALPHA_TOKEN).toBe(alphaSecret)
    expect(alphaEnv.ALPHA_MODE).toBe('plain-value')
    expect(alphaEnv.PATH).toBe(process.env.PATH)
    expect(betaEnv.BETA_TOKEN).toBe(betaSecret)
    const alphaText = JSON.stringify(alphaEnv)
    const betaText = JSON.stringify(betaEnv)
    expect(alphaText).not.toContain(betaSecret)
    expect(betaText).not.toContain(alphaSecret)
    expect(betaText).not.toContain('ALPHA_MODE')
    expect(alphaText + betaText).not.toContain(providerKey)
  })

  it('progress notifications reset a call’s timeout; without progress the timeout ends the call; Stop cancels it and the server goes on', async () => {
    const entry = everythingEntry('slow')
    const h = runtime([entry])
    h.trustEntry(entry)
    await h.runtime.ensureReady('slow')

    // 3 s of work in 12 steps of 0.25 s, each step reporting progress, under a 2 s timeout: completes (the margin
    // between steps and timeout is wide, so a loaded machine does not turn it into a timeout).
    const done = await call(h, 'slow', 'trigger-long-running-operation', { duration: 3, steps: 12 }, 2_000)
    expect(text(done)).toContain('Long running operation completed')

    // One step of 6 s (no progress before it ends) under the same timeout: timed out, well before the work ends.
    const started = Date.now()
    const timedOut = await call(h, 'slow', 'trigger-long-running-operation', { duration: 6, steps: 1 }, 2_000)
    expect(timedOut).toMatchObject({ ok: false, outcome: 'timed-out' })
    expect(Date.now() - started).toBeLessThan(5_500)
    expect((timedOut as { message: string }).message).toContain('within 2 s')

    const stop = new AbortController()
    const running = call(h, 'slow', 'trigger-long-running-operation', { duration: 30, steps: 30 }, 60_000, stop.signal)
    stop.abort()
    expect(await running).toMatchObject({ ok: false, outcome: 'cancelled' })
    // Cancelling a call does not take the server down.
    expect(h.runtime.status('slow')).toMatchObject({ state: 'ready' })
    expect(text(await call(h, 'slow', 'echo', { message: 'still here' }))).toContain('still here')
  })

  it('a crash fails the call in flight with the exit code, then the server is restarted with backoff', async () => {
    const pidFile = path.join(fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'keel-mcp-pids-')), 'pids')
    const entry = wrappedEverythingEntry('crashy', pidFile)
    const h = runtime([entry], { restartDelaysMs: [300, 300] })
    h.trustEntry(entry)
    await h.runtime.ensureReady('crashy')
    const first = wrappedPids(pidFile)

    const inFlight = call(h, 'crashy', 'trigger-long-running-operation', { duration: 30, steps: 30 })
    const failed = h.waitForStatus('crashy', (s) => s.state === 'failed')
    process.kill(first.server, 'SIGKILL')
    const result = await inFlight
    expect(result).toMatchObject({ ok: false, outcome: 'failed' })
    expect((result as { message: string }).message).toContain('exited (code 1)')
    const status = await failed
    expect(status).toMatchObject({ state: 'failed', phase: 'running', exitCode: 1, attempts: 0 })
    expect((status as { restartAt: number | null }).restartAt).toBeGreaterThan(Date.now() - 1_000)
    expect((status as { message: string }).message).toContain('Keel restarts it in 1 s (attempt 1 of 2)')

    await h.waitForStatus('crashy', (s) => s.state === 'ready')
    const second = wrappedPids(pidFile)
    expect(second.server).not.toBe(first.server)
    expect(text(await call(h, 'crashy', 'echo', { message: 'back again' }))).toContain('back again')
    expect(await processGone(first.wrapper)).toBe(true)
    // What the crashed server's wrapper left in its process group was ended too.
    expect(await processGone(first.helper)).toBe(true)
  })

  it('gives up after the last restart attempt: the status says so and no restart is due', async () => {
    const pidFile = path.join(fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'keel-mcp-pids-')), 'pids')
    const entry = wrappedEverythingEntry('fragile', pidFile)
    const h = runtime([entry], { restartDelaysMs: [200] })
    h.trustEntry(entry)
    await h.runtime.ensureReady('fragile')
    process.kill(wrappedPids(pidFile).server, 'SIGKILL')
    await h.waitForStatus('fragile', (s) => s.state === 'failed' && s.restartAt !== null)
    await h.waitForStatus('fragile', (s) => s.state === 'ready')
    process.kill(wrappedPids(pidFile).server, 'SIGKILL')
    const gaveUp = await h.waitForStatus('fragile', (s) => s.state === 'failed')
    expect(gaveUp).toMatchObject({ state: 'failed', restartAt: null, attempts: 1, exitCode: 1 })
    expect((gaveUp as { message: string }).message).toContain('gave up after 1 restart attempts')
    // The user's Restart starts it again.
    await h.runtime.restart('fragile')
    expect(h.runtime.status('fragile')).toMatchObject({ state: 'ready' })
  })

  it('config changes: a changed launch spec stops the server and asks for trust again; disabling stops it; a stop during a start ends it', async () => {
    const pidFile = path.join(fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'keel-mcp-pids-')), 'pids')
    const entry = wrappedEverythingEntry('changing', pidFile)
    const other = everythingEntry('other')
    const h = runtime([entry, other])
    h.trustEntry(entry)
    h.trustEntry(other)
    await h.runtime.ensureReady('changing')
    await h.runtime.ensureReady('other')
    const pids = wrappedPids(pidFile)

    h.entries[0] = { ...entry, transport: { ...entry.transport, env: { NEW_SETTING: '1' } } as typeof entry.transport }
    h.runtime.configChanged()
    await h.waitForStatus('changing', (s) => s.state === 'untrusted')
    expect(await processGone(pids.server)).toBe(true)
    expect(await rejection(h.runtime.ensureReady('changing'))).toMatchObject({ data: { kind: 'forbidden' } })

    h.entries[1] = { ...other, enabled: false }
    h.runtime.configChanged()
    await h.waitForStatus('other', (s) => s.state === 'disabled')
    expect(h.runtime.tools('other')).toEqual([])

    const silentPid = path.join(path.dirname(pidFile), 'silent-pid')
    const silent = mcpEntry({ id: 'hung', transport: { type: 'stdio', command: process.execPath, args: ['-e', `require('fs').writeFileSync(${JSON.stringify(silentPid)}, String(process.pid)); setInterval(() => {}, 60_000)`] } })
    h.entries.push(silent)
    h.trustEntry(silent)
    const starting = h.runtime.ensureReady('hung')
    await h.waitForStatus('hung', (s) => s.state === 'starting')
    const started = Date.now()
    await h.runtime.stop('hung')
    expect((await rejection(starting)).message).toContain('stopped while it started')
    expect(Date.now() - started).toBeLessThan(10_000)
    expect(h.runtime.status('hung')).toEqual({ state: 'stopped' })
    if (fs.existsSync(silentPid)) expect(await processGone(Number(fs.readFileSync(silentPid, 'utf8')))).toBe(true)
  })

  it('stopAll kills the whole process group: neither the wrapper nor the server or helper it started is left running', async () => {
    const pidFile = path.join(fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'keel-mcp-pids-')), 'pids')
    const entry = wrappedEverythingEntry('wrapped', pidFile)
    const plain = everythingEntry('plain')
    const h = runtime([entry, plain])
    h.trustEntry(entry)
    h.trustEntry(plain)
    await h.runtime.ensureReady('wrapped')
    await h.runtime.ensureReady('plain')
    const pids = wrappedPids(pidFile)
    const plainEnv = JSON.parse(text(await call(h, 'plain', 'get-env', {}))) as Record<string, string>
    expect(plainEnv.PATH).toBeTruthy()
    expect(processAlive(pids.wrapper)).toBe(true)
    expect(processAlive(pids.server)).toBe(true)
    expect(processAlive(pids.helper)).toBe(true)

    await h.runtime.stopAll()
    expect(await processGone(pids.wrapper)).toBe(true)
    expect(await processGone(pids.server)).toBe(true)
    expect(await processGone(pids.helper)).toBe(true)
    expect(h.runtime.status('wrapped')).toEqual({ state: 'stopped' })
    expect(h.runtime.tools('wrapped')).toEqual([])
  })
})

describe('MCP servers that cannot start say where and why', { timeout: 60_000 }, () => {
  it('a command not on PATH names the command, the PATH searched and its source, and the fix', async () => {
    const entry = mcpEntry({ id: 'missing', transport: { type: 'stdio', command: 'keel-no-such-mcp-server', args: [] } })
    const h = runtime([entry], { loginEnvironment: async () => ({ env: { PATH: '/opt/keel-a/bin:/usr/bin' }, source: 'login-shell' }) })
    h.trustEntry(entry)
    const err = await rejection(h.runtime.ensureReady('missing'))
    expect(err.data.kind).toBe('not-found')
    expect(err.message).toContain('"keel-no-such-mcp-server"')
    expect(err.message).toContain('/opt/keel-a/bin:/usr/bin')
    expect(err.message).toContain('login shell')
    expect(err.data.fix).toContain('absolute path')
    expect(err.data.fix).toContain('login shell profile')
    const status = h.runtime.status('missing')
    expect(status).toMatchObject({ state: 'failed', phase: 'resolve', exitCode: null })
    // What Settings and diagnostics show says how to fix it too, not only what failed.
    expect((status as { message: string }).message).toContain('/opt/keel-a/bin:/usr/bin')
    expect((status as { message: string }).message).toContain('absolute path')

    const report = await h.runtime.check('missing')
    expect(report).toMatchObject({ ok: false, path: '/opt/keel-a/bin:/usr/bin', pathSource: 'login-shell' })
    expect(report.phases).toEqual([expect.objectContaining({ phase: 'resolve', ok: false })])
    expect(report.phases[0]!.detail).toContain('keel-no-such-mcp-server')
  })

  it('under Electron, `node` not on the PATH runs as Electron’s own Node (ELECTRON_RUN_AS_NODE)', async () => {
    const entry = mcpEntry({ id: 'node-cmd', transport: { type: 'stdio', command: 'node', args: [EVERYTHING_SERVER, 'stdio'] } })
    const h = runtime([entry], { electronNode: true, loginEnvironment: async () => ({ env: { PATH: '/nonexistent-keel' }, source: 'process' }) })
    h.trustEntry(entry)
    await h.runtime.ensureReady('node-cmd')
    const env = JSON.parse(text(await call(h, 'node-cmd', 'get-env', {}))) as Record<string, string>
    expect(env.ELECTRON_RUN_AS_NODE).toBe('1')
  })

  it('a server that exits at once fails at initialize with its exit code and last stderr lines, its secret redacted', async () => {
    const secret = testKey('stderr')
    const entry = mcpEntry({
      id: 'broken',
      secrets: ['TOKEN'],
      transport: { type: 'stdio', command: process.execPath, args: ['-e', `console.error('starting'); console.error('bad token: ' + process.env.TOKEN); process.exit(3)`] },
    })
    const h = runtime([entry])
    h.trustEntry(entry)
    await h.storeSecret('broken', 'TOKEN', secret)
    const err = await rejection(h.runtime.ensureReady('broken'))
    expect(err.message).toContain('exited (code 3)')
    const status = h.runtime.status('broken')
    expect(status).toMatchObject({ state: 'failed', phase: 'initialize', exitCode: 3, restartAt: null })
    const tail = (status as { stderrTail: string[] }).stderrTail
    expect(tail).toEqual(['starting', 'bad token: [redacted]'])
    expect(JSON.stringify(status)).not.toContain(secret)

    const report = await h.runtime.check('broken')
    expect(report.ok).toBe(false)
    expect(report.phases.map((p) => [p.phase, p.ok])).toEqual([
      ['resolve', true],
      ['spawn', true],
      ['initialize', false],
    ])
    expect(report.stderrTail).toContain('bad token: [redacted]')
    expect(JSON.stringify(report)).not.toContain(secret)

    const other = exitsAtOnceEntry('other', 'no such flag --frobnicate', 2)
    h.entries.push(other)
    h.trustEntry(other)
    expect((await rejection(h.runtime.ensureReady('other'))).message).toContain('exited (code 2)')
    expect(h.runtime.status('other')).toMatchObject({ stderrTail: ['no such flag --frobnicate'] })
  })

  it('a server that exits while something it left outside its process group holds its pipes still fails at once with its exit code', async () => {
    const pidFile = path.join(fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'keel-mcp-pids-')), 'escaped')
    const script = [
      `const { spawn } = require('node:child_process')`,
      // detached: a new session, so killing the server's process group does not reach it; stdio inherited: it holds the pipes.
      `const c = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { detached: true, stdio: 'inherit' })`,
      `require('node:fs').writeFileSync(${JSON.stringify(pidFile)}, String(c.pid))`,
      `console.error('giving up'); process.exit(4)`,
    ].join('; ')
    const entry = mcpEntry({ id: 'leaky', transport: { type: 'stdio', command: process.execPath, args: ['-e', script] } })
    const h = runtime([entry])
    h.trustEntry(entry)
    try {
      const started = Date.now()
      const err = await rejection(h.runtime.ensureReady('leaky'))
      expect(err.message).toContain('exited (code 4)')
      expect(Date.now() - started).toBeLessThan(15_000)
      expect(h.runtime.status('leaky')).toMatchObject({ state: 'failed', phase: 'initialize', exitCode: 4, stderrTail: ['giving up'] })
    } finally {
      if (fs.existsSync(pidFile)) process.kill(Number(fs.readFileSync(pidFile, 'utf8')), 'SIGKILL')
    }
  })

  it('a server that never answers initialize fails at initialize within the start timeout, and is not left running', async () => {
    const pidFile = path.join(fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'keel-mcp-pids-')), 'pid')
    const silent = silentEntry('silent')
    const entry = { ...silent, transport: { type: 'stdio' as const, command: process.execPath, args: ['-e', `require('fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setInterval(() => {}, 60_000)`], cwd: null, env: {} } }
    const h = runtime([entry], { startTimeoutMs: 1_000 })
    h.trustEntry(entry)
    const started = Date.now()
    const err = await rejection(h.runtime.ensureReady('silent'))
    expect(Date.now() - started).toBeLessThan(5_000)
    expect(err.data.kind).toBe('timeout')
    expect(err.message).toContain('did not answer initialize within 1 s')
    expect(h.runtime.status('silent')).toMatchObject({ state: 'failed', phase: 'initialize', restartAt: null })
    expect(await processGone(Number(fs.readFileSync(pidFile, 'utf8')))).toBe(true)
  })

  it('untrusted and unresolved servers are not started: nothing runs, and the message says what to do', async () => {
    const marker = path.join(fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'keel-mcp-marker-')), 'ran')
    const script = `require('fs').writeFileSync(${JSON.stringify(marker)}, 'ran')`
    const untrusted = mcpEntry({ id: 'stranger', transport: { type: 'stdio', command: process.execPath, args: ['-e', script] } })
    const unresolved = mcpEntry({ id: 'needs-key', secrets: ['API_KEY'], transport: { type: 'stdio', command: process.execPath, args: ['-e', script, 'x'] } })
    const h = runtime([untrusted, unresolved])
    h.trustEntry(unresolved)

    expect(h.runtime.status('stranger')).toMatchObject({ state: 'untrusted' })
    const refused = await rejection(h.runtime.ensureReady('stranger'))
    expect(refused.data.kind).toBe('forbidden')
    expect(refused.message).toContain('Settings → MCP servers')
    expect((await h.runtime.callTool('stranger', 'x', {}, { signal: new AbortController().signal, timeoutMs: 1_000 })).ok).toBe(false)

    const missing = await rejection(h.runtime.ensureReady('needs-key'))
    expect(missing.data.kind).toBe('unresolved')
    expect(missing.message).toContain('API_KEY')
    expect(h.runtime.status('needs-key')).toMatchObject({ state: 'unresolved', missingSecrets: ['API_KEY'] })
    const report = await h.runtime.check('needs-key')
    expect(report).toMatchObject({ ok: false, missingSecrets: ['API_KEY'] })

    // A changed command is a new launch spec: trusted no more.
    h.entries[1] = { ...unresolved, transport: { ...unresolved.transport, args: ['-e', script, 'y'] } as typeof unresolved.transport }
    expect(h.runtime.status('needs-key')).toMatchObject({ state: 'untrusted' })
    expect(fs.existsSync(marker)).toBe(false)
  })
})
