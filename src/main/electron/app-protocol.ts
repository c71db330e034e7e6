// Keel's renderer is served to Electron from a custom privileged scheme, app://keel/, instead of file://. A file://
// page has no real origin (every local file would share its privileges), and responses from file:// carry no
// headers, so the Content-Security-Policy header never applied to it. The handler (window.ts) answers only for
// files inside the built renderer and sends the same headers the browser host sends. Electron-free: the request
// resolution below is tested under plain Node.
import { realpath } from 'node:fs/promises'
import path from 'node:path'
import { RENDERER_CSP } from './renderer-csp'
import { contentType, resolveStaticFile } from './renderer-files'

export const APP_SCHEME = 'app'
export const APP_HOST = 'keel'
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`
/** What the main window loads. */
export const APP_INDEX_URL = `${APP_ORIGIN}/index.html`

/**
 * Registered before the app is ready (protocol.registerSchemesAsPrivileged). `standard` gives the scheme real
 * origins (relative URLs, storage, same-origin module scripts); `secure` makes it a secure context. Deliberately
 * not `corsEnabled` (other origins may not read it), not `bypassCSP`, no service workers.
 */
export const APP_SCHEME_PRIVILEGES = { standard: true, secure: true, supportFetchAPI: true, codeCache: true } as const

export type AppResponse =
  | { status: 200; file: string; headers: Record<string, string> }
  | { status: 400 | 404 | 405; headers: Record<string, string> }

/** Headers on every app:// response: the CSP as a header (a <meta> cannot say frame-ancestors), no sniffing. */
function securityHeaders(): Record<string, string> {
  return {
    'Content-Security-Policy': RENDERER_CSP,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
  }
}

/**
 * Maps an app:// request to a file of the built renderer. Only app://keel/, only GET/HEAD, only regular files
 * inside rendererDir (after decoding and following symlinks): `..`, `%2e%2e`, encoded slashes, NUL bytes and
 * symlinks that point outside all answer 404.
 */
export async function resolveAppRequest(rendererDir: string, request: { url: string; method: string }): Promise<AppResponse> {
  const headers = securityHeaders()
  let url: URL
  try {
    url = new URL(request.url)
  } catch {
    return { status: 400, headers }
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) return { status: 404, headers }
  if (request.method !== 'GET' && request.method !== 'HEAD') return { status: 405, headers: { ...headers, Allow: 'GET, HEAD' } }
  const root = await realpath(path.resolve(rendererDir)).catch(() => path.resolve(rendererDir))
  // Only the path counts; the query and fragment never name a file.
  const file = await resolveStaticFile(root, url.pathname)
  if (file === null) return { status: 404, headers }
  return { status: 200, file: file.path, headers: { ...headers, 'Content-Type': contentType(file.path), 'Cache-Control': 'no-store' } }
}
