/** "14:32" today, "3 Mar 14:32" otherwise. */
export function formatTime(epochMs: number): string {
  const date = new Date(epochMs)
  const now = new Date()
  const time = date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })
  if (date.toDateString() === now.toDateString()) return time
  return `${date.toLocaleDateString(undefined, { day: 'numeric', month: 'short' })} ${time}`
}
