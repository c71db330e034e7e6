// The approval card (invariant 16): a tool call waiting for the user, shown in the transcript with everything the
// user approves — the tool, its source, its effect class, the full arguments (editable, checked before they can be
// sent) and, for write_file / edit_file, the diff of what it would change. Allow once / Allow for this session /
// Always for this agent / Deny (with an optional reason the model reads). The card takes focus when it appears;
// Enter on the card allows once, Escape starts a denial (Enter in the reason denies, Escape goes back), and
// Ctrl/⌘+Enter in the arguments allows once.
import { useCallback, useEffect, useId, useMemo, useRef, useState, type KeyboardEvent } from 'react'
import type { KeelErrorData } from '../../../../shared/domain'
import type { ApprovalScope, CallPreview } from '../../../../shared/grants'
import { call } from '../../bridge'
import { toErrorData } from '../../errors'
import { useSourceLabel } from '../../state/mcpServerNames'
import { ErrorNote } from '../ErrorNote'
import '../../styles/approvals.css'

export interface ApprovalCall {
  id: string
  toolName: string
  /** 'builtin' or 'mcp:<server id>'. */
  source: string
  effect: 'read' | 'write' | 'execute' | 'network'
  /** The arguments as the model sent them (JSON text). */
  arguments: string
}

interface ApprovalCardProps {
  call: ApprovalCall
  /** The session's agent profile name, for "Always for this agent"; null when the session has none. */
  agentName: string | null
  /** Called once the call was answered (the transcript then shows it running or denied). */
  onAnswered?: (answer: ApprovalScope | 'deny') => void
  /** Takes focus when it appears (default); the second of two cards waiting does not steal it. */
  autoFocus?: boolean
}

const EFFECT_LABEL = { read: 'Reads', write: 'Writes files', execute: 'Runs commands', network: 'Uses the network' } as const
const EFFECT_TONE = { read: 'badge', write: 'badge badge--warning', execute: 'badge badge--danger', network: 'badge badge--warning' } as const

/** The source as people say it: "Built-in" or "MCP: <server>". */
export function sourceLabel(source: string): string {
  if (source === 'builtin') return 'Built-in'
  return source.startsWith('mcp:') ? `MCP: ${source.slice(4)}` : source
}

/** Pretty-printed when the model's text is JSON (the user edits readable JSON); otherwise exactly as sent. */
function readable(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2)
  } catch {
    return text
  }
}

/** Why the edited text cannot be sent, or null when it is a JSON object. */
export function argumentsProblem(text: string): string | null {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    return `Not valid JSON: ${err instanceof Error ? err.message : 'cannot be read'}.`
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'The arguments must be one JSON object, like { "path": "…" }.'
  return null
}

export function ApprovalCard({ call: toolCall, agentName, onAnswered, autoFocus = true }: ApprovalCardProps) {
  const titleId = useId()
  const argsId = useId()
  const argsHelpId = useId()
  const reasonId = useId()
  const keysId = useId()
  const card = useRef<HTMLElement>(null)
  const reasonField = useRef<HTMLInputElement>(null)
  const original = useMemo(() => readable(toolCall.arguments), [toolCall.arguments])
  const [text, setText] = useState(original)
  const [denying, setDenying] = useState(false)
  const [reason, setReason] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<KeelErrorData | null>(null)
  const [preview, setPreview] = useState<CallPreview | null>(null)

  // An MCP tool's card names its server (Settings → MCP servers' name, not only the id).
  const source = useSourceLabel(toolCall.source)
  const problem = argumentsProblem(text)
  const edited = text !== original
  const hasPreview = toolCall.effect === 'write'

  useEffect(() => {
    if (!autoFocus) return
    // Never taken from a field the user is typing in (a draft in the composer): an Enter meant for the message must
    // not approve. An empty composer (the message was just sent) gives it up.
    const active = document.activeElement as HTMLElement | null
    const typing = active instanceof HTMLTextAreaElement || active instanceof HTMLInputElement ? active.value !== '' : Boolean(active?.isContentEditable)
    if (typing) return
    card.current?.focus()
  }, [autoFocus])

  // The diff follows the arguments being sent: recomputed (by the core, from the file as it is) after an edit.
  useEffect(() => {
    if (!hasPreview || problem) return
    let live = true
    const timer = window.setTimeout(() => {
      call('tools.preview', { callId: toolCall.id, ...(edited ? { editedArguments: text } : {}) })
        .then((p) => live && setPreview(p))
        .catch((e: unknown) => live && setPreview({ diff: null, problem: toErrorData(e).message }))
    }, edited ? 250 : 0)
    return () => {
      live = false
      window.clearTimeout(timer)
    }
  }, [hasPreview, problem, edited, text, toolCall.id])

  const approve = useCallback(
    async (scope: ApprovalScope) => {
      if (busy || problem) return
      setBusy(true)
      setError(null)
      try {
        await call('tools.approve', { callId: toolCall.id, scope, ...(edited ? { editedArguments: text } : {}) })
        onAnswered?.(scope)
      } catch (e) {
        setError(toErrorData(e))
      } finally {
        setBusy(false)
      }
    },
    [busy, problem, toolCall.id, edited, text, onAnswered],
  )

  const deny = useCallback(async () => {
    if (busy) return
    setBusy(true)
    setError(null)
    try {
      const why = reason.trim()
      await call('tools.deny', { callId: toolCall.id, ...(why ? { reason: why } : {}) })
      onAnswered?.('deny')
    } catch (e) {
      setError(toErrorData(e))
    } finally {
      setBusy(false)
    }
  }, [busy, reason, toolCall.id, onAnswered])

  const startDenying = () => {
    setDenying(true)
    // The field appears on this render; focus it once it is there.
    window.requestAnimationFrame(() => reasonField.current?.focus())
  }

  const onCardKey = (e: KeyboardEvent<HTMLElement>) => {
    if (e.target !== card.current) return
    if (e.key === 'Enter') {
      e.preventDefault()
      void approve('once')
    } else if (e.key === 'Escape') {
      e.preventDefault()
      e.stopPropagation()
      startDenying()
    }
  }

  return (
    <section
      ref={card}
      className="approval-card"
      aria-labelledby={titleId}
      aria-describedby={keysId}
      tabIndex={-1}
      onKeyDown={onCardKey}
      data-testid="approval-card"
      data-call-id={toolCall.id}
    >
      <p id={keysId} className="visually-hidden">
        Enter allows once; Escape denies. Ctrl+Enter in the arguments allows once.
      </p>
      <header className="approval-card__head">
        <h4 id={titleId} className="approval-card__title">
          Approve <code>{toolCall.toolName}</code>?
        </h4>
        <span className="approval-card__source" data-testid="approval-source">
          {source}
        </span>
        <span className={EFFECT_TONE[toolCall.effect]} data-testid="approval-effect">
          {/* An MCP tool is 'write' when its server does not say it only reads: it may change anything, not only files. */}
          {toolCall.effect === 'write' && toolCall.source !== 'builtin' ? 'May change things' : EFFECT_LABEL[toolCall.effect]}
        </span>
      </header>

      <div className="field">
        <label htmlFor={argsId} className="field__label">
          Arguments {edited ? <span className="approval-card__edited">(edited)</span> : null}
        </label>
        <textarea
          id={argsId}
          className="input approval-card__args"
          value={text}
          spellCheck={false}
          rows={Math.min(16, Math.max(3, text.split('\n').length))}
          aria-invalid={problem ? 'true' : undefined}
          aria-describedby={argsHelpId}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
              e.preventDefault()
              void approve('once')
            }
          }}
        />
        {problem ? (
          <p id={argsHelpId} className="field__error" role="status">
            {problem}
          </p>
        ) : (
          <p id={argsHelpId} className="field__help">
            {edited ? (
              <>
                The tool runs with your edited arguments.{' '}
                <button type="button" className="button button--small" onClick={() => setText(original)}>
                  Reset to the model’s
                </button>
              </>
            ) : (
              'Exactly what the tool receives. You can edit it before approving.'
            )}
          </p>
        )}
      </div>

      {hasPreview ? <DiffView preview={preview} stale={problem !== null} /> : null}

      {error ? <ErrorNote error={error} label="Approval problem" /> : null}

      <div className="approval-card__actions">
        <button type="button" className="button button--primary" disabled={busy || problem !== null} onClick={() => void approve('once')}>
          Allow once
        </button>
        <button type="button" className="button" disabled={busy || problem !== null} onClick={() => void approve('session')}>
          Allow for this session
        </button>
        <button
          type="button"
          className="button"
          disabled={busy || problem !== null || agentName === null}
          title={agentName === null ? 'This session runs no agent profile' : `Every session of ${agentName}, until you revoke it in Settings`}
          onClick={() => void approve('agent')}
        >
          {agentName ? `Always for ${agentName}` : 'Always for this agent'}
        </button>
        <button type="button" className="button button--danger-quiet" disabled={busy} aria-expanded={denying} onClick={() => (denying ? void deny() : startDenying())}>
          Deny
        </button>
      </div>

      {denying ? (
        <div className="field approval-card__deny">
          <label htmlFor={reasonId} className="field__label">
            Reason for the model (optional)
          </label>
          <input
            id={reasonId}
            ref={reasonField}
            className="input"
            value={reason}
            maxLength={4000}
            placeholder="e.g. edit src/ instead"
            onChange={(e) => setReason(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') {
                e.preventDefault()
                void deny()
              } else if (e.key === 'Escape') {
                e.preventDefault()
                e.stopPropagation()
                setDenying(false)
                card.current?.focus()
              }
            }}
          />
          <p className="field__help">Enter denies; Escape goes back.</p>
        </div>
      ) : null}
    </section>
  )
}

/** A unified diff, line by line, marked as added / removed / hunk header for colour and for screen readers. */
function DiffView({ preview, stale }: { preview: CallPreview | null; stale: boolean }) {
  if (stale) return <p className="muted approval-card__diff-note">The diff shows once the arguments are valid JSON.</p>
  if (!preview) return <p className="muted approval-card__diff-note">Computing the change…</p>
  if (!preview.diff) return <p className="muted approval-card__diff-note">{preview.problem ?? 'No preview for this tool.'}</p>
  const lines = preview.diff.diff.split('\n')
  return (
    <figure className="approval-card__diff">
      <figcaption>
        {preview.diff.created ? 'Creates' : 'Changes'} <code>{preview.diff.path}</code>
      </figcaption>
      <pre aria-label={`Diff of ${preview.diff.path}`} data-testid="approval-diff">
        {lines.map((line, i) => {
          const kind = line.startsWith('+++') || line.startsWith('---') ? 'file' : line.startsWith('@@') ? 'hunk' : line.startsWith('+') ? 'add' : line.startsWith('-') ? 'del' : 'same'
          return (
            <span key={i} className={`diff-line diff-line--${kind}`}>
              {kind === 'add' ? <span className="visually-hidden">added: </span> : kind === 'del' ? <span className="visually-hidden">removed: </span> : null}
              {line}
              {'\n'}
            </span>
          )
        })}
      </pre>
    </figure>
  )
}
