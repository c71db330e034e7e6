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
  it('checkpoints streamed text into the turn row within the checkpoint interval (≤ 250 ms)', async () => {
    expect(CHECKPOINT_MS).toBeLessThanOrEqual(250)
    fake.script({ hang: true, times: 1 })
    const session = await h.call('sessions.create', {})
    const { turnId } = await h.call('chat.send', { sessionId: session.id, text: 'keep talking' })
    const delta = await h.waitFor('chat', (e) => e.type === 'delta' && e.turnId === turnId)
    const reader = new Database(path.join(h.dataDir, 'keel.db'), { readonly: true })
    const started = Date.now()
    await expect
      .poll(() => (reader.prepare('SELECT partial_text FROM turns WHERE id = ?').get(turnId) as { partial_text: string }).partial_text, { interval: 10, timeout: 2000 })
      .toBe(delta.type === 'delta' ? delta.text : '')
    expect(Date.now() - started).toBeLessThan(CHECKPOINT_MS + 200)
    reader.close()
    await h.call('chat.stop', { sessionId: session.id })
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
