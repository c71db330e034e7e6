// The kept wire history of plain chat sessions (agents/wire-history.ts), on a real keel.db: what a send costs (a
// session kept is extended with the rows after its last one; one pushed out, or new, is read whole), which sessions
// are kept (the most recently sent, up to the limit), messages without text never go on the wire, and a deleted
// session is read again rather than answered from memory. Reads are counted on the real SessionStore (spied on,
// not replaced).
import { describe, expect, it, vi } from 'vitest'
import path from 'node:path'
import { tempDataDir } from '../support/core-harness'
import { openDatabase } from '../../src/main/core/sessions/database'
import { SessionStore } from '../../src/main/core/sessions/session-store'
import { WireHistoryCache } from '../../src/main/core/agents/wire-history'
import { buildWireHistory } from '../../src/main/core/agents/agent-steps'
import type { WireAttachment } from '../../src/main/core/attachments/attachment-wire'

function open() {
  const dir = tempDataDir()
  const { db } = openDatabase(path.join(dir, 'keel.db'), path.join(dir, 'backups'))
  const store = new SessionStore(db)
  const reads = vi.spyOn(store, 'historyRows')
  /** Where each history() call started reading (0: the whole session). */
  const readFrom = () => {
    const from = reads.mock.calls.map((c) => c[1] ?? 0)
    reads.mockClear()
    return from
  }
  const say = (sessionId: string, content: string, role: 'user' | 'assistant' = 'user') => store.appendMessage({ sessionId, turnId: null, role, content })
  return { db, store, readFrom, say }
}

describe('the kept wire history', () => {
  it('a kept session is extended from its last message; the least recently sent of more than the limit is read whole again', () => {
    const { store, readFrom, say } = open()
    const cache = new WireHistoryCache(store, 2)
    const [a, b, c] = [store.create(), store.create(), store.create()]
    say(a, 'a1')
    say(b, 'b1')
    say(c, 'c1')
    expect(cache.history(a)).toEqual([{ role: 'user', content: 'a1' }])
    expect(cache.history(b)).toEqual([{ role: 'user', content: 'b1' }])
    expect(readFrom()).toEqual([0, 0])
    say(a, 'a2')
    say(b, 'b2')
    // Both fit in the limit (2): each is read after its last message (seq 1).
    expect(cache.history(a)).toEqual([{ role: 'user', content: 'a1' }, { role: 'user', content: 'a2' }])
    expect(cache.history(b)).toEqual([{ role: 'user', content: 'b1' }, { role: 'user', content: 'b2' }])
    expect(readFrom()).toEqual([1, 1])
    // a was sent before b, then a again (nothing new: answered from what is kept, no read): b is now the least
    // recent, so c pushes b out, not a.
    expect(cache.history(a)).toHaveLength(2)
    expect(cache.history(c)).toEqual([{ role: 'user', content: 'c1' }])
    expect(readFrom()).toEqual([0])
    say(a, 'a3')
    expect(cache.history(a).map((m) => m.content)).toEqual(['a1', 'a2', 'a3'])
    expect(cache.history(b).map((m) => m.content)).toEqual(['b1', 'b2'])
    expect(readFrom()).toEqual([2, 0])
  })

  it('messages with no text (or only spaces) are not sent; a deleted session sends nothing, not what was kept', () => {
    const { store, readFrom, say } = open()
    const cache = new WireHistoryCache(store)
    const s = store.create()
    say(s, 'hello')
    say(s, '  \n ', 'assistant')
    say(s, '', 'assistant')
    say(s, ' again ')
    expect(cache.history(s)).toEqual([{ role: 'user', content: 'hello' }, { role: 'user', content: ' again ' }])
    expect(store.delete(s)).toBe(true)
    readFrom()
    // The deleted session has no branch any more (its active leaf is read from the database, not from what is
    // kept): nothing is sent.
    expect(cache.history(s)).toEqual([])
    expect(readFrom()).toEqual([])
  })

  it('a history up to an earlier message of the kept branch (a regenerate) is cut there, from what is kept', () => {
    const { store, readFrom, say } = open()
    const cache = new WireHistoryCache(store)
    const s = store.create()
    const u1 = say(s, 'first question')
    say(s, 'first answer', 'assistant')
    const u2 = say(s, 'second question')
    expect(cache.history(s).map((m) => m.content)).toEqual(['first question', 'first answer', 'second question'])
    expect(readFrom()).toEqual([0])
    // Regenerating the first answer sends only the first question: not the answer being replaced, nor what follows.
    expect(cache.history(s, u1)).toEqual([{ role: 'user', content: 'first question' }])
    // Cut from what is kept: no read.
    expect(readFrom()).toEqual([])
    // Back to the second question: what is kept now ends at the first message (seq 1) and is extended from there.
    expect(cache.history(s, u2).map((m) => m.content)).toEqual(['first question', 'first answer', 'second question'])
    expect(readFrom()).toEqual([1])
  })

  it("a user message's files go with it, even a message with no text", () => {
    const { store, say } = open()
    const cache = new WireHistoryCache(store)
    const s = store.create()
    const u1 = say(s, 'what is in it?')
    const u2 = say(s, '')
    const file: WireAttachment = { kind: 'text', name: 'notes.txt', mime: 'text/plain', text: 'milk, eggs' }
    cache.attachmentsOf = (ids) => new Map(ids.map((id) => [id, [file]]))
    expect(cache.history(s)).toEqual([
      { role: 'user', content: 'what is in it?', attachments: [file] },
      { role: 'user', content: '', attachments: [file] },
    ])
    expect([u1, u2]).toHaveLength(2)
  })
})

describe('the wire history of an agent session (buildWireHistory)', () => {
  it("a user message's files go with it, even a message with no text; a message without files has none", () => {
    const file: WireAttachment = { kind: 'image', name: 'shot.png', mime: 'image/png', data: 'iVBORw0KGgo=' }
    const messages = [
      { id: 'm1', role: 'user' as const, turnId: null, content: 'what is this?' },
      { id: 'm2', role: 'user' as const, turnId: null, content: '' },
      { id: 'm3', role: 'user' as const, turnId: null, content: 'and now?' },
    ]
    const wire = buildWireHistory(messages, [], [], [], undefined, new Map([['m1', [file]], ['m2', [file]]]))
    expect(wire).toEqual([
      { role: 'user', content: 'what is this?', attachments: [file] },
      { role: 'user', content: '', attachments: [file] },
      { role: 'user', content: 'and now?' },
    ])
  })
})
