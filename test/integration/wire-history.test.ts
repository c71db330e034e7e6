// The history a plain chat turn sends is kept per session and extended as messages are added (issue #8: no re-read
// of the whole session per send). What the provider receives must not change: the full conversation, in order,
// whatever other sessions did in between, and after a restart.
import { afterEach, describe, expect, it } from 'vitest'
import { CoreHarness, fakeProviderForFile, tempDataDir, testKey, testKeychainService } from '../support/core-harness'

const fake = fakeProviderForFile()
const service = testKeychainService()
let h: CoreHarness | null = null

afterEach(async () => {
  await h?.close()
  h = null
})

type Sent = { role: string; content: string }
const sentMessages = () => fake.requests().filter((r) => r.protocol === 'openai-chat').map((r) => (r.body as { messages: Sent[] }).messages)

async function send(core: CoreHarness, sessionId: string, text: string) {
  const { turnId } = await core.call('chat.send', { sessionId, text })
  expect(await core.turnEnded(turnId)).toMatchObject({ status: 'done' })
}

/** The conversation as a provider must receive it before the next message: every stored message, in order. */
async function stored(core: CoreHarness, sessionId: string): Promise<Sent[]> {
  return (await core.call('sessions.open', { id: sessionId })).messages.map((m) => ({ role: m.role, content: m.content }))
}

describe('the history a chat turn sends', () => {
  it('is the whole conversation on every send, with many sessions in between (more than are kept) and after a restart', async () => {
    const dataDir = tempDataDir()
    h = await CoreHarness.open(dataDir, service)
    await h.call('providers.create', { name: 'Work', kind: 'openai-compatible', baseUrl: `${fake.url}/v1`, defaultModel: 'm-1', key: testKey('history') })
    const main = await h.call('sessions.create', {})
    const others = await Promise.all(Array.from({ length: 20 }, () => h!.call('sessions.create', {})))

    for (let round = 0; round < 3; round++) {
      const expected = [...(await stored(h, main.id)), { role: 'user', content: `main ${round}` }]
      await send(h, main.id, `main ${round}`)
      expect(sentMessages().at(-1)).toEqual(expected)
      // Every other session gets a turn too, so the main session's kept history is pushed out and read again.
      for (const [i, s] of others.entries()) {
        const theirs = [...(await stored(h, s.id)), { role: 'user', content: `other ${i}.${round}` }]
        await send(h, s.id, `other ${i}.${round}`)
        expect(sentMessages().at(-1)).toEqual(theirs)
      }
    }
    const before = await stored(h, main.id)
    expect(before).toHaveLength(6)

    await h.close()
    h = await CoreHarness.open(dataDir, service)
    await send(h, main.id, 'after the restart')
    expect(sentMessages().at(-1)).toEqual([...before, { role: 'user', content: 'after the restart' }])
    // And once more in the same run: the kept history was extended by the reply and the new message, nothing lost.
    await send(h, main.id, 'and again')
    expect(sentMessages().at(-1)).toEqual([...(await stored(h, main.id)).slice(0, -1)])
    expect(sentMessages().at(-1)!.at(-1)).toEqual({ role: 'user', content: 'and again' })
  })
})

describe('the history a chat turn sends after moving between versions (issue #12)', () => {
  it('is the chosen branch, whether the newer messages lie on another branch or on this one beside what was kept', async () => {
    h = await CoreHarness.open(tempDataDir(), service)
    await h.call('providers.create', { name: 'Work', kind: 'openai-compatible', baseUrl: `${fake.url}/v1`, defaultModel: 'm-1', key: testKey('versions') })
    const { id } = await h.call('sessions.create', {})
    /** Sends `text` and checks the provider got exactly the branch shown, then `text`. */
    const sendChecked = async (text: string) => {
      const expected = [...(await stored(h!, id)), { role: 'user', content: text }]
      await send(h!, id, text)
      expect(sentMessages().at(-1)).toEqual(expected)
    }
    await sendChecked('q1')
    await sendChecked('q2')
    const q2 = (await h.call('sessions.open', { id })).messages[2]!
    expect(q2.content).toBe('q2')
    // A second version of q2, answered; then a message on that branch (kept: q1, its reply, q2b, its reply).
    const edited = await h.call('chat.edit', { sessionId: id, messageId: q2.id, text: 'q2b' })
    expect(await h.turnEnded(edited.turnId)).toMatchObject({ status: 'done' })
    await sendChecked('q3')

    // Back to the first version: its branch has nothing newer than what was kept (it all lies before), so it is read
    // again, not answered by the kept branch of q2b.
    await h.call('sessions.selectBranch', { sessionId: id, messageId: q2.id })
    await sendChecked('q4')
    expect(JSON.stringify(sentMessages().at(-1))).not.toMatch(/q2b|q3/)

    // And over to q2b's branch again: it has messages newer than the kept one (q2 branch's reply), but they start
    // beside it, not after it; what is sent is q2b's branch alone, not both.
    await h.call('sessions.selectBranch', { sessionId: id, messageId: edited.messageId })
    await sendChecked('q5')
    const sent = sentMessages().at(-1)!
    expect(sent.map((m) => m.content).filter((c) => /^q\d/.test(c))).toEqual(['q1', 'q2b', 'q3', 'q5'])
  })
})
