// A modal dialog on the native <dialog>: showModal() gives the focus trap, inertness of the page and Escape
// (the `cancel` event). Rendered into <body> so nested dialogs stack and everything beneath is hidden.
import { useEffect, useId, useLayoutEffect, useRef, type ReactNode } from 'react'
import { createPortal } from 'react-dom'
import { popModal, pushModal } from '../state/modalStack'

interface ModalProps {
  /** The dialog's accessible name, shown as its heading. */
  title: string
  onClose: () => void
  children: ReactNode
  className?: string
  /** Optional text under the heading; becomes the dialog's description. */
  description?: ReactNode
  /** Hide the heading visually (it still names the dialog). */
  hideTitle?: boolean
  /** Accessible name of the × button; "Close" unless a page needs it to say what it closes. */
  closeLabel?: string
}

export function Modal({ title, onClose, children, className, description, hideTitle, closeLabel = 'Close' }: ModalProps) {
  const ref = useRef<HTMLDialogElement>(null)
  const titleId = useId()
  const descriptionId = useId()
  const onCloseRef = useRef(onClose)
  const mounted = useRef(false)
  useEffect(() => {
    onCloseRef.current = onClose
  })
  // Closing because we unmount must not call onClose again.
  const requestClose = () => {
    if (mounted.current) onCloseRef.current()
  }

  useLayoutEffect(() => {
    const dialog = ref.current
    if (!dialog) return
    mounted.current = true
    const previouslyFocused = document.activeElement instanceof HTMLElement ? document.activeElement : null
    pushModal(dialog, () => {
      if (mounted.current) onCloseRef.current()
    })
    if (!dialog.open) dialog.showModal()
    // React handles autoFocus itself, before the dialog is open; use a data attribute instead.
    const preferred = dialog.querySelector<HTMLElement>('[data-autofocus]')
    preferred?.focus()
    return () => {
      mounted.current = false
      popModal(dialog)
      if (dialog.open) dialog.close()
      if (previouslyFocused?.isConnected) previouslyFocused.focus()
    }
  }, [])

  return createPortal(
    <dialog
      ref={ref}
      className={['modal', className].filter(Boolean).join(' ')}
      aria-labelledby={titleId}
      aria-describedby={description ? descriptionId : undefined}
      // A dialog opened from inside this one (a confirmation in Settings) is portalled, but React still bubbles its
      // cancel and close events up the component tree to here: only this dialog's own events close this one.
      onCancel={(event) => {
        if (event.target !== event.currentTarget) return
        event.preventDefault()
        requestClose()
      }}
      onClose={(event) => {
        if (event.target === event.currentTarget) requestClose()
      }}
      onMouseDown={(event) => {
        // A press on the backdrop (outside the dialog box) closes it.
        if (event.target !== event.currentTarget) return
        const box = event.currentTarget.getBoundingClientRect()
        const inside =
          event.clientX >= box.left && event.clientX <= box.right && event.clientY >= box.top && event.clientY <= box.bottom
        if (!inside) requestClose()
      }}
    >
      <div className="modal__head">
        <h2 id={titleId} className={hideTitle ? 'visually-hidden' : 'modal__title'}>
          {title}
        </h2>
        <button type="button" className="icon-button modal__close" aria-label={closeLabel} onClick={requestClose}>
          ×
        </button>
      </div>
      {description ? (
        <div id={descriptionId} className="modal__description">
          {description}
        </div>
      ) : null}
      <div className="modal__body">{children}</div>
    </dialog>,
    document.body,
  )
}
