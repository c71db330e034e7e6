// Messages in the log. Articles are named through `title` ("user message", "assistant message") rather than
// aria-label, so that the only element *labelled* "Message" on the page is the composer's text box; an inner
// wrapper carries its own title (or an empty one) so the name never pops up as a hover tooltip.
import { memo, useId, type ReactNode } from 'react'
import type { ChatMessage } from '../../../shared/domain'
import { formatTime } from '../lib/format'
import { Markdown } from './Markdown'
import type { TurnUsageView } from '../../../shared/usage'
import { answeredBy } from '../lib/replyIdentity'
import { MessageActions } from './messages/MessageActions'
import { BranchActionBar } from './branches/BranchActionBar'
import { ReplyIdentityLine } from './messages/ReplyIdentityLine'
import '../styles/messages.css'
import type { AttachmentRef } from '../../../shared/attachments'
import { MessageAttachments } from './attachments/MessageAttachments'
import { fallbackLine, type StepFallbackView } from '../../../shared/fallback'

/** A stored message. User text is shown as typed; assistant text as markdown, with what produced it on hover. */
export const MessageItem = memo(function MessageItem({ message, usage = null, fallbacks }: { message: ChatMessage; usage?: TurnUsageView | null; fallbacks?: StepFallbackView[] }) {
  const note = message.status === 'stopped' ? 'Stopped' : message.status === 'interrupted' ? 'Interrupted' : null
  const lineId = useId()
  if (message.role === 'user') return <UserMessage text={message.content} time={message.createdAt} attachments={message.attachments} actions={<MessageActions text={message.content} role="user"><BranchActionBar message={message} /></MessageActions>} />
  const producedWith = message.producedWith ? `${message.producedWith.entryId} · ${message.producedWith.model}` : ''
  const identity = answeredBy(message, usage)
  // The reply's description for screen readers: who answered (and the fallback lines, when a fallback did).
  const describedBy = [lineId, ...(fallbacks ?? []).map((f) => `${lineId}-fallback-${f.step}`)].join(' ')
  return (
    <div className="message-row message-row--assistant">
      <article title="assistant message" className="message message--assistant" data-produced-with={producedWith || undefined} aria-describedby={describedBy}>
        <div className="message__body" title={producedWith}>
          <Markdown text={message.content} />
          {note ? <p className="message__note">{note}</p> : null}
        </div>
      </article>
      {/* Who answered (every reply, issue #12) and what it took (issue #11), as visible text right under the reply;
          outside the article, so the reply's own text stays exactly what the model wrote. */}
      <ReplyIdentityLine id={lineId} identity={identity} usage={usage} />
      {fallbacks?.map((f) => (
        // Selected vs answered, with why (invariant 17): one line per step a fallback answered or was tried for.
        <p key={f.step} id={`${lineId}-fallback-${f.step}`} className="message__fallback" data-testid="reply-fallback" title={f.skipped.map((s) => s.message).join('\n')}>
          {fallbacks.length > 1 ? `Step ${f.step + 1}: ` : ''}
          {fallbackLine(f)}
        </p>
      ))}
      {/* One row of actions per message: Copy, then the branch actions (edit, regenerate, versions). */}
      <MessageActions text={message.content} role="assistant">
        <BranchActionBar message={message} />
      </MessageActions>
    </div>
  )
})

/** A user message; `actions` (a stored one's Copy, …) go under it, shown on hover and focus. */
export function UserMessage({ text, time, actions, attachments }: { text: string; time?: number; actions?: ReactNode; attachments?: readonly AttachmentRef[] }) {
  const article = (
    <article title="user message" className="message message--user">
      <div className="message__body" title={time ? formatTime(time) : ''}>
        <MessageAttachments attachments={attachments} />
        {text ? <p className="message__text">{text}</p> : null}
      </div>
    </article>
  )
  if (!actions) return article
  return (
    <div className="message-row message-row--user">
      {article}
      {actions}
    </div>
  )
}

/** Reply text that has no stored message (yet): streaming, or a turn cut short before it was stored. */
export function ReplyText({ text, streaming, note }: { text: string; streaming: boolean; note: string | null }) {
  return (
    <article
      title={streaming ? 'assistant message (streaming)' : 'assistant message'}
      aria-busy={streaming}
      className={['message', 'message--assistant', streaming ? 'message--streaming' : ''].join(' ')}
    >
      <div className="message__body" title="">
        {text ? <Markdown text={text} /> : <p className="message__thinking">Waiting for the reply…</p>}
        {streaming ? <span className="message__cursor" aria-hidden="true" /> : null}
        {note ? <p className="message__note">{note}</p> : null}
      </div>
    </article>
  )
}

/** What the model wrote in an agent step before it called tools (the tool calls follow it). */
export function StepText({ text }: { text: string }) {
  return (
    <article title="assistant message (before tool calls)" className="message message--assistant message--step">
      <div className="message__body" title="">
        <Markdown text={text} />
      </div>
    </article>
  )
}
