// One writer per data directory (issue #7): whoever opens a data directory for writing holds an OS lock on it. A
// second host, a second core in the same process, or `doctor --fix` is refused with a message naming the directory
// and the holder; the lock dies with its process, so a crash never leaves it stale. Real processes, real SQLite,
// the recording fake provider.
import Database from 'better-sqlite3'
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { openKeelCore } from '../../src/main/core/app/keel-core'
import { DataDirInUseError, recordedHolder } from '../../src/main/core/data-dir-lock'
import { RECOVERY_NOTE } from '../../src/main/core/agents/recovery'
import { CoreHarness, fakeProviderForFile, tempDataDir, testKey, testKeychainService } from '../support/core-harness'
import { doctorCli } from '../support/doctor-cli'
import { isRunning, launchHost, startedHosts, type HostChild } from '../support/host-process'

const fake = fakeProviderForFile()
const service = testKeychainService()
const doctor = doctorCli(service)
// These tests start several real Node processes (tsx transpiles each at startup); on a loaded machine that takes
// far longer than the default 20 s, though nothing in them waits on time.
const PROCESSES_MS = 120_000

/** A session's turns and messages as keel.db holds them (read-only, next to the writer). */
function stored(dataDir: string, sessionId: string) {
  const db = new Database(path.join(dataDir, 'keel.db'), { readonly: true })
  try {
    return {
      turns: db.prepare('SELECT id, status, recovery FROM turns WHERE session_id = ? ORDER BY started_at').all(sessionId),
      messages: db.prepare('SELECT role, status, content FROM messages WHERE session_id = ? ORDER BY seq').all(sessionId),
    }
  } finally {
    db.close()
  }
}

/** Starts a host and insists that it serves. */
async function servingHost(dataDir: string): Promise<{ host: HostChild; url: string }> {
  const host = launchHost(dataDir, service)
  const start = await host.started
  if (!start.serving) throw new Error(`the host did not start (exit ${start.code}):\n${start.stderr}`)
  return { host, url: start.url }
}

/** Asks a running host for app.state over its WebSocket, as the browser would. */
async function appState(url: string): Promise<{ dataDir: string; runtime: string }> {
  const { host, searchParams } = new URL(url)
  const ws = new WebSocket(`ws://${host}/keel-ws?token=${searchParams.get('token')}`, { origin: `http://${host}` })
  try {
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))
    const answer = new Promise<{ result: { ok: boolean; value: { dataDir: string; runtime: string } } }>((resolve) =>
      ws.on('message', (data) => {
        const message = JSON.parse(String(data)) as { t: string; id?: number }
        if (message.t === 'result' && message.id === 1) resolve(message as never)
      }),
    )
    ws.send(JSON.stringify({ t: 'invoke', id: 1, channel: 'app.state', input: {} }))
    const { result } = await answer
    expect(result.ok).toBe(true)
    return result.value
  } finally {
    ws.close()
  }
}

// No host a test started may outlive it: a leftover would hold a data directory (and a port) for good.
afterEach(async () => {
  const leftovers = startedHosts.filter((h) => h.child.exitCode === null && h.child.signalCode === null)
  await Promise.all(leftovers.map((h) => h.crash()))
  expect(leftovers.map((h) => h.pid)).toEqual([])
})
afterAll(() => {
  for (const h of startedHosts) expect(isRunning(h.pid)).toBe(false)
})

describe('one writer per data directory', () => {
  it('a second core in the same process is refused, under any spelling of the path, until the first closes', async () => {
    const dataDir = tempDataDir()
    const first = await CoreHarness.open(dataDir, service)
    const again = await openKeelCore({ dataDir, runtime: 'host', keychainService: service, watchConfig: false }).catch((e: unknown) => e)
    expect(again).toBeInstanceOf(DataDirInUseError)
    expect((again as DataDirInUseError).data).toMatchObject({ kind: 'conflict' })
    expect((again as DataDirInUseError).message).toContain(dataDir)
    expect((again as DataDirInUseError).sameProcess).toBe(true)

    const link = `${dataDir}-link`
    fs.symlinkSync(dataDir, link)
    const viaLink = await openKeelCore({ dataDir: `${link}/.`, runtime: 'host', keychainService: service, watchConfig: false }).catch((e: unknown) => e)
    expect(viaLink).toBeInstanceOf(DataDirInUseError)

    // The refusals changed nothing for the first core.
    const s = await first.call('sessions.create', {})
    await first.close()
    expect(fs.existsSync(path.join(dataDir, 'keel.lock.json'))).toBe(false)

    const second = await CoreHarness.open(dataDir, service)
    expect((await second.call('sessions.rename', { id: s.id, title: 'reopened' })).title).toBe('reopened')
    await second.close()
    fs.rmSync(link)
  })

  it("the issue's scenario: a second host next to a streaming turn refuses; the turn is not interrupted, nothing is sent twice", async () => {
    const dataDir = tempDataDir()
    const a = await CoreHarness.open(dataDir, service)
    await a.call('providers.create', { id: 'alpha', name: 'Alpha', kind: 'openai-compatible', baseUrl: `${fake.url}/alpha/v1`, defaultModel: 'a-1', key: testKey('lock') })
    const session = await a.call('sessions.create', {})
    await a.call('sessions.bind', { id: session.id, entryId: 'alpha', model: 'a-1' })
    fake.script({ hold: 'turn-a', reply: 'one answer, streamed once' })
    const { turnId } = await a.call('chat.send', { sessionId: session.id, text: 'a question' })
    await a.waitFor('chat', (e) => e.type === 'delta' && e.turnId === turnId)

    // Process B: a real host on the same data directory, while A's reply is held mid-stream.
    const b = launchHost(dataDir, service)
    const refused = await b.started
    expect(refused.serving).toBe(false)
    if (refused.serving) return
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain(dataDir)
    expect(refused.stderr).toContain(`pid ${process.pid}`)

    // A's turn is still A's: running, not interrupted, nothing for recovery to pick up.
    expect(stored(dataDir, session.id).turns).toEqual([{ id: turnId, status: 'running', recovery: null }])

    fake.release('turn-a')
    await a.turnEnded(turnId)
    const chats = fake.requests().filter((r) => r.protocol === 'openai-chat')
    expect(chats).toHaveLength(1)
    expect(JSON.stringify(chats)).not.toContain(RECOVERY_NOTE.slice(0, 40))
    // One question, one answer: not the three assistant messages of the issue.
    expect(stored(dataDir, session.id)).toEqual({
      turns: [{ id: turnId, status: 'done', recovery: null }],
      messages: [
        { role: 'user', status: 'complete', content: 'a question' },
        { role: 'assistant', status: 'complete', content: 'one answer, streamed once' },
      ],
    })
    await a.close()
  }, PROCESSES_MS)

  it('a second host refuses, naming the directory and the first host, which keeps serving; after a SIGKILL a new host starts', async () => {
    const dataDir = tempDataDir()
    const { host: first, url } = await servingHost(dataDir)
    expect(JSON.parse(fs.readFileSync(path.join(dataDir, 'keel.lock.json'), 'utf8'))).toMatchObject({ pid: first.pid, runtime: 'host' })

    const second = launchHost(dataDir, service)
    const refused = await second.started
    expect(refused).toMatchObject({ serving: false, code: 1 })
    const stderr = second.stderr()
    expect(stderr).toContain(`refusing to start: Keel's data directory ${dataDir} is already in use by the Keel browser host (pid ${first.pid}`)
    expect(stderr).toContain(`Quit that Keel first (pid ${first.pid})`)
    expect(await appState(url)).toMatchObject({ dataDir, runtime: 'host' })

    // A crash leaves no stale lock: the OS dropped it with the process.
    expect(await first.crash()).toBeNull()
    expect(isRunning(first.pid)).toBe(false)
    // Its label outlived it, but a dead pid is never named as a holder.
    expect(JSON.parse(fs.readFileSync(path.join(dataDir, 'keel.lock.json'), 'utf8'))).toMatchObject({ pid: first.pid })
    expect(recordedHolder(dataDir)).toBeNull()
    const { host: third, url: thirdUrl } = await servingHost(dataDir)
    expect(await appState(thirdUrl)).toMatchObject({ dataDir })
    expect(await third.stop()).toBe(0)
  }, PROCESSES_MS)

  it('the doctor reads next to a running host; --fix refuses naming it, and works once the host has quit', async () => {
    const dataDir = tempDataDir()
    const { host } = await servingHost(dataDir)

    const report = await doctor(dataDir, '--json')
    expect(report.code).toBe(0)
    expect(JSON.parse(report.stdout)).toMatchObject({ dataDir, runningKeel: { pid: host.pid, runtime: 'host' } })
    const text = await doctor(dataDir)
    expect(text.stdout).toContain(`in use    by the Keel browser host (pid ${host.pid}`)

    const fix = await doctor(dataDir, '--fix')
    expect(fix.code).toBe(2)
    expect(fix.stdout).toBe('')
    expect(fix.stderr).toContain(`Keel (the Keel browser host (pid ${host.pid}`)
    expect(fix.stderr).toContain(`Quit Keel (pid ${host.pid}) first`)
    // The host never noticed: it still holds the directory and serves.
    expect(JSON.parse(fs.readFileSync(path.join(dataDir, 'keel.lock.json'), 'utf8'))).toMatchObject({ pid: host.pid })

    expect(await host.stop()).toBe(0)
    const fixed = await doctor(dataDir, '--fix', '--json')
    expect(fixed.code).toBe(0)
    expect(JSON.parse(fixed.stdout)).toMatchObject({ runningKeel: null, fixed: { repaired: [] } })
  }, PROCESSES_MS)
})
