// The global shortcut: an Electron accelerator, saved on blur or Enter. Invalid text stays in the field with the
// reason under it; nothing is saved until it is valid. Empty disables the shortcut.
import { useEffect, useId, useRef, useState } from 'react'
import { toErrorData } from '../errors'
import { checkAccelerator } from '../lib/accelerator'

interface ShortcutFieldProps {
  value: string
  onSave: (value: string) => Promise<unknown>
}

export function ShortcutField({ value, onSave }: ShortcutFieldProps) {
  const id = useId()
  const helpId = useId()
  const errorId = useId()
  const [draft, setDraft] = useState(value)
  const [error, setError] = useState<string | null>(null)
  const [saving, setSaving] = useState(false)
  const editing = useRef(false)
  /** The value being saved: Enter followed by blur saves it once. */
  const submitted = useRef<string | null>(null)

  // A change from elsewhere (another window, the desktop app) shows up unless the user is typing here.
  useEffect(() => {
    if (editing.current) return
    setDraft(value)
    setError(null)
  }, [value])

  const commit = async () => {
    editing.current = false
    const checked = checkAccelerator(draft)
    if (!checked.ok) {
      setError(checked.message)
      return
    }
    setError(null)
    setDraft(checked.value)
    if (checked.value === value || checked.value === submitted.current) return
    submitted.current = checked.value
    setSaving(true)
    try {
      await onSave(checked.value)
    } catch (e) {
      const data = toErrorData(e)
      setError(`Not saved: ${data.message}${data.fix ? ` ${data.fix}` : ''}`)
    } finally {
      submitted.current = null
      setSaving(false)
    }
  }

  return (
    <div className="field">
      <label className="field__label" htmlFor={id}>
        Global shortcut
      </label>
      <input
        id={id}
        className="input preferences__shortcut"
        value={draft}
        onChange={(event) => {
          editing.current = true
          setDraft(event.target.value)
        }}
        onBlur={() => void commit()}
        onKeyDown={(event) => {
          if (event.key === 'Enter') {
            event.preventDefault()
            void commit()
          }
        }}
        placeholder="Disabled"
        maxLength={64}
        autoComplete="off"
        spellCheck={false}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${errorId} ${helpId}` : helpId}
        aria-busy={saving || undefined}
      />
      {error ? (
        <p id={errorId} className="field__error" role="alert">
          {error}
        </p>
      ) : null}
      <p id={helpId} className="field__help">
        Shows Keel and starts a new session from any app, for example CommandOrControl+Shift+K. Leave empty to turn it off.
      </p>
    </div>
  )
}
