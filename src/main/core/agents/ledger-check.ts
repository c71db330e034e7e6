// The doctor's look at the tool-call ledger (invariant 13: every call has a result, every result a call). In Keel's
// ledger a call and its result are one row, so a broken pair shows as a row whose state and result disagree:
//  - a call without a result: a call still open (proposed, approved, running) whose turn is not running — nothing
//    will ever answer it until a start of Keel (or `doctor --fix`) answers it "interrupted by a restart";
//  - a result without a call: result text on a row whose call is still open (the model would be told the call is
//    unanswered, and the text would be overwritten), or an answered call with no result text.
// Read next to a live Keel, a call of a turn that is running is that Keel's business and is never flagged; without a
// live Keel every open call is an orphan (its turn cannot be running). Calls awaiting approval are not orphans:
// their card survives a restart (as at startup).
import type Database from 'better-sqlite3'
import { INTERRUPTED_RESULT, ToolLedger, type ToolCallRow } from './tool-ledger'

export interface LedgerProblem {
  kind: 'call-without-result' | 'result-without-call'
  callId: string
  sessionId: string
  turnId: string
  providerCallId: string
  toolName: string
  state: string
  /** Whether `doctor --fix` answers it (as Keel's start would). */
  fixable: boolean
  explanation: string
}

const ORPHAN_STATES = "('proposed', 'approved', 'running')"

export function findLedgerProblems(db: Database.Database, opts: { keelRunning: boolean; sessionId?: string }): LedgerProblem[] {
  const hasLedger = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'tool_calls'").get() !== undefined
  if (!hasLedger) return []
  const session = opts.sessionId ?? null
  const rows = db
    .prepare(
      `SELECT c.id, c.session_id, c.turn_id, c.provider_call_id, c.tool_name, c.state, c.result_text, t.status AS turn_status
         FROM tool_calls c JOIN turns t ON t.id = c.turn_id
        WHERE (? IS NULL OR c.session_id = ?)
          AND ((c.state IN ${ORPHAN_STATES}) OR (c.state = 'awaiting-approval' AND c.result_text IS NOT NULL)
               OR (c.state NOT IN ${ORPHAN_STATES} AND c.state <> 'awaiting-approval' AND c.result_text IS NULL))
        ORDER BY c.created_at, c.step, c.position`,
    )
    .all(session, session) as Array<{ id: string; session_id: string; turn_id: string; provider_call_id: string; tool_name: string; state: string; result_text: string | null; turn_status: string }>
  const out: LedgerProblem[] = []
  for (const r of rows) {
    const base = { callId: r.id, sessionId: r.session_id, turnId: r.turn_id, providerCallId: r.provider_call_id, toolName: r.tool_name, state: r.state }
    const open = r.state === 'proposed' || r.state === 'approved' || r.state === 'running' || r.state === 'awaiting-approval'
    // A live Keel is running this turn: its open calls are in progress, not orphans.
    if (open && opts.keelRunning && r.turn_status === 'running') continue
    if (open && r.result_text !== null) {
      out.push({ ...base, kind: 'result-without-call', fixable: r.state !== 'awaiting-approval', explanation: `The call is ${r.state} yet holds a result: the model would be told it has none.` })
    } else if (open) {
      out.push({
        ...base,
        kind: 'call-without-result',
        fixable: true,
        explanation: `The call is ${r.state} but its turn is ${r.turn_status}${opts.keelRunning ? '' : ' and Keel is not running'}: nothing will answer it. Keel's next start (or doctor --fix) answers it "${INTERRUPTED_RESULT}".`,
      })
    } else {
      out.push({ ...base, kind: 'call-without-result', fixable: false, explanation: `The call is ${r.state} but has no result text (the row was changed outside Keel); the model is told it was not answered.` })
    }
  }
  return out
}

/** `doctor --fix` (Keel not running): answers open calls exactly as Keel's start does. Returns the calls answered. */
export function answerOrphans(db: Database.Database): ToolCallRow[] {
  return new ToolLedger(db).interruptAtStartup()
}
