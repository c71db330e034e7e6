// Which modifier the shortcuts use here, for titles and aria-keyshortcuts.
export const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform)
/** Prefix for shortcut hints in titles: "⌘" on macOS, "Ctrl+" elsewhere. */
export const modLabel = isMac ? '⌘' : 'Ctrl+'
/** The aria-keyshortcuts modifier. */
export const modKey = isMac ? 'Meta' : 'Control'
