// A full or read-only disk under the data directory is a known condition: every refused write says which
// directory, what was not saved and what to do — never "Keel hit an unexpected error" — and Keel keeps working.
// Real faults: a small tmpfs filled to the last byte, and the same tmpfs remounted read-only.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { CoreHarness, fakeProviderForFile, testKey, testKeychainService } from '../support/core-harness'
import { BUILTIN_TOOLS } from '../../src/main/core/tools/builtin-tools'
import type { SessionToolSet } from '../../src/main/core/agents/agent-steps'
import { mountSmallDisk, mountUnavailable, type SmallDisk } from '../support/small-disk'
import { helloWorkspace } from '../support/agent-sessions'

const fake = fakeProviderForFile()
const unavailable = mountUnavailable()

let disk: SmallDisk | null = null
let h: CoreHarness | null = null
afterEach(async () => {
  // The unmount runs even when closing the core throws: no tmpfs may outlive the test run.
  try {
    await h?.close()
  } finally {
    h = null
    disk?.unmount()
    disk = null
  }
})

async function setUp(dataDir: string) {
  h = await CoreHarness.open(dataDir, testKeychainService())
  const entry = await h.call('providers.create', { name: 'Work', kind: 'openai-compatible', baseUrl: `${fake.url}/v1`, defaultModel: 'm1', key: testKey('disk') })
  const session = await h.call('sessions.create', {})
  await h.call('sessions.rename', { id: session.id, title: 'Kept title' })
  await h.call('sessions.saveDraft', { id: session.id, text: 'the draft saved before' })
  return { entry, session }
}

/** Each write of the issue, refused: returns the error of each. */
async function refusedWrites(core: CoreHarness, sessionId: string) {
  return {
    draft: await core.fail('sessions.saveDraft', { id: sessionId, text: 'typed while the disk was bad' }),
    create: await core.fail('sessions.create', {}),
    rename: await core.fail('sessions.rename', { id: sessionId, title: 'New title' }),
    provider: await core.fail('providers.create', { name: 'Second', kind: 'openai-compatible', baseUrl: `${fake.url}/v2`, defaultModel: 'm2', key: testKey('second') }),
    send: await core.fail('chat.send', { sessionId, text: 'hello' }),
  }
}

describe.skipIf(unavailable !== null)(`storage faults${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  it('disk full: each write names the full disk and what was not saved; nothing is lost and all works once space is freed', async () => {
    disk = mountSmallDisk()
    const dataDir = path.join(disk.dir, 'data')
    const { session } = await setUp(dataDir)
    const core = h!

    expect(disk.fill()).toBeGreaterThan(0)
    const errors = await refusedWrites(core, session.id)
    const expected: Record<keyof typeof errors, RegExp> = {
      draft: /the draft you typed .* was not saved/,
      create: /the new session was not saved/,
      rename: /the new title was not saved/,
      provider: /the new provider entry .* was not saved/,
      send: /your message \(nothing was sent.*\) was not saved/,
    }
    for (const [write, error] of Object.entries(errors)) {
      expect(error.kind, write).toBe('disk-full')
      expect(error.message, write).toContain(`The disk holding Keel's data directory (${dataDir}) is full`)
      expect(error.message, write).toMatch(expected[write as keyof typeof errors])
      expect(error.message, write).not.toMatch(/unexpected error/i)
      expect(error.fix, write).toMatch(/Free some space/)
    }
    // Nothing reached the provider, and the refused provider entry does not exist (nor half of it).
    expect(fake.requests()).toHaveLength(0)
    expect((await core.call('providers.list', {})).map((p) => p.name)).toEqual(['Work'])
    // The app says so too, and what was saved before is intact and readable.
    const state = await core.call('app.state', {})
    expect(state.storage).toMatchObject({ writable: false, problem: { kind: 'disk-full' } })
    expect(state.storage.problem?.message).toContain(dataDir)
    expect(core.events('app').some((e) => e.reason === 'storage-fault')).toBe(true)
    const during = await core.call('sessions.open', { id: session.id })
    expect(during.draft).toBe('the draft saved before')
    expect(during.session.title).toBe('Kept title')

    disk.free()
    expect((await core.call('app.state', {})).storage).toEqual({ writable: true, problem: null })
    await core.call('sessions.saveDraft', { id: session.id, text: 'typed while the disk was bad' })
    const created = await core.call('sessions.create', {})
    await core.call('sessions.rename', { id: session.id, title: 'New title' })
    await core.call('providers.create', { name: 'Second', kind: 'openai-compatible', baseUrl: `${fake.url}/v2`, defaultModel: 'm2', key: testKey('second') })
    const { turnId } = await core.call('chat.send', { sessionId: session.id, text: 'hello' })
    expect(await core.turnEnded(turnId)).toMatchObject({ status: 'done', error: null })

    // After a restart everything written after the fault is there, and the database is sound.
    await core.close()
    h = await CoreHarness.open(dataDir, core.keychainService)
    const reopened = await h.call('sessions.open', { id: session.id })
    expect(reopened.session.title).toBe('New title')
    expect(reopened.messages.map((m) => m.content)).toEqual(['hello', 'Echo [m1]: hello'])
    expect((await h.call('sessions.open', { id: created.id })).session.id).toBe(created.id)
    expect((await h.call('providers.list', {})).map((p) => p.name)).toEqual(['Work', 'Second'])
    expect((await h.call('diagnostics.app', {})).integrity).toBe('ok')
  })

  it('disk fills while a reply streams: the turn ends with the disk-full error instead of crashing or staying "running", and the next send works once space is freed', async () => {
    disk = mountSmallDisk()
    const dataDir = path.join(disk.dir, 'data')
    const { session } = await setUp(dataDir)
    const core = h!
    fake.script({ hold: 'mid-reply', reply: 'a reply that is still streaming when the disk fills up' })
    const { turnId } = await core.call('chat.send', { sessionId: session.id, text: 'write a lot' })
    // The first chunk is checkpointed at once; then the disk fills and the rest streams.
    await core.waitFor('chat', (e) => e.type === 'delta' && e.turnId === turnId)
    disk.fill()
    fake.release('mid-reply')
    const ended = await core.turnEnded(turnId)
    expect(ended).toMatchObject({ status: 'error', assistantMessageId: null, error: { kind: 'disk-full' } })
    if (ended.type !== 'turn-ended') throw new Error('not a turn end')
    expect(ended.error?.message).toBe(`The disk holding Keel's data directory (${dataDir}) is full: the reply was not saved.`)
    expect(core.events('app').some((e) => e.reason === 'storage-fault')).toBe(true)
    expect((await core.call('sessions.list', {})).items.find((s) => s.id === session.id)?.running).toBe(false)

    disk.free()
    const next = await core.call('chat.send', { sessionId: session.id, text: 'again' })
    expect(await core.turnEnded(next.turnId)).toMatchObject({ status: 'done', error: null })
  })

  it('disk fills during an agent turn, after its call is answered: the turn ends with the disk-full error naming the reply, the call stays answered, and the next send works once space is freed', async () => {
    disk = mountSmallDisk()
    const dataDir = path.join(disk.dir, 'data')
    // The workspace lives off the small disk: only Keel's own writes hit the full disk.
    const workspace = helloWorkspace(os.tmpdir(), 'keel-disk')
    const toolSets = new Map<string, SessionToolSet>()
    h = await CoreHarness.open(dataDir, testKeychainService(), { toolSet: (id) => toolSets.get(id) ?? null })
    const core = h
    await core.call('providers.create', { name: 'Work', kind: 'openai-compatible', baseUrl: `${fake.url}/v1`, defaultModel: 'm1', key: testKey('disk') })
    const session = await core.call('sessions.create', {})
    toolSets.set(session.id, { tools: BUILTIN_TOOLS, workspace })
    // Step 0 reads a file; step 1 (after the result is recorded and sent) holds after its first chunk.
    fake.sequence([
      { toolCalls: [{ id: 'call_disk', name: 'read_file', arguments: { path: 'hello.txt' } }] },
      { toolResultFor: 'call_disk', hold: 'agent-mid-reply', reply: 'The file greets you, at length.' },
    ])
    const { turnId } = await core.call('chat.send', { sessionId: session.id, text: 'What does hello.txt say?' })
    await core.waitFor('chat', (e) => e.type === 'tool-call' && e.turnId === turnId && e.call.state === 'succeeded')
    await core.waitFor('chat', (e) => e.type === 'delta' && e.turnId === turnId)
    const faults = () => core.events('app').filter((e) => e.reason === 'storage-fault').length
    const before = faults()
    expect(disk.fill()).toBeGreaterThan(0)
    fake.release('agent-mid-reply')
    const ended = await core.turnEnded(turnId)
    expect(ended).toMatchObject({ status: 'error', assistantMessageId: null, pause: null, error: { kind: 'disk-full' } })
    if (ended.type !== 'turn-ended') throw new Error('not a turn end')
    expect(ended.error?.message).toBe(`The disk holding Keel's data directory (${dataDir}) is full: the reply was not saved.`)
    expect(faults()).toBeGreaterThan(before)
    expect((await core.call('sessions.list', {})).items.find((s) => s.id === session.id)?.running).toBe(false)

    disk.free()
    // The call keeps its committed, answered state; the next send works.
    const view = await core.call('sessions.open', { id: session.id })
    expect(view.toolCalls).toMatchObject([{ providerCallId: 'call_disk', toolName: 'read_file', state: 'succeeded', turnId }])
    fake.script({ reply: 'ok' })
    const next = await core.call('chat.send', { sessionId: session.id, text: 'again' })
    expect(await core.turnEnded(next.turnId)).toMatchObject({ status: 'done', error: null })
    fs.rmSync(workspace, { recursive: true, force: true })
  })

  it('disk full from the first checkpoint of a streaming reply: one warning, the reply keeps streaming, and once space is freed it ends done with the whole text', async () => {
    disk = mountSmallDisk()
    const dataDir = path.join(disk.dir, 'data')
    const { session } = await setUp(dataDir)
    const core = h!
    const reply = 'one two three four five six'
    // The stream waits before any text (the first delta is checkpointed at once) and again before its fourth word.
    fake.script({ holdBefore: [{ chunk: 0, hold: 'before-text' }, { chunk: 3, hold: 'space-freed' }], reply })
    const { turnId } = await core.call('chat.send', { sessionId: session.id, text: 'write while the disk is full' })
    const faults = () => core.events('app').filter((e) => e.reason === 'storage-fault').length
    const before = faults()
    const notices = () => core.events('notice').filter((n) => n.sessionId === session.id)
    const warning = { sessionId: session.id, level: 'warning', text: `The disk holding Keel's data directory (${dataDir}) is full: the reply so far was not saved. The reply keeps streaming.` }
    const sinceFill = core.mark()
    expect(disk.fill()).toBeGreaterThan(0)
    fake.release('before-text')
    // The warning comes with the first refused checkpoint (the next one is a timer CHECKPOINT_MS away, and this
    // waiter resumes before any timer runs).
    expect(await core.waitFor('notice', (n) => n.sessionId === session.id, 10_000, sinceFill)).toEqual(warning)
    expect(faults() - before).toBe(1)
    // Three words stream onto the full disk: the first one's checkpoint is refused at once, the next two's by the
    // timed checkpoint that follows (CHECKPOINT_MS later) — two refused checkpoints at least.
    await core.waitFor('chat', (e) => e.type === 'delta' && e.turnId === turnId && e.text === 'three ')
    await core.waitFor('app', () => faults() - before >= 2)
    expect(core.events('chat').filter((e) => e.type === 'delta' && e.turnId === turnId).map((e) => (e.type === 'delta' ? e.text : ''))).toEqual(['one ', 'two ', 'three '])
    expect(notices()).toEqual([warning])

    disk.free()
    fake.release('space-freed')
    expect(await core.turnEnded(turnId)).toMatchObject({ status: 'done', error: null })
    expect(core.events('chat').filter((e) => e.type === 'delta' && e.turnId === turnId).map((e) => (e.type === 'delta' ? e.text : '')).join('')).toBe(reply)
    // Still the one warning, and nothing lost: the whole reply is stored.
    expect(notices()).toHaveLength(1)
    const view = await core.call('sessions.open', { id: session.id })
    expect(view.messages.map((m) => m.content)).toEqual(['write while the disk is full', reply])
  })

  it('starting on a full disk is refused with the disk-full error naming the directory (not "could not lock"), and nothing is lost', async () => {
    disk = mountSmallDisk()
    const dataDir = path.join(disk.dir, 'data')
    const { session } = await setUp(dataDir)
    const service = h!.keychainService
    await h!.close()
    h = null
    disk.fill()
    await expect(CoreHarness.open(dataDir, service)).rejects.toMatchObject({
      data: { kind: 'disk-full', message: `Keel cannot start: the disk holding its data directory (${dataDir}) is full. Nothing was changed.`, fix: expect.stringMatching(/Free some space/) },
    })
    disk.free()
    h = await CoreHarness.open(dataDir, service)
    expect((await h.call('sessions.open', { id: session.id })).draft).toBe('the draft saved before')
  })

  it('read-only data directory: reported in app.state at startup, sessions stay readable, each write names it', async () => {
    disk = mountSmallDisk()
    const dataDir = path.join(disk.dir, 'data')
    const { session } = await setUp(dataDir)
    const service = h!.keychainService
    await h!.close()
    h = null
    disk.remount('ro')

    h = await CoreHarness.open(dataDir, service)
    const state = await h.call('app.state', {})
    expect(state.storage.writable).toBe(false)
    expect(state.storage.problem?.kind).toBe('read-only')
    expect(state.storage.problem?.message).toContain(`Keel's data directory (${dataDir}) was read-only when Keel started`)
    expect(state.storage.problem?.fix).toMatch(/writable/)

    const view = await h.call('sessions.open', { id: session.id })
    expect(view.draft).toBe('the draft saved before')
    expect(view.session.title).toBe('Kept title')

    const errors = await refusedWrites(h, session.id)
    for (const [write, error] of Object.entries(errors)) {
      expect(error.kind, write).toBe('read-only')
      expect(error.message, write).toContain(`Keel's data directory (${dataDir}) is read-only`)
      expect(error.message, write).toMatch(/was not saved/)
      expect(error.message, write).not.toMatch(/unexpected error/i)
    }
    expect(errors.draft.message).toMatch(/the draft you typed/)
    expect(fake.requests()).toHaveLength(0)

    await h.close()
    h = null
    disk.remount('rw')
    h = await CoreHarness.open(dataDir, service)
    expect((await h.call('app.state', {})).storage).toEqual({ writable: true, problem: null })
    await h.call('sessions.saveDraft', { id: session.id, text: 'saved again' })
    expect((await h.call('sessions.open', { id: session.id })).draft).toBe('saved again')
  })
})
