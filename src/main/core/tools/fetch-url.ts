// fetch_url: one GET of an http or https URL, bounded in time and size, returning the body as text. URLs with a user
// name or password are refused (credentials never travel in URLs, and the URL is shown and logged); redirects are
// followed by hand so every hop is checked the same way, and no cookies or Keel credentials are ever sent.
// Binary bodies are described, not returned.
import { z } from 'zod'
import { formatBytes } from './file-text'
import { defineTool, refusal, type RawToolResult, type ToolDisplay, type ToolOutcome } from './tool-definition'

export const FETCH_BODY_CAP = 2 * 1024 * 1024
const MAX_REDIRECTS = 5

/** Why `raw` may not be fetched, or null when it may. */
export function urlProblem(raw: string): string | null {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return 'It is not a valid absolute URL.'
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `Only http and https URLs can be fetched, not ${url.protocol.replace(/:$/, '')}.`
  if (url.username !== '' || url.password !== '') return 'URLs with a user name or password are refused; credentials never go into URLs.'
  return null
}

const TEXT_TYPE = /^(text\/|application\/(json|xml|javascript|ecmascript|x-javascript|xhtml\+xml|rss\+xml|atom\+xml|ld\+json|yaml|x-yaml|toml|x-ndjson)|[^;]*\+(json|xml))/i

function decoderFor(contentType: string): { decode(input: Uint8Array): string } {
  const charset = /charset=([^;\s]+)/i.exec(contentType)?.[1]?.replace(/"/g, '')
  try {
    return new TextDecoder(charset ?? 'utf-8')
  } catch {
    return new TextDecoder('utf-8')
  }
}

export const fetchUrl = defineTool({
  name: 'fetch_url',
  description:
    `Fetch an http or https URL with a GET request and return the response body as text (HTML as is). Bodies over ${formatBytes(FETCH_BODY_CAP)} are cut; ` +
    'binary content is not shown. URLs with a user name or password are refused.',
  effect: 'network',
  input: z.strictObject({
    url: z.string().min(1).describe('The http or https URL to fetch.'),
  }),
  async run(args, ctx): Promise<RawToolResult> {
    const problem = urlProblem(args.url)
    if (problem) return refusal(`Not fetched: ${problem}`)

    const controller = new AbortController()
    let ended: 'timed-out' | 'cancelled' | null = null
    const end = (why: 'timed-out' | 'cancelled') => {
      ended ??= why
      controller.abort()
    }
    const timer = setTimeout(() => end('timed-out'), ctx.timeoutMs)
    const onAbort = () => end('cancelled')
    ctx.signal.addEventListener('abort', onAbort, { once: true })
    const stopped = (): RawToolResult => ({
      ok: false,
      outcome: ended as ToolOutcome,
      text: ended === 'cancelled' ? 'The fetch was stopped by the user.' : `The fetch timed out after ${ctx.timeoutMs} ms.`,
    })

    try {
      let url = args.url
      let response: Response | null = null
      for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
        response = await fetch(url, {
          method: 'GET',
          redirect: 'manual',
          credentials: 'omit',
          signal: controller.signal,
          headers: { 'user-agent': 'Keel (fetch_url)', accept: 'text/html, text/*, application/json, application/xml;q=0.9, */*;q=0.5' },
        })
        const location = response.headers.get('location')
        if (response.status < 300 || response.status >= 400 || location === null) break
        await response.body?.cancel()
        const next = new URL(location, url).toString()
        const nextProblem = urlProblem(next)
        if (nextProblem) return refusal(`${url} redirects to a URL that is not fetched: ${nextProblem}`)
        if (hop === MAX_REDIRECTS) return refusal(`Not fetched: more than ${MAX_REDIRECTS} redirects.`)
        url = next
      }
      const res = response as Response
      const contentType = res.headers.get('content-type') ?? ''
      const chunks: Uint8Array[] = []
      let size = 0
      let cut = false
      if (res.body) {
        const reader = res.body.getReader()
        for (;;) {
          const { done, value } = await reader.read()
          if (done) break
          const room = FETCH_BODY_CAP - size
          if (value.length >= room) {
            chunks.push(value.subarray(0, room))
            size += room
            cut = true
            await reader.cancel()
            break
          }
          chunks.push(value)
          size += value.length
        }
      }
      const body = Buffer.concat(chunks)
      const display: ToolDisplay = { kind: 'fetch', url, status: res.status, contentType, bytes: size }
      const head = `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}${url !== args.url ? ` (after redirects: ${url})` : ''}, ${contentType || 'no content type'}, ${cut ? 'over ' : ''}${formatBytes(size)}`
      const isText = contentType === '' ? !body.subarray(0, 8000).includes(0) : TEXT_TYPE.test(contentType)
      if (!isText) return { ok: false, text: `${head}\n[Binary content (${contentType}) is not shown.]`, display }
      let text = `${head}\n\n${decoderFor(contentType).decode(body)}`
      if (cut) text += `\n[Body cut at ${formatBytes(FETCH_BODY_CAP)}.]`
      return { ok: res.status < 400, text, display }
    } catch (err) {
      if (ended) return stopped()
      const cause = (err as { cause?: { code?: string } }).cause?.code
      return refusal(`The fetch failed${cause ? ` (${cause})` : ''}: the server could not be reached or closed the connection.`)
    } finally {
      clearTimeout(timer)
      ctx.signal.removeEventListener('abort', onAbort)
    }
  },
})
