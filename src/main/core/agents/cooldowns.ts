// Rate-limit cooldowns, tied to a credential: entry id + key fingerprint. A new key (changed in Keel or in the
// keychain) has a different fingerprint and so starts without a cooldown; setting a key also clears the entry's.
export class CooldownBook {
  private readonly until = new Map<string, number>()

  private slot(entryId: string, fingerprint: string | null): string {
    return `${entryId}|${fingerprint ?? 'no-key'}`
  }

  start(entryId: string, fingerprint: string | null, ms: number, now = Date.now()): void {
    this.until.set(this.slot(entryId, fingerprint), now + ms)
  }

  remaining(entryId: string, fingerprint: string | null, now = Date.now()): number {
    const slot = this.slot(entryId, fingerprint)
    const end = this.until.get(slot)
    if (end === undefined) return 0
    if (end <= now) {
      this.until.delete(slot)
      return 0
    }
    return end - now
  }

  clear(entryId: string): void {
    for (const slot of [...this.until.keys()]) if (slot.startsWith(`${entryId}|`)) this.until.delete(slot)
  }
}
