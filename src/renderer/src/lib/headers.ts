// The provider form's "Headers" field: one `Name: value` per line. Headers live in config.json in plain text,
// so credentials are refused here; they belong in the API key field, which goes to the keychain (invariant 3).
import { isHeaderName, isHeaderValue } from '../../../shared/domain'

/** Header names that carry a credential: never kept in config.json. */
const CREDENTIAL_HEADERS = new Set(['authorization', 'proxy-authorization', 'x-api-key', 'api-key', 'x-goog-api-key', 'cookie'])

export type HeadersParse = { ok: true; headers: Record<string, string> } | { ok: false; message: string; fix: string }

/**
 * One `Name: value` per line, with the contract's rules said next to the line at fault. A credential header (or one
 * `isSecret` flags) is refused, and `credentialFix` says where it belongs instead (the API key field, or an MCP
 * server's secrets): plain headers are stored in config.json in clear text.
 */
export function parseHeaders(
  text: string,
  credentialFix = 'Put the key in the API key field instead; it is kept in the keychain',
  isSecret: (name: string) => boolean = () => false,
): HeadersParse {
  const headers: Record<string, string> = {}
  const lines = text.split(/\r?\n/)
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').trim()
    if (!line) continue
    const colon = line.indexOf(':')
    const name = colon > 0 ? line.slice(0, colon).trim() : ''
    if (!name || /\s/.test(name)) {
      return { ok: false, message: `Headers, line ${i + 1}: "${line}" is not a header`, fix: 'Write one header per line as `Name: value`' }
    }
    // The same rules as the contract's, said here next to the line at fault.
    if (!isHeaderName(name)) {
      return { ok: false, message: `Headers, line ${i + 1}: "${name}" is not a valid header name`, fix: "Use letters, digits and !#$%&'*+-.^_`|~ only" }
    }
    if (!isHeaderValue(line.slice(colon + 1).trim())) {
      return { ok: false, message: `Headers, line ${i + 1}: the value of ${name} has characters a header cannot carry`, fix: 'Use printable ASCII only (no accented letters, emoji or control characters)' }
    }
    if (CREDENTIAL_HEADERS.has(name.toLowerCase()) || isSecret(name)) {
      return { ok: false, message: `Headers, line ${i + 1}: ${name} would be stored in config.json in plain text`, fix: credentialFix }
    }
    headers[name] = line.slice(colon + 1).trim()
  }
  return { ok: true, headers }
}

export function formatHeaders(headers: Record<string, string> | undefined): string {
  if (!headers) return ''
  return Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}`)
    .join('\n')
}
