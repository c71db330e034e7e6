// tools.result (issue #9: "the UI shows the full result"): the tool row's Show full result reads a call's whole
// result through the channel, a page at a time. A result over the cap comes back whole (the kept file, not the
// ledger's capped text), redacted of the entry's key; an unknown call is not-found; a path is refused as an id.
import fs from 'node:fs'
import path from 'node:path'
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { CoreHarness, fakeProviderForFile, tempDataDir, testKey, testKeychainService } from '../support/core-harness'
import { defineTool, success, RESULT_TEXT_CAP } from '../../src/main/core/tools/tool-definition'
import type { SessionToolSet } from '../../src/main/core/agents/agent-steps'
import type { ChatEvent } from '../../src/shared/contract'

const fake = fakeProviderForFile()
const service = testKeychainService()
const key = testKey('result')
let h: CoreHarness
let dataDir: string
const toolSets = new Map<string, SessionToolSet>()

// ~600 k characters: three default pages. The key (redacted to 10 characters) ends the first page, and an emoji (a
// surrogate pair) just before the second, so both the redaction and the paging are put to the test.
const PAGE = 256 * 1024
const before = 'a'.repeat(PAGE - 10)
const middle = 'b'.repeat(PAGE - 1) + '😀'
const expected = `${before}${'[redacted]'}${middle}${'c'.repeat(80_000)}END`
const raw = `${before}${key}${middle}${'c'.repeat(80_000)}END`

const bigOutput = defineTool({
  name: 'big_output',
  description: 'Prints a lot.',
  effect: 'read',
  input: z.strictObject({}),
  async run() {
    return success(raw)
  },
})

// A tool that runs until Stop, then hands back the large output it had so far (as run_command does with a command
// cut short): the cancelled call keeps that output whole too.
let stoppedToolStarted: () => void = () => undefined
const bigUntilStop = defineTool({
  name: 'big_until_stop',
  description: 'Prints a lot until stopped.',
  effect: 'read',
  input: z.strictObject({}),
  async run(_args, ctx) {
    stoppedToolStarted()
    await new Promise<void>((resolve) => (ctx.signal.aborted ? resolve() : ctx.signal.addEventListener('abort', () => resolve(), { once: true })))
    return success(raw)
  },
})

beforeAll(async () => {
  dataDir = tempDataDir('keel-tool-result')
  const workspace = fs.realpathSync(fs.mkdtempSync(path.join(dataDir, '..', 'keel-ws-')))
  h = await CoreHarness.open(dataDir, service, { toolSet: (id) => toolSets.get(id) ?? null })
  await h.call('providers.create', { id: 'tr', name: 'E tr', kind: 'openai-compatible', baseUrl: `${fake.url}/tr/v1`, key, api: 'openai-chat' })
  toolSets.set('placeholder', { tools: [bigOutput], workspace })
})
afterAll(async () => {
  await h.close()
})

describe('tools.result', () => {
  it('a result over the cap comes back whole through paging, redacted of the key; the ledger kept only the head', async () => {
    const s = await h.call('sessions.create', {})
    await h.call('sessions.bind', { id: s.id, entryId: 'tr', model: 'm-1' })
    toolSets.set(s.id, toolSets.get('placeholder')!)
    fake.sequence([
      { pathPrefix: '/tr', toolCalls: [{ id: 'call_big', name: 'big_output', arguments: {} }] },
      { pathPrefix: '/tr', toolResults: true, reply: 'Read it.' },
    ])
    const m = h.mark()
    await h.call('chat.send', { sessionId: s.id, text: 'print a lot' })
    const ended = (await h.waitFor('chat', (e) => e.sessionId === s.id && e.type === 'turn-ended', 10_000, m)) as Extract<ChatEvent, { type: 'turn-ended' }>
    expect(ended).toMatchObject({ status: 'done', error: null })
    const [call] = (await h.call('sessions.open', { id: s.id })).toolCalls!
    expect(call).toMatchObject({ toolName: 'big_output', state: 'succeeded' })
    expect(call!.resultPreview!.length).toBeLessThan(RESULT_TEXT_CAP)

    const pages: Array<{ text: string; offset: number; total: number; truncated: boolean }> = []
    let offset = 0
    for (;;) {
      const page = await h.call('tools.result', { callId: call!.id, offset })
      pages.push(page)
      if (!page.truncated) break
      offset = page.offset + page.text.length
    }
    expect(pages.map((p) => p.offset)).toEqual([0, PAGE, 2 * PAGE - 1])
    expect(pages.every((p) => p.total === expected.length)).toBe(true)
    const whole = pages.map((p) => p.text).join('')
    expect(whole.length).toBe(expected.length)
    expect(whole === expected).toBe(true)
    expect(whole).not.toContain(key)
    // The emoji was not split: the second page ended before it, the third starts with it.
    expect(pages[2]!.text.startsWith('😀')).toBe(true)

    // A smaller page from the middle.
    expect(await h.call('tools.result', { callId: call!.id, offset: expected.length - 3, length: 10 })).toEqual({ text: 'END', offset: expected.length - 3, total: expected.length, truncated: false })
    expect(await h.fail('tools.result', { callId: call!.id, offset: expected.length + 1 })).toMatchObject({ kind: 'invalid-input', field: 'offset' })
  })

  it('a call cut short by Stop keeps its large output whole too: Show full result reads it all, redacted', async () => {
    const s = await h.call('sessions.create', {})
    await h.call('sessions.bind', { id: s.id, entryId: 'tr', model: 'm-1' })
    toolSets.set(s.id, { ...toolSets.get('placeholder')!, tools: [bigUntilStop] })
    fake.sequence([{ pathPrefix: '/tr', toolCalls: [{ id: 'call_stopped', name: 'big_until_stop', arguments: {} }] }])
    const started = new Promise<void>((resolve) => (stoppedToolStarted = resolve))
    const m = h.mark()
    await h.call('chat.send', { sessionId: s.id, text: 'print until I stop you' })
    await started
    await h.call('chat.stop', { sessionId: s.id })
    const ended = (await h.waitFor('chat', (e) => e.sessionId === s.id && e.type === 'turn-ended', 10_000, m)) as Extract<ChatEvent, { type: 'turn-ended' }>
    expect(ended).toMatchObject({ status: 'stopped' })
    const [call] = (await h.call('sessions.open', { id: s.id })).toolCalls!
    expect(call).toMatchObject({ toolName: 'big_until_stop', state: 'cancelled' })
    expect(call!.resultPreview).toMatch(/^cancelled by the user/)
    const first = await h.call('tools.result', { callId: call!.id })
    expect(first.total).toBe(expected.length)
    expect(first.text).not.toContain(key)
    const last = await h.call('tools.result', { callId: call!.id, offset: expected.length - 3 })
    expect(last.text).toBe('END')
  })

  it('an unknown call is not-found; a path or a result-file id is refused as a call id', async () => {
    expect(await h.fail('tools.result', { callId: randomUUID() })).toMatchObject({ kind: 'not-found' })
    for (const callId of ['../keel.db', '../../etc/passwd', 'tool-results/x.txt', `tr-${randomUUID()}`]) {
      expect(await h.fail('tools.result', { callId })).toMatchObject({ kind: 'invalid-input', field: 'callId' })
    }
  })
})
