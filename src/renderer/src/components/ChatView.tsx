// The message log, virtualized (long sessions stay fast) with rows measured as they render (replies vary in
// height and grow while streaming). It follows the bottom while a reply streams, unless the user scrolled up.
// Only a window of the session is loaded: scrolling near its top loads the page above, and the rows already shown
// stay where they were on screen; after a jump to a search hit, scrolling near the bottom loads the page below.
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
  /** Messages above the loaded ones exist / below them (after a jump, the latest may not be loaded). */
  hasOlder: boolean
  hasNewer: boolean
  onLoadOlder: () => void
  onLoadNewer: () => void
  /** A row to bring into view and mark (a search hit's message); `jump` changes with every new request. */
  anchor: { key: string; jump: number } | null
  /** Opens the latest messages (when the loaded window does not reach them). */
  onShowLatest: () => void
}

/** Load the next page when the view is this close (px) to the loaded window's top or bottom. */
const LOAD_MARGIN = 600

/** How close to the bottom (px) still counts as "at the bottom". */
const BOTTOM_SLACK = 48

export function ChatView(props: ChatViewProps) {
  const { items, running, followSignal, hasOlder, hasNewer, onLoadOlder, onLoadNewer, anchor, onShowLatest } = props
  const scroller = useRef<HTMLDivElement>(null)
  const following = useRef(anchor === null)
  const [showJump, setShowJump] = useState(false)
  const [marked, setMarked] = useState<string | null>(null)

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
    following.current = distance <= BOTTOM_SLACK && !hasNewer
    setShowJump(!following.current)
    if (hasOlder && element.scrollTop < LOAD_MARGIN) onLoadOlder()
    if (hasNewer && distance < LOAD_MARGIN) onLoadNewer()
  }, [hasOlder, hasNewer, onLoadOlder, onLoadNewer])

  // A page added above: keep the rows that were shown where they were, by moving the scroll position down by
  // the height of what was added (rows measured later above the view are corrected by the virtualizer itself).
  const firstKey = items[0]?.key ?? null
  const previousFirst = useRef(firstKey)
  useLayoutEffect(() => {
    const before = previousFirst.current
    previousFirst.current = firstKey
    const element = scroller.current
    if (!element || before === null || before === firstKey || following.current) return
    const index = items.findIndex((item) => item.key === before)
    if (index <= 0) return
    const added = virtualizer.measurementsCache[index]?.start ?? 0
    element.scrollTop += added
  }, [firstKey, items, virtualizer])

  // A jump: bring the hit's row to the top of the view and mark it.
  const anchorKey = anchor?.key ?? null
  const anchorJump = anchor?.jump ?? 0
  const anchorIndex = anchorKey ? items.findIndex((item) => item.key === anchorKey) : -1
  const jumped = useRef<string | null>(null)
  useLayoutEffect(() => {
    if (anchorKey === null || anchorIndex < 0) return
    const request = `${anchorKey}#${anchorJump}`
    if (jumped.current === request) return
    jumped.current = request
    following.current = false
    setShowJump(true)
    setMarked(anchorKey)
    virtualizer.scrollToIndex(anchorIndex, { align: 'start' })
  }, [anchorKey, anchorJump, anchorIndex, virtualizer])

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
                  className={`chat-view__row${item.key === marked ? ' chat-view__row--found' : ''}`}
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
            setMarked(null)
            if (hasNewer) onShowLatest()
            else scrollToBottom()
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
