// A session's overrides (issue #12) at their edges, on the real core, a real SQLite file and the recording fake
// provider: a stored parameter override that is not JSON at all refuses the turn with the error text and the fix
// the user reads (nothing is sent), and setting overrides on a session deleted meanwhile is refused without
// announcing a change to a session that no longer exists. Written for the mutants StrykerJS left alive in
// sessions/session-overrides.ts (issue #13).
import Database from 'better-sqlite3'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { CoreHarness, fakeProviderForFile, tempDataDir, testKeychainService } from '../support/core-harness'

const fake = fakeProviderForFile()
const service = testKeychainService()

async function open() {
  const h = await CoreHarness.open(tempDataDir('keel-override-edges'), service)
  await h.call('providers.create', { id: 'work', name: 'Work', kind: 'openai-compatible', baseUrl: `${fake.url}/work/v1`, auth: 'none', defaultModel: 'm-1' })
  const s = await h.call('sessions.create', {})
  await h.call('sessions.bind', { id: s.id, entryId: 'work', model: 'm-1' })
  return { h, sessionId: s.id }
}

describe('session overrides at their edges', () => {
  it('a stored parameter override that is not JSON refuses the turn with what happened and what to do; nothing is sent', async () => {
    const { h, sessionId } = await open()
    await h.call('sessions.setOverrides', { id: sessionId, instructions: null, params: { temperature: 0.5 } })
    const db = new Database(path.join(h.dataDir, 'keel.db'))
    db.prepare('UPDATE sessions SET params_override = ? WHERE id = ?').run('{"temperature": 0.5', sessionId)
    db.close()
    const sent = fake.requests().length
    const refused = await h.call('chat.send', { sessionId, text: 'hi' }).then(
      async ({ turnId }) => {
        const ended = await h.turnEnded(turnId)
        return ended.type === 'turn-ended' ? ended.error : null
      },
      (e: { data: unknown }) => e.data,
    )
    const expected = {
      kind: 'database',
      message: 'This session’s stored parameter override is not valid, so nothing was sent.',
      field: 'params',
      fix: 'Open the session header’s “Instructions & parameters…” and set the parameters again, or use the profile’s.',
    }
    expect(refused).toMatchObject(expected)
    expect(fake.requests().length).toBe(sent)
    // The header's editor says the same.
    expect(await h.fail('sessions.overrides', { id: sessionId })).toMatchObject(expected)
    await h.close()
  })

  it('setting overrides on a session deleted meanwhile is refused, and no change is announced for it', async () => {
    const { h, sessionId } = await open()
    await h.call('sessions.delete', { id: sessionId })
    expect(await h.fail('sessions.setOverrides', { id: sessionId, instructions: 'Answer in French.', params: { temperature: 1 } })).toMatchObject({
      kind: 'not-found',
      message: 'That session no longer exists.',
    })
    // The list is never told that a session that is gone was updated (it would look it up again for nothing).
    const announced = h.events('sessions').filter((e) => e.changes.some((c) => c.id === sessionId) && e.reason === 'overrides-changed')
    expect(announced).toEqual([])
    await h.close()
  })
})
