// Whether the window is too narrow for the sidebar beside a session (an 800×600 window is): below this width the
// sidebar collapses itself to a rail, whatever the saved preference says, and opens again only when asked.
import { useEffect, useState } from 'react'

/** The narrowest window that still shows the sidebar expanded by default. */
export const NARROW_WINDOW_MAX_PX = 900

const QUERY = `(max-width: ${NARROW_WINDOW_MAX_PX - 1}px)`

export function useNarrowWindow(): boolean {
  const [narrow, setNarrow] = useState(() => window.matchMedia(QUERY).matches)
  useEffect(() => {
    const media = window.matchMedia(QUERY)
    const onChange = () => setNarrow(media.matches)
    media.addEventListener('change', onChange)
    onChange()
    return () => media.removeEventListener('change', onChange)
  }, [])
  return narrow
}
