// The loaded window of an open session's messages, grown by pages (`sessions.messages`). Pure: the hook keeps the
// state, this decides how a page joins it.
import type { MessagePage, SessionView, ToolCallView, TurnStepView, TurnView } from '../../../shared/domain'

/** Turns by id, those of `b` winning (they were read later). */
function mergeTurns(a: readonly TurnView[], b: readonly TurnView[]): TurnView[] {
  const byId = new Map(a.map((t) => [t.id, t]))
  for (const t of b) byId.set(t.id, t)
  return [...byId.values()]
}

/** Tool calls by id and steps by turn + step, those of `b` winning; undefined when neither side has any. */
function mergeAgent(view: SessionView, page: MessagePage): { toolCalls?: ToolCallView[]; steps?: TurnStepView[] } {
  if (!view.toolCalls && !page.toolCalls && !view.steps && !page.steps) return {}
  const calls = new Map((view.toolCalls ?? []).map((c) => [c.id, c]))
  for (const c of page.toolCalls ?? []) calls.set(c.id, c)
  const steps = new Map((view.steps ?? []).map((s) => [`${s.turnId}:${s.step}`, s]))
  for (const s of page.steps ?? []) steps.set(`${s.turnId}:${s.step}`, s)
  return { toolCalls: [...calls.values()], steps: [...steps.values()] }
}

/**
 * The window with a page added: above it (older), below it (newer), or the latest page laid over its end (after a
 * turn started or ended). A latest page that does not overlap the window (more was appended than a page holds)
 * replaces it. A window that does not reach the latest message is left alone by a latest page.
 */
export function withPage(view: SessionView, at: 'older' | 'newer' | 'latest', page: MessagePage): SessionView {
  if (view.page.newerCursor !== null && at === 'latest') return view
  return { ...withMessages(view, at, page), ...mergeAgent(view, page) }
}

function withMessages(view: SessionView, at: 'older' | 'newer' | 'latest', page: MessagePage): SessionView {
  const ids = new Set(view.messages.map((m) => m.id))
  if (at === 'older') {
    const messages = [...page.messages.filter((m) => !ids.has(m.id)), ...view.messages]
    return { ...view, messages, turns: mergeTurns(page.turns, view.turns), page: { ...view.page, olderCursor: page.page.olderCursor, total: page.page.total } }
  }
  if (at === 'newer') {
    const messages = [...view.messages, ...page.messages.filter((m) => !ids.has(m.id))]
    return { ...view, messages, turns: mergeTurns(view.turns, page.turns), page: { ...page.page, olderCursor: view.page.olderCursor } }
  }
  if (view.page.newerCursor !== null) return view
  const first = page.messages[0]
  const overlap = first ? view.messages.findIndex((m) => m.id === first.id) : view.messages.length
  if (overlap < 0 && page.page.olderCursor !== null && view.messages.length > 0) {
    return { ...view, messages: page.messages, turns: page.turns, page: page.page }
  }
  const kept = overlap < 0 ? [] : view.messages.slice(0, overlap)
  return {
    ...view,
    messages: [...kept, ...page.messages],
    turns: mergeTurns(view.turns, page.turns),
    page: { ...page.page, olderCursor: kept.length > 0 ? view.page.olderCursor : page.page.olderCursor },
  }
}

