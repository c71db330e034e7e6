// The message log, virtualized (long sessions stay fast) with rows measured as they render (replies vary in
// height and grow while streaming). It follows the bottom while a reply streams, unless the user scrolled up.
// The log is named through `title` (not aria-label) so that the composer stays the only element labelled "Message".
import { useVirtualizer } from '@tanstack/react-virtual'
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react'
import type { ChatItem } from '../lib/chatItems'
import { MessageItem, ReplyText, UserMessage } from './MessageItem'
import { TurnError } from './TurnError'

interface ChatViewProps {
  items: ChatItem[]
  running: boolean
  /** Changes when the user sends; the view then returns to the bottom even if scrolled up. */
  followSignal: number
}

/** How close to the bottom (px) still counts as "at the bottom". */
const BOTTOM_SLACK = 48

export function ChatView({ items, running, followSignal }: ChatViewProps) {
  const scroller = useRef<HTMLDivElement>(null)
  const following = useRef(true)
  const [showJump, setShowJump] = useState(false)

  const virtualizer = useVirtualizer({
    count: items.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => 96,
    overscan: 6,
    getItemKey: (index) => items[index]?.key ?? index,
    useFlushSync: false,
  })

  const scrollToBottom = useCallback(() => {
    const element = scroller.current
    if (element) element.scrollTop = element.scrollHeight
  }, [])

  const onScroll = useCallback(() => {
    const element = scroller.current
    if (!element) return
    const distance = element.scrollHeight - element.scrollTop - element.clientHeight
    following.current = distance <= BOTTOM_SLACK
    setShowJump(!following.current)
  }, [])

  useEffect(() => {
    following.current = true
    setShowJump(false)
  }, [followSignal])

  // Content grew (a new row, a longer streamed reply, a row measured taller): stay at the bottom if following.
  const totalSize = virtualizer.getTotalSize()
  useLayoutEffect(() => {
    if (following.current) scrollToBottom()
  }, [totalSize, items, followSignal, scrollToBottom])

  const rows = virtualizer.getVirtualItems()

  return (
    <div className="chat-view">
      <div
        ref={scroller}
        className="chat-view__scroller"
        role="log"
        title="Messages"
        aria-busy={running}
        onScroll={onScroll}
        tabIndex={0}
      >
        {items.length === 0 ? (
          <p className="chat-view__empty" title="">
            No messages yet. Write one below to start.
          </p>
        ) : (
          // The empty title keeps the log's name ("Messages") from showing as a tooltip over the conversation.
          <div className="chat-view__canvas" style={{ height: totalSize }} title="">
            {rows.map((row) => {
              const item = items[row.index]
              if (!item) return null
              return (
                <div
                  key={row.key}
                  data-index={row.index}
                  ref={virtualizer.measureElement}
                  className="chat-view__row"
                  style={{ transform: `translateY(${row.start}px)` }}
                >
                  <ChatRow item={item} />
                </div>
              )
            })}
          </div>
        )}
      </div>
      {showJump ? (
        <button
          type="button"
          className="button button--floating chat-view__jump"
          onClick={() => {
            following.current = true
            setShowJump(false)
            scrollToBottom()
          }}
        >
          Jump to latest
        </button>
      ) : null}
    </div>
  )
}

function ChatRow({ item }: { item: ChatItem }) {
  switch (item.kind) {
    case 'message':
      return <MessageItem message={item.message} />
    case 'pending-user':
      return <UserMessage text={item.text} />
    case 'reply-text':
      return <ReplyText text={item.text} streaming={item.streaming} note={item.note} />
    case 'turn-error':
      return <TurnError error={item.error} />
  }
}
