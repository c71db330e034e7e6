// Error bodies in each provider's real JSON shape, and the models-list shapes.

import type { Dialect } from './types.js'

interface ErrorKind {
  openaiType: string
  openaiCode: string | null
  anthropicType: string
  message: string
}

/** What the real APIs answer per status (types/codes as documented by OpenAI and Anthropic). */
const KINDS: Record<number, ErrorKind> = {
  400: { openaiType: 'invalid_request_error', openaiCode: null, anthropicType: 'invalid_request_error', message: 'Invalid request.' },
  401: {
    openaiType: 'invalid_request_error',
    openaiCode: 'invalid_api_key',
    anthropicType: 'authentication_error',
    message: 'Incorrect API key provided.',
  },
  403: { openaiType: 'invalid_request_error', openaiCode: null, anthropicType: 'permission_error', message: 'Permission denied.' },
  404: { openaiType: 'invalid_request_error', openaiCode: 'model_not_found', anthropicType: 'not_found_error', message: 'Not found.' },
  413: { openaiType: 'invalid_request_error', openaiCode: null, anthropicType: 'request_too_large', message: 'Request too large.' },
  429: { openaiType: 'requests', openaiCode: 'rate_limit_exceeded', anthropicType: 'rate_limit_error', message: 'Rate limit reached.' },
  500: { openaiType: 'server_error', openaiCode: null, anthropicType: 'api_error', message: 'Internal server error.' },
  503: { openaiType: 'server_error', openaiCode: null, anthropicType: 'api_error', message: 'Service unavailable.' },
  529: { openaiType: 'server_error', openaiCode: null, anthropicType: 'overloaded_error', message: 'Overloaded.' },
}

function kindOf(status: number): ErrorKind {
  return KINDS[status] ?? (status >= 500 ? KINDS[500]! : KINDS[400]!)
}

/** The default message for a status, made specific where the real APIs are (e.g. unknown model). */
export function defaultErrorMessage(status: number, model?: string): string {
  if (status === 404 && model !== undefined) {
    return `The model \`${model}\` does not exist or you do not have access to it.`
  }
  return kindOf(status).message
}

/**
 * `{error:{message,type,param,code}}` for OpenAI; `{type:"error",error:{type,message}}` for Anthropic. `param`
 * names the offending request field (OpenAI only, e.g. `messages.[2].role`).
 */
export function errorBody(dialect: Dialect, status: number, message: string, param: string | null = null): unknown {
  const kind = kindOf(status)
  if (dialect === 'anthropic') {
    return { type: 'error', error: { type: kind.anthropicType, message } }
  }
  return { error: { message, type: kind.openaiType, param, code: kind.openaiCode } }
}

export const DEFAULT_MODELS: Record<Dialect, string[]> = {
  openai: ['gpt-4o-mini', 'gpt-4o', 'o3-mini'],
  anthropic: ['claude-sonnet-4-6', 'claude-haiku-4-5', 'claude-opus-4-7'],
}

/** Fixed timestamp so model lists are deterministic (2025-01-01T00:00:00Z). */
const MODELS_EPOCH = 1735689600

/** `pricing`: OpenRouter's per-model `pricing` object (USD per token as decimal strings), for the OpenAI dialect. */
export function modelsBody(dialect: Dialect, ids: string[], pricing?: Record<string, Record<string, string>>, inputs?: Record<string, string[]>): unknown {
  if (dialect === 'anthropic') {
    return {
      data: ids.map((id) => ({
        id,
        type: 'model',
        display_name: id,
        created_at: new Date(MODELS_EPOCH * 1000).toISOString(),
      })),
      has_more: false,
      first_id: ids[0] ?? null,
      last_id: ids.at(-1) ?? null,
    }
  }
  return {
    object: 'list',
    data: ids.map((id) => ({ id, object: 'model', created: MODELS_EPOCH, owned_by: 'fake-provider', ...(pricing?.[id] ? { pricing: pricing[id] } : {}), ...(inputs?.[id] ? { architecture: { input_modalities: inputs[id], output_modalities: ['text'] } } : {}) })),
  }
}
