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
})
