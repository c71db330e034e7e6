// While a modal dialog is open, everything else in <body> is hidden from assistive technology (the native modal
// makes it inert; aria-hidden also takes it out of role queries). Nested dialogs stack: only the top one shows.
const stack: HTMLElement[] = []
/** How to ask each open modal to close (its owner's onClose), for closeAllModals. */
const closers = new Map<HTMLElement, () => void>()
const MARK = 'data-keel-hidden-by-modal'
/** Elements that stay reachable while a modal is open (the notice area). */
export const KEEP_VISIBLE = 'data-keel-keep-visible'

function apply(): void {
  const top = stack[stack.length - 1]
  for (const child of Array.from(document.body.children)) {
    if (!(child instanceof HTMLElement)) continue
    const shouldHide = top !== undefined && !child.contains(top) && !child.hasAttribute(KEEP_VISIBLE)
    if (shouldHide && !child.hasAttribute(MARK) && child.getAttribute('aria-hidden') !== 'true') {
      child.setAttribute('aria-hidden', 'true')
      child.setAttribute(MARK, '')
    } else if (!shouldHide && child.hasAttribute(MARK)) {
      child.removeAttribute('aria-hidden')
      child.removeAttribute(MARK)
    }
  }
}

const openListeners = new Set<() => void>()

/** Called after a modal opened (the notice area re-enters the top layer so it stays above it). */
export function subscribeModalOpened(listener: () => void): () => void {
  openListeners.add(listener)
  return () => openListeners.delete(listener)
}

export function pushModal(element: HTMLElement, close?: () => void): void {
  stack.push(element)
  if (close) closers.set(element, close)
  apply()
  // After the caller's showModal(), which runs in the same task.
  queueMicrotask(() => {
    for (const listener of openListeners) listener()
  })
}

export function popModal(element: HTMLElement): void {
  const index = stack.lastIndexOf(element)
  if (index !== -1) stack.splice(index, 1)
  if (!stack.includes(element)) closers.delete(element)
  apply()
}

export function isModalOpen(): boolean {
  return stack.length > 0
}

/**
 * Asks every open modal to close, top first, as if the user pressed Escape in each: used when main asks the
 * window to show something else (a tray quick-resume, a notification, a keel:// link).
 */
export function closeAllModals(): void {
  for (const element of [...stack].reverse()) closers.get(element)?.()
}
