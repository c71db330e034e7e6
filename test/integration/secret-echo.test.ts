// A provider that echoes the key back — as is, base64, base64url, hex, percent-encoded, inside Basic auth — never
// gets it into the turn's stored error, the database file, the data directory, or anything sent to the renderer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import { CoreHarness, fakeProviderForFile, tempDataDir, testKey, testKeychainService } from '../support/core-harness'
import { filesUnder } from '../support/data-scan'

const fake = fakeProviderForFile()
const service = testKeychainService()
const KEY = testKey('echo')

let h: CoreHarness
let entryId: string

function encodingsOf(secret: string): Record<string, string> {
  const bytes = Buffer.from(secret, 'utf8')
  return {
    raw: secret,
    base64: bytes.toString('base64').replace(/=+$/, ''),
    base64url: bytes.toString('base64url'),
    hex: bytes.toString('hex'),
    percent: [...bytes].map((b) => `%${b.toString(16).padStart(2, '0')}`).join(''),
    // The middle of base64("user:" + key): what any Basic header carrying the key contains.
    basicMiddle: Buffer.from(`user:${secret}`).toString('base64').slice(8, 60),
  }
}

/** Fails naming the encoding and where it was found. */
function expectNoKey(where: string, text: string) {
  const haystack = text.toLowerCase()
  for (const [name, form] of Object.entries(encodingsOf(KEY))) {
    expect(haystack.includes(form.toLowerCase()), `the ${name} form of the key is in ${where}`).toBe(false)
  }
}

beforeAll(async () => {
  h = await CoreHarness.open(tempDataDir(), service)
  entryId = (await h.call('providers.create', { name: 'Echoer', kind: 'openai-compatible', baseUrl: `${fake.url}/echo/v1`, defaultModel: 'e-1', key: KEY })).id
})
afterAll(async () => {
  await h.close()
})

describe('a provider echoing the key in an error body', () => {
  it('the 401 reaches the user as an auth error with every encoding of the key removed (IPC, turns.error_json, keel.db, data dir)', async () => {
    fake.script({ status: 401, echoKey: ['raw', 'base64', 'base64url', 'hex', 'url', 'basic'] })
    const session = await h.call('sessions.create', {})
    await h.call('sessions.bind', { id: session.id, entryId, model: 'e-1' })
    const { turnId } = await h.call('chat.send', { sessionId: session.id, text: 'hello' })
    const ended = await h.turnEnded(turnId)

    // The fake really did echo it: the test fails if the echo stops happening rather than passing vacuously.
    expect(fake.requests().at(-1)?.bearer).toBe(KEY)
    if (ended.type !== 'turn-ended') throw new Error('unreachable')
    expect(ended.error?.kind).toBe('auth')
    expect(ended.error?.message).toMatch(/You sent: raw=\[redacted\] base64=\[redacted\]/)

    // Everything the renderer receives: the event, the session view, diagnostics and the report.
    expectNoKey('the turn-ended event', JSON.stringify(ended))
    expectNoKey('sessions.open', JSON.stringify(await h.call('sessions.open', { id: session.id })))
    expectNoKey('diagnostics.report', (await h.call('diagnostics.report', {})).json)
    expectNoKey('the events sent', JSON.stringify(h.events('chat')))

    const db = new Database(path.join(h.dataDir, 'keel.db'), { readonly: true })
    const rows = db.prepare('SELECT error_json FROM turns WHERE id = ?').all(turnId) as Array<{ error_json: string }>
    db.close()
    expect(rows[0]?.error_json).toMatch(/\[redacted\]/)
    expectNoKey('turns.error_json', rows[0]!.error_json)
  })

  it('a reply that echoes the key is stored and shown with every encoding of it removed', async () => {
    const b64 = Buffer.from(KEY).toString('base64')
    fake.script({ reply: `Your key is ${KEY} (base64 ${b64}, hex ${Buffer.from(KEY).toString('hex')}). Anything else?`, slow: { chunks: 6, intervalMs: 1 } })
    const session = await h.call('sessions.create', {})
    await h.call('sessions.bind', { id: session.id, entryId, model: 'e-1' })
    const { turnId } = await h.call('chat.send', { sessionId: session.id, text: 'what is my key?' })
    const ended = await h.turnEnded(turnId)
    expect(ended).toMatchObject({ status: 'done' })
    const deltas = h.events('chat').filter((e) => e.type === 'delta' && e.turnId === turnId)
    expect(deltas.length).toBeGreaterThan(1)
    const streamed = h.streamedText(turnId)
    expect(streamed).toBe('Your key is [redacted] (base64 [redacted], hex [redacted]). Anything else?')

    const db = new Database(path.join(h.dataDir, 'keel.db'), { readonly: true })
    const rows = db.prepare("SELECT content FROM messages WHERE session_id = ? AND role = 'assistant'").all(session.id) as Array<{ content: string }>
    db.close()
    expect(rows.map((r) => r.content)).toEqual([streamed])
  })

  it('a models list that echoes the key as a model id drops that id', async () => {
    fake.script({ protocol: 'models', models: ['e-1', KEY, Buffer.from(KEY).toString('base64')] })
    const list = await h.call('providers.models', { entryId, refresh: true })
    expect(list.source).toBe('live')
    expect(list.models).toEqual(['e-1'])
  })

  it('no file in the data directory holds any encoding of the key (database and WAL included)', async () => {
    await h.close()
    const files = filesUnder(h.dataDir)
    expect(files.some((f) => f.endsWith('keel.db'))).toBe(true)
    for (const file of files) expectNoKey(path.relative(h.dataDir, file), fs.readFileSync(file).toString('latin1'))
    h = await CoreHarness.open(h.dataDir, service)
  })
})
