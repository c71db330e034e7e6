// The tray menu as data: a plain function of the session summaries (and their identity snapshots), so its rules —
// ordering, labels, markers, limits — are tested under Node; the Electron adapter only maps it to a native menu.
import type { SessionSummary, TrayItem, TrayMenuModel } from '../../../shared/domain'
import { DEFAULT_TITLE } from '../sessions/session-store'

export const TRAY_RECENT_LIMIT = 8
const TITLE_MAX = 40

function identityDetail(s: SessionSummary): string {
  const snap = s.identity
  const name = snap.identity?.entryName ?? snap.entryName ?? snap.binding?.entryId ?? 'no provider'
  const model = snap.identity?.model ?? snap.binding?.model ?? 'no model'
  return `${name} · ${model}`
}

function markerOf(s: SessionSummary): 'needs-approval' | 'unresolved' | 'config-changed' | null {
  // A call waiting for approval holds the session's turn until the user answers: the most urgent thing to say.
  if (s.needsApproval) return 'needs-approval'
  if (s.identity.state.kind === 'unresolved') return 'unresolved'
  if (s.identity.state.kind === 'config-changed') return 'config-changed'
  return null
}

const MARKER_TEXT = { 'needs-approval': '⏸ ', unresolved: '⚠ ', 'config-changed': '↻ ' } as const
const MARKER_SUFFIX = { 'needs-approval': ' (needs approval)', unresolved: ' (unresolved)', 'config-changed': ' (config changed)' } as const

function clip(text: string): string {
  return text.length > TITLE_MAX ? `${text.slice(0, TITLE_MAX - 1)}…` : text
}

export function buildTrayMenu(sessions: readonly SessionSummary[], options: { windowVisible: boolean; revision: number }): TrayMenuModel {
  const recent = sessions
    // Archived sessions are put away; an empty one (untitled, no message yet) has nothing to resume.
    .filter((s) => !s.archived && !(s.messageCount === 0 && s.title === DEFAULT_TITLE))
    .slice()
    .sort((a, b) => Number(b.pinned) - Number(a.pinned) || b.updatedAt - a.updatedAt)
    .slice(0, TRAY_RECENT_LIMIT)
  const items: TrayItem[] = recent.map((s) => {
    const marker = markerOf(s)
    const detail = identityDetail(s)
    return {
      type: 'session',
      sessionId: s.id,
      title: s.title,
      detail,
      marker,
      pinned: s.pinned,
      // A fallback marker after the selected binding: who answered the latest turn instead, and why (invariant 17).
      ...(s.fallback ? { fallback: s.fallback } : {}),
      label: `${marker ? MARKER_TEXT[marker] : ''}${s.pinned ? '📌 ' : ''}${clip(s.title)} — ${detail}${marker ? MARKER_SUFFIX[marker] : ''}${s.fallback ? ` ⤳ ${s.fallback}` : ''}`,
    }
  })
  if (items.length > 0) items.push({ type: 'separator' })
  items.push(
    { type: 'action', action: 'new-session', label: 'New session' },
    { type: 'action', action: 'toggle-window', label: options.windowVisible ? 'Hide Keel' : 'Show Keel' },
    { type: 'action', action: 'diagnostics', label: 'Diagnostics' },
    { type: 'separator' },
    { type: 'action', action: 'quit', label: 'Quit' },
  )
  return { items, revision: options.revision }
}
