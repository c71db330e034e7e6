// Runs turns. Each turn takes its runtime from the identity authority at the turn boundary, re-reads the key from
// the keychain (keys are never cached across turns), refuses to send while unresolved, streams through the
// provider client, checkpoints the streamed text into the turn row every CHECKPOINT_MS, and records how the turn
// ended. Errors end a turn as an error, never as assistant text.
import type { KeelErrorData, ProviderEntry, RecoveryView, RuntimeIdentity } from '../../../shared/domain'
import { randomUUID } from 'node:crypto'
import type { ChatEvent } from '../../../shared/contract'
import { KeelError, toErrorData } from '../errors'
import type { IdentityService } from '../identity/identity-service'
import { identityFor } from '../identity/resolve'
import { streamCompletion, type RequestProfile, type WireMessage } from '../providers/provider-client'
import { providerSecrets, redact } from '../providers/provider-errors'
import type { CompletedToolCall } from '../providers/tool-wire'
import type { ResultStore } from '../tools/result-store'
import { effectDefault } from '../tools/grants'
import type { BuiltinTool } from '../tools/tool-definition'
import { buildWireHistory, DEFAULT_STEP_LIMIT, DEFAULT_TOOL_TIMEOUT_MS, offeredTools, toolByReference, toolByWireName, toolCallView, toolDefinitions, toolSource, wireNameOf, type SessionToolSet } from './agent-steps'
import { CANCELLED_RESULT, MOVED_ON_RESULT, ToolLedger, type TurnPause } from './tool-ledger'
import { WireHistoryCache } from './wire-history'
import type { AttachmentStore } from '../attachments/attachment-store'
import type { AttachmentRef } from '../../../shared/attachments'
import { branchTurns } from './branch-turns'
import { keyFingerprint, type Keychain } from '../secrets/keychain'
import { DEFAULT_TITLE, type SessionStore, type TurnRow } from '../sessions/session-store'
import { CooldownBook } from './cooldowns'
import { ArgumentStream } from './argument-stream'
import { RECOVERY_NOTE, recoveryDifferences } from './recovery'
import { StepMeter } from '../usage/step-meter'
import { UsageStore } from '../usage/usage-store'
import type { ModelPrice } from '../../../shared/usage'
import type { FallbackChain } from '../../../shared/agent-profiles'
import type { FallbackSide, FallbackSkip, StepFallbackView } from '../../../shared/fallback'
import { allFailedMessage, shortReason, triggersFallback } from '../identity/fallback'

/** The states a call may be run again from (by the user only: never automatically). */
const RUN_AGAIN_STATES: readonly string[] = ['interrupted', 'failed', 'timed-out', 'cancelled']

/** What a call left open by a turn that ended in an error says to the model. */
const ERROR_RESULT = 'not run: the turn ended with an error'
/** What a fallback's record says of the binding that was being asked when the user pressed Stop. */
const STOPPED_BY_USER = 'Stopped by the user.'

/** Streaming text reaches the database at least this often, so a crash loses at most this much (invariant 10). */
export const CHECKPOINT_MS = 100

interface RunningTurn {
  turnId: string
  sessionId: string
  identity: RuntimeIdentity
  controller: AbortController
  text: string
  lastCheckpoint: number
  /** How much of `text` the turn row holds: a checkpoint writes only what streamed since. */
  checkpointed: number
  checkpointedBytes: number
  timer: NodeJS.Timeout | null
  done: Promise<void>
  /** Set for a continuation: the interrupted turn it continues. */
  continues: string | null
  /** A checkpoint was refused by the disk (full, read-only): said once, and the end of the turn writes it all. */
  checkpointFailed?: boolean
  /** Set for a turn that offers tools: it runs as an agent turn, in steps. */
  agent?: AgentRun
  /** The step in flight: its timing and the usage its provider reported, written with the step's end. */
  meter?: StepMeter
  /** Something of the step's reply (text or a tool call) arrived: from then on no fallback for this step. */
  emitted?: boolean
  /** The identity that answered the step in flight when a fallback did (turn.identity stays the selected one). */
  answered?: RuntimeIdentity
  /** The step's fallback record, written with the step's end (identity/fallback.ts). */
  fallback?: StepFallbackView
}

/** A runtime a request is sent on: the identity, a frozen copy of its entry, and the key read for this turn. */
interface RequestRuntime {
  identity: RuntimeIdentity
  entry: ProviderEntry
  key: string | null
}

/** An agent turn in progress (the steps of one turn; DESIGN.md, "Agents, tools and MCP"). */
interface AgentRun {
  set: SessionToolSet
  /** Index of the next step. */
  step: number
  /** Steps this run may still take before it pauses at the step limit. */
  stepsLeft: number
  /** The identity key every automatic step must resolve to (invariant 15). */
  baselineKey: string
  /**
   * What the session's binding resolved to from the config when the run began. The identity authority may keep a
   * pinned session on its previous runtime after its entry is edited (until Apply); a step still pauses then,
   * because the config changed under the turn.
   */
  freshKey: string | null
  /** Whether the next step's runtime was just prepared by the caller (a new turn, a continuation). */
  prepared: boolean
  /** Sent after the history in the next step only (a crash continuation's note, never stored). */
  tail: WireMessage[]
  /** Run calls already approved before the first step (a turn resumed after approvals). */
  runApprovedFirst: boolean
}

export interface AgentServiceOptions {
  /**
   * The tools a session's turns offer; none (a plain chat) when absent or null. May start MCP servers (async); a
   * throw refuses the turn before anything is stored or sent.
   */
  toolSet?(sessionId: string): SessionToolSet | null | Promise<SessionToolSet | null>
  /** The session's agent profile as each request carries it (system prompt, parameters); read at every request. */
  requestProfile?(sessionId: string): RequestProfile | undefined
  /** Where results too large for the model are kept (read_tool_result pages through them). */
  resultStore?: ResultStore
  /** Where the files messages are sent with are kept (issue #12); without it a send takes no attachments. */
  attachments?: AttachmentStore
  /** The price in force for an entry's model (config.json `prices`), read when a step ends; null: cost unknown. */
  priceFor?(entryId: string, model: string): ModelPrice | null
  /** The session's fallback list (its override, else its profile's; issue #11); null or absent: no fallback. */
  fallbackChain?(sessionId: string): FallbackChain | null
}

export interface AgentEvents {
  chat(event: ChatEvent): void
  sessionsChanged(reason: string, sessionId: string): void
  notice(sessionId: string | null, level: 'info' | 'warning', text: string): void
  /** A full or read-only data directory as an error naming `what` was not saved; null for any other error. */
  storageFault?(err: unknown, what: string): KeelErrorData | null
}

export class AgentService {
  private readonly running = new Map<string, RunningTurn>()
  readonly cooldowns = new CooldownBook()
  readonly ledger: ToolLedger
  readonly usage: UsageStore
  /** Sessions whose paused turn is being resumed (between the last answer and the turn running again). */
  private readonly resuming = new Set<string>()
  /** The wire form of the sessions being chatted in, extended as messages are added (not re-read per send). */
  private readonly wireHistory: WireHistoryCache

  constructor(
    private readonly sessions: SessionStore,
    private readonly identity: IdentityService,
    private readonly keychain: Keychain,
    private readonly events: AgentEvents,
    private readonly options: AgentServiceOptions = {},
  ) {
    this.ledger = new ToolLedger(sessions.db)
    this.usage = new UsageStore(sessions.db)
    this.wireHistory = new WireHistoryCache(sessions)
    const files = options.attachments
    if (files) this.wireHistory.attachmentsOf = (ids) => files.wireOf(ids)
  }

  isRunning(sessionId: string): boolean {
    return this.running.has(sessionId)
  }
  runningIdentity(sessionId: string): RuntimeIdentity | null {
    return this.running.get(sessionId)?.identity ?? null
  }

  /** The runtime for a new turn, with this turn's key read from the keychain. Throws when nothing may be sent. */
  private async prepare(sessionId: string): Promise<{ identity: RuntimeIdentity; entry: ProviderEntry; key: string | null; notice: string | null }> {
    if (this.running.has(sessionId)) {
      throw KeelError.of('conflict', 'A reply is still streaming in this session.', { fix: 'Wait for it to finish or press Stop.' })
    }
    return this.resolveRuntime(sessionId)
  }

  /** The runtime a request would use now (a new turn, or a step of a running one), with its key read fresh. */
  private async resolveRuntime(sessionId: string): Promise<{ identity: RuntimeIdentity; entry: ProviderEntry; key: string | null; notice: string | null }> {
    const { evaluation, notice } = await this.identity.beginTurn(sessionId)
    if (!evaluation.runtime || !evaluation.identity || evaluation.state.kind === 'unresolved') {
      const state = evaluation.state.kind === 'unresolved' ? evaluation.state : null
      throw KeelError.of('unresolved', state?.message ?? 'This session is not resolved.', { fix: state?.fix })
    }
    const entry = evaluation.runtime.entry
    // Read per turn: a key rotated in Keel or in the keychain is used from the next request on.
    const key = evaluation.identity.credential.present ? await this.keychain.readKey(entry.id) : null
    if (evaluation.identity.credential.present && key === null) {
      throw KeelError.of('unresolved', `The key of "${entry.name}" was removed from the keychain. Nothing was sent.`, { fix: `Add the key for "${entry.name}" in Settings.` })
    }
    // The turn records the identity it really used, including the fingerprint of the key just read.
    const identity = identityFor(entry, evaluation.identity.model, key === null ? null : keyFingerprint(key))
    const cooling = this.cooldowns.remaining(entry.id, identity.credential.fingerprint)
    // With fallbacks, a cooling selected binding is passed over inside the request (withFallback says why), not refused.
    if (cooling > 0 && !(this.options.fallbackChain?.(sessionId)?.bindings.length ?? 0)) {
      throw KeelError.of('rate-limited', `"${entry.name}" asked Keel to wait before the next request (${Math.ceil(cooling / 1000)} s left). Nothing was sent.`, {
        entryId: entry.id,
        fix: 'Wait, or change the key of this entry (a new key starts without a cooldown).',
      })
    }
    return { identity, entry, key, notice }
  }

  private history(sessionId: string): WireMessage[] {
    return this.wireHistory.history(sessionId)
  }

  /** `attachments`: already checked by the caller (AttachmentStore.resolve and the image-input check). */
  async send(sessionId: string, text: string, attachments: readonly AttachmentRef[] = []): Promise<{ turnId: string }> {
    const { identity, entry, key, notice } = await this.prepare(sessionId)
    const set = (await this.options.toolSet?.(sessionId)) ?? null
    const files = this.options.attachments
    if (attachments.length > 0 && !files) throw KeelError.of('invalid-input', 'This Keel keeps no attachments.', { field: 'attachments' })
    const wireFiles = attachments.length > 0 && files ? { attachments: attachments.map((a) => files.wireAttachment(a)) } : {}
    const messages = set ? [] : [...this.history(sessionId), { role: 'user' as const, content: text, ...wireFiles }]
    let movedOn: { turnId: string; calls: string[] } | null = null
    const { turnId, userMessageId } = this.sessions.transaction(() => {
      // A new message while a turn waits for approvals: its waiting calls are answered, never left open.
      movedOn = this.answerPaused(sessionId, MOVED_ON_RESULT)
      const session = this.sessions.get(sessionId)!
      const userMessageId = this.sessions.appendMessage({ sessionId, turnId: null, role: 'user', content: text })
      // The references go in with their message (one transaction): a message is never seen without its files.
      if (attachments.length > 0) files?.attach(userMessageId, attachments)
      const turnId = this.sessions.startTurn({ sessionId, userMessageId, identity })
      this.sessions.saveDraft(sessionId, '')
      if (session.title === DEFAULT_TITLE) this.sessions.rename(sessionId, titleFrom(text.trim() === '' && attachments[0] ? attachments[0].name : text))
      this.sessions.touch(sessionId)
      return { turnId, userMessageId }
    })
    this.emitAnswered(sessionId, movedOn)
    this.launch({ turnId, sessionId, identity, continues: null }, entry, key, messages, userMessageId, set ? this.newRun(set, identity.identityKey, await this.freshKey(sessionId), 0, []) : undefined)
    if (notice) this.events.notice(sessionId, 'info', notice)
    return { turnId }
  }

  /**
   * Continues an interrupted turn. The note explaining the interruption is sent to the model only: it is never
   * stored, shown or exported (invariant 9).
   */
  async continueTurn(sessionId: string, interrupted: TurnRow): Promise<{ turnId: string }> {
    const { identity, entry, key } = await this.prepare(sessionId)
    const set = (await this.options.toolSet?.(sessionId)) ?? null
    const note: WireMessage = { role: 'user', content: RECOVERY_NOTE }
    const messages: WireMessage[] = set ? [] : [...this.history(sessionId), note]
    const turnId = this.sessions.transaction(() => {
      this.sessions.setRecovery(interrupted.id, 'continuing')
      return this.sessions.startTurn({ sessionId, userMessageId: null, identity, continues: interrupted.id })
    })
    this.launch({ turnId, sessionId, identity, continues: interrupted.id }, entry, key, messages, null, set ? this.newRun(set, identity.identityKey, await this.freshKey(sessionId), 0, [note]) : undefined)
    return { turnId }
  }

  // ---- branches (issue #12): edit + resend, regenerate, retry, and moving between versions ----

  /**
   * Edit + resend: a new user message beside `messageId` (same parent), which becomes the active branch, and a turn
   * that answers it with the history up to that point. The edited message and everything after it stay stored.
   */
  async edit(sessionId: string, messageId: string, text: string): Promise<{ turnId: string; messageId: string }> {
    const original = this.branchMessage(sessionId, messageId)
    if (original.role !== 'user') throw KeelError.of('invalid-input', 'Only your own messages can be edited. To get another reply, regenerate it.', { field: 'messageId' })
    const { identity, entry, key, notice } = await this.prepare(sessionId)
    this.refuseWhileResuming(sessionId)
    const set = (await this.options.toolSet?.(sessionId)) ?? null
    // The edited version keeps the original's attachments (the same files, referenced again; issue #12).
    const store = this.options.attachments
    const kept = store?.listForMessage(messageId) ?? []
    const wireFiles = store && kept.length > 0 ? { attachments: kept.map((a) => store.wireAttachment(a)) } : {}
    const messages = set ? [] : [...this.wireHistory.history(sessionId, original.parent_id), { role: 'user' as const, content: text, ...wireFiles }]
    let movedOn: { turnId: string; calls: string[] } | null = null
    const { turnId, userMessageId } = this.sessions.transaction(() => {
      movedOn = this.answerPaused(sessionId, MOVED_ON_RESULT)
      const userMessageId = this.sessions.appendMessage({ sessionId, turnId: null, role: 'user', content: text, parentId: original.parent_id })
      if (kept.length > 0) store?.attach(userMessageId, kept)
      const turnId = this.sessions.startTurn({ sessionId, userMessageId, identity })
      this.sessions.touch(sessionId)
      return { turnId, userMessageId }
    })
    this.emitAnswered(sessionId, movedOn)
    this.events.sessionsChanged('branch', sessionId)
    this.launch({ turnId, sessionId, identity, continues: null }, entry, key, messages, userMessageId, set ? this.newRun(set, identity.identityKey, await this.freshKey(sessionId), 0, []) : undefined)
    if (notice) this.events.notice(sessionId, 'info', notice)
    return { turnId, messageId: userMessageId }
  }

  /**
   * Regenerate: another reply to the user message `messageId` answered, on the session's current binding (the caller
   * rebinds first when the user picked another model). The new reply becomes the active version; the earlier stays.
   */
  async regenerate(sessionId: string, messageId: string, beforeTurn?: () => Promise<void>): Promise<{ turnId: string }> {
    const reply = this.branchMessage(sessionId, messageId)
    if (reply.role !== 'assistant') throw KeelError.of('invalid-input', 'Only a reply can be regenerated. To change your message, edit it.', { field: 'messageId' })
    const asked = reply.parent_id ? this.sessions.tree.row(sessionId, reply.parent_id) : null
    if (!asked || asked.role !== 'user') {
      throw KeelError.of('conflict', 'This reply continued an interrupted one, so there is no message of yours to answer again.', { fix: 'Regenerate the reply before it.' })
    }
    // Checked first, so that a refused regenerate leaves the binding as it was.
    await beforeTurn?.()
    return this.answerAgain(sessionId, asked.id)
  }

  /** Retry after an error: the failed turn's message is answered again (nothing retyped); the error stays stored. */
  async retry(sessionId: string): Promise<{ turnId: string }> {
    if (!this.sessions.get(sessionId)) throw KeelError.of('not-found', 'That session no longer exists.')
    const leaf = this.sessions.tree.activeLeaf(sessionId)
    const row = leaf ? this.sessions.tree.row(sessionId, leaf) : null
    const failed = row && row.role === 'user' ? this.sessions.tree.latestTurnOf([row.id]).get(row.id) : undefined
    const turn = failed ? this.sessions.turn(failed) : null
    if (!row || !turn || (turn.status !== 'error' && turn.status !== 'interrupted') || this.sessions.tree.repliedTurns([turn.id]).size > 0) {
      throw KeelError.of('conflict', 'There is nothing to retry: the last message of this branch did not fail.', { fix: 'Regenerate a reply, or send a new message.' })
    }
    return this.answerAgain(sessionId, row.id)
  }

  /** A new turn answering the user message `userMessageId`, which becomes the end of the active branch while it runs. */
  private async answerAgain(sessionId: string, userMessageId: string): Promise<{ turnId: string }> {
    const { identity, entry, key, notice } = await this.prepare(sessionId)
    this.refuseWhileResuming(sessionId)
    const set = (await this.options.toolSet?.(sessionId)) ?? null
    const messages = set ? [] : this.wireHistory.history(sessionId, userMessageId)
    let movedOn: { turnId: string; calls: string[] } | null = null
    const turnId = this.sessions.transaction(() => {
      movedOn = this.answerPaused(sessionId, MOVED_ON_RESULT)
      this.sessions.tree.setActiveLeaf(sessionId, userMessageId)
      const turnId = this.sessions.startTurn({ sessionId, userMessageId, identity })
      this.sessions.touch(sessionId)
      return turnId
    })
    this.emitAnswered(sessionId, movedOn)
    this.events.sessionsChanged('branch', sessionId)
    this.launch({ turnId, sessionId, identity, continues: null }, entry, key, messages, userMessageId, set ? this.newRun(set, identity.identityKey, await this.freshKey(sessionId), 0, []) : undefined)
    if (notice) this.events.notice(sessionId, 'info', notice)
    return { turnId }
  }

  /**
   * Moves to the version `messageId` (and the newest branch under it). Refused while a turn runs or waits for
   * approval: its reply must land on the branch it was asked on.
   */
  selectBranch(sessionId: string, messageId: string): { leafId: string } {
    this.branchMessage(sessionId, messageId)
    if (this.running.has(sessionId) || this.resuming.has(sessionId)) {
      throw KeelError.of('conflict', 'A reply is still streaming in this session.', { fix: 'Wait for it to finish or press Stop, then switch versions.' })
    }
    // A paused turn's reply, once continued, belongs to the branch it was asked on.
    const paused = this.ledger.pausedTurn(sessionId)
    if (paused) {
      const why = paused.pause.reason === 'awaiting-approval' ? 'A tool call of this branch is waiting for your approval.' : 'A turn of this branch is paused.'
      throw KeelError.of('conflict', why, { fix: 'Answer it, continue it or press Stop first, then switch versions.' })
    }
    const leafId = this.sessions.tree.latestLeafUnder(sessionId, messageId)
    this.sessions.tree.setActiveLeaf(sessionId, leafId)
    this.events.sessionsChanged('branch', sessionId)
    return { leafId }
  }

  /** A message of this session, or a clear error. */
  private branchMessage(sessionId: string, messageId: string) {
    if (!this.sessions.get(sessionId)) throw KeelError.of('not-found', 'That session no longer exists.')
    const row = this.sessions.tree.row(sessionId, messageId)
    if (!row) throw KeelError.of('not-found', 'That message is not in this session.', { field: 'messageId', fix: 'Reopen the session.' })
    return row
  }

  private refuseWhileResuming(sessionId: string): void {
    if (this.resuming.has(sessionId)) throw KeelError.of('conflict', 'A reply is still streaming in this session.', { fix: 'Wait for it to finish or press Stop.' })
  }

  private launch(t: { turnId: string; sessionId: string; identity: RuntimeIdentity; continues: string | null }, entry: ProviderEntry, key: string | null, messages: WireMessage[], userMessageId: string | null, agent?: AgentRun): void {
    // lastCheckpoint 0: the first text that streams is written at once, later text at most CHECKPOINT_MS later.
    const turn: RunningTurn = { ...t, controller: new AbortController(), text: '', lastCheckpoint: 0, checkpointed: 0, checkpointedBytes: 0, timer: null, done: Promise.resolve(), agent }
    this.running.set(t.sessionId, turn)
    this.events.chat({ type: 'turn-started', sessionId: t.sessionId, turnId: t.turnId, userMessageId: userMessageId ?? '' })
    this.events.sessionsChanged('turn-started', t.sessionId)
    turn.done = agent ? this.agentLoop(turn, entry, key, agent) : this.stream(turn, entry, key, messages)
  }

  private async stream(turn: RunningTurn, entry: ProviderEntry, key: string | null, messages: WireMessage[]): Promise<void> {
    let status: 'done' | 'stopped' | 'error' = 'done'
    let error: KeelErrorData | null = null
    turn.meter = new StepMeter()
    try {
      await this.withFallback(turn, 0, { identity: turn.identity, entry, key }, (rt) =>
        streamCompletion({
        identity: rt.identity,
        entry: rt.entry,
        key: rt.key,
        messages,
        profile: this.options.requestProfile?.(turn.sessionId),
        signal: turn.controller.signal,
        onUsage: (u) => turn.meter!.report(u),
        onDelta: (delta) => this.textArrived(turn, delta),
      }),
      )
    } catch (err) {
      if (turn.controller.signal.aborted) status = 'stopped'
      else {
        status = 'error'
        error = toErrorData(err)
        if (err instanceof KeelError && err.retryAfterMs) this.cooldowns.start(entry.id, turn.identity.credential.fingerprint, err.retryAfterMs)
      }
    }
    if (turn.timer) clearTimeout(turn.timer)
    let assistantMessageId: string | null = null
    try {
      this.sessions.transaction(() => {
        if (status !== 'error' && turn.text !== '') {
          assistantMessageId = this.sessions.appendMessage({
            sessionId: turn.sessionId,
            turnId: turn.turnId,
            role: 'assistant',
            content: turn.text,
            status: status === 'stopped' ? 'stopped' : 'complete',
            producedWith: producedWith(turn.answered ?? turn.identity),
          })
        }
        // The partial text stays on the turn only when it did not become a message (an error cut it short).
        this.sessions.endTurn(turn.turnId, status, error, assistantMessageId ? '' : turn.text)
        // A plain turn is one step (step 0): its usage is committed with its end.
        this.recordUsage(turn, 0, turn.meter!)
        this.recordFallback(turn, 0)
        // A continuation that fails stops there: recovery is over, whatever the error (no retry loop).
        if (turn.continues) this.sessions.setRecovery(turn.continues, status === 'done' ? 'continued' : 'failed')
        this.sessions.touch(turn.sessionId)
      })
    } catch (err) {
      // The disk refused the end of the turn: the session must not stay "running" forever, and the user hears
      // why. The row keeps its last checkpoint; the next start marks it interrupted and recovery takes it up.
      const fault = this.events.storageFault?.(err, 'the reply')
      if (!fault) throw err
      status = 'error'
      error = fault
      assistantMessageId = null
    }
    this.running.delete(turn.sessionId)
    this.events.chat({ type: 'turn-ended', sessionId: turn.sessionId, turnId: turn.turnId, status, error, assistantMessageId })
    this.events.sessionsChanged('turn-ended', turn.sessionId)
  }

  /** Streamed text of a plain turn or an agent step: timed (first token), marked as output (no fallback after it), shown, checkpointed. */
  private textArrived(turn: RunningTurn, delta: string): void {
    turn.meter!.token()
    turn.emitted = true
    turn.text += delta
    this.events.chat({ type: 'delta', sessionId: turn.sessionId, turnId: turn.turnId, text: delta })
    this.scheduleCheckpoint(turn)
  }

  private scheduleCheckpoint(turn: RunningTurn): void {
    const due = turn.lastCheckpoint + CHECKPOINT_MS - Date.now()
    if (due <= 0) this.flush(turn)
    else if (!turn.timer) turn.timer = setTimeout(() => this.flush(turn), due)
  }

  private flush(turn: RunningTurn): void {
    if (turn.timer) clearTimeout(turn.timer)
    turn.timer = null
    turn.lastCheckpoint = Date.now()
    if (turn.text.length === turn.checkpointed) return
    // Append what streamed since the last checkpoint (the row checks it holds exactly what was written before);
    // if it does not, write the whole text once and append from there.
    const fresh = turn.text.slice(turn.checkpointed)
    let appended: boolean
    try {
      appended = this.sessions.appendCheckpoint(turn.turnId, turn.checkpointedBytes, fresh, turn.lastCheckpoint)
      if (!appended) this.sessions.checkpoint(turn.turnId, turn.text, turn.lastCheckpoint)
    } catch (err) {
      // A checkpoint the disk refuses must not end the reply (or, from a timer, the process): the text stays in
      // memory, the next checkpoint tries again, and the end of the turn writes it or says why it could not.
      const fault = this.events.storageFault?.(err, 'the reply so far')
      if (!fault) throw err
      if (!turn.checkpointFailed) this.events.notice(turn.sessionId, 'warning', `${fault.message} The reply keeps streaming.`)
      turn.checkpointFailed = true
      return
    }
    turn.checkpointedBytes = appended ? turn.checkpointedBytes + Buffer.byteLength(fresh) : Buffer.byteLength(turn.text)
    turn.checkpointed = turn.text.length
  }

  /**
   * Stops the session's running turn; what streamed so far is kept as a stopped reply. An agent turn's provider
   * request and running tool are cancelled, and every open call is answered "cancelled by the user"; a paused turn's
   * waiting calls are answered the same way.
   */
  async stop(sessionId: string): Promise<void> {
    const turn = this.running.get(sessionId)
    if (!turn) {
      const answered = this.sessions.transaction(() => this.answerPaused(sessionId, CANCELLED_RESULT))
      if (answered) {
        this.emitAnswered(sessionId, answered)
        this.events.sessionsChanged('turn-ended', sessionId)
      }
      return
    }
    turn.controller.abort()
    await turn.done
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.running.keys()].map((id) => this.stop(id)))
  }

  // ---- agent turns (steps, tool calls, approvals) ----

  private newRun(set: SessionToolSet, baselineKey: string, freshKey: string | null, step: number, tail: WireMessage[], stepsLeft?: number, runApprovedFirst = false): AgentRun {
    return { set, step, stepsLeft: stepsLeft ?? Math.max(0, (set.stepLimit ?? DEFAULT_STEP_LIMIT) - step), baselineKey, freshKey, prepared: true, tail, runApprovedFirst }
  }

  /** What the session's binding resolves to from the config and keychain now (null when it does not resolve). */
  private async freshKey(sessionId: string): Promise<string | null> {
    const fresh = await this.identity.resolveFresh(sessionId).catch(() => null)
    return fresh?.identity?.identityKey ?? null
  }

  /** The session's history with each agent turn's calls and results in place (read from the ledger every step). */
  private agentHistory(sessionId: string): WireMessage[] {
    // The active branch only, with the turns that belong to it: the calls of a reply on another branch (or of an
    // attempt a retry superseded) are never sent (issue #12).
    const rows = this.sessions.historyRows(sessionId)
    const turns = branchTurns(this.sessions, rows, this.sessions.turns(sessionId))
    const ids = turns.map((t) => t.id)
    const store = this.options.resultStore
    const files = this.options.attachments?.wireOf(rows.filter((r) => r.role === 'user').map((r) => r.id))
    return buildWireHistory(rows, turns, this.ledger.stepsOf(ids), this.ledger.callsOf(ids), (callId) => store?.imagesSync(callId) ?? [], files)
  }

  /**
   * Runs an agent turn: steps until the model answers without tool calls, the step limit is reached, the user
   * stops it, a call waits for approval, the identity changes, or an error ends it. Every call is committed as
   * running before its tool starts and answered before the next step is sent (invariant 14); every step but one
   * the caller just prepared re-resolves the runtime and must match the turn's identity key (invariant 15).
   */
  private async agentLoop(turn: RunningTurn, entry: ProviderEntry, key: string | null, run: AgentRun): Promise<void> {
    let status: 'done' | 'stopped' | 'error' = 'done'
    let error: KeelErrorData | null = null
    let pause: TurnPause | null = null
    let finalText: string | null = null
    let openStep: number | null = null
    const signal = turn.controller.signal
    try {
      if (run.runApprovedFirst) pause = await this.runApproved(turn, run, providerSecrets(entry, key))
      while ((pause === null || this.answeredBeforePause(turn.turnId, pause)) && !signal.aborted) {
        if (pause !== null) {
          // The cards' events go out before the pause is written: an answer that landed in between found no pause
          // to resume, so the loop takes it up itself. Checked in the same synchronous run as the pause write below.
          pause = await this.runApproved(turn, run, providerSecrets(entry, key))
          continue
        }
        if (run.stepsLeft <= 0) {
          const limit = run.set.stepLimit ?? DEFAULT_STEP_LIMIT
          pause = { reason: 'step-limit', limit, message: `The turn reached its step limit (${limit} steps) and paused. Continue for more steps, or stop.` }
          break
        }
        if (!run.prepared) {
          const next = await this.stepRuntime(turn, run)
          if ('pause' in next) {
            pause = next.pause
            break
          }
          entry = next.entry
          key = next.key
          // MCP tools as the servers list them now (a list_changed, a restarted server); a server that cannot
          // start is left out of this step, with a notice (profile-tool-set.ts says why).
          if (run.set.refresh) {
            run.set = await run.set.refresh()
            if (run.set.notice) this.events.notice(turn.sessionId, 'warning', run.set.notice)
          }
        }
        run.prepared = false
        const step = run.step
        this.resetStepText(turn)
        this.ledger.startStep(turn.turnId, step, turn.identity.identityKey, Date.now(), offeredTools(run.set))
        openStep = step
        turn.meter = new StepMeter()
        const messages = [...this.agentHistory(turn.sessionId), ...run.tail]
        run.tail = []
        // The history is API-neutral: each attempt (the selected binding, then any fallback) sends it in its own
        // API's shape, calls and results paired (tool-wire.ts).
        const { value: outcome, answered } = await this.withFallback(turn, step, { identity: turn.identity, entry, key }, (rt) => {
          // Arguments as they stream reach the window coalesced (ArgumentStream); the ledger sees only complete calls.
          const args = new ArgumentStream((c) =>
            this.events.chat({ type: 'tool-call-delta', sessionId: turn.sessionId, turnId: turn.turnId, step, index: c.index, providerCallId: c.id, toolName: c.name, argumentsSoFar: c.argumentsSoFar }),
          )
          return streamCompletion({
            identity: rt.identity,
            entry: rt.entry,
            key: rt.key,
            messages,
            signal,
            tools: toolDefinitions(run.set),
            profile: this.options.requestProfile?.(turn.sessionId),
            onUsage: (u) => turn.meter!.report(u),
            onToolCallStart: () => {
              turn.meter!.token()
              turn.emitted = true
            },
            onDelta: (delta) => this.textArrived(turn, delta),
            onToolCallArguments: (c) => args.push(c),
          }).finally(() => args.close())
        })
        // A tool may read the answering entry's key too: its results are scrubbed of both.
        const secrets = [...providerSecrets(entry, key), ...(answered.entry === entry ? [] : providerSecrets(answered.entry, answered.key))]
        if (turn.timer) clearTimeout(turn.timer)
        turn.timer = null
        run.step += 1
        run.stepsLeft -= 1
        if (outcome.toolCalls.length === 0) {
          this.sessions.transaction(() => {
            this.ledger.endStep(turn.turnId, step, 'text', turn.text)
            this.recordUsage(turn, step, turn.meter!)
            this.recordFallback(turn, step)
          })
          openStep = null
          finalText = turn.text
          break
        }
        const ids = this.recordCalls(turn, run, step, outcome.toolCalls)
        openStep = null
        for (const id of ids) this.emitCall(turn.sessionId, turn.turnId, id)
        pause = await this.runApproved(turn, run, secrets)
      }
    } catch (err) {
      if (!signal.aborted) {
        status = 'error'
        error = toErrorData(err)
        if (err instanceof KeelError && err.retryAfterMs) this.cooldowns.start(entry.id, turn.identity.credential.fingerprint, err.retryAfterMs)
      }
    }
    if (signal.aborted) {
      status = 'stopped'
      pause = null
    }
    if (turn.timer) clearTimeout(turn.timer)
    let assistantMessageId: string | null = null
    let answered: string[] = []
    const text = finalText ?? (status === 'stopped' ? turn.text : '')
    try {
      this.endAgentTurn(turn, { status, error, pause, text, openStep }, (id) => (assistantMessageId = id), (ids) => (answered = ids))
    } catch (err) {
      // As for a plain turn: a disk that refuses the end of the turn ends it as that error, never as a crash. The
      // calls keep their last committed state; the next start answers any left open.
      const fault = this.events.storageFault?.(err, 'the reply')
      if (!fault) throw err
      status = 'error'
      error = fault
      pause = null
      assistantMessageId = null
    }
    this.running.delete(turn.sessionId)
    for (const id of answered) this.emitCall(turn.sessionId, turn.turnId, id)
    this.events.chat({ type: 'turn-ended', sessionId: turn.sessionId, turnId: turn.turnId, status: pause ? 'stopped' : status, error, assistantMessageId, pause })
    this.events.sessionsChanged('turn-ended', turn.sessionId)
  }

  /** The end of an agent turn, in one transaction: the open step, open calls, the reply, the turn row, the pause. */
  private endAgentTurn(
    turn: RunningTurn,
    end: { status: 'done' | 'stopped' | 'error'; error: KeelErrorData | null; pause: TurnPause | null; text: string; openStep: number | null },
    setMessage: (id: string | null) => void,
    setAnswered: (ids: string[]) => void,
  ): void {
    const { status, error, pause, text, openStep } = end
    let assistantMessageId: string | null = null
    this.sessions.transaction(() => {
      if (openStep !== null) {
        this.ledger.endStep(turn.turnId, openStep, status === 'stopped' ? 'stopped' : 'error', turn.text)
        // A step cut short keeps what its provider reported before (Anthropic's input, at the start).
        if (turn.meter) this.recordUsage(turn, openStep, turn.meter)
        this.recordFallback(turn, openStep)
      }
      // Every call still open is answered (invariant 13): on Stop a running tool was cancelled and a waiting one
      // never ran; after an error none of them will run.
      if (status !== 'done' || pause === null) setAnswered(this.ledger.answerOpen(turn.turnId, 'cancelled', status === 'error' ? ERROR_RESULT : CANCELLED_RESULT))
      if (status !== 'error' && text !== '') {
        assistantMessageId = this.sessions.appendMessage({
          sessionId: turn.sessionId,
          turnId: turn.turnId,
          role: 'assistant',
          content: text,
          status: status === 'stopped' ? 'stopped' : 'complete',
          producedWith: producedWith(turn.answered ?? turn.identity),
        })
      }
      // A paused turn ends as stopped and says why; continuing it reopens the same turn.
      this.sessions.endTurn(turn.turnId, pause ? 'stopped' : status, error, assistantMessageId || status !== 'error' ? '' : turn.text)
      this.ledger.setPause(turn.turnId, pause)
      if (turn.continues) this.sessions.setRecovery(turn.continues, status === 'done' ? 'continued' : 'failed')
      this.sessions.touch(turn.sessionId)
    })
    setMessage(assistantMessageId)
  }

  /**
   * Writes a step's usage (inside the caller's transaction, the one that ends the step): the counts its provider
   * reported (null where it reported none), the price in force now and the cost it gives.
   */
  private recordUsage(turn: RunningTurn, step: number, meter: StepMeter): void {
    // The identity that answered: a fallback's tokens are billed by the fallback's entry.
    const id = turn.answered ?? turn.identity
    this.usage.record({
      turnId: turn.turnId,
      step,
      sessionId: turn.sessionId,
      entryId: id.entryId,
      entryName: id.entryName,
      model: id.model,
      api: id.api,
      identityKey: id.identityKey,
      usage: meter.usage,
      price: this.options.priceFor?.(id.entryId, id.model) ?? null,
      startedAt: meter.startedAt,
      firstTokenAt: meter.firstTokenAt,
      endedAt: Date.now(),
    })
  }

  /** Writes the step's fallback record (inside the caller's transaction, the one that ends the step). */
  private recordFallback(turn: RunningTurn, step: number): void {
    if (!turn.fallback || turn.fallback.step !== step) return
    this.identity.fallbacks.recordStep(turn.sessionId, turn.turnId, turn.fallback)
    turn.fallback = undefined
  }

  /**
   * One provider request (a plain turn, or one step of an agent turn): on the selected runtime first; when that fails
   * before anything of the reply arrived, with an error its fallback list names, on each fallback binding in order
   * (issue #11, invariant 17). Each fallback resolves on its own (entry, URL, key read fresh by its entry id); one
   * that cannot is named in a notice, never skipped in silence. Once output arrived, or for any other error (auth,
   * a bad request), the error stands. turn.identity stays the selected one: the next step and the next turn start
   * from it again, and nothing here writes the session's binding.
   */
  private async withFallback<T>(turn: RunningTurn, step: number, selected: RequestRuntime, attempt: (rt: RequestRuntime) => Promise<T>): Promise<{ value: T; answered: RequestRuntime }> {
    turn.emitted = false
    turn.answered = undefined
    turn.fallback = undefined
    try {
      // The selected binding is tried first, unless its provider asked Keel to wait (a 429's Retry-After): then it is
      // not sent to, and the wait is the reason the fallbacks are tried.
      const cooling = this.cooldowns.remaining(selected.entry.id, selected.identity.credential.fingerprint)
      if (cooling > 0) {
        throw KeelError.of('rate-limited', `"${selected.identity.entryName}" asked Keel to wait before the next request (${Math.ceil(cooling / 1000)} s left). Nothing was sent.`, {
          entryId: selected.identity.entryId,
          fix: 'Wait, or change the key of this entry (a new key starts without a cooldown).',
        })
      }
      return { value: await attempt(selected), answered: selected }
    } catch (err) {
      const chain = this.options.fallbackChain?.(turn.sessionId) ?? null
      const first = toErrorData(err)
      if (!chain || chain.bindings.length === 0 || turn.controller.signal.aborted || turn.emitted || !triggersFallback(first, chain)) throw err
      this.startCooldown(selected, err)
      const side = (i: RuntimeIdentity): FallbackSide => ({ entryId: i.entryId, entryName: i.entryName, model: i.model })
      const selectedSide = side(selected.identity)
      const skipped: FallbackSkip[] = [{ ...selectedSide, reason: shortReason(first), message: first.message, outcome: 'failed' }]
      const record = (answered: RuntimeIdentity | null) => {
        turn.fallback = { step, selected: selectedSide, answered: answered ? { ...side(answered), identityKey: answered.identityKey } : null, skipped: [...skipped], at: Date.now() }
      }
      for (const b of chain.bindings) {
        if (b.entryId === selected.identity.entryId && b.model === selected.identity.model) continue
        const rt = await this.fallbackRuntime(b)
        if ('skip' in rt) {
          skipped.push(rt.skip)
          this.events.notice(turn.sessionId, 'warning', rt.skip.message)
          continue
        }
        turn.emitted = false
        turn.meter = new StepMeter()
        // Recorded before the fallback is asked: a crash while it streams still leaves who was answering, and why.
        // The step's end replaces this row with the outcome.
        record(rt.identity)
        this.identity.fallbacks.recordStep(turn.sessionId, turn.turnId, turn.fallback!)
        try {
          const value = await attempt(rt)
          turn.answered = rt.identity
          record(rt.identity)
          this.events.notice(turn.sessionId, 'info', `${selectedSide.entryName} · ${selectedSide.model} failed (${skipped[0]!.reason}); ${rt.identity.entryName} · ${rt.identity.model} answered this step instead. The next turn tries ${selectedSide.entryName} first again.`)
          return { value, answered: rt }
        } catch (e) {
          const data = toErrorData(e)
          this.startCooldown(rt, e)
          // A Stop is not the fallback's failure: the record says the user stopped it (not "an unexpected error").
          const stopped = turn.controller.signal.aborted
          skipped.push({ ...side(rt.identity), reason: stopped ? 'stopped' : shortReason(data), message: stopped ? STOPPED_BY_USER : data.message, outcome: 'failed' })
          if (stopped || turn.emitted || !triggersFallback(data, chain)) {
            // Output arrived, or an error no fallback follows: it stands, with the record of what was tried.
            if (turn.emitted) turn.answered = rt.identity
            record(turn.emitted ? rt.identity : null)
            // Its wait was started on its own entry above; the caller must not start it on the selected one.
            if (e instanceof KeelError) e.retryAfterMs = null
            throw e
          }
        }
      }
      record(null)
      throw KeelError.of(first.kind, allFailedMessage(skipped), {
        entryId: selected.identity.entryId,
        ...(first.status !== undefined ? { status: first.status } : {}),
        fix: 'Each binding is listed with why it failed: fix one (a key, an entry), or wait and send again.',
      })
    }
  }

  /** A fallback binding's runtime with its own key read fresh, or why it cannot be used now. */
  private async fallbackRuntime(b: { entryId: string; model: string }): Promise<RequestRuntime | { skip: FallbackSkip }> {
    const r = await this.identity.resolveFallback(b).catch((err: unknown) => ({ ok: false as const, skip: { entryId: b.entryId, entryName: b.entryId, model: b.model, reason: 'it does not resolve', message: `Fallback ${b.entryId} · ${b.model} skipped: ${toErrorData(err).message}`, outcome: 'unresolved' as const } }))
    if (!r.ok) return { skip: r.skip }
    const name = `${r.entry.name} · ${b.model}`
    const key = r.identity.credential.present ? await this.keychain.readKey(r.entry.id).catch(() => null) : null
    if (r.identity.credential.present && key === null) {
      return { skip: { entryId: b.entryId, entryName: r.entry.name, model: b.model, reason: 'its key is missing', message: `Fallback ${name} skipped: its key is missing from the keychain.`, outcome: 'unresolved' } }
    }
    const identity = identityFor(r.entry, b.model, key === null ? null : keyFingerprint(key))
    const cooling = this.cooldowns.remaining(r.entry.id, identity.credential.fingerprint)
    if (cooling > 0) {
      return { skip: { entryId: b.entryId, entryName: r.entry.name, model: b.model, reason: 'cooling down', message: `Fallback ${name} skipped: it asked Keel to wait (${Math.ceil(cooling / 1000)} s left).`, outcome: 'unresolved' } }
    }
    return { identity, entry: r.entry, key }
  }

  private startCooldown(rt: RequestRuntime, err: unknown): void {
    if (err instanceof KeelError && err.retryAfterMs) this.cooldowns.start(rt.entry.id, rt.identity.credential.fingerprint, err.retryAfterMs)
  }

  /** A new step starts with no text of its own (the previous step's text is in its ledger row). */
  private resetStepText(turn: RunningTurn): void {
    if (turn.timer) clearTimeout(turn.timer)
    turn.timer = null
    turn.text = ''
    turn.checkpointed = 0
    turn.checkpointedBytes = 0
    turn.lastCheckpoint = 0
  }

  /**
   * The runtime for an automatic next step (invariant 15): re-resolved from the identity authority with the key read
   * fresh, and refused — the turn pauses with the difference — unless it is the identity the turn runs on.
   */
  private async stepRuntime(turn: RunningTurn, run: AgentRun): Promise<{ entry: ProviderEntry; key: string | null } | { pause: TurnPause }> {
    let next: Awaited<ReturnType<AgentService['resolveRuntime']>>
    try {
      next = await this.resolveRuntime(turn.sessionId)
    } catch (err) {
      return { pause: { reason: 'unresolved', message: `${toErrorData(err).message} The turn paused before its next step; nothing was sent.` } }
    }
    const fresh = await this.identity.resolveFresh(turn.sessionId).catch(() => null)
    const freshKey = fresh?.identity?.identityKey ?? null
    const runtimeChanged = next.identity.identityKey !== run.baselineKey
    if (runtimeChanged || freshKey !== run.freshKey) {
      const differences = recoveryDifferences(turn.identity, runtimeChanged ? next.identity : (fresh?.identity ?? null))
      return {
        pause: {
          reason: 'identity-changed',
          differences,
          message: 'This session now resolves to a different runtime than the one this turn started on. The turn paused before its next step; nothing was sent. Continue on the new runtime, or stop.',
        },
      }
    }
    turn.identity = next.identity
    return { entry: next.entry, key: next.key }
  }

  /** Commits the step's calls: the step's text and each call as it arrived, with its approval decided. */
  private recordCalls(turn: RunningTurn, run: AgentRun, step: number, calls: CompletedToolCall[]): string[] {
    return this.sessions.transaction(() => {
      this.ledger.endStep(turn.turnId, step, 'tool-calls', turn.text)
      if (turn.meter) this.recordUsage(turn, step, turn.meter)
      this.recordFallback(turn, step)
      // The step's text now lives in its ledger row: the turn's checkpoint restarts empty for the next step.
      this.sessions.checkpoint(turn.turnId, '')
      return calls.map((call, position) => {
        const tool = toolByWireName(run.set, call.name)
        const decision = tool && call.arguments ? this.decide(run.set, tool, call.arguments) : null
        const id = this.ledger.record({
          sessionId: turn.sessionId,
          turnId: turn.turnId,
          step,
          position,
          providerCallId: call.id,
          // The ledger names the tool by its reference (an MCP tool: its server and its own name), not the wire name.
          source: tool ? toolSource(tool) : 'builtin',
          name: tool ? tool.name : call.name,
          schemaHash: tool?.schemaHash ?? '',
          argumentsJson: call.argumentsJson,
          effect: tool?.effect ?? 'read',
          // The identity of the step that asked for it: the fallback's, when one answered.
          identityKey: (turn.answered ?? turn.identity).identityKey,
          state: decision === 'allow' ? 'approved' : decision === 'ask' ? 'awaiting-approval' : 'proposed',
        })
        // A call that cannot run is answered at once, in words the model can act on.
        if (!tool) this.ledger.answer(id, 'failed', `There is no tool named "${call.name}". The tools offered are: ${run.set.tools.map(wireNameOf).join(', ')}.`)
        else if (!call.arguments) this.ledger.answer(id, 'failed', `${call.name} was not run: ${call.argumentsProblem}. Send the arguments as one JSON object.`)
        return id
      })
    })
  }

  private decide(set: SessionToolSet, tool: BuiltinTool, args: Record<string, unknown>): 'allow' | 'ask' {
    // Without a hook, invariant 16's default: reads run, anything that changes or reaches out asks.
    return set.approval ? set.approval(tool, args) : effectDefault(tool.effect)
  }

  /**
   * Runs the turn's approved calls in order; returns the pause when calls still wait for approval. A result is
   * redacted of the entry's secrets before the ledger stores it (invariant 3): a tool can read the key from a file
   * or a page, and the ledger's text is stored, indexed for search (migration 010) and sent back to the model.
   */
  private async runApproved(turn: RunningTurn, run: AgentRun, secrets: readonly string[]): Promise<TurnPause | null> {
    const taken = new Set<string>()
    for (;;) {
      if (turn.controller.signal.aborted) return null
      // Read afresh before each call: one approved while an earlier call of the step ran must run too.
      const call = this.ledger.calls(turn.turnId).find((c) => c.state === 'approved' && !taken.has(c.id))
      if (!call) break
      taken.add(call.id)
      const tool = toolByReference(run.set, call.source, call.name)
      if (!tool) {
        this.ledger.answer(call.id, 'failed', `${call.name} is no longer offered in this session; it was not run.`)
        this.emitCall(turn.sessionId, turn.turnId, call.id)
        continue
      }
      // Invariant 14: the row says running, committed, before the tool can have any effect.
      if (!this.ledger.markRunning(call.id)) continue
      this.emitCall(turn.sessionId, turn.turnId, call.id)
      const result = await tool.run(JSON.parse(call.argumentsJson) as unknown, {
        workspace: run.set.workspace,
        signal: turn.controller.signal,
        timeoutMs: run.set.timeoutMs ?? DEFAULT_TOOL_TIMEOUT_MS,
        // A result too large for the ledger is kept whole on disk: scrubbed of the same secrets first.
        resultStore: this.resultStore().scrubbing((t) => redact(t, secrets)),
      })
      const text = redact(result.text, secrets)
      // Images are kept before the result is written: the next step's history finds them with the call.
      if (result.images && result.images.length > 0) await this.resultStore().saveImages(call.id, result.images).catch(() => undefined)
      if (turn.controller.signal.aborted) this.ledger.answer(call.id, 'cancelled', text ? `${CANCELLED_RESULT}.\n${text}` : CANCELLED_RESULT, result.fullResultId ?? null)
      else this.ledger.answer(call.id, result.outcome, text, result.fullResultId ?? null)
      this.emitCall(turn.sessionId, turn.turnId, call.id)
    }
    const waiting = this.ledger.calls(turn.turnId).filter((c) => c.state === 'awaiting-approval').length
    if (waiting === 0) return null
    return { reason: 'awaiting-approval', message: waiting === 1 ? 'A tool call is waiting for your approval.' : `${waiting} tool calls are waiting for your approval.` }
  }

  /** A wait for approval that is already over: every card of the turn was answered before the pause was written. */
  private answeredBeforePause(turnId: string, pause: TurnPause): boolean {
    return pause.reason === 'awaiting-approval' && !this.ledger.calls(turnId).some((c) => c.state === 'awaiting-approval')
  }

  private resultStore(): ResultStore {
    if (!this.options.resultStore) throw KeelError.of('internal', 'Tools run without a result store.')
    return this.options.resultStore
  }

  private emitCall(sessionId: string, turnId: string, callId: string): void {
    const row = this.ledger.call(callId)
    if (row) this.events.chat({ type: 'tool-call', sessionId, turnId, call: toolCallView(row) })
  }

  private emitAnswered(sessionId: string, answered: { turnId: string; calls: string[] } | null): void {
    if (answered) for (const id of answered.calls) this.emitCall(sessionId, answered.turnId, id)
  }

  /** Answers the open calls of the session's paused turn (inside the caller's transaction) and ends the pause. */
  private answerPaused(sessionId: string, text: string): { turnId: string; calls: string[] } | null {
    const paused = this.ledger.pausedTurn(sessionId)
    if (!paused) return null
    const calls = this.ledger.answerOpen(paused.turnId, 'cancelled', text)
    this.ledger.setPause(paused.turnId, null)
    return { turnId: paused.turnId, calls }
  }

  /**
   * Approves this one call waiting for approval; when none of its turn's calls wait any more, the turn goes on. A
   * kept approval is a stored grant (tools/grants.ts), which the tool set's approval hook asks (withGrants).
   */
  async approve(callId: string, editedArguments?: string): Promise<void> {
    const call = this.ledger.call(callId)
    if (!call) throw KeelError.of('not-found', 'That tool call does not exist.')
    if (call.state !== 'awaiting-approval') throw KeelError.of('conflict', `That tool call is not waiting for approval (it is ${call.state}).`)
    if (editedArguments !== undefined) {
      let parsed: unknown
      try {
        parsed = JSON.parse(editedArguments)
      } catch {
        throw KeelError.of('invalid-input', 'The edited arguments are not valid JSON. Nothing was run.', { field: 'arguments' })
      }
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw KeelError.of('invalid-input', 'The edited arguments must be one JSON object. Nothing was run.', { field: 'arguments' })
    }
    if (!this.ledger.transition(callId, ['awaiting-approval'], 'approved', editedArguments)) throw KeelError.of('conflict', 'That tool call was answered in the meantime.')
    this.emitCall(call.sessionId, call.turnId, callId)
    await this.resumeIfReady(call.sessionId, call.turnId)
  }

  /** Denies a call waiting for approval; the model reads "denied by the user" and the reason. */
  async deny(callId: string, reason?: string): Promise<void> {
    const call = this.ledger.call(callId)
    if (!call) throw KeelError.of('not-found', 'That tool call does not exist.')
    const why = reason?.trim()
    if (call.state !== 'awaiting-approval' || !this.ledger.answer(callId, 'denied', why ? `denied by the user: ${why}` : 'denied by the user')) {
      throw KeelError.of('conflict', `That tool call is not waiting for approval (it is ${call.state}).`)
    }
    this.emitCall(call.sessionId, call.turnId, callId)
    await this.resumeIfReady(call.sessionId, call.turnId)
  }

  private async resumeIfReady(sessionId: string, turnId: string): Promise<void> {
    if (this.ledger.calls(turnId).some((c) => c.state === 'awaiting-approval')) return
    if (this.ledger.pause(turnId)?.reason !== 'awaiting-approval') return
    // Two answers arriving together (the last two cards of a step) resume the turn once.
    if (this.running.has(sessionId) || this.resuming.has(sessionId)) return
    this.resuming.add(sessionId)
    try {
      await this.resume(sessionId, turnId, {})
    } finally {
      this.resuming.delete(sessionId)
    }
  }

  /**
   * "Run again" for a call that ended without its effect known or done (interrupted, failed, timed out, cancelled):
   * Keel never re-runs such a call on its own. The old row keeps its result; the re-run is a NEW call in a NEW turn:
   * the user's message "Run again: <tool>", then step 0 holding a call Keel makes on the user's behalf (a fresh
   * provider call id, the same tool and arguments), asked for approval as usual. On the wire that is a user message,
   * an assistant tool call and its result — a pair every API accepts, so invariant 13 holds without touching the
   * old pair — and once answered the turn goes on with the model's next step. Refused while a turn runs.
   */
  async runAgain(callId: string): Promise<{ turnId: string; callId: string }> {
    const old = this.ledger.call(callId)
    if (!old) throw KeelError.of('not-found', 'That tool call does not exist.')
    if (!RUN_AGAIN_STATES.includes(old.state)) {
      throw KeelError.of('conflict', `Only a call that was interrupted, failed, timed out or was cancelled can run again; this one is ${old.state}.`)
    }
    const sessionId = old.sessionId
    const set = (await this.options.toolSet?.(sessionId)) ?? null
    const tool = set ? toolByReference(set, old.source, old.name) : undefined
    if (!set || !tool) throw KeelError.of('conflict', `${old.name} is not offered in this session any more; nothing was run.`, { fix: 'Check the session’s agent profile and its tools.' })
    let args: unknown
    try {
      args = JSON.parse(old.argumentsJson)
    } catch {
      args = null
    }
    if (args === null || typeof args !== 'object' || Array.isArray(args)) throw KeelError.of('invalid-input', `The call's arguments were not one JSON object, so there is nothing to run again.`)
    if (this.resuming.has(sessionId)) throw KeelError.of('conflict', 'A reply is still streaming in this session.', { fix: 'Wait for it to finish or press Stop.' })
    const { identity } = await this.prepare(sessionId)
    const decision = this.decide(set, tool, args as Record<string, unknown>)
    let movedOn: { turnId: string; calls: string[] } | null = null
    const created = this.sessions.transaction(() => {
      // As a new message does: calls waiting in a paused turn are answered, never left open.
      movedOn = this.answerPaused(sessionId, MOVED_ON_RESULT)
      const userMessageId = this.sessions.appendMessage({ sessionId, turnId: null, role: 'user', content: `Run again: ${old.name} (the earlier call ended ${old.state}).` })
      const turnId = this.sessions.startTurn({ sessionId, userMessageId, identity })
      this.ledger.startStep(turnId, 0, identity.identityKey, Date.now(), offeredTools(set))
      this.ledger.endStep(turnId, 0, 'tool-calls', '')
      const id = this.ledger.record({
        sessionId,
        turnId,
        step: 0,
        position: 0,
        providerCallId: `keel_again_${randomUUID().replace(/-/g, '').slice(0, 24)}`,
        source: old.source,
        name: old.name,
        schemaHash: tool.schemaHash,
        argumentsJson: old.argumentsJson,
        effect: tool.effect,
        identityKey: identity.identityKey,
        state: decision === 'allow' ? 'approved' : 'awaiting-approval',
      })
      // The turn waits (like any turn whose call asks); an allowed call resumes it at once below.
      this.sessions.endTurn(turnId, 'stopped', null, '')
      this.ledger.setPause(turnId, { reason: 'awaiting-approval', message: 'A tool call is waiting for your approval.' })
      this.sessions.touch(sessionId)
      return { turnId, userMessageId, callId: id }
    })
    this.emitAnswered(sessionId, movedOn)
    if (decision === 'allow') {
      await this.resume(sessionId, created.turnId, {})
    } else {
      const pause = this.ledger.pause(created.turnId)
      this.events.chat({ type: 'turn-started', sessionId, turnId: created.turnId, userMessageId: created.userMessageId })
      this.emitCall(sessionId, created.turnId, created.callId)
      this.events.chat({ type: 'turn-ended', sessionId, turnId: created.turnId, status: 'stopped', error: null, assistantMessageId: null, pause })
      this.events.sessionsChanged('turn-ended', sessionId)
    }
    return { turnId: created.turnId, callId: created.callId }
  }

  /** Continues the session's paused turn: `steps` more after the step limit, or on the new runtime after a change. */
  async continuePaused(sessionId: string, steps?: number): Promise<void> {
    const paused = this.ledger.pausedTurn(sessionId)
    if (!paused) throw KeelError.of('conflict', 'No turn of this session is paused.')
    if (paused.pause.reason === 'awaiting-approval') throw KeelError.of('conflict', 'Tool calls are still waiting for approval.', { fix: 'Approve or deny each of them first.' })
    await this.resume(sessionId, paused.turnId, { steps: steps ?? (paused.pause.reason === 'step-limit' ? paused.pause.limit : undefined), acceptIdentity: paused.pause.reason === 'identity-changed' })
  }

  /** Reopens a paused turn and runs it on: approved calls first, then steps (each re-validated). */
  private async resume(sessionId: string, turnId: string, opts: { steps?: number; acceptIdentity?: boolean }): Promise<void> {
    const row = this.sessions.turn(turnId)
    if (!row) throw KeelError.of('not-found', 'That turn no longer exists.')
    const set = (await this.options.toolSet?.(sessionId)) ?? null
    if (!set) {
      const answered = this.sessions.transaction(() => this.answerPaused(sessionId, 'not run: this session no longer offers tools'))
      this.emitAnswered(sessionId, answered)
      this.events.sessionsChanged('turn-ended', sessionId)
      return
    }
    const { identity, entry, key } = await this.prepare(sessionId)
    const steps = this.ledger.steps(turnId)
    // The turn's identity is the one its last step ran on (a change the user accepted counts from then on).
    const recorded = steps.length > 0 ? steps[steps.length - 1]!.identityKey : row.identityKey
    const baseline = opts.acceptIdentity ? identity.identityKey : recorded
    const run = this.newRun(set, baseline, opts.acceptIdentity ? await this.freshKey(sessionId) : recorded, steps.length, [], opts.steps, true)
    // The runtime was just prepared, but it is only the turn's when it matches; otherwise the next step re-checks.
    run.prepared = identity.identityKey === baseline
    this.ledger.reopen(turnId)
    this.launch({ turnId, sessionId, identity, continues: null }, entry, key, [], row.userMessageId, run)
  }

  // ---- crash recovery ----

  /** What became of the session's last interrupted turn, for the session view. */
  async recoveryView(sessionId: string): Promise<RecoveryView | null> {
    const turn = this.sessions.lastRecoverable(sessionId)
    if (!turn || turn.recovery === null) return null
    const now = await this.identity.resolveFresh(sessionId)
    const differences = recoveryDifferences(turn, now.identity)
    const message =
      turn.recovery === 'pending'
        ? differences.length === 0
          ? 'A reply was interrupted when Keel stopped unexpectedly.'
          : 'A reply was interrupted when Keel stopped unexpectedly, and this session would now run on a different runtime. Continue anyway?'
        : turn.recovery === 'continuing'
          ? 'Continuing the interrupted reply…'
          : turn.recovery === 'continued'
            ? 'The interrupted reply was continued.'
            : turn.recovery === 'failed'
              ? 'Continuing the interrupted reply failed; Keel will not retry on its own.'
              : 'You chose not to continue the interrupted reply.'
    return { turnId: turn.id, status: turn.recovery, differences, message }
  }

  /**
   * At startup: continue each interrupted turn automatically only when the re-resolved identity key equals the
   * one the turn recorded; otherwise leave it pending so the user is asked, with the difference shown.
   */
  async recoverInterrupted(interrupted: TurnRow[]): Promise<void> {
    for (const turn of interrupted) {
      if (turn.kind === 'continuation') continue // a continuation cut short is not continued again on its own
      const now = await this.identity.evaluate(turn.sessionId).catch(() => null)
      if (!now?.identity || recoveryDifferences(turn, now.identity).length > 0) {
        this.events.notice(turn.sessionId, 'warning', 'A reply was interrupted and this session now resolves differently; open it to decide whether to continue.')
        continue
      }
      try {
        await this.continueTurn(turn.sessionId, turn)
        this.events.notice(turn.sessionId, 'info', 'Continuing a reply that was interrupted when Keel stopped.')
      } catch {
        this.sessions.setRecovery(turn.id, 'failed')
      }
    }
  }
}

/** What a reply records about the identity that produced it. */
function producedWith(i: RuntimeIdentity): { entryId: string; model: string; baseUrl: string; api: string } {
  return { entryId: i.entryId, model: i.model, baseUrl: i.baseUrl, api: i.api }
}

function titleFrom(text: string): string {
  const line = text.trim().split('\n')[0]!.trim()
  return line.length > 60 ? `${line.slice(0, 57)}…` : line || DEFAULT_TITLE
}
