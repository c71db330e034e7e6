// The message box. Its draft belongs to one session (invariant 11): saved as you type, flushed when you leave the
// session, blur the box or close the window, restored when the session opens, and cleared only for the session
// that sent. A send that fails puts the text back. A draft main could not save (a full or read-only disk) stays in
// the box and in this window's draft cache, and the box says it was not saved. Mount one per session (the caller
// keys it by session id).
import type { AttachmentRef } from '../../../shared/attachments'
import { useCallback, useEffect, useRef, useState, type ClipboardEvent, type DragEvent, type KeyboardEvent } from 'react'
import type { KeelErrorData } from '../../../shared/domain'
import { call } from '../bridge'
import { toErrorData } from '../errors'
import { cacheDraft, cachedDraft } from '../state/draftCache'
import { ErrorNote } from './ErrorNote'
import { useNotify } from './Notices'
import { useStagedAttachments } from '../hooks/useStagedAttachments'
import { StagedAttachments } from './attachments/StagedAttachments'
import '../styles/attachments.css'

interface ComposerProps {
  sessionId: string
  sessionTitle: string
  /** The draft stored with the session, from `sessions.open`. */
  initialDraft: string
  running: boolean
  /** Id of the element explaining why sending is impossible (the unresolved alert), or null when it is possible. */
  blockedBy: string | null
  onSent: (turnId: string, text: string, attachments: readonly AttachmentRef[]) => void
}

const SAVE_DELAY_MS = 300

/** What became of a draft save: null when saved, else the error (the text itself stays in the draft cache). */
type DraftSaved = (failure: KeelErrorData | null) => void

function saveDraft(sessionId: string, text: string, saved: DraftSaved): void {
  call('sessions.saveDraft', { id: sessionId, text }).then(
    () => saved(null),
    (e: unknown) => {
      const failure = toErrorData(e)
      console.warn('keel: could not save the draft', failure.message)
      saved(failure)
    },
  )
}

/** Debounced draft saving for one session, with an explicit flush. */
function useDraftSaver(sessionId: string, saved: DraftSaved) {
  // Read at resolve time: a save that ends after the box unmounted still reaches the current handler.
  const onSaved = useRef(saved)
  onSaved.current = saved
  const pending = useRef<string | null>(null)
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null)

  const flush = useCallback(() => {
    if (timer.current !== null) clearTimeout(timer.current)
    timer.current = null
    if (pending.current === null) return
    const text = pending.current
    pending.current = null
    saveDraft(sessionId, text, (failure) => onSaved.current(failure))
  }, [sessionId])

  const schedule = useCallback(
    (text: string) => {
      cacheDraft(sessionId, text)
      pending.current = text
      if (timer.current !== null) clearTimeout(timer.current)
      timer.current = setTimeout(flush, SAVE_DELAY_MS)
    },
    [sessionId, flush],
  )

  const cancel = useCallback(() => {
    if (timer.current !== null) clearTimeout(timer.current)
    timer.current = null
    pending.current = null
  }, [])

  useEffect(() => {
    window.addEventListener('beforeunload', flush)
    return () => {
      window.removeEventListener('beforeunload', flush)
      flush() // leaving this session (switch, delete, close): save what was typed
    }
  }, [flush])

  return { schedule, flush, cancel }
}

export function Composer({ sessionId, sessionTitle, initialDraft, running, blockedBy, onSent }: ComposerProps) {
  const [text, setText] = useState(() => cachedDraft(sessionId) ?? initialDraft)
  const [sending, setSending] = useState(false)
  const [stopping, setStopping] = useState(false)
  const [error, setError] = useState<KeelErrorData | null>(null)
  /** Why the text in the box is not saved (yet): cleared by the next save that succeeds. */
  const [draftError, setDraftError] = useState<KeelErrorData | null>(null)
  const mounted = useRef(true)
  const textarea = useRef<HTMLTextAreaElement>(null)
  const notify = useNotify()
  const draftSaved: DraftSaved = (failure) => {
    if (mounted.current) setDraftError(failure)
    else if (failure) notify(`The draft of “${sessionTitle}” was not saved: ${failure.message} It is kept in this window; open the session again to retry.`, 'error')
  }
  const saver = useDraftSaver(sessionId, draftSaved)
  // Files for the next message (issue #12): pasted, dropped or picked; kept until a send succeeds.
  const staged = useStagedAttachments(sessionId)
  const [dragging, setDragging] = useState(false)
  const picker = useRef<HTMLInputElement>(null)
  const ready = staged.items.flatMap((i) => (i.state === 'ready' ? [i] : []))
  const attaching = staged.items.some((i) => i.state === 'uploading')

  const initialText = useRef(text)
  useEffect(() => {
    mounted.current = true
    cacheDraft(sessionId, initialText.current)
    textarea.current?.focus()
    return () => {
      mounted.current = false
    }
  }, [sessionId])

  useEffect(() => {
    if (!running) setStopping(false)
  }, [running])

  const change = (value: string) => {
    setText(value)
    saver.schedule(value)
  }

  const send = async () => {
    const value = text
    // A file still attaching would be left out: wait for it. Refused files are never sent (their chip says why).
    const files = ready
    if ((!value.trim() && files.length === 0) || attaching || sending || running || blockedBy) return
    // The message leaves the box now; the stored draft is cleared by main when the send succeeds.
    saver.cancel()
    cacheDraft(sessionId, '')
    setText('')
    setSending(true)
    setError(null)
    try {
      const attachments = files.map((f) => ({ id: f.ref.id, name: f.ref.name }))
      const { turnId } = await call('chat.send', { sessionId, text: value, ...(attachments.length > 0 ? { attachments } : {}) })
      staged.sent(files.map((f) => f.key))
      onSent(turnId, value, files.map((f) => f.ref))
      // Nothing typed since: make sure no stale copy of the sent text comes back as a draft.
      if (cachedDraft(sessionId) === '') saveDraft(sessionId, '', draftSaved)
    } catch (e) {
      const failure = toErrorData(e)
      const typedSince = cachedDraft(sessionId) ?? ''
      const restored = typedSince.trim() ? `${value}\n\n${typedSince}` : value
      cacheDraft(sessionId, restored)
      saveDraft(sessionId, restored, draftSaved)
      if (mounted.current) {
        setText(restored)
        setError(failure)
      } else {
        notify(`Not sent to “${sessionTitle}”: ${failure.message}. Your text is kept as its draft.`, 'error')
      }
    } finally {
      if (mounted.current) setSending(false)
    }
  }

  const stop = async () => {
    setStopping(true)
    try {
      await call('chat.stop', { sessionId })
    } catch (e) {
      setError(toErrorData(e))
      setStopping(false)
    }
  }

  // A paste with files (an image copied from a screenshot tool or a file manager) attaches them; text pastes as text.
  const onPaste = (event: ClipboardEvent<HTMLTextAreaElement>) => {
    const files = [...event.clipboardData.files]
    if (files.length === 0) return
    event.preventDefault()
    staged.add(files)
  }
  const onDragOver = (event: DragEvent<HTMLFormElement>) => {
    if (![...event.dataTransfer.types].includes('Files')) return
    event.preventDefault()
    setDragging(true)
  }
  const onDrop = (event: DragEvent<HTMLFormElement>) => {
    setDragging(false)
    const files = [...event.dataTransfer.files]
    if (files.length === 0) return
    event.preventDefault()
    staged.add(files)
  }

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key !== 'Enter' || event.shiftKey || event.nativeEvent.isComposing) return
    event.preventDefault()
    void send()
  }

  return (
    <form
      className={dragging ? 'composer composer--dragging' : 'composer'}
      aria-label="Composer"
      onDragOver={onDragOver}
      onDragLeave={() => setDragging(false)}
      onDrop={onDrop}
      onSubmit={(event) => {
        event.preventDefault()
        void send()
      }}
    >
      {error ? <ErrorNote error={error} className="composer__error" /> : null}
      {draftError && !error ? (
        <div className="composer__draft-error" data-testid="draft-not-saved">
          <ErrorNote error={draftError} label="Draft not saved" />
          <button type="button" className="button button--small" onClick={() => saveDraft(sessionId, text, draftSaved)}>
            Save draft again
          </button>
        </div>
      ) : null}
      <div className="composer__box">
        <StagedAttachments items={staged.items} onRemove={staged.remove} />
        <textarea
          ref={textarea}
          className="composer__input"
          aria-label="Message"
          placeholder={blockedBy ? 'This session cannot send until it is bound to a provider' : 'Write a message…'}
          rows={3}
          value={text}
          onChange={(event) => change(event.target.value)}
          onKeyDown={onKeyDown}
          onPaste={onPaste}
          onBlur={saver.flush}
        />
        <div className="composer__actions">
          <span className="composer__hint" aria-hidden="true">
            Enter to send · Shift+Enter for a new line · paste or drop files to attach
          </span>
          <input
            ref={picker}
            type="file"
            multiple
            className="composer__attach-input"
            data-testid="attach-input"
            aria-label="Attach files"
            onChange={(event) => {
              staged.add([...(event.target.files ?? [])])
              event.target.value = ''
            }}
          />
          <button type="button" className="button button--small" onClick={() => picker.current?.click()} title="Attach images, text or code files, or PDFs">
            Attach…
          </button>
          {running ? (
            <button type="button" className="button button--danger" onClick={() => void stop()} disabled={stopping}>
              Stop
            </button>
          ) : (
            <button
              type="submit"
              className="button button--primary"
              disabled={sending || attaching || blockedBy !== null}
              aria-describedby={blockedBy ?? undefined}
            >
              Send
            </button>
          )}
        </div>
      </div>
    </form>
  )
}
