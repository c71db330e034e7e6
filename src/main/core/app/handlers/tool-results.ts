// The tool row's "Show full result": tools.result hands the renderer a call's whole result, a page at a time. The
// renderer names a call by its ledger id only; the file behind it comes from the ledger row's full-result ref and is
// read through the result store (which checks that ref against its own id pattern), so no path ever crosses IPC.
// Tool output is whatever the tool read or printed (a workspace file may hold the provider key), so the text is
// redacted of the secrets of the entry the call's turn used before any of it leaves the core.
import { KeelError } from '../../errors'
import type { ResultStore } from '../../tools/result-store'
import { redactSecrets } from '../../secrets/redaction'

/** Ledger ids are UUIDs; anything else (a path, a file name) is refused before it is looked up. */
const CALL_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** A page of the full result when the renderer does not ask for a length: big enough for most results at once. */
export const RESULT_PAGE_DEFAULT = 256 * 1024

/** A call's result as the ledger keeps it. */
export interface ResultCall {
  id: string
  /** The capped text the ledger row holds (null: not answered yet). */
  resultText: string | null
  /** The result store's id of the whole text, when it was over the cap. */
  fullResultId: string | null
}

export interface ToolResultHandlerDeps {
  call(callId: string): ResultCall | null
  resultStore: ResultStore
  /** The secrets of the provider entry the call's turn used (its key, secret headers); [] when none can be read. */
  secretsOf(callId: string): Promise<string[]>
}

export interface ToolResultPage {
  text: string
  offset: number
  total: number
  /** More of the result follows this page (ask again from offset + text.length). */
  truncated: boolean
}

export interface ToolResultHandlers {
  'tools.result': (input: { callId: string; offset?: number | undefined; length?: number | undefined }) => Promise<ToolResultPage>
  'tools.images': (input: { callId: string }) => Promise<{ images: Array<{ mimeType: string; data: string }> }>
}

/** Image types the tool row shows (rendered by <img> from a data: URL, which the renderer's CSP allows). */
const SHOWN_IMAGE_TYPES = /^image\/(png|jpeg|gif|webp)$/

export function toolResultHandlers(deps: ToolResultHandlerDeps): ToolResultHandlers {
  return {
    'tools.images': async ({ callId }) => {
      if (!CALL_ID.test(callId)) throw KeelError.of('invalid-input', 'That is not a tool call id.', { field: 'callId' })
      if (!deps.call(callId)) throw KeelError.of('not-found', 'That tool call no longer exists.', { fix: 'Its session may have been deleted.' })
      return { images: deps.resultStore.imagesSync(callId).filter((i) => SHOWN_IMAGE_TYPES.test(i.mimeType)) }
    },
    'tools.result': async ({ callId, offset = 0, length = RESULT_PAGE_DEFAULT }) => {
      if (!CALL_ID.test(callId)) throw KeelError.of('invalid-input', 'That is not a tool call id.', { field: 'callId' })
      const call = deps.call(callId)
      if (!call) throw KeelError.of('not-found', 'That tool call no longer exists.', { fix: 'Its session may have been deleted.' })
      if (call.resultText === null) throw KeelError.of('conflict', 'That tool call has no result yet.')
      // The kept file when there is one; a file removed since (data dir cleaned by hand) falls back to the ledger's
      // capped text, which ends in the tool's own truncation note, so the row never claims more than it shows.
      const kept = call.fullResultId ? await deps.resultStore.read(call.fullResultId) : null
      // Redacted whole, then paged: a secret split across two pages would slip past a per-page redaction, and the
      // offsets stay those of the redacted text on every page.
      const text = redactSecrets(kept ?? call.resultText, await deps.secretsOf(callId))
      if (offset > text.length) {
        throw KeelError.of('invalid-input', `Offset ${offset} is past the end of the result (${text.length} characters).`, { field: 'offset' })
      }
      let end = Math.min(text.length, offset + length)
      // Never split a surrogate pair across two pages.
      if (end < text.length && end > offset + 1) {
        const last = text.charCodeAt(end - 1)
        if (last >= 0xd800 && last <= 0xdbff) end -= 1
      }
      return { text: text.slice(offset, end), offset, total: text.length, truncated: end < text.length }
    },
  }
}
