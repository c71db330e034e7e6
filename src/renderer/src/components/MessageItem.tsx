import { memo } from 'react'
import type { ChatMessage } from '../../../shared/domain'
import { formatTime } from '../lib/format'
import { Markdown } from './Markdown'

/** A stored message. User text is shown as typed; assistant text as markdown, with what produced it on hover. */
export const MessageItem = memo(function MessageItem({ message }: { message: ChatMessage }) {
  const note = message.status === 'stopped' ? 'Stopped' : message.status === 'interrupted' ? 'Interrupted' : null
  if (message.role === 'user') return <UserMessage text={message.content} time={message.createdAt} />
  const producedWith = message.producedWith ? `${message.producedWith.entryId} · ${message.producedWith.model}` : undefined
  return (
    <article aria-label="assistant message" className="message message--assistant" title={producedWith}>
      <Markdown text={message.content} />
      {note ? <p className="message__note">{note}</p> : null}
    </article>
  )
})

export function UserMessage({ text, time }: { text: string; time?: number }) {
  return (
    <article aria-label="user message" className="message message--user" title={time ? formatTime(time) : undefined}>
      <p className="message__text">{text}</p>
    </article>
  )
}

/** Reply text that has no stored message (yet): streaming, or a turn cut short before it was stored. */
export function ReplyText({ text, streaming, note }: { text: string; streaming: boolean; note: string | null }) {
  return (
    <article
      aria-label={streaming ? 'assistant message (streaming)' : 'assistant message'}
      aria-busy={streaming}
      className={['message', 'message--assistant', streaming ? 'message--streaming' : ''].join(' ')}
    >
      {text ? <Markdown text={text} /> : <p className="message__thinking">Waiting for the reply…</p>}
      {streaming ? <span className="message__cursor" aria-hidden="true" /> : null}
      {note ? <p className="message__note">{note}</p> : null}
    </article>
  )
}
