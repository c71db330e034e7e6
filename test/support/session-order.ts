// The session list orders by the millisecond of each session's last change. A test that checks which session comes
// first makes its changes in different milliseconds: before the next change it waits until the clock reads past
// the last one (a state of the clock, read while yielding to the event loop; no fixed delay).
import type { CoreHarness } from './core-harness'

/** Resolves once the clock reads past session `id`'s last change. */
export async function afterLastChange(h: CoreHarness, id: string): Promise<void> {
  const [summary] = await h.call('sessions.summaries', { ids: [id] })
  while (Date.now() <= summary!.updatedAt) await new Promise((resolve) => setImmediate(resolve))
}

/** The id of the session at the top of the list. */
export async function topSession(h: CoreHarness): Promise<string> {
  return (await h.call('sessions.list', {})).items[0]!.id
}
