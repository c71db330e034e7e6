// Keyboard movement inside a menu (WAI-ARIA menu pattern), shared by the App menu and Recent sessions:
// ArrowDown/ArrowUp wrap, Home/End jump, a printable letter moves to the next item starting with it.

/** The index focus moves to for this key, or null when the key does not move focus. */
export function nextMenuIndex(
  event: { key: string; ctrlKey: boolean; metaKey: boolean; altKey: boolean },
  index: number,
  labels: readonly string[],
): number | null {
  const count = labels.length
  if (count === 0) return null
  const wrap = (i: number) => (i + count) % count
  switch (event.key) {
    case 'ArrowDown':
      return wrap(index + 1)
    case 'ArrowUp':
      return index === -1 ? count - 1 : wrap(index - 1)
    case 'Home':
      return 0
    case 'End':
      return count - 1
    default: {
      if (event.key.length !== 1 || event.key === ' ' || event.ctrlKey || event.metaKey || event.altKey) return null
      const letter = event.key.toLowerCase()
      for (let step = 1; step <= count; step++) {
        const i = wrap(index + step)
        if (labels[i]!.trim().toLowerCase().startsWith(letter)) return i
      }
      return null
    }
  }
}
