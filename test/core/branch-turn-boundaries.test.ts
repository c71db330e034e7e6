// Which turns belong to a run of the active branch (sessions/branches.ts, turnOnBranch) at the boundary of its rule
// "the branch does not go on from that message with something older than the attempt": a message made in the same
// millisecond the attempt started is not older, so the failed attempt (its error card, and its tool calls on the
// wire) stays where it happened. Written for a mutant StrykerJS left alive (issue #13): `>=` made `>`.
import { describe, expect, it } from 'vitest'
import { turnOnBranch } from '../../src/main/core/sessions/branches'

describe('turnOnBranch at the same millisecond', () => {
  it('a failed attempt stays shown when the branch went on in the very millisecond it started; one millisecond older hides it', () => {
    const ctx = (nextCreatedAt: number) => ({
      replied: new Set<string>(),
      repliesOnPath: new Set<string>(),
      latestOf: new Map([['u', 't0']]),
      nextAfter: (id: string) => (id === 'u' ? { createdAt: nextCreatedAt } : undefined),
    })
    const attempt = { id: 't0', userMessageId: 'u', startedAt: 1_000 }
    expect(turnOnBranch(attempt, ctx(1_000))).toBe(true)
    expect(turnOnBranch(attempt, ctx(1_001))).toBe(true)
    expect(turnOnBranch(attempt, ctx(999))).toBe(false)
  })
})
