// The latest composer text per session in this window, including text whose save to main is still in flight.
// A session reopened moments after being left shows what was typed, not an older saved copy; and a failed send
// can tell whether the user has typed something new since (so the failed text is restored, never overwritten).
const drafts = new Map<string, string>()

export function cachedDraft(sessionId: string): string | undefined {
  return drafts.get(sessionId)
}

export function cacheDraft(sessionId: string, text: string): void {
  drafts.set(sessionId, text)
}

export function dropDraft(sessionId: string): void {
  drafts.delete(sessionId)
}
