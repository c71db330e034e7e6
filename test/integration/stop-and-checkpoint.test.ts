// Stop keeps what streamed; streaming text reaches the database while the reply is still running.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import Database from 'better-sqlite3'
import path from 'node:path'
import { CHECKPOINT_MS } from '../../src/main/core/agents/agent-service'
import { CoreHarness, tempDataDir, testKey, testKeychainService, fakeProviderForFile } from '../support/core-harness'

const fake = fakeProviderForFile()

let h: CoreHarness
const service = testKeychainService()

beforeAll(async () => {
  h = await CoreHarness.open(tempDataDir(), service)
  await h.call('providers.create', { name: 'Slow', kind: 'openai-compatible', baseUrl: `${fake.url}/v1`, defaultModel: 'slow-1', key: testKey('slow') })
})
afterAll(async () => {
  await h.close()
})

describe('stop and checkpoints', () => {
  it('the first streamed text is in the turn row by the time its delta is delivered (checkpoint interval ≤ 250 ms)', async () => {
    expect(CHECKPOINT_MS).toBeLessThanOrEqual(250)
    fake.script({ hang: true, times: 1 })
    const session = await h.call('sessions.create', {})
    const { turnId } = await h.call('chat.send', { sessionId: session.id, text: 'keep talking' })
    const delta = await h.waitFor('chat', (e) => e.type === 'delta' && e.turnId === turnId)
    if (delta.type !== 'delta') throw new Error('unreachable')
    // No wall clock: Keel writes the first checkpoint in the same synchronous step that delivers the delta, so it is
    // already in the database when the event arrives, however loaded the machine is. (Later text is throttled to one
    // write per CHECKPOINT_MS, a timer whose lateness under load is not Keel's to assert on.)
    const reader = new Database(path.join(h.dataDir, 'keel.db'), { readonly: true })
    const row = reader.prepare('SELECT status, partial_text, checkpointed_at FROM turns WHERE id = ?').get(turnId) as { status: string; partial_text: string; checkpointed_at: number | null }
    reader.close()
    expect(row).toMatchObject({ status: 'running', partial_text: delta.text })
    expect(delta.text.length).toBeGreaterThan(0)
    expect(row.checkpointed_at).not.toBeNull()
    await h.call('chat.stop', { sessionId: session.id })
  })

  it('while a reply streams, its turn row holds the text delivered so far exactly once (each checkpoint adds only what is new)', async () => {
    fake.script({ reply: 'one two three four five six', holdBefore: [{ chunk: 4, hold: 'mid-reply' }], times: 1 })
    const session = await h.call('sessions.create', {})
    const { turnId } = await h.call('chat.send', { sessionId: session.id, text: 'count' })
    await fake.waitForHeld('mid-reply')
    const delivered = () => h.streamedText(turnId)
    const stored = () => {
      const reader = new Database(path.join(h.dataDir, 'keel.db'), { readonly: true })
      try {
        return (reader.prepare('SELECT partial_text FROM turns WHERE id = ?').get(turnId) as { partial_text: string }).partial_text
      } finally {
        reader.close()
      }
    }
    // The last deltas are written by the throttled checkpoint (a timer): wait for that state, not for a time.
    await expect.poll(() => stored() === delivered() && delivered().split(' ').length > 2, { timeout: 10_000 }).toBe(true)
    expect(stored()).toBe('one two three four ')
    fake.release('mid-reply')
    expect(await h.turnEnded(turnId)).toMatchObject({ status: 'done' })
  })

  it('quitting Keel while a reply streams stops it like Stop: after the restart the reply is kept, marked stopped, with nothing to recover', async () => {
    const dataDir = tempDataDir('keel-quit-streaming')
    const own = await CoreHarness.open(dataDir, service)
    await own.call('providers.create', { id: 'quit', name: 'Quit', kind: 'openai-compatible', baseUrl: `${fake.url}/quit/v1`, defaultModel: 'q-1', key: testKey('quit') })
    const session = await own.call('sessions.create', {})
    await own.call('sessions.bind', { id: session.id, entryId: 'quit', model: 'q-1' })
    fake.script({ pathPrefix: '/quit/', reply: 'first words then more', holdBefore: [{ chunk: 2, hold: 'quit-mid-reply' }], times: 1 })
    const { turnId } = await own.call('chat.send', { sessionId: session.id, text: 'talk' })
    await fake.waitForHeld('quit-mid-reply')
    // Keel has the words sent before the hold (the stream then waits): what it shows is what it must keep.
    await expect.poll(() => own.streamedText(turnId), { timeout: 10_000 }).toBe('first words ')
    await own.close()
    fake.release('quit-mid-reply')
    const again = await CoreHarness.open(dataDir, service)
    try {
      const view = await again.call('sessions.open', { id: session.id })
      expect(view.turns.find((t) => t.id === turnId)).toMatchObject({ status: 'stopped' })
      expect(view.messages.map((m) => [m.role, m.content, m.status])).toEqual([
        ['user', 'talk', 'complete'],
        ['assistant', 'first words ', 'stopped'],
      ])
      expect(view.recovery).toBeNull()
    } finally {
      await again.close()
    }
  })

  it('Stop ends the request and keeps the partial reply, marked stopped', async () => {
    fake.script({ hang: true, times: 1 })
    const session = await h.call('sessions.create', {})
    const { turnId } = await h.call('chat.send', { sessionId: session.id, text: 'stop me' })
    await h.waitFor('chat', (e) => e.type === 'delta' && e.turnId === turnId)
    await h.call('chat.stop', { sessionId: session.id })
    const ended = await h.turnEnded(turnId)
    expect(ended).toMatchObject({ status: 'stopped' })
    const view = await h.call('sessions.open', { id: session.id })
    const reply = view.messages.find((m) => m.role === 'assistant')!
    expect(reply.status).toBe('stopped')
    expect(reply.content.length).toBeGreaterThan(0)
    expect(view.session.running).toBe(false)
  })
})
