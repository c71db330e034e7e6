// The durable tool-call ledger (migration 006): steps of a turn and the calls each step asked for. Calls move
// forward through their states by guarded updates (a transition names the states it may leave), so a late answer
// can never overwrite a result that is already there — each call is answered exactly once (invariant 13). Every
// write is its own small statement; the agent loop commits a call as running before its tool starts and its result
// before the next step is sent (invariant 14).
import { randomUUID } from 'node:crypto'
import type Database from 'better-sqlite3'
import type { EffectClass } from '../tools/tool-definition'
import { preparedStatements } from '../sessions/prepared-statements'

export type ToolCallState =
  | 'proposed'
  | 'awaiting-approval'
  | 'approved'
  | 'denied'
  | 'running'
  | 'succeeded'
  | 'failed'
  | 'timed-out'
  | 'cancelled'
  | 'interrupted'

/** States in which a call has no result yet. */
export const OPEN_STATES: readonly ToolCallState[] = ['proposed', 'awaiting-approval', 'approved', 'running']
export type AnsweredState = Exclude<ToolCallState, 'proposed' | 'awaiting-approval' | 'approved' | 'running'>

/** What a restart writes for a call whose effect may or may not have happened. */
export const INTERRUPTED_RESULT = 'interrupted by a restart: effect unknown'
export const CANCELLED_RESULT = 'cancelled by the user'
export const MOVED_ON_RESULT = 'not run: the user moved on'

/** The ledger keeps at most this much result text per call (the tool wrapper caps what the model reads below it). */
export const LEDGER_RESULT_CAP = 64_000

export type StepFinish = 'tool-calls' | 'text' | 'stopped' | 'error'

/** A tool as a step offered it (the tool reference grants are keyed by). */
export interface OfferedTool {
  source: string
  name: string
  schemaHash: string
}

export interface TurnStepRow {
  turnId: string
  step: number
  identityKey: string
  /** What the step's request offered; null for steps recorded before migration 009. */
  tools: OfferedTool[] | null
  finishReason: StepFinish | null
  assistantText: string
  startedAt: number
  endedAt: number | null
}

export interface ToolCallRow {
  id: string
  sessionId: string
  turnId: string
  step: number
  position: number
  providerCallId: string
  source: string
  name: string
  schemaHash: string
  /** The arguments exactly as the model sent them (possibly not valid JSON). */
  argumentsJson: string
  effect: EffectClass
  state: ToolCallState
  resultText: string | null
  fullResultId: string | null
  identityKey: string
  createdAt: number
  startedAt: number | null
  endedAt: number | null
}

/** A call as the loop records it: the ledger adds the id and the times; the result comes when the call ends. */
export type NewToolCall = Omit<ToolCallRow, 'id' | 'state' | 'resultText' | 'fullResultId' | 'createdAt' | 'startedAt' | 'endedAt'> & {
  state: 'proposed' | 'awaiting-approval' | 'approved'
}

/** Why a turn stopped to wait for the user. */
export type TurnPause =
  | { reason: 'awaiting-approval'; message: string }
  | { reason: 'step-limit'; message: string; limit: number }
  | { reason: 'identity-changed'; message: string; differences: Array<{ field: string; active: string | null; config: string | null }> }
  | { reason: 'unresolved'; message: string }

type RawCall = {
  id: string
  session_id: string
  turn_id: string
  step: number
  position: number
  provider_call_id: string
  tool_source: string
  tool_name: string
  schema_hash: string
  arguments_json: string
  effect: EffectClass
  state: ToolCallState
  result_text: string | null
  full_result_id: string | null
  identity_key: string
  created_at: number
  started_at: number | null
  ended_at: number | null
}

type RawStep = { turn_id: string; step: number; identity_key: string; tools_json: string | null; finish_reason: StepFinish | null; assistant_text: string; started_at: number; ended_at: number | null }

function toCall(r: RawCall): ToolCallRow {
  return {
    id: r.id,
    sessionId: r.session_id,
    turnId: r.turn_id,
    step: r.step,
    position: r.position,
    providerCallId: r.provider_call_id,
    source: r.tool_source,
    name: r.tool_name,
    schemaHash: r.schema_hash,
    argumentsJson: r.arguments_json,
    effect: r.effect,
    state: r.state,
    resultText: r.result_text,
    fullResultId: r.full_result_id,
    identityKey: r.identity_key,
    createdAt: r.created_at,
    startedAt: r.started_at,
    endedAt: r.ended_at,
  }
}

function toStep(r: RawStep): TurnStepRow {
  return { turnId: r.turn_id, step: r.step, identityKey: r.identity_key, tools: r.tools_json === null ? null : (JSON.parse(r.tools_json) as OfferedTool[]), finishReason: r.finish_reason, assistantText: r.assistant_text, startedAt: r.started_at, endedAt: r.ended_at }
}

const OPEN_SQL = "('proposed', 'awaiting-approval', 'approved', 'running')"

export class ToolLedger {
  private readonly st: (sql: string) => Database.Statement

  constructor(readonly db: Database.Database) {
    this.st = preparedStatements(db)
  }

  // ---- steps ----

  /** `tools`: what the step's request offers (migration 009), kept for diagnostics. */
  startStep(turnId: string, step: number, identityKey: string, now = Date.now(), tools: readonly OfferedTool[] = []): void {
    this.st('INSERT INTO turn_steps (turn_id, step, identity_key, started_at, tools_json) VALUES (?, ?, ?, ?, ?)').run(turnId, step, identityKey, now, JSON.stringify(tools))
  }

  /** The session's latest turn that has steps, with its steps (diagnostics). */
  latestSteps(sessionId: string): { turnId: string; steps: TurnStepRow[] } | null {
    const r = this.st('SELECT id FROM turns WHERE session_id = ? AND EXISTS (SELECT 1 FROM turn_steps s WHERE s.turn_id = turns.id) ORDER BY seq DESC LIMIT 1').get(sessionId) as { id: string } | undefined
    return r ? { turnId: r.id, steps: this.steps(r.id) } : null
  }

  endStep(turnId: string, step: number, finish: StepFinish, assistantText: string, now = Date.now()): void {
    this.st('UPDATE turn_steps SET finish_reason = ?, assistant_text = ?, ended_at = ? WHERE turn_id = ? AND step = ? AND finish_reason IS NULL').run(finish, assistantText, now, turnId, step)
  }

  steps(turnId: string): TurnStepRow[] {
    return (this.st('SELECT * FROM turn_steps WHERE turn_id = ? ORDER BY step').all(turnId) as RawStep[]).map(toStep)
  }

  /** Steps of several turns (a page of the transcript, or a session's history). */
  stepsOf(turnIds: readonly string[]): TurnStepRow[] {
    if (turnIds.length === 0) return []
    return (this.st('SELECT * FROM turn_steps WHERE turn_id IN (SELECT value FROM json_each(?)) ORDER BY (SELECT seq FROM turns WHERE turns.id = turn_id), step').all(JSON.stringify(turnIds)) as RawStep[]).map(toStep)
  }

  // ---- calls ----

  /** Appends a call as it arrived from the model; returns its ledger id. */
  record(call: NewToolCall, now = Date.now()): string {
    const id = randomUUID()
    this.st(
      `INSERT INTO tool_calls (id, session_id, turn_id, step, position, provider_call_id, tool_source, tool_name, schema_hash,
        arguments_json, effect, state, identity_key, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(id, call.sessionId, call.turnId, call.step, call.position, call.providerCallId, call.source, call.name, call.schemaHash, call.argumentsJson, call.effect, call.state, call.identityKey, now)
    return id
  }

  call(id: string): ToolCallRow | null {
    const r = this.st('SELECT * FROM tool_calls WHERE id = ?').get(id) as RawCall | undefined
    return r ? toCall(r) : null
  }

  calls(turnId: string): ToolCallRow[] {
    return (this.st('SELECT * FROM tool_calls WHERE turn_id = ? ORDER BY step, position').all(turnId) as RawCall[]).map(toCall)
  }

  callsOf(turnIds: readonly string[]): ToolCallRow[] {
    if (turnIds.length === 0) return []
    return (this.st('SELECT * FROM tool_calls WHERE turn_id IN (SELECT value FROM json_each(?)) ORDER BY (SELECT seq FROM turns WHERE turns.id = turn_id), step, position').all(JSON.stringify(turnIds)) as RawCall[]).map(toCall)
  }

  /** Calls of a session still without a result, oldest first. */
  openCalls(sessionId: string): ToolCallRow[] {
    return (this.st(`SELECT * FROM tool_calls WHERE session_id = ? AND state IN ${OPEN_SQL} ORDER BY created_at, step, position`).all(sessionId) as RawCall[]).map(toCall)
  }

  /** Moves a call from one of `from` to `to` (no result); false when it was not in one of them. */
  transition(id: string, from: readonly ToolCallState[], to: 'awaiting-approval' | 'approved', argumentsJson?: string): boolean {
    const args = argumentsJson ?? null
    return (
      this.st('UPDATE tool_calls SET state = ?, arguments_json = COALESCE(?, arguments_json) WHERE id = ? AND state IN (SELECT value FROM json_each(?))').run(to, args, id, JSON.stringify(from)).changes > 0
    )
  }

  /** Commits the call as running; its tool may start only when this returns true (invariant 14). */
  markRunning(id: string, now = Date.now()): boolean {
    return this.st("UPDATE tool_calls SET state = 'running', started_at = ? WHERE id = ? AND state IN ('proposed', 'approved')").run(now, id).changes > 0
  }

  /** Writes the call's result, once: false when it already had one. */
  answer(id: string, state: AnsweredState, resultText: string, fullResultId: string | null = null, now = Date.now()): boolean {
    const text = resultText.length > LEDGER_RESULT_CAP ? `${resultText.slice(0, LEDGER_RESULT_CAP)}\n[Truncated.]` : resultText
    return (
      this.st(`UPDATE tool_calls SET state = ?, result_text = ?, full_result_id = ?, ended_at = ? WHERE id = ? AND state IN ${OPEN_SQL}`).run(state, text, fullResultId, now, id).changes > 0
    )
  }

  /** Answers every open call of a turn the same way (Stop, the user moving on); returns the ids answered. */
  answerOpen(turnId: string, state: AnsweredState, resultText: string, now = Date.now()): string[] {
    const open = (this.st(`SELECT id FROM tool_calls WHERE turn_id = ? AND state IN ${OPEN_SQL}`).all(turnId) as Array<{ id: string }>).map((r) => r.id)
    for (const id of open) this.answer(id, state, resultText, null, now)
    return open
  }

  /**
   * At startup: calls a crash left proposed, approved or running are answered "interrupted by a restart: effect
   * unknown" (never re-run: their effect may have happened). Calls awaiting approval stay so: the card survives.
   */
  interruptAtStartup(now = Date.now()): ToolCallRow[] {
    const rows = (this.st("SELECT * FROM tool_calls WHERE state IN ('proposed', 'approved', 'running')").all() as RawCall[]).map(toCall)
    for (const r of rows) this.answer(r.id, 'interrupted', INTERRUPTED_RESULT, null, now)
    return rows
  }

  // ---- pauses ----

  /** A paused turn runs again: the same turn row, running, without its pause. (Its one caller has just read the row.) */
  reopen(turnId: string): void {
    this.st("UPDATE turns SET status = 'running', ended_at = NULL, error_json = NULL, pause_json = NULL WHERE id = ?").run(turnId)
  }

  setPause(turnId: string, pause: TurnPause | null): void {
    this.st('UPDATE turns SET pause_json = ? WHERE id = ?').run(pause ? JSON.stringify(pause) : null, turnId)
  }

  pause(turnId: string): TurnPause | null {
    const r = this.st('SELECT pause_json FROM turns WHERE id = ?').get(turnId) as { pause_json: string | null } | undefined
    return r?.pause_json ? (JSON.parse(r.pause_json) as TurnPause) : null
  }

  /** The pauses of these turns, by turn id (only the paused ones). */
  pausesOf(turnIds: readonly string[]): Map<string, TurnPause> {
    if (turnIds.length === 0) return new Map()
    const rows = this.st('SELECT id, pause_json FROM turns WHERE pause_json IS NOT NULL AND id IN (SELECT value FROM json_each(?))').all(JSON.stringify(turnIds)) as Array<{ id: string; pause_json: string }>
    return new Map(rows.map((r) => [r.id, JSON.parse(r.pause_json) as TurnPause]))
  }

  /** The session's paused turn, if any (at most one: a new turn answers the paused one's open calls first). */
  pausedTurn(sessionId: string): { turnId: string; pause: TurnPause } | null {
    const r = this.st('SELECT id, pause_json FROM turns WHERE session_id = ? AND pause_json IS NOT NULL ORDER BY seq DESC LIMIT 1').get(sessionId) as { id: string; pause_json: string } | undefined
    return r ? { turnId: r.id, pause: JSON.parse(r.pause_json) as TurnPause } : null
  }
}
