// The one canonicalize step every binding write goes through (invariants 1, 2, 5, 12). Legacy and resolved
// identifiers are mapped here and nowhere else.
import type { ProviderEntry } from '../../../shared/domain'
import { KeelError } from '../errors'
import { isLocalEntry } from '../providers/kinds'

/** Legacy entry ids / kind names seen in older rows and other tools, mapped to Keel's built-in ids. */
export const ENTRY_ALIASES: Readonly<Record<string, string>> = {
  'openai-codex': 'openai',
  codex: 'openai',
  claude: 'anthropic',
  google: 'gemini',
  'google-gemini': 'gemini',
  'lm-studio': 'lmstudio',
}

/** Resolved classes: what a runtime resolves to, never what a user asked for. Never accepted as a binding. */
export const RESOLVED_CLASSES: ReadonlySet<string> = new Set(['custom', 'openai-compatible', 'custom-openai'])

export interface BindingRequest {
  entryId: string
  model: string
}

export interface CanonicalizeResult extends BindingRequest {
  /** What was changed, in words, for the migration log and diagnostics; empty when the input was canonical. */
  changes: string[]
}

/** Kinds whose providers never use their own kind name as a model prefix, so `<kind>/` is a legacy artefact. */
const KIND_PREFIX_STRIPPABLE = new Set(['openai', 'anthropic', 'gemini'])

export function canonicalizeBinding(input: BindingRequest, providers: readonly ProviderEntry[]): CanonicalizeResult {
  const changes: string[] = []
  let entryId = input.entryId.trim()
  let model = input.model.trim()
  if (entryId !== input.entryId || model !== input.model) changes.push('trimmed whitespace')

  const exists = (id: string) => providers.some((p) => p.id === id)
  // Own properties only: an id such as `constructor` must not find Object.prototype's members.
  const aliasKey = entryId.toLowerCase()
  const alias = Object.hasOwn(ENTRY_ALIASES, aliasKey) ? ENTRY_ALIASES[aliasKey] : undefined
  if (!exists(entryId) && alias !== undefined) {
    changes.push(`entry "${entryId}" → "${alias}" (legacy alias)`)
    entryId = alias
  }
  if (RESOLVED_CLASSES.has(entryId) && !exists(entryId)) {
    throw KeelError.of('invalid-input', `"${entryId}" is a resolved provider class, not a provider entry; a session must be bound to a named entry.`, {
      field: 'entryId',
      fix: 'Pick the provider entry by name in the model picker.',
    })
  }

  const entry = providers.find((p) => p.id === entryId)
  // A legacy id's own prefix (`openai-codex/gpt-5.5` on a row bound to `openai-codex`) is never part of a real id.
  if (alias !== undefined && entryId === alias) model = stripPrefix(model, input.entryId.trim(), changes)
  // Local servers, aggregators and listed models keep their full ids: `qwen/qwen3.6-27b` on LM Studio and
  // `openrouter/auto` on OpenRouter are single ids (invariant 12).
  const keepWhole = entry !== undefined && (isLocalEntry(entry) || entry.kind === 'openrouter' || (entry.models ?? []).includes(model))
  if (!keepWhole) {
    const prefixes = [entryId, ...Object.keys(ENTRY_ALIASES).filter((a) => ENTRY_ALIASES[a] === entryId)]
    if (entry && KIND_PREFIX_STRIPPABLE.has(entry.kind)) prefixes.push(entry.kind)
    for (const prefix of prefixes) {
      const stripped = stripPrefix(model, prefix, changes)
      if (stripped !== model) {
        model = stripped
        break
      }
    }
  }
  if (model === '') throw KeelError.of('invalid-input', 'A model id is required.', { field: 'model' })
  return { entryId, model, changes }
}

function stripPrefix(model: string, prefix: string, changes: string[]): string {
  if (!model.toLowerCase().startsWith(`${prefix.toLowerCase()}/`) || model.length <= prefix.length + 1) return model
  const bare = model.slice(prefix.length + 1)
  changes.push(`model "${model}" → "${bare}" (entry prefix removed)`)
  return bare
}
