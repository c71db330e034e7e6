// The branch actions under a message (issue #12): Edit (a user message: edited in place, then sent as a new
// version), Regenerate and Regenerate on another model (a reply), and the version navigator where there are
// versions. Each action is a new branch in main; the earlier version stays and the log reopens on the new one.
import { useState, type FormEvent, type KeyboardEvent } from 'react'
import type { ChatMessage, KeelErrorData } from '../../../../shared/domain'
import { call } from '../../bridge'
import { toErrorData } from '../../errors'
import { ErrorNote } from '../ErrorNote'
import { useBranchActions } from './BranchContext'
import { VersionNavigator } from './VersionNavigator'
import '../../styles/branches.css'

export function BranchActionBar({ message }: { message: ChatMessage }) {
  const actions = useBranchActions()
  const [editing, setEditing] = useState(false)
  const [text, setText] = useState(message.content)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<KeelErrorData | null>(null)
  if (!actions) return null
  const { sessionId, running } = actions
  const disabled = running || busy
  // 'prompt', never 'message': the composer must stay the only element labelled "Message" (see ChatView).
  const noun = message.role === 'user' ? 'prompt' : 'reply'

  const run = async (action: () => Promise<unknown>): Promise<boolean> => {
    setBusy(true)
    setError(null)
    try {
      await action()
      return true
    } catch (e) {
      setError(toErrorData(e))
      return false
    } finally {
      setBusy(false)
    }
  }
  const select = (messageId: string) => void run(() => call('sessions.selectBranch', { sessionId, messageId }))

  if (editing) {
    const submit = async (e?: FormEvent) => {
      e?.preventDefault()
      if (text.trim() === '') return
      if (await run(() => call('chat.edit', { sessionId, messageId: message.id, text }))) setEditing(false)
    }
    const onKeyDown = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        e.preventDefault()
        setEditing(false)
      } else if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) void submit()
    }
    return (
      <form className="message-edit" aria-label="Edit prompt" onSubmit={(e) => void submit(e)}>
        <textarea
          className="message-edit__text"
          aria-label="Edited prompt"
          value={text}
          autoFocus
          rows={Math.min(10, Math.max(2, text.split('\n').length))}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={onKeyDown}
        />
        {error ? <ErrorNote error={error} /> : null}
        <div className="message-edit__buttons">
          <button type="submit" className="button button--primary button--small" disabled={disabled || text.trim() === ''}>
            Send edited prompt
          </button>
          <button type="button" className="button button--small" onClick={() => setEditing(false)}>
            Cancel
          </button>
          <span className="message-edit__hint">The earlier version stays: switch back with ‹ ›.</span>
        </div>
      </form>
    )
  }

  return (
    <div className={`branch-actions branch-actions--${message.role}`}>
      {message.versions ? <VersionNavigator versions={message.versions} noun={noun} disabled={disabled} onSelect={select} /> : null}
      {message.role === 'user' ? (
        <button
          type="button"
          className="branch-actions__button"
          disabled={disabled}
          onClick={() => {
            setText(message.content)
            setEditing(true)
          }}
        >
          Edit
        </button>
      ) : (
        <>
          <button type="button" className="branch-actions__button" disabled={disabled} onClick={() => void run(() => call('chat.regenerate', { sessionId, messageId: message.id }))}>
            Regenerate
          </button>
          <button type="button" className="branch-actions__button" disabled={disabled} onClick={() => actions.regenerateOn(message.id)}>
            Regenerate with another model…
          </button>
        </>
      )}
      {message.replyVersions?.length ? (
        // The end of the branch has versions below it (a regenerate that failed): the earlier reply, one click away.
        <button type="button" className="branch-actions__button" disabled={disabled} onClick={() => select(message.replyVersions!.at(-1)!)}>
          Show the earlier reply
        </button>
      ) : null}
      {error ? <ErrorNote error={error} /> : null}
    </div>
  )
}
