// An entry that needs no key (a local server, a gateway with auth "none") while the OS keychain is locked: there is
// nothing to unlock for it, so Settings says no key is needed and its sessions still send. Only an entry that needs
// a key makes Keel ask whether the keychain is locked. A real gnome-keyring on a private bus, locked with the Secret
// Service Lock method. Written for the identity group's mutation survivors at 62b79dc (docs/mutation.md).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CoreHarness, fakeProviderForFile } from '../support/core-harness'
import { openCoreOnPrivateKeyring, type PrivateKeyring } from '../support/private-keyring'

const fake = fakeProviderForFile()

let keyring: PrivateKeyring
let h: CoreHarness
let close: (() => Promise<void>) | undefined
beforeAll(async () => {
  ;({ keyring, h, close } = await openCoreOnPrivateKeyring())
})
afterAll(async () => {
  await close?.()
})

describe('a keyless entry on a locked keychain', () => {
  it('Settings says "not needed" (not "keychain locked"), the session is resolved, and a send goes out', async () => {
    await h.call('providers.create', { id: 'lan', name: 'LAN server', kind: 'openai-compatible', baseUrl: `${fake.url}/lan/v1`, api: 'openai-chat', defaultModel: 'l', auth: 'none' })
    const s = await h.call('sessions.create', {})
    await h.call('sessions.bind', { id: s.id, entryId: 'lan', model: 'l' })

    await keyring.lock()

    expect((await h.call('providers.list', {})).map((p) => [p.id, p.keyStatus])).toEqual([['lan', 'not-needed']])
    expect((await h.call('sessions.open', { id: s.id })).session.identity.state).toEqual({ kind: 'resolved' })
    const { turnId } = await h.call('chat.send', { sessionId: s.id, text: 'hello' })
    expect((await h.turnEnded(turnId)) as { status: string }).toMatchObject({ status: 'done' })
    expect(fake.requests().filter((r) => r.protocol !== 'models').map((r) => r.path)).toEqual(['/lan/v1/chat/completions'])
  })

  it('an entry listed after the keyless one, that needs a key, says "keychain locked" (not "key missing")', async () => {
    // Whether an entry expects a key is asked of that entry, not of the first one in config.json (here: "lan").
    await h.call('providers.create', { id: 'paid', name: 'Paid', kind: 'openai-compatible', baseUrl: `${fake.url}/paid/v1`, api: 'openai-chat', defaultModel: 'p', auth: 'api-key' })
    const s = await h.call('sessions.create', {})
    await h.call('sessions.bind', { id: s.id, entryId: 'paid', model: 'p' })
    await keyring.lock()
    expect((await h.call('sessions.open', { id: s.id })).session.identity.state).toMatchObject({ kind: 'unresolved', reason: 'keychain-locked' })
  })

  it('after a restart on the still-locked keychain, the list resolves the keyless session afresh: it is not "locked" because a keyed entry read with it is', async () => {
    // The running core holds each resolved session's runtime; a restart makes the list resolve every session from
    // one keychain read of all entries, in which the keyed "paid" finds the keychain locked.
    await h.close()
    const again = await CoreHarness.open(h.dataDir, h.keychainService)
    try {
      const listed = (await again.call('sessions.list', { limit: 50 })).items
      const states = listed.map((i) => [i.identity.binding?.entryId, i.identity.state.kind === 'unresolved' ? i.identity.state.reason : i.identity.state.kind])
      expect(states.sort()).toEqual([
        ['lan', 'resolved'],
        ['paid', 'keychain-locked'],
      ])
    } finally {
      await again.close()
    }
  })
})
