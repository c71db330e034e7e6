// Small node:http helpers shared by the provider routes and the admin routes.

import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http'

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

/** Lower-cased header record; repeated headers joined with ", " (node already lower-cases names). */
export function headerRecord(headers: IncomingHttpHeaders): Record<string, string> {
  const record: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) record[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value
  }
  return record
}

export type JsonObject = Record<string, unknown>

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export type ParsedBody = { ok: true; value: unknown } | { ok: false; raw: string }

/** An empty body parses as "absent" (`value: undefined`), not as a JSON error. */
export function parseJson(raw: string): ParsedBody {
  if (raw.trim() === '') return { ok: true, value: undefined }
  try {
    return { ok: true, value: JSON.parse(raw) as unknown }
  } catch {
    return { ok: false, raw }
  }
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const payload = JSON.stringify(body)
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
  })
  res.end(payload)
}
