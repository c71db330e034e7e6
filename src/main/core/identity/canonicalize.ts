// The one canonicalize step every binding write goes through (invariants 1, 2, 5, 12). Legacy and resolved
// identifiers are mapped here and nowhere else.
import type { ProviderEntry } from '../../../shared/domain'
import { KeelError } from '../errors'

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

/**
 * First-party kinds: their providers' own model ids never contain a slash, so an entry-id, alias or kind prefix on
 * one of their models is a legacy artefact and is known to strip to the provider's id. The kind decides this, not
 * the address: an `openai` entry pointed at a loopback proxy (LiteLLM) is still canonicalized as OpenAI.
 */
const FIRST_PARTY_KINDS: ReadonlySet<string> = new Set(['openai', 'anthropic', 'gemini'])

/**
 * Model ids an entry is known to offer beyond its own config (its cached catalogs). Canonicalization strips a prefix
 * from a model of a local server, aggregator or compatible server only to reach an id listed here or in the entry.
 */
export type KnownModels = (entry: ProviderEntry) => readonly string[]
export const NO_KNOWN_MODELS: KnownModels = () => []

export function canonicalizeBinding(input: BindingRequest, providers: readonly ProviderEntry[], known: KnownModels = NO_KNOWN_MODELS): CanonicalizeResult {
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
  if (isResolvedClass(entryId, providers)) {
    throw KeelError.of('invalid-input', `"${entryId}" is a resolved provider class, not a provider entry; a session must be bound to a named entry.`, {
      field: 'entryId',
      fix: 'Pick the provider entry by name in the model picker.',
    })
  }

  const entry = providers.find((p) => p.id === entryId)
  // A legacy id's own prefix (`openai-codex/gpt-5.5` on a row bound to `openai-codex`) is never part of a real id.
  if (alias !== undefined && entryId === alias) model = stripPrefix(model, input.entryId.trim(), changes)
  if (entry) model = stripEntryPrefix(entry, model, known, changes)
  if (model === '') throw KeelError.of('invalid-input', 'A model id is required.', { field: 'model' })
  return { entryId, model, changes }
}

/** A bare resolved class ("custom") names no entry: no binding may point at it, whatever its mode. */
export function isResolvedClass(entryId: string, providers: readonly ProviderEntry[]): boolean {
  return RESOLVED_CLASSES.has(entryId) && !providers.some((p) => p.id === entryId)
}

/**
 * Strips `<entry id>/`, a legacy alias of it, or `<kind>/` from a model id — only to reach an id the entry lists
 * (static list, default model, cached catalog) or, for first-party kinds, whose ids never hold a slash. A listed id
 * is kept whole, so `qwen/qwen3.6-27b` on LM Studio and `openrouter/auto` on OpenRouter stay single ids (invariant
 * 12), while `lmstudio/qwen/qwen3.6-27b` on an LM Studio that lists `qwen/qwen3.6-27b` loses only the entry's prefix.
 */
function stripEntryPrefix(entry: ProviderEntry, model: string, known: KnownModels, changes: string[]): string {
  const prefixes = [...new Set([entry.id, ...Object.keys(ENTRY_ALIASES).filter((a) => ENTRY_ALIASES[a] === entry.id), entry.kind])]
  const candidates = prefixes.map((prefix) => ({ probe: [] as string[], prefix })).map((c) => ({ ...c, stripped: stripPrefix(model, c.prefix, c.probe) })).filter((c) => c.stripped !== model)
  // Most ids carry none of these prefixes: then there is nothing to decide and no catalog to read.
  if (candidates.length === 0) return model
  const listed = new Set(known(entry))
  entry.models?.forEach((id) => listed.add(id))
  if (entry.defaultModel) listed.add(entry.defaultModel)
  if (listed.has(model)) return model
  const firstParty = FIRST_PARTY_KINDS.has(entry.kind)
  const chosen = candidates.find((c) => firstParty || listed.has(c.stripped))
  if (!chosen) return model
  changes.push(...chosen.probe)
  return chosen.stripped
}

/** `openai/` alone strips to an empty id, which the caller refuses ("A model id is required."), never stores. */
function stripPrefix(model: string, prefix: string, changes: string[]): string {
  if (!model.toLowerCase().startsWith(`${prefix.toLowerCase()}/`)) return model
  const bare = model.slice(prefix.length + 1)
  changes.push(`model "${model}" → "${bare}" (entry prefix removed)`)
  return bare
}
