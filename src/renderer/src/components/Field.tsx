import { useId, type ReactNode } from 'react'

export interface FieldIds {
  /** For the control: the label points at it. */
  id: string
  /** For the control's aria-describedby: the help text, when there is one. */
  helpId: string | undefined
}

/** A labelled form control with optional help text below it; the control gets the ids that tie the three together. */
export function Field({ label, help, children }: { label: string; help?: string; children: (ids: FieldIds) => ReactNode }) {
  const id = useId()
  const helpId = useId()
  return (
    <div className="field">
      <label className="field__label" htmlFor={id}>
        {label}
      </label>
      {children({ id, helpId: help ? helpId : undefined })}
      {help ? (
        <p className="field__help" id={helpId}>
          {help}
        </p>
      ) : null}
    </div>
  )
}
