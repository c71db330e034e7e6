// The session's tool calls waiting for approval, as approval cards docked under the transcript (where the user's
// eyes are when a turn stops to ask). The list comes from the session view and follows the live `tool-call`
// events, so a card appears as the call arrives, survives a restart (the ledger keeps the call waiting) and goes
// away once the call is answered — by this window or another.
import { useEffect, useState } from 'react'
import type { ToolCallView } from '../../../../shared/domain'
import { subscribe } from '../../bridge'
import { ApprovalCard } from './ApprovalCard'

interface PendingApprovalsProps {
  sessionId: string
  /** The calls the session view holds (sessions.open / the latest page). */
  calls: readonly ToolCallView[]
  /** The session's agent profile name (null when it has none, or it was deleted). */
  agentName: string | null
}

/** How far along a call is: proposed, waiting, approved, running, answered. */
function progress(c: ToolCallView): number {
  switch (c.state) {
    case 'proposed':
      return 0
    case 'awaiting-approval':
      return 1
    case 'approved':
      return 2
    case 'running':
      return 3
    default:
      return 4
  }
}

export function PendingApprovals({ sessionId, calls, agentName }: PendingApprovalsProps) {
  const [live, setLive] = useState<ReadonlyMap<string, ToolCallView>>(new Map())

  useEffect(() => {
    setLive(new Map())
    return subscribe('chat', (e) => {
      if (e.type !== 'tool-call' || e.sessionId !== sessionId) return
      setLive((m) => new Map(m).set(e.call.id, e.call))
    })
  }, [sessionId])

  // A call only moves forward: whichever of the view and the live events says it is further along wins (a view
  // reloaded after a reconnect may be newer than an event heard before it).
  const byId = new Map(calls.map((c) => [c.id, c]))
  for (const [id, c] of live) {
    const known = byId.get(id)
    if (!known || progress(c) >= progress(known)) byId.set(id, c)
  }
  const waiting = [...byId.values()].filter((c) => c.state === 'awaiting-approval')
  if (waiting.length === 0) return null
  return (
    <div className="pending-approvals" role="group" aria-label={waiting.length === 1 ? 'A tool call waits for your approval' : `${waiting.length} tool calls wait for your approval`}>
      {waiting.map((c, i) => (
        <ApprovalCard
          key={c.id}
          call={{ id: c.id, toolName: c.toolName, source: c.source, effect: c.effect, arguments: c.arguments }}
          agentName={agentName}
          autoFocus={i === 0}
        />
      ))}
    </div>
  )
}
