// Session export and import (issue #12): Keel JSON round trip (byte-equal text, the same identity records and
// tree, attachments), Markdown, all sessions at once, no key bytes in any export; ChatGPT's conversations.json
// (branches, model names kept as history); imported sessions bound to nothing; malformed files import nothing.
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import type { KeelSessionExport, KeelSessionsExport } from '../../src/shared/transfer'
import { CoreHarness, fakeProviderForFile, tempDataDir, testKey, testKeychainService } from '../support/core-harness'
import { sessionOnFakeApi } from '../support/agent-sessions'
import { BUILTIN_TOOLS } from '../../src/main/core/tools/builtin-tools'
import type { SessionToolSet } from '../../src/main/core/agents/agent-steps'

const fake = fakeProviderForFile()
const service = testKeychainService()
const FIXTURE = path.resolve(import.meta.dirname, '../fixtures/chatgpt-conversations.json')

/** What a round trip must keep of a message: everything but its id (ids are new on import) and its turn. */
const kept = (s: KeelSessionExport['session']) => {
  const index = new Map(s.messages.map((m, i) => [m.id, i]))
  return {
    title: s.title,
    createdAt: s.createdAt,
    activeLeaf: s.activeLeafId === null ? null : index.get(s.activeLeafId),
    messages: s.messages.map((m) => ({
      parent: m.parentId === null ? null : index.get(m.parentId),
      role: m.role,
      content: m.content,
      status: m.status,
      createdAt: m.createdAt,
      producedWith: m.producedWith,
      attachments: m.attachments.map(({ name, mimeType, size, data }) => ({ name, mimeType, size, data })),
    })),
  }
}

async function sessionCount(h: CoreHarness) {
  return (await h.call('sessions.list', {})).total
}

describe('Keel JSON and Markdown export', () => {
  it('round-trips through import byte for byte, with identities and attachments, and never holds the key', async () => {
    const dataDir = tempDataDir('keel-export')
    const key = testKey('export')
    let h = await CoreHarness.open(dataDir, service)
    await h.call('providers.create', { name: 'Work gateway', kind: 'openai-compatible', baseUrl: `${fake.url}/work/v1`, defaultModel: 'gpt-work', key })
    const s = await h.call('sessions.create', {})
    await h.call('sessions.rename', { id: s.id, title: 'Round trip: ünïcödé ✓' })
    for (const text of ['first question — with `code` and ünïcödé ✓\nsecond line\r\nwindows line', 'second question 🚢']) {
      const { turnId } = await h.call('chat.send', { sessionId: s.id, text })
      await h.turnEnded(turnId)
    }
    await h.close()
    // An attachment on the first message, as the attachment store keeps one (a content-addressed file + a row).
    const image = Buffer.from('\x89PNG\r\n\x1a\n an image for the export test')
    const sha = createHash('sha256').update(image).digest('hex')
    fs.mkdirSync(path.join(dataDir, 'attachments'), { recursive: true })
    fs.writeFileSync(path.join(dataDir, 'attachments', sha), image)
    const raw = new Database(path.join(dataDir, 'keel.db'))
    const first = raw.prepare("SELECT id FROM messages WHERE session_id = ? AND role = 'user' ORDER BY seq LIMIT 1").get(s.id) as { id: string }
    raw.prepare("INSERT INTO message_attachments (message_id, ordinal, sha256, name, mime, size, kind) VALUES (?, 0, ?, 'chart.png', 'image/png', ?, 'image')").run(first.id, sha, image.length)
    raw.close()
    h = await CoreHarness.open(dataDir, service)

    const json = await h.call('data.exportSession', { id: s.id, format: 'json' })
    expect(json.filename).toBe('Round trip ünïcödé ✓.keel.json')
    const doc = JSON.parse(json.text) as KeelSessionExport
    expect(doc).toMatchObject({ format: 'keel-session', version: 1 })
    expect(doc.session.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant'])
    expect(doc.session.messages[1]!.producedWith).toEqual({ entryId: 'work-gateway', entryName: 'Work gateway', model: 'gpt-work', api: 'openai-chat', baseUrl: `${fake.url}/work/v1` })
    expect(doc.session.messages[0]!.attachments).toEqual([expect.objectContaining({ id: sha, name: 'chart.png', mimeType: 'image/png', size: image.length, data: image.toString('base64') })])
    expect(doc.session.turns).toHaveLength(2)
    expect(doc.session.turns[0]!.identity).toMatchObject({ entryId: 'work-gateway', model: 'gpt-work' })

    const md = await h.call('data.exportSession', { id: s.id, format: 'markdown' })
    expect(md.filename).toBe('Round trip ünïcödé ✓.md')
    expect(md.text).toContain('# Round trip: ünïcödé ✓')
    expect(md.text).toContain(`## Assistant — Work gateway · gpt-work (openai-chat, ${fake.url}/work/v1)`)
    expect(md.text).toContain('second question 🚢')
    expect(md.text).toContain('- chart.png (image/png,')

    const all = await h.call('data.exportAll', { format: 'json' })
    const allMd = await h.call('data.exportAll', { format: 'markdown' })
    for (const text of [json.text, md.text, all.text, allMd.text]) expect(text.includes(key)).toBe(false)

    // Import: a new session with the same text, tree, identity records and attachment; bound to nothing.
    const before = await sessionCount(h)
    const imported = await h.call('data.import', { format: 'auto', text: json.text, fileName: json.filename })
    expect(imported.format).toBe('keel')
    expect(imported.sessions).toEqual([{ id: expect.any(String), title: 'Round trip: ünïcödé ✓', messages: 4 }])
    const newId = imported.sessions[0]!.id
    expect(newId).not.toBe(s.id)
    expect(await sessionCount(h)).toBe(before + 1)
    const again = JSON.parse((await h.call('data.exportSession', { id: newId, format: 'json' })).text) as KeelSessionExport
    expect(kept(again.session)).toEqual(kept(doc.session))
    for (const [i, m] of again.session.messages.entries()) expect(Buffer.from(m.content).equals(Buffer.from(doc.session.messages[i]!.content))).toBe(true)

    const summary = (await h.call('sessions.summaries', { ids: [newId] }))[0]!
    expect(summary.identity.binding).toBeNull()
    expect(summary.identity.state).toMatchObject({ kind: 'unresolved', reason: 'no-binding' })
    // Nothing is sent while it is bound to nothing; picking an entry binds it.
    const sent = fake.requests().length
    expect((await h.fail('chat.send', { sessionId: newId, text: 'hello?' })).kind).toBe('unresolved')
    expect(fake.requests().length).toBe(sent)
    const bound = await h.call('sessions.bind', { id: newId, entryId: 'work-gateway', model: 'gpt-work' })
    expect(bound.identity.state).toEqual({ kind: 'resolved' })

    // All sessions at once, as one file, imported back as one transaction.
    const allDoc = JSON.parse(all.text) as KeelSessionsExport
    expect(allDoc.format).toBe('keel-sessions')
    const many = await h.call('data.import', { format: 'keel', text: all.text })
    expect(many.sessions).toHaveLength(allDoc.sessions.length)
    await h.close()
  })
})

describe('branches and attachments', () => {
  it('an edited prompt, a regenerated reply and an attached file export and import back as the same tree', async () => {
    const dataDir = tempDataDir('keel-export-branches')
    const h = await CoreHarness.open(dataDir, service)
    await h.call('providers.create', { name: 'Work gateway', kind: 'openai-compatible', baseUrl: `${fake.url}/work/v1`, defaultModel: 'gpt-work', key: testKey('branches') })
    const s = await h.call('sessions.create', {})
    const notes = Buffer.from('line one of the notes\nline two ✓\n')
    const staged = await h.call('attachments.stage', { name: 'notes.txt', mime: 'text/plain', dataBase64: notes.toString('base64') })
    const first = await h.call('chat.send', { sessionId: s.id, text: 'summarise the notes', attachments: [{ id: staged.id, name: 'notes.txt' }] })
    await h.turnEnded(first.turnId)
    let view = await h.call('sessions.open', { id: s.id })
    const [u1, a1] = view.messages
    const regen = await h.call('chat.regenerate', { sessionId: s.id, messageId: a1!.id })
    await h.turnEnded(regen.turnId)
    const edit = await h.call('chat.edit', { sessionId: s.id, messageId: u1!.id, text: 'summarise the notes in one line' })
    await h.turnEnded(edit.turnId)
    view = await h.call('sessions.open', { id: s.id })
    const shown = view.messages.map((m) => m.content)
    expect(shown).toHaveLength(2)
    expect(shown[0]).toBe('summarise the notes in one line')

    const doc = JSON.parse((await h.call('data.exportSession', { id: s.id, format: 'json' })).text) as KeelSessionExport
    const m = doc.session.messages
    const idx = (id: string | null) => (id === null ? null : m.findIndex((x) => x.id === id))
    // u1, its reply, the regenerated reply (beside it), the edited prompt (beside u1) and its reply.
    expect(m.map((x) => [x.role, idx(x.parentId)])).toEqual([
      ['user', null],
      ['assistant', 0],
      ['assistant', 0],
      ['user', null],
      ['assistant', 3],
    ])
    expect(idx(doc.session.activeLeafId)).toBe(4)
    expect(m[0]!.attachments).toEqual([expect.objectContaining({ id: staged.id, name: 'notes.txt', size: notes.length, data: notes.toString('base64') })])
    const md = (await h.call('data.exportSession', { id: s.id, format: 'markdown' })).text
    expect(md).toContain('<details><summary>1 other version of this message</summary>')
    expect(md.indexOf('summarise the notes in one line')).toBeLessThan(md.indexOf('1 other version'))

    const imported = await h.call('data.import', { format: 'keel', text: JSON.stringify(doc) })
    const again = JSON.parse((await h.call('data.exportSession', { id: imported.sessions[0]!.id, format: 'json' })).text) as KeelSessionExport
    expect(kept(again.session)).toEqual(kept(doc.session))
    // The imported session opens on the same branch, with the other version one click away.
    const opened = await h.call('sessions.open', { id: imported.sessions[0]!.id })
    expect(opened.messages.map((x) => x.content)).toEqual(shown)
    expect(opened.messages[0]!.versions?.count).toBe(2)
    await h.call('sessions.selectBranch', { sessionId: imported.sessions[0]!.id, messageId: opened.messages[0]!.versions!.siblingIds[0]! })
    const other = await h.call('sessions.open', { id: imported.sessions[0]!.id })
    expect(other.messages[0]!.attachments).toEqual([expect.objectContaining({ id: staged.id, name: 'notes.txt' })])
    await h.close()
  })
})

describe('tool items', () => {
  it('an agent turn exports its tool call (arguments, state, result) in JSON and Markdown', async () => {
    const dataDir = tempDataDir('keel-export-tools')
    const workspace = fs.realpathSync(fs.mkdtempSync(path.join(dataDir, '..', 'keel-export-ws-')))
    fs.writeFileSync(path.join(workspace, 'hello.txt'), 'hello from the workspace\n')
    const toolSets = new Map<string, SessionToolSet>()
    const h = await CoreHarness.open(dataDir, service, { toolSet: (id) => toolSets.get(id) ?? null })
    const { sessionId, prefix, key } = await sessionOnFakeApi(h, fake, 'openai-chat', { id: 'tools' })
    toolSets.set(sessionId, { tools: BUILTIN_TOOLS.filter((t) => t.name === 'read_file'), workspace })
    fake.sequence([
      { pathPrefix: prefix, reply: 'Let me look.', toolCalls: [{ id: 'call_x1', name: 'read_file', arguments: { path: 'hello.txt' } }] },
      { pathPrefix: prefix, toolResultFor: 'call_x1', reply: 'The file greets you.' },
    ])
    const { turnId } = await h.call('chat.send', { sessionId, text: 'What does hello.txt say?' })
    expect(await h.turnEnded(turnId)).toMatchObject({ status: 'done' })

    const json = (await h.call('data.exportSession', { id: sessionId, format: 'json' })).text
    const doc = JSON.parse(json) as KeelSessionExport
    expect(doc.session.toolCalls).toEqual([expect.objectContaining({ turnId, name: 'read_file', source: 'builtin', effect: 'read', state: 'succeeded', arguments: JSON.stringify({ path: 'hello.txt' }) })])
    expect(doc.session.toolCalls[0]!.result).toContain('hello from the workspace')
    const md = (await h.call('data.exportSession', { id: sessionId, format: 'markdown' })).text
    expect(md.split('> Tool call `read_file` (builtin, succeeded)')).toHaveLength(2)
    expect(md.indexOf('> Tool call `read_file`')).toBeLessThan(md.indexOf('The file greets you.'))
    for (const text of [json, md]) expect(text.includes(key)).toBe(false)
    await h.close()
  })
})

describe('ChatGPT import', () => {
  it('keeps text, branches and model names as history, and binds to nothing', async () => {
    const dataDir = tempDataDir('keel-chatgpt')
    const h = await CoreHarness.open(dataDir, service)
    await h.call('providers.create', { name: 'OpenAI', kind: 'openai', key: testKey('openai') })
    await h.call('providers.setDefault', { entryId: 'openai', model: 'gpt-4o' })
    // Sent in pieces through the upload channel, as the Settings page sends a large file.
    const bytes = fs.readFileSync(FIXTURE)
    let uploadId: string | undefined
    for (let at = 0; at < bytes.length; at += 1000) uploadId = (await h.call('data.upload', { ...(uploadId ? { uploadId } : {}), chunk: bytes.subarray(at, at + 1000).toString('base64') })).uploadId
    const result = await h.call('data.import', { format: 'auto', uploadId: uploadId!, fileName: 'conversations.json' })
    expect(result.format).toBe('chatgpt')
    expect(result.sessions.map((s) => [s.title, s.messages])).toEqual([
      ['Lighthouse keeper', 6],
      ['Hello in Rust', 2],
    ])
    const lighthouse = JSON.parse((await h.call('data.exportSession', { id: result.sessions[0]!.id, format: 'json' })).text) as KeelSessionExport
    const m = lighthouse.session.messages
    expect(m.map((x) => x.content)).toEqual([
      'How tall is the lighthouse at Bell Rock?',
      'About **35 m** — it was finished in 1810.\n\n```text\nheight: 35 m\n```',
      'And how old is it?',
      'Over two hundred years.',
      '[an image or file that was not imported]\nWho built it? (edited)',
      'Robert Stevenson, for the Northern Lighthouse Board.',
    ])
    // The tree: both versions of the follow-up hang off the first reply; the tool message is skipped, not a break.
    const idx = (id: string | null) => (id === null ? null : m.findIndex((x) => x.id === id))
    expect(m.map((x) => idx(x.parentId))).toEqual([null, 0, 1, 2, 1, 4])
    expect(idx(lighthouse.session.activeLeafId)).toBe(5)
    // Original model names kept as history, on an entry id no configured entry can have.
    expect(m.filter((x) => x.role === 'assistant').map((x) => x.producedWith?.model)).toEqual(['gpt-4o', 'gpt-4o', 'gpt-4o-mini'])
    expect(m[1]!.producedWith).toMatchObject({ entryId: 'imported:chatgpt', baseUrl: 'https://chatgpt.com' })
    expect(m[0]!.createdAt).toBe(1730419210000)
    // Bound to nothing, though an app default exists and a configured entry is named "openai": nothing is guessed.
    for (const s of await h.call('sessions.summaries', { ids: result.sessions.map((x) => x.id) })) {
      expect(s.identity.binding).toBeNull()
      expect(s.identity.state).toMatchObject({ kind: 'unresolved', reason: 'no-binding', message: expect.stringContaining('not bound to any provider entry') })
    }
    await h.close()
  })
})

describe('malformed files', () => {
  it('import nothing, and the error names the place in the file', async () => {
    const dataDir = tempDataDir('keel-import-bad')
    const h = await CoreHarness.open(dataDir, service)
    const before = await sessionCount(h)

    // The second conversation is broken: the first, valid one is not imported either.
    const chatgpt = JSON.parse(fs.readFileSync(FIXTURE, 'utf8'))
    chatgpt[1].mapping['r-a'].message.content.parts = 42
    const bad = await h.fail('data.import', { format: 'auto', text: JSON.stringify(chatgpt), fileName: 'conversations.json' })
    expect(bad.kind).toBe('invalid-input')
    expect(bad.message).toMatch(/^Nothing was imported: conversations\.json\[1\]\.mapping\["r-a"\]\.message\.content\.parts: /)
    expect(bad.field).toBe('conversations.json[1].mapping["r-a"].message.content.parts')

    const missingChild = JSON.parse(fs.readFileSync(FIXTURE, 'utf8'))
    missingChild[0].mapping['a-1'].children.push('gone')
    expect((await h.fail('data.import', { format: 'chatgpt', text: JSON.stringify(missingChild), fileName: 'conversations.json' })).message).toBe(
      'Nothing was imported: conversations.json[0].mapping: a node lists the child "gone", which is not in the mapping.',
    )

    const keel = { format: 'keel-session', version: 1, exportedAt: 'x', session: { id: 's', title: 'T', createdAt: 1, updatedAt: 1, pinned: false, archived: false, binding: null, activeLeafId: null, turns: [], toolCalls: [], messages: [
      { id: 'm1', parentId: null, role: 'user', content: 'a', status: 'complete', createdAt: 1, turnId: null, producedWith: null, attachments: [] },
      { id: 'm2', parentId: 'nope', role: 'assistant', content: 'b', status: 'complete', createdAt: 2, turnId: null, producedWith: null, attachments: [] },
    ] } }
    expect((await h.fail('data.import', { format: 'auto', text: JSON.stringify(keel), fileName: 'x.keel.json' })).message).toBe(
      'Nothing was imported: x.keel.json.session.messages[1].parentId: "nope" is not an earlier message of this session.',
    )
    const wrongRole = structuredClone(keel)
    wrongRole.session.messages[1]!.parentId = 'm1'
    wrongRole.session.messages[1]!.role = 'robot'
    expect((await h.fail('data.import', { format: 'auto', text: JSON.stringify(wrongRole), fileName: 'x.keel.json' })).message).toMatch(/^Nothing was imported: x\.keel\.json\.session\.messages\[1\]\.role: /)
    const newer = { ...keel, version: 2 }
    expect((await h.fail('data.import', { format: 'auto', text: JSON.stringify(newer), fileName: 'x.keel.json' })).message).toContain('made by a newer Keel')

    expect((await h.fail('data.import', { format: 'auto', text: '{"format": "keel-session", ', fileName: 'cut.json' })).message).toMatch(/^Nothing was imported: cut\.json is not valid JSON/)
    expect((await h.fail('data.import', { format: 'auto', text: '{"hello": 1}', fileName: 'other.json' })).message).toMatch(/^Nothing was imported: other\.json is neither a Keel export/)

    expect(await sessionCount(h)).toBe(before)
    await h.close()
  })
})
