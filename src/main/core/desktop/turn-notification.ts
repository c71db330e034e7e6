// What the "notify when hidden" notification says when a turn ends (the Electron adapter shows it): a turn that
// paused for a tool call waiting for approval says so, since nothing moves until the user answers.
export interface EndedTurn {
  status: 'done' | 'stopped' | 'error'
  pause?: { reason: string } | null
}

export function turnEndedNotificationBody(ended: EndedTurn): string {
  if (ended.pause?.reason === 'awaiting-approval') return 'A tool call needs your approval.'
  if (ended.pause?.reason === 'step-limit') return 'An agent reached its step limit: continue or stop.'
  if (ended.pause?.reason === 'identity-changed') return 'An agent paused: its provider changed between steps.'
  return ended.status === 'done' ? 'A reply finished.' : ended.status === 'error' ? 'A reply ended with an error.' : 'A reply was stopped.'
}
