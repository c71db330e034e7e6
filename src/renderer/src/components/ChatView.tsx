// The message log, virtualized (long sessions stay fast) with rows measured as they render (replies vary in
// height and grow while streaming). It follows the bottom while a reply streams, unless the user scrolled up.
// Only a window of the session is loaded: scrolling near its top loads the page above, and the rows already shown
// stay where they were on screen; after a jump to a search hit, scrolling near the bottom loads the page below.
// The log is named through `title` (not aria-label) so that the composer stays the only element labelled "Message".
import { useVirtualizer } from '@tanstack/react-virtual'
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react'
import type { ChatItem } from '../lib/chatItems'
import { MessageItem, ReplyText, StepText, UserMessage } from './MessageItem'
import { ToolCallDraftRow, ToolCallRow } from './agents/ToolCallRow'
import { TurnPausePanel } from './agents/TurnPausePanel'
import { TurnError } from './TurnError'
import { RetryAction } from './branches/RetryAction'
import { IdentitySwitch } from './messages/ReplyIdentityLine'
import { switchText } from '../lib/replyIdentity'

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

/** A row and how far its top is below the top of the view (px): what stays put when rows above change. */
interface Anchor {
  key: string | number
  offset: number
}

export function ChatView(props: ChatViewProps) {
  const { items, running, followSignal, hasOlder, hasNewer, onLoadOlder, onLoadNewer, anchor, onShowLatest } = props
  const scroller = useRef<HTMLDivElement>(null)
  const following = useRef(anchor === null)
  // While not following the bottom, the row the user is looking at; kept in place whatever happens above it (a
  // page loaded above, rows above measured at their real height). A jump sets it to the hit's row.
  const held = useRef<Anchor | null>(anchor ? { key: anchor.key, offset: 0 } : null)
  /** The scroll position last set here to keep the held row in place (its scroll event is not the user's). */
  const placedAt = useRef<number | null>(null)
  const [showJump, setShowJump] = useState(anchor !== null)
  const [marked] = useState<string | null>(anchor?.key ?? null)

  const virtualizer = useVirtualizer({
    count: items.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => 96,
    overscan: 6,
    getItemKey: (index) => items[index]?.key ?? index,
    useFlushSync: false,
  })
  // The held row keeps the view in place (below); the virtualizer's own correction would fight it.
  virtualizer.shouldAdjustScrollPositionOnItemSizeChange = () => false

  const scrollToBottom = useCallback(() => {
    const element = scroller.current
    if (element) element.scrollTop = element.scrollHeight
  }, [])

  /** Where the held row is now laid out, as a scroll position; null when it is not among the rows. */
  const heldScrollTop = useCallback((): number | null => {
    const h = held.current
    if (!h) return null
    const index = items.findIndex((item) => item.key === h.key)
    const start = index < 0 ? undefined : virtualizer.measurementsCache[index]?.start
    return start === undefined ? null : start - h.offset
  }, [items, virtualizer])

  const onScroll = useCallback(() => {
    const element = scroller.current
    if (!element) return
    const distance = element.scrollHeight - element.scrollTop - element.clientHeight
    following.current = distance <= BOTTOM_SLACK && !hasNewer
    setShowJump(!following.current)
    // A scroll by the user: the first row whose bottom is in view becomes the held one. (A scroll made here to
    // keep the held row in place is not one: re-anchoring then would measure a layout the screen does not show.)
    const top = element.scrollTop
    if (placedAt.current === null || Math.abs(placedAt.current - top) > 1) {
      // From the whole layout, not the rendered rows: those may still be the ones of the previous position.
      const first = virtualizer.measurementsCache.find((row) => row.end > top)
      held.current = first ? { key: first.key as string | number, offset: first.start - top } : null
    }
    placedAt.current = null
    if (hasOlder && top < LOAD_MARGIN) onLoadOlder()
    if (hasNewer && distance < LOAD_MARGIN) onLoadNewer()
  }, [hasOlder, hasNewer, onLoadOlder, onLoadNewer, virtualizer])

  // A send returns to the bottom even when scrolled up (not on mount: a jump starts away from the bottom).
  const sentSignal = useRef(followSignal)
  useEffect(() => {
    if (sentSignal.current === followSignal) return
    sentSignal.current = followSignal
    following.current = true
    setShowJump(false)
  }, [followSignal])

  // After every layout change (rows added, rows measured, a reply growing): at the bottom if following, else the
  // held row where it was on screen.
  const totalSize = virtualizer.getTotalSize()
  useLayoutEffect(() => {
    const element = scroller.current
    if (!element) return
    if (following.current) {
      scrollToBottom()
      return
    }
    const wanted = heldScrollTop()
    if (wanted !== null && Math.abs(element.scrollTop - wanted) > 1) {
      element.scrollTop = wanted
      placedAt.current = element.scrollTop
    }
  }, [totalSize, items, followSignal, scrollToBottom, heldScrollTop])

  // The log shrinks when something docks under it (an approval card, a panel): a log that followed the bottom
  // keeps following it rather than leaving the latest rows hidden under the dock.
  useEffect(() => {
    const element = scroller.current
    if (!element || typeof ResizeObserver === 'undefined') return
    const observer = new ResizeObserver(() => {
      if (following.current) scrollToBottom()
    })
    observer.observe(element)
    return () => observer.disconnect()
  }, [scrollToBottom])

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
                  <ChatRow item={item} running={running} />
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

function ChatRow({ item, running }: { item: ChatItem; running: boolean }) {
  switch (item.kind) {
    case 'message':
      // Its actions (Copy, and the branch actions from BranchContext) are inside it: one row under each message.
      return <MessageItem message={item.message} usage={item.usage ?? null} fallbacks={item.fallbacks} />
    case 'pending-user':
      return <UserMessage text={item.text} attachments={item.attachments} />
    case 'reply-text':
      return <ReplyText text={item.text} streaming={item.streaming} note={item.note} />
    case 'turn-error':
      return (
        <>
          <TurnError error={item.error} />
          <RetryAction turnId={item.turnId} />
        </>
      )
    case 'step-text':
      return <StepText text={item.text} />
    case 'tool-call':
      return <ToolCallRow call={item.call} running={running} />
    case 'tool-call-draft':
      return <ToolCallDraftRow toolName={item.draft.toolName} argumentsSoFar={item.draft.argumentsSoFar} />
    case 'turn-pause':
      return <TurnPausePanel sessionId={item.sessionId} pause={item.pause} />
    case 'identity-switch':
      return <IdentitySwitch text={switchText(item.to)} />
  }
}
