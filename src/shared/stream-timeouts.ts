// How long Keel waits on a provider's reply stream before it ends the turn as a timeout (issue #7). Pure data,
// read by the core (the stream guard) and the renderer (the provider form shows the defaults as placeholders).

export interface StreamTimeoutValues {
  /** From sending the request to the first byte of the reply body (headers alone do not count). */
  firstByteMs: number
  /** The longest silence between two pieces of the reply body once it has started. */
  idleMs: number
}

/**
 * Bounds for a per-entry value. The upper one stays under Node's own fetch limits (300 s for headers and between
 * body chunks): a longer value would never be reached, the connection would fail first with a vaguer error.
 */
export const STREAM_TIMEOUT_MIN_MS = 100
export const STREAM_TIMEOUT_MAX_MS = 290_000

/**
 * Remote APIs answer within seconds, but reasoning models can think for a while before the first token. Local
 * servers may first load a model into memory and process a long prompt on a small machine, so they get longer.
 */
export const STREAM_TIMEOUT_DEFAULTS: Record<'remote' | 'local', StreamTimeoutValues> = {
  remote: { firstByteMs: 120_000, idleMs: 60_000 },
  local: { firstByteMs: 280_000, idleMs: 120_000 },
}
