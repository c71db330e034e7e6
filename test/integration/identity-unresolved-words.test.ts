// What an unresolved session tells the user, word for word: the message and the fix of each reason Keel will not
// send for (no binding, with and without an app default; a resolved class instead of an entry; an entry gone; no
// key stored), as the session list shows them and as a refused send returns them. These words are the product: a
// user who reads "Nothing will be sent." and the fix must be able to act on it. Written for identity/resolve.ts's
// mutants (docs/mutation.md). Real SQLite files, the real keychain, the recording fake provider.
import { describe, expect, it } from 'vitest'
import Database from 'better-sqlite3'
import path from 'node:path'
import { CoreHarness, tempDataDir, testKey, testKeychainService, fakeProviderForFile } from '../support/core-harness'

const fake = fakeProviderForFile()
const service = testKeychainService()

/** Writes a session's binding the way an older version (or another tool) left it. */
const storedBinding = (dataDir: string, id: string, entryId: string | null, model: string | null, mode: 'pinned' | 'follow-default') => {
  const db = new Database(path.join(dataDir, 'keel.db'))
  db.prepare('UPDATE sessions SET binding_entry_id = ?, binding_model = ?, binding_mode = ? WHERE id = ?').run(entryId, model, mode, id)
  db.close()
}
/** A session made with an app default ("main"), its binding then rewritten in keel.db, and Keel started again on it. */
async function reopenedWithStoredBinding(entryId: string | null, model: string | null, mode: 'pinned' | 'follow-default') {
  const dataDir = tempDataDir()
  const first = await CoreHarness.open(dataDir, service)
  await first.call('providers.create', { id: 'main', name: 'Main', kind: 'openai-compatible', baseUrl: `${fake.url}/main/v1`, defaultModel: 'm-1', key: testKey('main') })
  const s = await first.call('sessions.create', {})
  await first.close()
  storedBinding(dataDir, s.id, entryId, model, mode)
  return { h: await CoreHarness.open(dataDir, service), s }
}
const listed = async (h: CoreHarness, id: string) => (await h.call('sessions.list', { limit: 50 })).items.find((s) => s.id === id)!.identity

/** The state the list shows, and the refusal a send gets: the same words, and nothing reaches a provider. */
async function expectRefused(h: CoreHarness, id: string, words: { reason: string; message: string; fix: string }) {
  expect((await listed(h, id)).state).toEqual({ kind: 'unresolved', ...words })
  const refused = await h.fail('chat.send', { sessionId: id, text: 'where does this go?' })
  expect(refused).toMatchObject({ kind: 'unresolved', message: words.message, fix: words.fix })
  expect(fake.requests().filter((r) => r.protocol !== 'models')).toEqual([])
}

describe('the words of an unresolved session', () => {
  it('no provider and no app default: says so and how to add one', async () => {
    const h = await CoreHarness.open(tempDataDir(), service)
    const s = await h.call('sessions.create', {})
    await expectRefused(h, s.id, {
      reason: 'no-binding',
      message: 'This session has no provider yet and there is no app default.',
      fix: 'Add a provider in Settings and set it as the default, or pick a model for this session.',
    })
    await h.close()
  })

  it('a pinned session bound to nothing while an app default exists: not handed to the default, and told to pick', async () => {
    const { h, s } = await reopenedWithStoredBinding(null, null, 'pinned')
    expect((await listed(h, s.id)).binding).toBeNull()
    await expectRefused(h, s.id, {
      reason: 'no-binding',
      message: 'This session is not bound to any provider entry yet (imported sessions start so). Nothing will be sent.',
      fix: 'Pick a provider and model for it in the model picker.',
    })
    await h.close()
  })

  it('a row bound to a resolved class with no model: names the class, shows "(no model)", and guesses no entry', async () => {
    const { h, s } = await reopenedWithStoredBinding('custom', '', 'follow-default')
    expect((await listed(h, s.id)).binding).toEqual({ entryId: 'custom', model: '(no model)', mode: 'follow-default' })
    await expectRefused(h, s.id, {
      reason: 'not-an-entry',
      message: 'This session was saved bound to "custom", a resolved provider class rather than a provider entry, so Keel does not know which entry, key and URL it meant. Nothing will be sent.',
      fix: 'Pick the provider entry and model for this session in the model picker.',
    })
    await h.close()
  })

  it('an entry removed from a valid config: names the entry, without blaming the config file, and says what to pick', async () => {
    const dataDir = tempDataDir()
    const h = await CoreHarness.open(dataDir, service)
    await h.call('providers.create', { id: 'gone', name: 'Gone', kind: 'openai-compatible', baseUrl: `${fake.url}/gone/v1`, defaultModel: 'g-1', auth: 'none' })
    await h.call('providers.create', { id: 'kept', name: 'Kept', kind: 'openai-compatible', baseUrl: `${fake.url}/kept/v1`, defaultModel: 'k-1', auth: 'none' })
    const s = await h.call('sessions.create', {})
    await h.call('sessions.bind', { id: s.id, entryId: 'gone', model: 'g-1' })
    await h.call('providers.delete', { id: 'gone' })
    await expectRefused(h, s.id, {
      reason: 'entry-missing',
      message: 'Provider entry "gone" no longer exists. Nothing will be sent.',
      fix: 'Pick another provider and model for this session in the model picker.',
    })
    await h.close()
  })

  it('no key stored for an entry that needs one: names the entry and its keychain account, and where to add the key', async () => {
    const h = await CoreHarness.open(tempDataDir(), service)
    await h.call('providers.create', { id: 'keyless-cloud', name: 'Keyless Cloud', kind: 'openai-compatible', baseUrl: `${fake.url}/kc/v1`, defaultModel: 'c-1' })
    const s = await h.call('sessions.create', {})
    await expectRefused(h, s.id, {
      reason: 'key-missing',
      message: 'No API key for "Keyless Cloud" is stored in the keychain (account provider:keyless-cloud). Nothing will be sent.',
      fix: 'Add the key for "Keyless Cloud" in Settings.',
    })
    await h.close()
  })

  it('picking an entry that does not exist, or following an app default there is none of, is refused with what to do; the binding stays', async () => {
    const h = await CoreHarness.open(tempDataDir(), service)
    const s = await h.call('sessions.create', {})
    expect(await h.fail('sessions.followDefault', { id: s.id })).toMatchObject({
      kind: 'unresolved',
      message: 'There is no app default to follow.',
      fix: 'Set a default provider and model in Settings.',
    })
    expect(await h.fail('sessions.bind', { id: s.id, entryId: 'nowhere', model: 'n-1' })).toMatchObject({
      kind: 'not-found',
      field: 'entryId',
      message: 'There is no provider entry "nowhere".',
      fix: 'Pick an entry listed in Settings.',
    })
    expect((await listed(h, s.id)).state).toMatchObject({ kind: 'unresolved', reason: 'no-binding' })
    await h.close()
  })
})
