// One open session: identity header, message log, why it cannot send (if so), and the composer.
// Mounted per session (keyed by id) so nothing — drafts, streamed text, scroll — leaks between sessions.
import { useEffect, useId, useMemo, useState } from 'react'
import type { AppDefault, ProviderEntryView, SessionProfile } from '../../../shared/domain'
import { useSessionView, type MessageTarget } from '../hooks/useSessionView'
import { useSessionSummary } from '../hooks/useSessionSummary'
import { useToastClearance } from '../hooks/useToastClearance'
import { useSnapshot } from '../hooks/useSnapshots'
import { buildChatItems } from '../lib/chatItems'
import { ChatView } from './ChatView'
import { ConfigChangedPanel } from './ConfigChangedPanel'
import { Composer } from './Composer'
import { ErrorNote } from './ErrorNote'
import { ModelPicker } from './ModelPicker'
import { RecoveryPanel } from './RecoveryPanel'
import { PendingApprovals } from './agents/PendingApprovals'
import { SessionHeader } from './SessionHeader'
import { UnresolvedPanel } from './UnresolvedPanel'
import { BranchContext, type BranchActions } from './branches/BranchContext'
import { call } from '../bridge'
import { toErrorData } from '../errors'
import { useNotify } from './Notices'

interface SessionPaneProps {
  sessionId: string
  /** A search hit's message to open the session at (the page around it). */
  target: MessageTarget | null
  /** The title from the session list, until the session's own summary is read (which the header follows). */
  listedTitle: string | null
  /** The agent profile from the session list (refreshed when profiles change); the view's otherwise. */
  listedProfile: SessionProfile | null
  /** The session's own workspace folder as the list has it (undefined: not listed). */
  listedWorkspace?: string | null
  providers: ProviderEntryView[]
  appDefault: AppDefault | null
  onOpenSettings: () => void
  onOpenDiagnostics: () => void
  onMissing: () => void
}

export function SessionPane({ sessionId, target, listedTitle, listedProfile, listedWorkspace, providers, appDefault, onOpenSettings, onOpenDiagnostics, onMissing }: SessionPaneProps) {
  const session = useSessionView(sessionId, target)
  // The header follows the session's own summary, never the sidebar's (which may not list it: search, Archived).
  const summary = useSessionSummary(sessionId, session.view?.session ?? null)
  const notify = useNotify()
  const summaryTitle = summary?.title ?? null
  useEffect(() => {
    if (summaryTitle !== null) document.title = `${summaryTitle} — Keel`
  }, [summaryTitle])
  const snapshot = useSnapshot(sessionId)
  const [picking, setPicking] = useState(false)
  /** The reply a model is being picked for (Regenerate with another model…), or null. */
  const [regenerating, setRegenerating] = useState<string | null>(null)
  const [followSignal, setFollowSignal] = useState(0)
  const unresolvedId = useId()
  const dock = useToastClearance<HTMLDivElement>()

  const items = useMemo(
    () => (session.view ? buildChatItems(session.view, session.live, session.pending) : []),
    [session.view, session.live, session.pending],
  )
  // The message actions of the log's rows (issue #12); Retry belongs to an error that ends the shown branch.
  const lastItem = items.at(-1)
  const branchActions = useMemo<BranchActions>(
    () => ({
      sessionId,
      running: session.running,
      retryTurnId: lastItem?.kind === 'turn-error' ? lastItem.turnId : null,
      regenerateOn: setRegenerating,
    }),
    [sessionId, session.running, lastItem],
  )

  if (!session.view) {
    if (session.error) {
      return (
        <section className="session-pane session-pane--message" aria-label="Session">
          <ErrorNote error={session.error} />
          {session.error.kind === 'not-found' ? (
            <button type="button" className="button" onClick={onMissing}>
              Close this session
            </button>
          ) : (
            <button type="button" className="button" onClick={session.reload}>
              Try again
            </button>
          )}
        </section>
      )
    }
    return (
      <section className="session-pane session-pane--message" aria-label="Session" aria-busy="true">
        <p className="muted">Opening session…</p>
      </section>
    )
  }

  const title = summary?.title ?? listedTitle ?? session.view.session.title
  const unresolved = snapshot?.state.kind === 'unresolved' ? snapshot.state : null

  return (
    <section className="session-pane" aria-label="Session">
      <SessionHeader sessionId={sessionId} title={title} profile={listedProfile ?? session.view.session.profile} workspace={listedWorkspace !== undefined ? listedWorkspace : (session.view.session.workspace ?? null)} snapshot={snapshot} onChangeModel={() => setPicking(true)} onOpenDiagnostics={onOpenDiagnostics}
        archived={summary?.archived ?? session.view.session.archived}
        onUnarchive={() => {
          call('sessions.archive', { id: sessionId, archived: false })
            .then(() => notify(`“${title}” is back in the list`, 'success'))
            .catch((e: unknown) => notify(`Could not unarchive “${title}”: ${toErrorData(e).message}`, 'error'))
        }}
      />
      <BranchContext.Provider value={branchActions}>
      <ChatView
        key={session.window}
        items={items}
        running={session.running}
        followSignal={followSignal}
        hasOlder={session.view.page.olderCursor !== null}
        hasNewer={session.view.page.newerCursor !== null}
        onLoadOlder={session.loadOlder}
        onLoadNewer={session.loadNewer}
        anchor={session.around ? { key: `msg:${session.around}`, jump: session.window } : null}
        onShowLatest={session.reload}
      />
      </BranchContext.Provider>
      {/* Everything below the chat: toasts stay above it so they never cover Apply, Keep or the composer. */}
      <div ref={dock} className="session-pane__dock">
        {session.view.recovery ? (
          <RecoveryPanel
            sessionId={sessionId}
            recovery={session.view.recovery}
            canContinue={!unresolved && !session.running}
            onDone={session.reload}
          />
        ) : null}
        <PendingApprovals
          sessionId={sessionId}
          calls={session.view.toolCalls ?? []}
          agentName={(() => {
            const p = listedProfile ?? session.view.session.profile
            return p.missing ? null : p.name
          })()}
        />
        {snapshot?.state.kind === 'config-changed' ? <ConfigChangedPanel sessionId={sessionId} state={snapshot.state} /> : null}
        {unresolved ? (
          <UnresolvedPanel
            id={unresolvedId}
            state={unresolved}
            onOpenSettings={onOpenSettings}
            onChooseModel={() => setPicking(true)}
          />
        ) : null}
        <Composer
          key={sessionId}
          sessionId={sessionId}
          sessionTitle={title}
          initialDraft={session.view.draft}
          running={session.running}
          blockedBy={unresolved ? unresolvedId : null}
          onSent={(turnId, text, attachments) => {
            session.markSent(turnId, text, attachments)
            // After a jump the loaded messages may end before the latest: the reply is shown with the latest.
            if (session.view?.page.newerCursor) session.reload()
            setFollowSignal((n) => n + 1)
          }}
        />
      </div>
      {regenerating ? (
        <ModelPicker
          sessionId={sessionId}
          snapshot={snapshot}
          providers={providers}
          appDefault={appDefault}
          title="Regenerate with another model"
          onPick={(entryId, model) => call('chat.regenerate', { sessionId, messageId: regenerating, entryId, model })}
          onClose={() => setRegenerating(null)}
          onOpenSettings={onOpenSettings}
        />
      ) : null}
      {picking ? (
        <ModelPicker
          sessionId={sessionId}
          snapshot={snapshot}
          providers={providers}
          appDefault={appDefault}
          onClose={() => setPicking(false)}
          onOpenSettings={onOpenSettings}
        />
      ) : null}
    </section>
  )
}
