// One tool call in the transcript, compact: the tool, its source and effect class, and a state badge; the arguments
// and the result open on demand (buttons with aria-expanded, so a keyboard and a screen reader reach them). A call
// waiting for approval says so here; the card that answers it is docked under the transcript.
// The row holds a preview of the result; "Show full result" reads the whole of it (tools.result, a page at a time),
// and a call that ended without its effect known or done offers "Run again" (tools.runAgain), only when the user
// confirms, since Keel never repeats a call by itself.
import { memo, useId, useState } from 'react'
import type { KeelErrorData, ToolCallView } from '../../../../shared/domain'
import { call as invoke } from '../../bridge'
import { toErrorData } from '../../errors'
import { ConfirmDialog } from '../ConfirmDialog'
import { ErrorNote } from '../ErrorNote'
import { useSourceLabel } from '../../state/mcpServerNames'
import '../../styles/tool-calls.css'

const STATE: Record<ToolCallView['state'], { label: string; tone: string }> = {
  proposed: { label: 'proposed', tone: 'badge' },
  'awaiting-approval': { label: 'awaiting approval', tone: 'badge badge--accent' },
  approved: { label: 'approved', tone: 'badge' },
  running: { label: 'running', tone: 'badge badge--live' },
  succeeded: { label: 'succeeded', tone: 'badge badge--ok' },
  failed: { label: 'failed', tone: 'badge badge--danger' },
  'timed-out': { label: 'timed out', tone: 'badge badge--danger' },
  denied: { label: 'denied', tone: 'badge badge--warning' },
  cancelled: { label: 'cancelled', tone: 'badge badge--warning' },
  interrupted: { label: 'interrupted', tone: 'badge badge--warning' },
}

/** Pretty-printed when it is JSON; otherwise as sent (arguments may still be arriving). */
function pretty(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2)
  } catch {
    return text
  }
}

/** The arguments in one line, for the collapsed row. */
function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  return flat.length > 120 ? `${flat.slice(0, 120)}…` : flat
}

/** A result's first line, for the collapsed row (the rest opens with Result). */
function firstLine(text: string): string {
  const lines = text.trim().split('\n')
  const first = oneLine(lines[0] ?? '')
  return lines.length > 1 && !first.endsWith('…') ? `${first} …` : first
}

/** The core cuts a row's result preview at this many characters (and adds "…"): longer means there is more to show. */
const PREVIEW_CHARS = 2000
/** How much of a full result one "Load more" reads (characters). */
const FULL_PAGE = 256 * 1024

/** The states a call may run again from: it ended without its effect known or done (never re-run automatically). */
const RUN_AGAIN: ReadonlySet<ToolCallView['state']> = new Set(['interrupted', 'failed', 'timed-out', 'cancelled'])

interface FullResult {
  text: string
  total: number
  truncated: boolean
}

export const ToolCallRow = memo(function ToolCallRow({ call, running = false }: { call: ToolCallView; running?: boolean }) {
  const [showArgs, setShowArgs] = useState(false)
  const [showResult, setShowResult] = useState(false)
  const [full, setFull] = useState<FullResult | null>(null)
  const [loading, setLoading] = useState(false)
  const [problem, setProblem] = useState<KeelErrorData | null>(null)
  const [confirming, setConfirming] = useState(false)
  const more = call.resultPreview !== null && call.resultPreview.length > PREVIEW_CHARS
  const loadFull = () => {
    setLoading(true)
    setProblem(null)
    const offset = full?.text.length ?? 0
    invoke('tools.result', { callId: call.id, offset, length: FULL_PAGE })
      .then((page) => setFull({ text: (full?.text ?? '') + page.text, total: page.total, truncated: page.truncated }))
      .catch((e: unknown) => setProblem(toErrorData(e)))
      .finally(() => setLoading(false))
  }
  const argsId = useId()
  const resultId = useId()
  const state = STATE[call.state]
  const source = useSourceLabel(call.source)
  const busy = call.state === 'running' || call.state === 'proposed' || call.state === 'approved'
  return (
    <article
      className={`tool-call tool-call--${call.state}`}
      title=""
      aria-label={`Tool call ${call.toolName} (${source}, ${call.effect}): ${state.label}`}
      aria-busy={busy}
      data-state={call.state}
    >
      <div className="tool-call__line">
        <span className="tool-call__icon" aria-hidden="true">⚙</span>
        <code className="tool-call__name">{call.toolName}</code>
        <span className="tool-call__source">{source}</span>
        <span className={`badge tool-call__effect tool-call__effect--${call.effect}`}>{call.effect}</span>
        <span className={`${state.tone} tool-call__state`}>
          {state.label}
        </span>
      </div>
      <div className="tool-call__line tool-call__line--detail">
        <button
          type="button"
          className="tool-call__toggle"
          aria-expanded={showArgs}
          aria-controls={argsId}
          onClick={() => setShowArgs((v) => !v)}
        >
          {showArgs ? '▾' : '▸'} Arguments
        </button>
        {!showArgs ? <code className="tool-call__summary">{oneLine(call.arguments) || '{}'}</code> : null}
      </div>
      {showArgs ? (
        <pre id={argsId} className="tool-call__block" aria-label={`Arguments of ${call.toolName}`}>
          {pretty(call.arguments)}
        </pre>
      ) : null}
      {call.resultPreview !== null ? (
        <>
          <div className="tool-call__line tool-call__line--detail">
            <button
              type="button"
              className="tool-call__toggle"
              aria-expanded={showResult}
              aria-controls={resultId}
              onClick={() => setShowResult((v) => !v)}
            >
              {showResult ? '▾' : '▸'} Result
            </button>
            {!showResult ? <span className="tool-call__summary">{firstLine(call.resultPreview)}</span> : null}
          </div>
          {showResult ? (
            <>
              <pre id={resultId} className="tool-call__block" aria-label={full ? `Full result of ${call.toolName}` : `Result of ${call.toolName}`} aria-busy={loading}>
                {full ? full.text : call.resultPreview}
              </pre>
              {more && (!full || full.truncated) ? (
                <div className="tool-call__line tool-call__line--detail">
                  <button type="button" className="button button--small" onClick={loadFull} disabled={loading}>
                    {loading ? 'Loading…' : full ? 'Load more' : 'Show full result'}
                  </button>
                  {full ? (
                    <span className="tool-call__summary" role="status">
                      {`${full.text.length.toLocaleString('en-US')} of ${full.total.toLocaleString('en-US')} characters shown`}
                    </span>
                  ) : null}
                </div>
              ) : null}
            </>
          ) : null}
        </>
      ) : null}
      {call.images ? <ToolCallImages call={call} /> : null}
      {RUN_AGAIN.has(call.state) ? (
        <div className="tool-call__line tool-call__line--detail">
          <button
            type="button"
            className="button button--small"
            aria-label={`Run ${call.toolName} again`}
            title={running ? 'Wait for the running turn to end, or press Stop.' : undefined}
            disabled={running}
            onClick={() => setConfirming(true)}
          >
            Run again
          </button>
        </div>
      ) : null}
      {problem ? <ErrorNote error={problem} label={`Problem with ${call.toolName}`} /> : null}
      {confirming ? (
        <ConfirmDialog
          title={`Run ${call.toolName} again?`}
          confirmLabel="Run again"
          onClose={() => setConfirming(false)}
          onConfirm={async () => {
            await invoke('tools.runAgain', { callId: call.id })
          }}
        >
          <p>
            {`Keel will call ${call.toolName} again with the same arguments, as a new call in a new turn (the earlier call ended ${STATE[call.state].label}).`}
          </p>
          <p>
            {call.effect === 'read'
              ? 'It may have to be approved first.'
              : `This ${call.effect} tool may repeat a side effect: the earlier call may have done part of its work before it ended. It may have to be approved first.`}
          </p>
        </ConfirmDialog>
      ) : null}
    </article>
  )
})

/** The images a tool returned (an MCP server's), loaded when asked for: they can be large. */
function ToolCallImages({ call }: { call: ToolCallView }) {
  const [images, setImages] = useState<Array<{ mimeType: string; data: string }> | null>(null)
  const [loading, setLoading] = useState(false)
  const [problem, setProblem] = useState<KeelErrorData | null>(null)
  const count = call.images ?? 0
  const show = () => {
    setLoading(true)
    setProblem(null)
    invoke('tools.images', { callId: call.id })
      .then((r) => setImages(r.images))
      .catch((e: unknown) => setProblem(toErrorData(e)))
      .finally(() => setLoading(false))
  }
  return (
    <>
      <div className="tool-call__line tool-call__line--detail">
        {images === null ? (
          <button type="button" className="button button--small" onClick={show} disabled={loading}>
            {loading ? 'Loading…' : count === 1 ? 'Show image' : `Show ${count} images`}
          </button>
        ) : images.length === 0 ? (
          <span className="tool-call__summary" role="status">
            The image was not kept (or is of a type Keel does not show).
          </span>
        ) : null}
      </div>
      {images && images.length > 0 ? (
        <div className="tool-call__images">
          {images.map((img, i) => (
            <img key={i} className="tool-call__image" src={`data:${img.mimeType};base64,${img.data}`} alt={`Image ${i + 1} of ${images.length} returned by ${call.toolName}`} />
          ))}
        </div>
      ) : null}
      {problem ? <ErrorNote error={problem} label={`Problem with the images of ${call.toolName}`} /> : null}
    </>
  )
}

/** A call the model is still writing: its name and the arguments as they arrive (shown whole, they are short). */
export function ToolCallDraftRow({ toolName, argumentsSoFar }: { toolName: string; argumentsSoFar: string }) {
  return (
    <article className="tool-call tool-call--proposed" title="" aria-label={`Tool call ${toolName}: receiving arguments`} aria-busy="true" data-state="streaming">
      <div className="tool-call__line">
        <span className="tool-call__icon" aria-hidden="true">⚙</span>
        <code className="tool-call__name">{toolName}</code>
        <span className="badge badge--live tool-call__state">receiving arguments…</span>
      </div>
      <pre className="tool-call__block" aria-label={`Arguments of ${toolName} so far`}>
        {argumentsSoFar}
      </pre>
    </article>
  )
}
