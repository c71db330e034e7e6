// What the window shows of a tool's result: a short result whole, a long one cut to its first 2,000 characters with
// an ellipsis, one of exactly 2,000 whole (the cut is for longer ones only) — while the model gets the result whole. Real core, real files, the recording fake provider.
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { toolResultsSent } from '../fake-provider/server'
import { CoreHarness, fakeProviderForFile, tempDataDir, testKeychainService } from '../support/core-harness'

const fake = fakeProviderForFile()
const service = testKeychainService()

describe('a tool result in the window', () => {
  it('a long result is previewed cut with "…", a short one and one of exactly 2,000 characters whole; the provider receives all whole', async () => {
    const dataDir = tempDataDir('keel-preview')
    const h = await CoreHarness.open(dataDir, service)
    await h.call('providers.create', { id: 'work', name: 'Work', kind: 'openai-compatible', baseUrl: `${fake.url}/preview/v1`, auth: 'none', defaultModel: 'm-1' })
    const workspace = fs.mkdtempSync(path.join(dataDir, 'ws-'))
    fs.writeFileSync(path.join(workspace, 'long.txt'), `${'0123456789'.repeat(300)}\n`)
    fs.writeFileSync(path.join(workspace, 'short.txt'), 'bee\n')
    // read_file shows a line as its number (6 wide) and a tab, then the line: 7 + 1,993 = 2,000 characters.
    fs.writeFileSync(path.join(workspace, 'edge.txt'), `${'e'.repeat(1993)}\n`)
    await h.call('profiles.create', { name: 'Reader', tools: [{ source: 'builtin', name: 'read_file' }], approvals: [{ source: 'builtin', name: 'read_file', approval: 'allow' }], workspace })
    const s = await h.call('sessions.create', { profileId: 'reader' })
    await h.call('sessions.bind', { id: s.id, entryId: 'work', model: 'm-1' })
    fake.sequence([
      { pathPrefix: '/preview', toolCalls: [{ id: 'call_long', name: 'read_file', arguments: { path: 'long.txt' } }, { id: 'call_short', name: 'read_file', arguments: { path: 'short.txt' } }, { id: 'call_edge', name: 'read_file', arguments: { path: 'edge.txt' } }] },
      { pathPrefix: '/preview', toolResultFor: 'call_short', reply: 'Read both.' },
    ])
    const since = h.mark()
    const { turnId } = await h.call('chat.send', { sessionId: s.id, text: 'read them' })
    expect(await h.waitFor('chat', (e) => e.type === 'turn-ended' && e.turnId === turnId, 15_000, since)).toMatchObject({ status: 'done' })

    const sent = toolResultsSent(fake.requests().at(-1)!)
    const whole = (callId: string) => sent.find((r) => r.callId === callId)!.content as string
    expect(whole('call_long').length).toBeGreaterThan(2001)
    const shown = (callId: string) => {
      const answered = h.events('chat').filter((e) => e.type === 'tool-call' && e.call.providerCallId === callId && e.call.resultPreview !== null)
      const last = answered.at(-1)
      if (!last || last.type !== 'tool-call') throw new Error(`no answered tool-call event for ${callId}`)
      return last.call.resultPreview
    }
    expect(shown('call_long')).toBe(`${whole('call_long').slice(0, 2000)}…`)
    expect(shown('call_short')).toBe(whole('call_short'))
    expect(whole('call_short')).toContain('bee')
    expect(whole('call_edge')).toHaveLength(2000)
    expect(shown('call_edge')).toBe(whole('call_edge'))
    await h.close()
  })
})
