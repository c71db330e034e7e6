// Crash mid-turn (a real SIGKILL): continuation is automatic only when the re-resolved identity key matches the
// recorded one; otherwise Keel asks and shows the difference. The recovery note is never stored (invariant 9).
import { describe, expect, it } from 'vitest'
import keytar from 'keytar'
import fs from 'node:fs'
import path from 'node:path'
import { RECOVERY_NOTE } from '../../src/main/core/agents/recovery'
import { CHILD_PROCESS_TIMEOUT_MS, crashBeforeText, crashMidTurn, crashWhileContinuing } from '../support/crash'
import { filesContaining } from '../support/data-scan'
import { CoreHarness, tempDataDir, testKey, testKeychainService, fakeProviderForFile } from '../support/core-harness'
import { WORKSPACE_AGENT_PROFILE_ID } from '../../src/shared/agent-profiles'
import { toolNamesOffered } from '../fake-provider/server'

const fake = fakeProviderForFile()

const service = testKeychainService()

/**
 * A session on `crashy` whose reply a crash cut short. With `spareSession`, a second session, on `spare`, made
 * before the crash (after it, opening Keel would already continue the reply).
 */
async function sessionThatCrashed(options: { spareSession?: boolean } = {}) {
  const dataDir = tempDataDir()
  const h = await CoreHarness.open(dataDir, service)
  const key = testKey('crash')
  await h.call('providers.create', { id: 'crashy', name: 'Crashy', kind: 'openai-compatible', baseUrl: `${fake.url}/crashy/v1`, defaultModel: 'c-1', key })
  await h.call('providers.create', { id: 'spare', name: 'Spare', kind: 'openai-compatible', baseUrl: `${fake.url}/spare/v1`, defaultModel: 's-1', key: testKey('spare') })
  const s = await h.call('sessions.create', {})
  await h.call('sessions.bind', { id: s.id, entryId: 'crashy', model: 'c-1' })
  const spare = options.spareSession ? await h.call('sessions.create', {}) : null
  if (spare) await h.call('sessions.bind', { id: spare.id, entryId: 'spare', model: 's-1' })
  await h.close()
  fake.script({ hang: true, times: 1 })
  const turnId = await crashMidTurn(dataDir, service, s.id, 'tell me a long story')
  fake.clear()
  return { dataDir, sessionId: s.id, turnId, key, spareSessionId: spare?.id ?? '' }
}

/** Every file Keel keeps under the data dir (database, WAL, backups/, config) that holds the note, byte for byte. */
const noteStoredIn = (dataDir: string) => filesContaining(dataDir, RECOVERY_NOTE)

describe('crash recovery', { timeout: CHILD_PROCESS_TIMEOUT_MS }, () => {
  it('continues automatically on the same identity; the note reaches the model but never the database', async () => {
    const { dataDir, sessionId, turnId } = await sessionThatCrashed()
    // The fake echoes the last user message by default; a real model would not repeat the note back.
    fake.script({ reply: 'and they lived happily ever after.', times: 1 })
    const h = await CoreHarness.open(dataDir, service)
    const started = await h.waitFor('chat', (e) => e.type === 'turn-started' && e.sessionId === sessionId)
    await h.turnEnded(started.turnId)
    // The windows are told why a reply goes on by itself.
    await h.waitFor('notice', (e) => e.sessionId === sessionId && e.level === 'info' && e.text === 'Continuing a reply that was interrupted when Keel stopped.')
    const req = fake.requests().find((r) => r.protocol === 'openai-chat')!
    expect(req.path).toBe('/crashy/v1/chat/completions')
    expect(JSON.stringify(req.body)).toContain('Continue it from exactly where it stopped')
    const view = await h.call('sessions.open', { id: sessionId })
    expect(view.messages.map((m) => [m.role, m.status])).toEqual([
      ['user', 'complete'],
      ['assistant', 'interrupted'],
      ['assistant', 'complete'],
    ])
    expect(view.messages.at(-1)!.content).toBe('and they lived happily ever after.')
    expect(view.recovery).toMatchObject({ turnId, status: 'continued', differences: [] })
    expect(JSON.stringify(view)).not.toContain(RECOVERY_NOTE)
    expect(noteStoredIn(dataDir)).toEqual([])
    // The continued reply answers no message of the user's: regenerating it is refused, pointing at the one before.
    const asked = fake.requests().length
    expect(await h.fail('chat.regenerate', { sessionId, messageId: view.messages.at(-1)!.id })).toMatchObject({
      kind: 'conflict',
      message: 'This reply continued an interrupted one, so there is no message of yours to answer again.',
      fix: 'Regenerate the reply before it.',
    })
    expect(fake.requests()).toHaveLength(asked)
    expect((await h.call('sessions.open', { id: sessionId })).messages).toHaveLength(3)
    await h.close()
    expect(noteStoredIn(dataDir)).toEqual([])
  })

  it('a key changed after the crash: no automatic continuation; Keel asks and names the difference', async () => {
    const { dataDir, sessionId } = await sessionThatCrashed()
    await keytar.setPassword(service, 'provider:crashy', testKey('rotated'))
    const h = await CoreHarness.open(dataDir, service)
    // The windows are told there is a decision to make in that session.
    await h.waitFor('notice', (e) => e.sessionId === sessionId && e.level === 'warning' && e.text === 'A reply was interrupted and this session now resolves differently; open it to decide whether to continue.')
    const view = await h.call('sessions.open', { id: sessionId })
    expect(view.recovery).toMatchObject({ status: 'pending', differences: [{ field: 'credential' }] })
    expect(fake.requests()).toEqual([])
    // The user agrees: one continuation on the current runtime. The note reaches the model on this path too, and
    // is stored, shown and exported nowhere (invariant 9). (A scripted reply: the fake would echo the note back.)
    fake.script({ reply: 'and so the story went on.', times: 1 })
    const { turnId } = await h.call('sessions.continue', { id: sessionId })
    await h.turnEnded(turnId)
    const sent = fake.requests().filter((r) => r.protocol === 'openai-chat')
    expect(sent).toHaveLength(1)
    expect(JSON.stringify(sent[0]!.body)).toContain(RECOVERY_NOTE)
    const after = await h.call('sessions.open', { id: sessionId })
    expect(after.recovery?.status).toBe('continued')
    expect(JSON.stringify(after)).not.toContain(RECOVERY_NOTE)
    expect(JSON.stringify(await h.call('diagnostics.session', { id: sessionId }))).not.toContain(RECOVERY_NOTE)
    expect(noteStoredIn(dataDir)).toEqual([])
    await h.close()
    expect(noteStoredIn(dataDir)).toEqual([])
  })

  it('an entry edited after the crash: no automatic continuation; the difference is the base URL', async () => {
    const { dataDir, sessionId } = await sessionThatCrashed()
    const file = path.join(dataDir, 'config.json')
    const cfg = JSON.parse(fs.readFileSync(file, 'utf8'))
    cfg.providers[0].baseUrl = `${fake.url}/moved/v1`
    fs.writeFileSync(file, JSON.stringify(cfg))
    const h = await CoreHarness.open(dataDir, service)
    const view = await h.call('sessions.open', { id: sessionId })
    expect(view.recovery).toMatchObject({ status: 'pending', differences: [{ field: 'baseUrl', active: `${fake.url}/crashy/v1`, config: `${fake.url}/moved/v1` }] })
    expect(fake.requests()).toEqual([])
    await h.call('sessions.dismissRecovery', { id: sessionId })
    expect((await h.call('sessions.open', { id: sessionId })).recovery?.status).toBe('declined')
    expect(fake.requests()).toEqual([])
    await h.close()
  })

  it('the question names the different runtime while there is one; with the old key put back it asks plainly, and nothing is sent meanwhile', async () => {
    const { dataDir, sessionId, turnId, key } = await sessionThatCrashed()
    await keytar.setPassword(service, 'provider:crashy', testKey('rotated'))
    const h = await CoreHarness.open(dataDir, service)
    expect((await h.call('sessions.open', { id: sessionId })).recovery).toEqual({
      turnId,
      status: 'pending',
      differences: [expect.objectContaining({ field: 'credential' })],
      message: 'A reply was interrupted when Keel stopped unexpectedly, and this session would now run on a different runtime. Continue anyway?',
    })
    // The user restores the key the turn ran on (in the OS keychain): the view is read fresh, the difference is gone.
    await keytar.setPassword(service, 'provider:crashy', key)
    expect((await h.call('sessions.open', { id: sessionId })).recovery).toEqual({
      turnId,
      status: 'pending',
      differences: [],
      message: 'A reply was interrupted when Keel stopped unexpectedly.',
    })
    expect(fake.requests()).toEqual([])
    await h.close()
  })

  it('a new message instead of Continue: the question about the interrupted reply is over, and Continue is refused', async () => {
    const { dataDir, sessionId, turnId } = await sessionThatCrashed()
    await keytar.setPassword(service, 'provider:crashy', testKey('rotated'))
    const h = await CoreHarness.open(dataDir, service)
    expect((await h.call('sessions.open', { id: sessionId })).recovery).toMatchObject({ turnId, status: 'pending' })
    fake.script({ reply: 'About something else, then.', times: 1 })
    const sent = await h.call('chat.send', { sessionId, text: 'never mind, tell me about ships' })
    expect(await h.turnEnded(sent.turnId)).toMatchObject({ status: 'done' })
    const view = await h.call('sessions.open', { id: sessionId })
    expect(view.recovery).toMatchObject({ turnId, status: 'declined', message: 'You chose not to continue the interrupted reply.' })
    expect(await h.fail('sessions.continue', { id: sessionId })).toMatchObject({ kind: 'conflict', message: 'There is no interrupted reply waiting to be continued.' })
    // One request only: the new message's; no continuation went out after it.
    expect(fake.requests().filter((r) => r.protocol === 'openai-chat')).toHaveLength(1)
    expect(view.messages.at(-1)).toMatchObject({ role: 'assistant', content: 'About something else, then.' })
    await h.close()
    // A restart does not bring the question back.
    const again = await CoreHarness.open(dataDir, service)
    expect((await again.call('sessions.open', { id: sessionId })).recovery?.status).toBe('declined')
    expect(fake.requests().filter((r) => r.protocol === 'openai-chat')).toHaveLength(1)
    await again.close()
  })

  it('a crash before any text: nothing replied, so Retry answers the same message again on the current key', async () => {
    const dataDir = tempDataDir()
    const h0 = await CoreHarness.open(dataDir, service)
    await h0.call('providers.create', { id: 'crashy', name: 'Crashy', kind: 'openai-compatible', baseUrl: `${fake.url}/crashy/v1`, defaultModel: 'c-1', key: testKey('crash') })
    const s = await h0.call('sessions.create', {})
    await h0.call('sessions.bind', { id: s.id, entryId: 'crashy', model: 'c-1' })
    await h0.close()
    // The provider has the request but sends no text: Keel is killed while it waits for the first word.
    fake.script({ stall: 'after-headers', times: 1 })
    const turnId = await crashBeforeText(dataDir, service, s.id, 'tell me a long story', () => fake.waitForRequests(1, CHILD_PROCESS_TIMEOUT_MS))
    expect(fake.requests().map((r) => r.protocol)).toEqual(['openai-chat'])
    fake.clear()
    // A key rotated meanwhile: Keel asks instead of continuing on its own, so the turn stays interrupted.
    const rotated = testKey('rotated')
    await keytar.setPassword(service, 'provider:crashy', rotated)
    const h = await CoreHarness.open(dataDir, service)
    const view = await h.call('sessions.open', { id: s.id })
    expect(view.messages.map((m) => [m.role, m.content])).toEqual([['user', 'tell me a long story']])
    expect(view.turns.map((t) => [t.id, t.status])).toEqual([[turnId, 'interrupted']])
    expect(view.recovery).toMatchObject({ turnId, status: 'pending', differences: [{ field: 'credential' }] })
    expect(fake.requests()).toEqual([])

    fake.script({ reply: 'Once upon a time, from the start.', times: 1 })
    const retried = await h.call('chat.retry', { sessionId: s.id })
    expect(await h.turnEnded(retried.turnId)).toMatchObject({ status: 'done' })
    // One request, to the session's entry and model, with the key the keychain holds now, carrying the user's
    // message as it was stored (nothing retyped) and no recovery note: it answers again, it does not continue.
    const sent = fake.requests()
    expect(sent).toHaveLength(1)
    expect(sent[0]).toMatchObject({ protocol: 'openai-chat', path: '/crashy/v1/chat/completions', model: 'c-1', bearer: rotated })
    const asked = (sent[0]!.body as { messages: Array<{ role: string; content: unknown }> }).messages.filter((m) => m.role !== 'system')
    expect(asked).toEqual([{ role: 'user', content: 'tell me a long story' }])
    const after = await h.call('sessions.open', { id: s.id })
    expect(after.messages.map((m) => [m.role, m.content])).toEqual([
      ['user', 'tell me a long story'],
      ['assistant', 'Once upon a time, from the start.'],
    ])
    expect(after.messages[0]!.id).toBe(view.messages[0]!.id)
    // The question about the interrupted reply is over: Continue would add a second reply after this one.
    expect(after.recovery).toMatchObject({ turnId, status: 'declined' })
    expect(await h.fail('sessions.continue', { id: s.id })).toMatchObject({ kind: 'conflict', message: 'There is no interrupted reply waiting to be continued.' })
    // Answered now: nothing left to retry.
    expect(await h.fail('chat.retry', { sessionId: s.id })).toMatchObject({ kind: 'conflict', message: 'There is nothing to retry: the last message of this branch did not fail.' })
    expect(fake.requests()).toHaveLength(1)
    await h.close()
  })

  it('while the interrupted reply is being continued the session says so, and once it is done, that it was continued', async () => {
    const { dataDir, sessionId, turnId } = await sessionThatCrashed()
    fake.script({ reply: 'and the story ended there.', times: 1, holdBefore: [{ chunk: 0, hold: 'recovery-continuing' }] })
    const h = await CoreHarness.open(dataDir, service)
    const started = await h.waitFor('chat', (e) => e.type === 'turn-started' && e.sessionId === sessionId)
    await fake.waitForHeld('recovery-continuing')
    expect((await h.call('sessions.open', { id: sessionId })).recovery).toEqual({ turnId, status: 'continuing', differences: [], message: 'Continuing the interrupted reply…' })
    fake.release('recovery-continuing')
    expect(await h.turnEnded(started.turnId)).toMatchObject({ status: 'done' })
    expect((await h.call('sessions.open', { id: sessionId })).recovery).toEqual({ turnId, status: 'continued', differences: [], message: 'The interrupted reply was continued.' })
    await h.close()
  })

  it('an agent session whose workspace folder was deleted after the crash: the automatic Continue is refused, so the session says it failed and Keel sends nothing', async () => {
    const dataDir = tempDataDir()
    const h0 = await CoreHarness.open(dataDir, service)
    await h0.call('providers.create', { id: 'crashy', name: 'Crashy', kind: 'openai-compatible', baseUrl: `${fake.url}/crashy/v1`, defaultModel: 'c-1', key: testKey('crash') })
    const s = await h0.call('sessions.create', { profileId: WORKSPACE_AGENT_PROFILE_ID })
    await h0.call('sessions.bind', { id: s.id, entryId: 'crashy', model: 'c-1' })
    const workspace = fs.mkdtempSync(path.join(dataDir, 'ws-'))
    await h0.call('sessions.setWorkspace', { id: s.id, path: workspace })
    await h0.close()
    fake.script({ hang: true, times: 1 })
    const turnId = await crashMidTurn(dataDir, service, s.id, 'tell me a long story')
    // The crashed turn was the agent's: it offered the profile's tools, which work in that folder.
    expect(toolNamesOffered(fake.requests()[0]!)).toContain('read_file')
    fake.clear()
    // The identity is unchanged (same entry, model, URL and key): only the folder the agent's tools work in is gone.
    fs.rmSync(workspace, { recursive: true })
    const h = await CoreHarness.open(dataDir, service)
    // Nothing is announced when the automatic Continue is refused: the session's recovery state is what changes.
    await expect
      .poll(async () => (await h.call('sessions.open', { id: s.id })).recovery, { timeout: 20_000 })
      .toEqual({ turnId, status: 'failed', differences: [], message: 'Continuing the interrupted reply failed; Keel will not retry on its own.' })
    expect(fake.requests()).toEqual([])
    expect((await h.fail('sessions.continue', { id: s.id })).message).toBe('There is no interrupted reply waiting to be continued.')
    await h.close()
    // Not retried after a restart either.
    const again = await CoreHarness.open(dataDir, service)
    expect((await again.call('sessions.open', { id: s.id })).recovery?.status).toBe('failed')
    expect(fake.requests()).toEqual([])
    await again.close()
  })

  it('a continuation that fails with a non-retryable error stops: one request, no loop', async () => {
    const { dataDir, sessionId } = await sessionThatCrashed()
    fake.script({ status: 404 })
    const h = await CoreHarness.open(dataDir, service)
    const started = await h.waitFor('chat', (e) => e.type === 'turn-started' && e.sessionId === sessionId)
    const ended = await h.turnEnded(started.turnId)
    expect(ended).toMatchObject({ status: 'error' })
    const view = await h.call('sessions.open', { id: sessionId })
    expect(view.recovery?.status).toBe('failed')
    expect(fake.requests().filter((r) => r.protocol === 'openai-chat')).toHaveLength(1)
    expect((await h.fail('sessions.continue', { id: sessionId })).kind).toBe('conflict')
    await h.close()
    // Not after a restart either.
    const again = await CoreHarness.open(dataDir, service)
    expect((await again.call('sessions.open', { id: sessionId })).recovery?.status).toBe('failed')
    expect(fake.requests().filter((r) => r.protocol === 'openai-chat')).toHaveLength(1)
    await again.close()
  })

  it('a crash while the interrupted reply was being continued: the next start does not continue it again on its own; the session asks', async () => {
    const { dataDir, sessionId: storyId, turnId: first, spareSessionId: shipsId } = await sessionThatCrashed({ spareSession: true })
    // Keel starts again and continues the story by itself; while it does (and while a message in the other session
    // is being answered), Keel is killed again.
    fake.script({ hang: true, reply: 'and then the dragon', pathPrefix: '/crashy', times: 1 })
    fake.script({ hang: true, pathPrefix: '/spare', times: 1 })
    const { continuation, other } = await crashWhileContinuing(dataDir, service, shipsId, 'tell me about ships')
    const before = fake.requests().filter((r) => r.protocol === 'openai-chat')
    expect(before.map((r) => r.path)).toEqual(['/crashy/v1/chat/completions', '/spare/v1/chat/completions'])
    expect(JSON.stringify(before[0]!.body)).toContain(RECOVERY_NOTE)
    fake.clear()

    fake.script({ reply: 'Ships sail on.', pathPrefix: '/spare', times: 1 })
    const h = await CoreHarness.open(dataDir, service)
    // The other session's reply was cut short too, by an ordinary turn: it is continued by itself. It comes after
    // the story's continuation in what the start found interrupted, so by then the story's was decided on.
    const started = await h.waitFor('chat', (e) => e.type === 'turn-started' && e.sessionId === shipsId)
    expect(await h.turnEnded(started.turnId)).toMatchObject({ status: 'done' })
    expect((await h.call('sessions.open', { id: shipsId })).recovery).toMatchObject({ turnId: other, status: 'continued' })
    // The story's continuation is not continued again: nothing was sent for it, nothing announced; the session shows
    // both interrupted replies and asks.
    expect(fake.requests().filter((r) => r.protocol === 'openai-chat').map((r) => r.path)).toEqual(['/spare/v1/chat/completions'])
    expect(h.events('notice').filter((n) => n.sessionId === storyId)).toEqual([])
    const view = await h.call('sessions.open', { id: storyId })
    expect(view.turns.map((t) => [t.id, t.status])).toEqual([
      [first, 'interrupted'],
      [continuation, 'interrupted'],
    ])
    expect(view.messages.map((m) => [m.role, m.status])).toEqual([
      ['user', 'complete'],
      ['assistant', 'interrupted'],
      ['assistant', 'interrupted'],
    ])
    expect(view.recovery).toEqual({ turnId: continuation, status: 'pending', differences: [], message: 'A reply was interrupted when Keel stopped unexpectedly.' })
    // The user decides: Continue sends one continuation of the story.
    fake.script({ reply: 'and they lived happily ever after.', pathPrefix: '/crashy', times: 1 })
    const { turnId } = await h.call('sessions.continue', { id: storyId })
    expect(await h.turnEnded(turnId)).toMatchObject({ status: 'done' })
    expect(fake.requests().filter((r) => r.protocol === 'openai-chat').map((r) => r.path)).toEqual(['/spare/v1/chat/completions', '/crashy/v1/chat/completions'])
    expect((await h.call('sessions.open', { id: storyId })).recovery).toMatchObject({ turnId: continuation, status: 'continued' })
    expect(noteStoredIn(dataDir)).toEqual([])
    await h.close()
  })
})
