// A model id carrying a legacy alias's prefix on an entry that is already canonical (entry `openai`, model
// `openai-codex/gpt-5.5` or `codex/gpt-5.5`, as older rows and other tools wrote them): the prefix is never part of
// a real model id, so the one canonicalize step strips it — on the picker's bind and in the startup repair — and
// the request names the bare model (invariants 1, 5, 12).
import { describe, expect, it } from 'vitest'
import Database from 'better-sqlite3'
import path from 'node:path'
import { CoreHarness, tempDataDir, testKey, testKeychainService, fakeProviderForFile } from '../support/core-harness'

const fake = fakeProviderForFile()
const service = testKeychainService()

const row = (dataDir: string, id: string) => {
  const db = new Database(path.join(dataDir, 'keel.db'), { readonly: true })
  const r = db.prepare('SELECT binding_entry_id AS entryId, binding_model AS model FROM sessions WHERE id = ?').get(id)
  db.close()
  return r as { entryId: string; model: string }
}

async function withOpenAI(dataDir = tempDataDir()) {
  const h = await CoreHarness.open(dataDir, service)
  // local: false — the fake stands in for OpenAI's own API here, not for a local server (which keeps whole ids).
  await h.call('providers.create', { id: 'openai', name: 'OpenAI', kind: 'openai', baseUrl: `${fake.url}/oai/v1`, key: testKey('oai'), api: 'openai-chat', local: false })
  return h
}

describe('legacy alias prefixes on a canonical entry', () => {
  for (const model of ['openai-codex/gpt-5.5', 'codex/gpt-5.5', 'OpenAI-Codex/gpt-5.5']) {
    it(`binding entry "openai" to "${model}" stores and sends "gpt-5.5"`, async () => {
      const h = await withOpenAI()
      const s = await h.call('sessions.create', {})
      const binding = await h.call('sessions.bind', { id: s.id, entryId: 'openai', model })
      expect(JSON.stringify(binding)).toContain('"model":"gpt-5.5"')
      expect(row(h.dataDir, s.id)).toEqual({ entryId: 'openai', model: 'gpt-5.5' })
      const { turnId } = await h.call('chat.send', { sessionId: s.id, text: 'hi' })
      expect(await h.turnEnded(turnId)).toMatchObject({ status: 'done' })
      expect(fake.requests().filter((r) => r.protocol === 'openai-chat').map((r) => [r.path, r.model])).toEqual([['/oai/v1/chat/completions', 'gpt-5.5']])
      await h.close()
    })
  }

  // On entry "openai" above, the prefixes are the entry's own (its legacy aliases, its kind). A binding written with
  // the legacy id itself is the other path: its prefix goes even where the entry's rules would keep an id whole
  // (a local server whose list is not known yet).
  it('binding the legacy id "lm-studio" to "lm-studio/qwen/qwen3.6-27b" stores and sends LM Studio\'s "qwen/qwen3.6-27b"', async () => {
    const h = await CoreHarness.open(tempDataDir(), service)
    await h.call('providers.create', { id: 'lmstudio', name: 'LM Studio', kind: 'lmstudio', baseUrl: `${fake.url}/lms-alias/v1` })
    const s = await h.call('sessions.create', {})
    const bound = await h.call('sessions.bind', { id: s.id, entryId: 'lm-studio', model: 'lm-studio/qwen/qwen3.6-27b' })
    expect(bound.identity.binding).toMatchObject({ entryId: 'lmstudio', model: 'qwen/qwen3.6-27b' })
    expect(row(h.dataDir, s.id)).toEqual({ entryId: 'lmstudio', model: 'qwen/qwen3.6-27b' })
    const { turnId } = await h.call('chat.send', { sessionId: s.id, text: 'hi' })
    expect(await h.turnEnded(turnId)).toMatchObject({ status: 'done' })
    expect(fake.requests().filter((r) => r.path.startsWith('/lms-alias/')).map((r) => [r.path, r.model])).toEqual([['/lms-alias/v1/chat/completions', 'qwen/qwen3.6-27b']])
    await h.close()
  })

  it('a row written as entry "openai", model "openai-codex/gpt-5.5" is repaired at startup', async () => {
    const dataDir = tempDataDir()
    let h = await withOpenAI(dataDir)
    const s = await h.call('sessions.create', {})
    await h.close()
    const db = new Database(path.join(dataDir, 'keel.db'))
    db.prepare("UPDATE sessions SET binding_entry_id = 'openai', binding_model = 'openai-codex/gpt-5.5', binding_mode = 'pinned' WHERE id = ?").run(s.id)
    db.close()
    h = await CoreHarness.open(dataDir, service)
    expect(row(dataDir, s.id)).toEqual({ entryId: 'openai', model: 'gpt-5.5' })
    const app = await h.call('diagnostics.app', {})
    expect(app.migrations[0]!.summary).toMatch(/binding repair: canonicalized 1 session binding/)
    await h.close()
  })
})
