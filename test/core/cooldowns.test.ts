// Rate-limit cooldowns belong to a credential (entry id + key fingerprint), end exactly when the provider said, and
// clearing one entry's never frees another's. A clock is passed in, so nothing here waits.
import { describe, expect, it } from 'vitest'
import { CooldownBook } from '../../src/main/core/agents/cooldowns'

describe('CooldownBook', () => {
  it('counts down from start and ends at the instant the wait is over', () => {
    const book = new CooldownBook()
    book.start('acme', 'fp1', 5000, 1000)
    expect(book.remaining('acme', 'fp1', 1000)).toBe(5000)
    expect(book.remaining('acme', 'fp1', 5999)).toBe(1)
    expect(book.remaining('acme', 'fp1', 6000)).toBe(0)
    expect(book.remaining('acme', 'fp1', 7000)).toBe(0)
  })

  it('an expired cooldown is gone: an earlier clock does not bring it back', () => {
    const book = new CooldownBook()
    book.start('acme', 'fp1', 100, 0)
    expect(book.remaining('acme', 'fp1', 100)).toBe(0)
    expect(book.remaining('acme', 'fp1', 50)).toBe(0)
  })

  it('a different key of the same entry, or no key, is not cooling down', () => {
    const book = new CooldownBook()
    book.start('acme', 'fp1', 5000, 0)
    expect(book.remaining('acme', 'fp2', 10)).toBe(0)
    expect(book.remaining('acme', null, 10)).toBe(0)
    book.start('local', null, 5000, 0)
    expect(book.remaining('local', null, 10)).toBe(4990)
  })

  it('clear ends every cooldown of that entry and no other entry\'s, even one whose id it prefixes', () => {
    const book = new CooldownBook()
    book.start('acme', 'fp1', 5000, 0)
    book.start('acme', null, 5000, 0)
    book.start('acme-2', 'fp1', 5000, 0)
    book.start('other', 'fp1', 5000, 0)
    book.clear('acme')
    expect(book.remaining('acme', 'fp1', 10)).toBe(0)
    expect(book.remaining('acme', null, 10)).toBe(0)
    expect(book.remaining('acme-2', 'fp1', 10)).toBe(4990)
    expect(book.remaining('other', 'fp1', 10)).toBe(4990)
  })

  it('uses the real clock when none is given', () => {
    const book = new CooldownBook()
    book.start('acme', 'fp1', 60_000)
    const left = book.remaining('acme', 'fp1')
    expect(left).toBeGreaterThan(0)
    expect(left).toBeLessThanOrEqual(60_000)
  })
})
