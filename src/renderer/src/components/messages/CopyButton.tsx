// A Copy button (issue #12): writes the given text to the clipboard, says "Copied" on the button for a moment and
// announces it to screen readers through its own status region. The accessible name always starts with the visible
// word ("Copy message", "Copied code"), so voice control users can say what they see. When the clipboard refuses
// (no permission, an insecure context) the button says so instead of failing in silence.
import { useEffect, useState } from 'react'

type CopyState = 'idle' | 'copied' | 'failed'

/** How long "Copied" stays on the button. */
const FEEDBACK_MS = 2000

export function CopyButton({ text, what, className = '' }: { text: string; /** "message", "code": what the button copies. */ what: string; className?: string }) {
  const [state, setState] = useState<CopyState>('idle')
  useEffect(() => {
    if (state === 'idle') return
    const timer = setTimeout(() => setState('idle'), FEEDBACK_MS)
    return () => clearTimeout(timer)
  }, [state])
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text)
      setState('copied')
    } catch {
      setState('failed')
    }
  }
  const word = state === 'copied' ? 'Copied' : state === 'failed' ? 'Copy failed' : 'Copy'
  return (
    <>
      <button type="button" className={`button button--small copy-button ${className}`} data-state={state} onClick={() => void copy()}>
        {word}
        <span className="visually-hidden"> {what}</span>
      </button>
      <span role="status" className="visually-hidden">
        {state === 'copied' ? `Copied ${what}` : state === 'failed' ? `Could not copy the ${what}: the clipboard is not available here` : ''}
      </span>
    </>
  )
}
