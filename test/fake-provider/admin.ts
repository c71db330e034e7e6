// HTTP control of a fake provider under `/__admin/`, so a separate process (e.g. the Electron app
// under an e2e test, or a test driving the CLI server) can inspect and script it. Admin requests
// are never recorded.
//
//   GET  /__admin/requests                      → recorded requests (JSON array)
//   GET  /__admin/disconnects                   → requests whose client went away mid-response
//   GET  /__admin/wait?n=3&timeoutMs=5000       → long-poll until n requests are recorded (408 on timeout)
//   POST /__admin/clear                         → forget recorded requests and disconnects
//   POST /__admin/script   body: Rule           → append a scripted rule
//   POST /__admin/sequence body: {steps: Rule[]} → append steps answering one request each, in order
//   POST /__admin/reset                         → drop all scripted rules (keys are kept)
//   POST /__admin/release  body: {name: string} → let streams held under that name finish
//   POST /__admin/keys     body: {keys: string[] | null}

import type { IncomingMessage, ServerResponse } from 'node:http'
import { isJsonObject, parseJson, sendJson } from './http.js'
import type { FakeProvider, Rule } from './types.js'

export type AdminHandler = (req: IncomingMessage, res: ServerResponse, rawBody: string) => Promise<void>

const ADMIN_PREFIX = '/__admin/'

export function isAdminPath(path: string): boolean {
  return path.startsWith(ADMIN_PREFIX)
}

const OK = { ok: true }

function parseKeys(body: unknown): string[] | null | undefined {
  if (!isJsonObject(body)) return undefined
  const { keys } = body
  if (keys === null) return null
  return Array.isArray(keys) && keys.every((key) => typeof key === 'string') ? keys : undefined
}

export function createAdminHandler(provider: FakeProvider): AdminHandler {
  return async (req, res, rawBody) => {
    const url = new URL(req.url ?? '/', 'http://admin.invalid')
    const route = `${req.method ?? 'GET'} ${url.pathname.slice(ADMIN_PREFIX.length)}`
    const parsed = parseJson(rawBody)
    const body = parsed.ok ? parsed.value : undefined
    switch (route) {
      case 'GET requests':
        return sendJson(res, 200, provider.requests())
      case 'GET disconnects':
        return sendJson(res, 200, provider.disconnects())
      case 'GET wait':
        return waitForRequests(provider, url.searchParams, res)
      case 'POST clear':
        provider.clear()
        return sendJson(res, 200, OK)
      case 'POST reset':
        provider.resetScript()
        return sendJson(res, 200, OK)
      case 'POST script':
        if (!isJsonObject(body)) return sendJson(res, 400, { error: { message: 'Body must be a rule object' } })
        provider.script(body as Rule)
        return sendJson(res, 200, OK)
      case 'POST sequence':
        if (!isJsonObject(body) || !Array.isArray(body.steps) || !body.steps.every(isJsonObject)) {
          return sendJson(res, 400, { error: { message: 'Body must be {steps: Rule[]}' } })
        }
        provider.sequence(body.steps as Rule[])
        return sendJson(res, 200, OK)
      case 'POST release':
        if (!isJsonObject(body) || typeof body.name !== 'string') return sendJson(res, 400, { error: { message: 'Body must be {name: string}' } })
        provider.release(body.name)
        return sendJson(res, 200, OK)
      case 'POST keys': {
        const keys = parseKeys(body)
        if (keys === undefined) return sendJson(res, 400, { error: { message: 'Body must be {keys: string[] | null}' } })
        provider.acceptKeys(keys)
        return sendJson(res, 200, OK)
      }
      default:
        return sendJson(res, 404, { error: { message: 'Unknown admin path' } })
    }
  }
}

async function waitForRequests(provider: FakeProvider, params: URLSearchParams, res: ServerResponse): Promise<void> {
  const n = Number(params.get('n') ?? '1')
  const timeoutMs = Number(params.get('timeoutMs') ?? '5000')
  try {
    sendJson(res, 200, await provider.waitForRequests(n, timeoutMs))
  } catch (error) {
    sendJson(res, 408, { error: { message: error instanceof Error ? error.message : String(error) } })
  }
}
