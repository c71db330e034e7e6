// The actions under a stored message (issue #12), shown while the pointer is over the message or focus is inside
// it (Tab reaches them: they are ordinary buttons, only faded out until then). Copy puts the message's source text
// on the clipboard: for a reply, the Markdown the model wrote, not the rendered page. Other actions of the message
// (edit, regenerate, versions) go in the same group.
import type { ReactNode } from 'react'
import { CopyButton } from './CopyButton'

// The group is named "Reply actions" / "Prompt actions", never with the word "message": the composer's text box
// stays the only element labelled "Message" on the page (see MessageItem.tsx).
export function MessageActions({ text, role, children }: { text: string; role: 'user' | 'assistant'; children?: ReactNode }) {
  return (
    <div className="message-actions" role="group" aria-label={role === 'user' ? 'Prompt actions' : 'Reply actions'}>
      <CopyButton text={text} what="message" />
      {children}
    </div>
  )
}
