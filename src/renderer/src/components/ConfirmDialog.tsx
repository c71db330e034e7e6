import { useState, type ReactNode } from 'react'
import type { KeelErrorData } from '../../../shared/domain'
import { toErrorData } from '../errors'
import { ErrorNote } from './ErrorNote'
import { Modal } from './Modal'

interface ConfirmDialogProps {
  title: string
  children: ReactNode
  confirmLabel: string
  onConfirm: () => Promise<void>
  onClose: () => void
}

/** "Are you sure?" for destructive actions. Cancel has focus; an error keeps the dialog open and says why. */
export function ConfirmDialog({ title, children, confirmLabel, onConfirm, onClose }: ConfirmDialogProps) {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<KeelErrorData | null>(null)

  const confirm = async () => {
    setBusy(true)
    setError(null)
    try {
      await onConfirm()
      onClose()
    } catch (e) {
      setError(toErrorData(e))
      setBusy(false)
    }
  }

  return (
    <Modal title={title} onClose={onClose} className="modal--small" description={children}>
      {error ? <ErrorNote error={error} /> : null}
      <div className="button-row button-row--end">
        <button type="button" className="button" onClick={onClose} data-autofocus>
          Cancel
        </button>
        <button type="button" className="button button--danger" onClick={() => void confirm()} disabled={busy}>
          {confirmLabel}
        </button>
      </div>
    </Modal>
  )
}
