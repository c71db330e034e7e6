import { useCallback, useLayoutEffect, useState } from 'react'

/** The CSS variable notices use for their distance from the bottom of the window (see .notices in base.css). */
export const TOAST_CLEARANCE_VAR = '--keel-toast-bottom'
const GAP_PX = 8

/**
 * Keeps toasts just above an element (the session's composer and the panels over it) while it is mounted,
 * following its size and the window's: publishes the distance from the window's bottom edge to the element's top
 * as a CSS variable on <html>. Returns the ref callback to put on that element.
 */
export function useToastClearance<T extends HTMLElement>(): (element: T | null) => void {
  const [target, setTarget] = useState<T | null>(null)

  useLayoutEffect(() => {
    if (!target) return
    const root = document.documentElement
    const place = () => {
      const top = target.getBoundingClientRect().top
      root.style.setProperty(TOAST_CLEARANCE_VAR, `${Math.max(0, Math.round(window.innerHeight - top + GAP_PX))}px`)
    }
    place()
    const observer = typeof ResizeObserver === 'function' ? new ResizeObserver(place) : null
    observer?.observe(target)
    window.addEventListener('resize', place)
    return () => {
      observer?.disconnect()
      window.removeEventListener('resize', place)
      root.style.removeProperty(TOAST_CLEARANCE_VAR)
    }
  }, [target])

  return useCallback((element: T | null) => setTarget(element), [])
}
