// A parsed JSON value that is an object (not null, not an array): the one check the provider stream shapes, the
// usage readers and the MCP config import make before reading fields of untrusted JSON.
export type JsonObject = Record<string, unknown>

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
