import type { KeelErrorData } from '../../../shared/domain'

interface ErrorNoteProps {
  error: KeelErrorData
  /** Accessible name of the alert, when the page has several. */
  label?: string
  id?: string
  className?: string
}

/** An error as Keel shows them everywhere: what happened, then what to do next. */
export function ErrorNote({ error, label, id, className }: ErrorNoteProps) {
  return (
    <div role="alert" aria-label={label} id={id} className={['error-note', className].filter(Boolean).join(' ')}>
      <p className="error-note__message">{error.message}</p>
      {error.fix ? <p className="error-note__fix">{error.fix}</p> : null}
    </div>
  )
}
