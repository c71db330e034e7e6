// Which file of the built renderer a request names, and how it is labelled. Shared by both adapters that serve the
// renderer: the Electron app:// protocol handler and the browser host. Electron-free, so it is tested under Node.
import { realpath, stat } from 'node:fs/promises'
import path from 'node:path'

/** Maps a request path to a regular file inside the renderer directory, or null. Symlinks may not leave it. */
export async function resolveStaticFile(rootDir: string, requestUrl: string): Promise<{ path: string; size: number } | null> {
  let pathname: string
  try {
    pathname = decodeURIComponent(new URL(requestUrl, 'http://127.0.0.1').pathname)
  } catch {
    return null
  }
  if (pathname.includes('\0')) return null
  if (pathname.endsWith('/')) pathname += 'index.html'
  const candidate = path.resolve(rootDir, `.${path.sep}${pathname}`)
  if (!isInside(rootDir, candidate)) return null
  try {
    const real = await realpath(candidate)
    if (!isInside(rootDir, real)) return null
    const info = await stat(real)
    return info.isFile() ? { path: real, size: info.size } : null
  } catch {
    return null
  }
}

function isInside(rootDir: string, candidate: string): boolean {
  const relative = path.relative(rootDir, candidate)
  return relative !== '' && relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative)
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
}

export function contentType(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream'
}
