// Which turns belong to a run of the active branch (sessions/branches.ts, turnOnBranch): the rule both the view's
// pages and an agent turn's wire history use, so that a regenerated, retried or abandoned branch's turns (and their
// tool calls) never show or go out with another branch.
import { describe, expect, it } from 'vitest'
import path from 'node:path'
import { turnOnBranch, type BranchTurn } from '../../src/main/core/sessions/branches'
import { branchTurns } from '../../src/main/core/agents/branch-turns'
import { openDatabase } from '../../src/main/core/sessions/database'
import { SessionStore } from '../../src/main/core/sessions/session-store'
import { tempDataDir } from '../support/core-harness'

const t = (id: string, userMessageId: string | null, startedAt: number): BranchTurn => ({ id, userMessageId, startedAt })

/** A branch of messages (id, created at), and the context turnOnBranch reads, for turns with these replies. */
function context(path: Array<[string, number]>, opts: { replied?: string[]; repliesOnPath?: string[]; latest?: Record<string, string> } = {}) {
  const position = new Map(path.map(([id], i) => [id, i]))
  return {
    replied: new Set(opts.replied ?? []),
    repliesOnPath: new Set(opts.repliesOnPath ?? []),
    latestOf: new Map(Object.entries(opts.latest ?? {})),
    nextAfter: (messageId: string) => {
      const i = position.get(messageId)
      if (i === undefined) return undefined
      const n = path[i + 1]
      return n ? { createdAt: n[1] } : null
    },
  }
}

describe('turnOnBranch', () => {
  it('a turn with a stored reply belongs exactly where its reply is on the branch', () => {
    const ctx = context([['u', 1], ['r2', 30]], { replied: ['t1', 't2'], repliesOnPath: ['t2'], latest: { u: 't2' } })
    expect(turnOnBranch(t('t1', 'u', 2), ctx)).toBe(false)
    expect(turnOnBranch(t('t2', 'u', 20), ctx)).toBe(true)
  })

  it('a failed attempt shows after its prompt until a retry supersedes it', () => {
    const failedOnly = context([['u', 1]], { latest: { u: 't0' } })
    expect(turnOnBranch(t('t0', 'u', 2), failedOnly)).toBe(true)
    const retried = context([['u', 1], ['r', 10]], { replied: ['t1'], repliesOnPath: ['t1'], latest: { u: 't1' } })
    expect(turnOnBranch(t('t0', 'u', 2), retried)).toBe(false)
    expect(turnOnBranch(t('t1', 'u', 5), retried)).toBe(true)
  })

  it('a failed attempt stays in the history when the conversation went on after it, not when an older reply was picked', () => {
    // The user typed a new message after the error: the error stays where it happened.
    const wentOn = context([['u', 1], ['u2', 10]], { latest: { u: 't0' } })
    expect(turnOnBranch(t('t0', 'u', 2), wentOn)).toBe(true)
    // A regenerate failed, then the user went back to the earlier reply (made before the attempt): not shown there.
    const backToOlder = context([['u', 1], ['r1', 3]], { replied: ['t1'], repliesOnPath: ['t1'], latest: { u: 't2' } })
    expect(turnOnBranch(t('t2', 'u', 20), backToOlder)).toBe(false)
  })

  it('a running turn on the branch end belongs to it; a turn of a prompt not on this run does not', () => {
    const ctx = context([['u', 1]], { latest: { u: 'run', other: 'x' } })
    expect(turnOnBranch(t('run', 'u', 5), ctx)).toBe(true)
    expect(turnOnBranch(t('x', 'other', 5), ctx)).toBe(false)
  })

  it('a continuation without a reply stays with the page (no prompt to place it by)', () => {
    expect(turnOnBranch(t('c', null, 5), context([['u', 1]]))).toBe(true)
    expect(turnOnBranch(t('c', null, 5), context([['u', 1]], { replied: ['c'] }))).toBe(false)
  })
})

describe('branchTurns (an agent turn\'s history, agents/branch-turns.ts)', () => {
  it('of two attempts at one prompt it keeps the one the view shows (the later start time), even when the clock was set back between them', () => {
    const dir = tempDataDir()
    const store = new SessionStore(openDatabase(path.join(dir, 'keel.db'), path.join(dir, 'backups')).db)
    const identity = { identityKey: 'k', entryId: 'e', model: 'm', baseUrl: 'http://127.0.0.1', api: 'openai-chat' }
    const s = store.create()
    const u = store.appendMessage({ sessionId: s, turnId: null, role: 'user', content: 'list the files' })
    // Two attempts that failed before a reply; the second (seq 2) was started after the clock went back an hour.
    const first = store.startTurn({ sessionId: s, userMessageId: u, identity, now: 10_000_000 })
    const second = store.startTurn({ sessionId: s, userMessageId: u, identity, now: 10_000_000 - 3_600_000 })
    // The view places turns by start time (latestTurnOf): the first attempt is the one it shows.
    expect(store.tree.latestTurnOf([u]).get(u)).toBe(first)
    // The agent's history takes the same one (its tool calls go out with the prompt), not the other.
    const kept = branchTurns(store, store.historyRows(s), store.turns(s)).map((t) => t.id)
    expect(kept).toEqual([first])
    expect(kept).not.toContain(second)
  })
})
