// Quick-resume through the contract: re-resolve (key re-read by entry id), focus the window on the session, and
// send each session's next message with its own key, URL and model; unresolved sessions send nothing.
import { describe, expect, it } from 'vitest'
import keytar from 'keytar'
import { CoreHarness, tempDataDir, testKey, testKeychainService, fakeProviderForFile } from '../support/core-harness'

const fake = fakeProviderForFile()

const service = testKeychainService()

describe('quick-resume', () => {
  it('resumes sessions on different entries with the right key, URL and model, and emits focus', async () => {
    const dataDir = tempDataDir()
    let h = await CoreHarness.open(dataDir, service)
    const entries = [
      { id: 'alpha', key: testKey('alpha'), model: 'a-1' },
      { id: 'beta', key: testKey('beta'), model: 'b-1' },
      { id: 'gamma', key: testKey('gamma'), model: 'qwen/qwen3.6-27b' },
    ]
    const sessions: string[] = []
    for (const e of entries) {
      await h.call('providers.create', { id: e.id, name: e.id.toUpperCase(), kind: 'openai-compatible', baseUrl: `${fake.url}/${e.id}/v1`, defaultModel: e.model, key: e.key })
      const s = await h.call('sessions.create', {})
      await h.call('sessions.bind', { id: s.id, entryId: e.id, model: e.model })
      sessions.push(s.id)
    }
    await h.close()
    // The key of beta rotates in the keychain while Keel is closed: quick-resume must read it fresh.
    entries[1]!.key = testKey('beta-rotated')
    await keytar.setPassword(service, 'provider:beta', entries[1]!.key)

    h = await CoreHarness.open(dataDir, service)
    for (const [i, e] of entries.entries()) {
      const mark = h.mark()
      const s = await h.call('sessions.quickResume', { id: sessions[i]! })
      expect(s.identity).toMatchObject({ authority: 'live', state: { kind: 'resolved' }, identity: { entryId: e.id, model: e.model } })
      expect(await h.waitFor('focus', (f) => f.sessionId === sessions[i], 5000, mark)).toEqual({ sessionId: sessions[i], view: 'session' })
      const { turnId } = await h.call('chat.send', { sessionId: sessions[i]!, text: `to ${e.id}` })
      await h.turnEnded(turnId)
      expect(fake.requests().at(-1)).toMatchObject({ path: `/${e.id}/v1/chat/completions`, bearer: e.key, model: e.model })
    }
    await h.close()
  })

  it('an unresolved session opens in its unresolved state and sends nothing', async () => {
    const h = await CoreHarness.open(tempDataDir(), service)
    await h.call('providers.create', { id: 'nokey', name: 'No key', kind: 'openai-compatible', baseUrl: `${fake.url}/nokey/v1`, defaultModel: 'n' })
    const s = await h.call('sessions.create', {})
    fake.clear()
    const resumed = await h.call('sessions.quickResume', { id: s.id })
    expect(resumed.identity.state).toMatchObject({ kind: 'unresolved', reason: 'key-missing' })
    expect((await h.fail('chat.send', { sessionId: s.id, text: 'x' })).kind).toBe('unresolved')
    expect(fake.requests()).toEqual([])
    await h.close()
  })

  it('the tray menu is rebuilt (debounced) when sessions or identities change', async () => {
    const h = await CoreHarness.open(tempDataDir(), service)
    await h.call('providers.create', { id: 'tray', name: 'Tray', kind: 'ollama', baseUrl: `${fake.url}/tray/v1`, defaultModel: 'llama3.3' })
    const mark = h.mark()
    const s = await h.call('sessions.create', {})
    // The tray lists sessions with something to resume (an empty one is left out).
    await h.turnEnded((await h.call('chat.send', { sessionId: s.id, text: 'hello tray' })).turnId)
    await h.call('sessions.rename', { id: s.id, title: 'Tray me' })
    const menu = await h.waitFor('tray', (m) => m.items.some((i) => i.type === 'session' && i.title === 'Tray me'), 5000, mark)
    expect(menu.items[0]).toMatchObject({ type: 'session', detail: 'Tray · llama3.3', marker: null })
    await h.call('providers.delete', { id: 'tray' })
    const after = await h.waitFor('tray', (m) => m.items.some((i) => i.type === 'session' && i.marker === 'unresolved'))
    expect(after.items[0]).toMatchObject({ type: 'session', label: expect.stringContaining('(unresolved)') })
    expect((await h.call('tray.menu', {})).items[0]).toMatchObject({ marker: 'unresolved' })
    await h.close()
  })

  it('preferences persist across restarts and reject invalid values', async () => {
    const dataDir = tempDataDir()
    let h = await CoreHarness.open(dataDir, service)
    expect(await h.call('preferences.get', {})).toMatchObject({ theme: 'system', closeToTray: true })
    await h.call('preferences.set', { theme: 'dark', closeToTray: false })
    expect((await h.core.dispatch('preferences.set', { theme: 'purple' })).ok).toBe(false)
    await h.close()
    h = await CoreHarness.open(dataDir, service)
    expect(await h.call('preferences.get', {})).toMatchObject({ theme: 'dark', closeToTray: false })
    await h.close()
  })
})
