// Runs turns. Each turn takes its runtime from the identity authority at the turn boundary, re-reads the key from
// the keychain (keys are never cached across turns), refuses to send while unresolved, streams through the
// provider client, checkpoints the streamed text into the turn row every CHECKPOINT_MS, and records how the turn
// ended. Errors end a turn as an error, never as assistant text.
import type { KeelErrorData, ProviderEntry, RecoveryView, RuntimeIdentity } from '../../../shared/domain'
import type { ChatEvent } from '../../../shared/contract'
import { KeelError, toErrorData } from '../errors'
import type { IdentityService } from '../identity/identity-service'
import { identityFor } from '../identity/resolve'
import { streamCompletion, type WireMessage } from '../providers/provider-client'
import { keyFingerprint, type Keychain } from '../secrets/keychain'
import { DEFAULT_TITLE, type SessionStore, type TurnRow } from '../sessions/session-store'
import { CooldownBook } from './cooldowns'
import { RECOVERY_NOTE, recoveryDifferences } from './recovery'

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

  constructor(
    private readonly sessions: SessionStore,
    private readonly identity: IdentityService,
    private readonly keychain: Keychain,
    private readonly events: AgentEvents,
  ) {}

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
    if (cooling > 0) {
      throw KeelError.of('rate-limited', `"${entry.name}" asked Keel to wait before the next request (${Math.ceil(cooling / 1000)} s left). Nothing was sent.`, {
        entryId: entry.id,
        fix: 'Wait, or change the key of this entry (a new key starts without a cooldown).',
      })
    }
    return { identity, entry, key, notice }
  }

  private history(sessionId: string): WireMessage[] {
    return this.sessions
      .messages(sessionId)
      .filter((m) => m.content.trim() !== '')
      .map((m) => ({ role: m.role, content: m.content }))
  }

  async send(sessionId: string, text: string): Promise<{ turnId: string }> {
    const { identity, entry, key, notice } = await this.prepare(sessionId)
    const messages = [...this.history(sessionId), { role: 'user' as const, content: text }]
    const { turnId, userMessageId } = this.sessions.transaction(() => {
      const session = this.sessions.get(sessionId)!
      const userMessageId = this.sessions.appendMessage({ sessionId, turnId: null, role: 'user', content: text })
      const turnId = this.sessions.startTurn({ sessionId, userMessageId, identity })
      this.sessions.saveDraft(sessionId, '')
      if (session.title === DEFAULT_TITLE) this.sessions.rename(sessionId, titleFrom(text))
      this.sessions.touch(sessionId)
      return { turnId, userMessageId }
    })
    this.launch({ turnId, sessionId, identity, continues: null }, entry, key, messages, userMessageId)
    if (notice) this.events.notice(sessionId, 'info', notice)
    return { turnId }
  }

  /**
   * Continues an interrupted turn. The note explaining the interruption is sent to the model only: it is never
   * stored, shown or exported (invariant 9).
   */
  async continueTurn(sessionId: string, interrupted: TurnRow): Promise<{ turnId: string }> {
    const { identity, entry, key } = await this.prepare(sessionId)
    const messages: WireMessage[] = [...this.history(sessionId), { role: 'user', content: RECOVERY_NOTE }]
    const turnId = this.sessions.transaction(() => {
      this.sessions.setRecovery(interrupted.id, 'continuing')
      return this.sessions.startTurn({ sessionId, userMessageId: null, identity, continues: interrupted.id })
    })
    this.launch({ turnId, sessionId, identity, continues: interrupted.id }, entry, key, messages, null)
    return { turnId }
  }

  private launch(t: { turnId: string; sessionId: string; identity: RuntimeIdentity; continues: string | null }, entry: ProviderEntry, key: string | null, messages: WireMessage[], userMessageId: string | null): void {
    // lastCheckpoint 0: the first text that streams is written at once, later text at most CHECKPOINT_MS later.
    const turn: RunningTurn = { ...t, controller: new AbortController(), text: '', lastCheckpoint: 0, checkpointed: 0, checkpointedBytes: 0, timer: null, done: Promise.resolve() }
    this.running.set(t.sessionId, turn)
    this.events.chat({ type: 'turn-started', sessionId: t.sessionId, turnId: t.turnId, userMessageId: userMessageId ?? '' })
    this.events.sessionsChanged('turn-started', t.sessionId)
    turn.done = this.stream(turn, entry, key, messages)
  }

  private async stream(turn: RunningTurn, entry: ProviderEntry, key: string | null, messages: WireMessage[]): Promise<void> {
    let status: 'done' | 'stopped' | 'error' = 'done'
    let error: KeelErrorData | null = null
    try {
      await streamCompletion({
        identity: turn.identity,
        entry,
        key,
        messages,
        signal: turn.controller.signal,
        onDelta: (delta) => {
          turn.text += delta
          this.events.chat({ type: 'delta', sessionId: turn.sessionId, turnId: turn.turnId, text: delta })
          this.scheduleCheckpoint(turn)
        },
      })
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
            producedWith: { entryId: turn.identity.entryId, model: turn.identity.model, baseUrl: turn.identity.baseUrl, api: turn.identity.api },
          })
        }
        // The partial text stays on the turn only when it did not become a message (an error cut it short).
        this.sessions.endTurn(turn.turnId, status, error, assistantMessageId ? '' : turn.text)
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

  /** Stops the session's running turn; what streamed so far is kept as a stopped reply. */
  async stop(sessionId: string): Promise<void> {
    const turn = this.running.get(sessionId)
    if (!turn) return
    turn.controller.abort()
    await turn.done
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.running.keys()].map((id) => this.stop(id)))
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

function titleFrom(text: string): string {
  const line = text.trim().split('\n')[0]!.trim()
  return line.length > 60 ? `${line.slice(0, 57)}…` : line || DEFAULT_TITLE
}
