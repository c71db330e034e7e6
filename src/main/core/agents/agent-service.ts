// Runs turns. Each turn re-resolves the session's identity and re-reads its key from the keychain (keys are never
// cached across turns), refuses to send while unresolved, streams through the provider client, checkpoints the
// streamed text into the turn row every CHECKPOINT_MS, and records how the turn ended. Errors end a turn as an
// error, never as assistant text.
import type { KeelErrorData, RuntimeIdentity } from '../../../shared/domain'
import type { ChatEvent } from '../../../shared/contract'
import type { ConfigService } from '../config/config-service'
import { KeelError, toErrorData } from '../errors'
import type { IdentityService } from '../identity/identity-service'
import { streamCompletion, type WireMessage } from '../providers/provider-client'
import type { Keychain } from '../secrets/keychain'
import { DEFAULT_TITLE, type SessionStore } from '../sessions/session-store'

/** Streaming text reaches the database at least this often, so a crash loses at most this much (invariant 10). */
export const CHECKPOINT_MS = 100

interface RunningTurn {
  turnId: string
  sessionId: string
  identity: RuntimeIdentity
  controller: AbortController
  text: string
  lastCheckpoint: number
  timer: NodeJS.Timeout | null
  done: Promise<void>
}

export interface AgentEvents {
  chat(event: ChatEvent): void
  sessionsChanged(reason: string): void
  notice(sessionId: string, text: string): void
}

export class AgentService {
  private readonly running = new Map<string, RunningTurn>()

  constructor(
    private readonly sessions: SessionStore,
    private readonly identity: IdentityService,
    private readonly config: ConfigService,
    private readonly keychain: Keychain,
    private readonly events: AgentEvents,
  ) {}

  isRunning(sessionId: string): boolean {
    return this.running.has(sessionId)
  }
  runningIdentity(sessionId: string): RuntimeIdentity | null {
    return this.running.get(sessionId)?.identity ?? null
  }

  async send(sessionId: string, text: string): Promise<{ turnId: string }> {
    if (this.running.has(sessionId)) {
      throw KeelError.of('conflict', 'A reply is still streaming in this session.', { fix: 'Wait for it to finish or press Stop.' })
    }
    const notice = this.identity.reconcileAtTurnBoundary(sessionId)
    const resolution = await this.identity.resolve(sessionId)
    if (resolution.state.kind !== 'resolved' || !resolution.identity) {
      const state = resolution.state.kind === 'unresolved' ? resolution.state : null
      throw KeelError.of('unresolved', state?.message ?? 'This session is not resolved.', { fix: state?.fix })
    }
    const identity = resolution.identity
    const entry = this.config.entry(identity.entryId)!
    // Read per turn: a key rotated in Keel or in the keychain is used from the next request on.
    const key = identity.credential.present ? await this.keychain.readKey(identity.entryId) : null
    if (identity.credential.present && key === null) {
      throw KeelError.of('unresolved', `The key of "${identity.entryName}" was removed from the keychain. Nothing was sent.`, { fix: `Add the key for "${identity.entryName}" in Settings.` })
    }

    const history: WireMessage[] = this.sessions
      .messages(sessionId)
      .filter((m) => m.content.trim() !== '')
      .map((m) => ({ role: m.role, content: m.content }))
    history.push({ role: 'user', content: text })

    const { turnId, userMessageId } = this.sessions.transaction(() => {
      const session = this.sessions.get(sessionId)!
      const userMessageId = this.sessions.appendMessage({ sessionId, turnId: null, role: 'user', content: text })
      const turnId = this.sessions.startTurn({ sessionId, userMessageId, identity })
      this.sessions.saveDraft(sessionId, '')
      if (session.title === DEFAULT_TITLE) this.sessions.rename(sessionId, titleFrom(text))
      this.sessions.touch(sessionId)
      return { turnId, userMessageId }
    })

    const turn: RunningTurn = { turnId, sessionId, identity, controller: new AbortController(), text: '', lastCheckpoint: Date.now(), timer: null, done: Promise.resolve() }
    this.running.set(sessionId, turn)
    this.events.chat({ type: 'turn-started', sessionId, turnId, userMessageId })
    this.events.sessionsChanged('turn-started')
    if (notice) this.events.notice(sessionId, notice)
    turn.done = this.stream(turn, entry, key, history)
    return { turnId }
  }

  private async stream(turn: RunningTurn, entry: Parameters<typeof streamCompletion>[0]['entry'], key: string | null, messages: WireMessage[]): Promise<void> {
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
      }
    }
    if (turn.timer) clearTimeout(turn.timer)
    let assistantMessageId: string | null = null
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
      this.sessions.touch(turn.sessionId)
    })
    this.running.delete(turn.sessionId)
    this.events.chat({ type: 'turn-ended', sessionId: turn.sessionId, turnId: turn.turnId, status, error, assistantMessageId })
    this.events.sessionsChanged('turn-ended')
  }

  private scheduleCheckpoint(turn: RunningTurn): void {
    const due = turn.lastCheckpoint + CHECKPOINT_MS - Date.now()
    if (due <= 0) {
      this.flush(turn)
    } else if (!turn.timer) {
      turn.timer = setTimeout(() => this.flush(turn), due)
    }
  }

  private flush(turn: RunningTurn): void {
    if (turn.timer) clearTimeout(turn.timer)
    turn.timer = null
    turn.lastCheckpoint = Date.now()
    this.sessions.checkpoint(turn.turnId, turn.text, turn.lastCheckpoint)
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
}

function titleFrom(text: string): string {
  const line = text.trim().split('\n')[0]!.trim()
  return line.length > 60 ? `${line.slice(0, 57)}…` : line || DEFAULT_TITLE
}
