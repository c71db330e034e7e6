// Create or edit an agent profile: name, instructions, binding (the app default, or an entry + model picked with the
// model picker's groups), parameters, the tools it may use with each one's approval default, step limit and
// workspace. Main validates everything again and names the field it refuses; the form marks that field.
// (A div with role="form", not a <form>: the model groups carry their own small form for a typed model id.)
import { useEffect, useId, useState } from 'react'
import type { AgentProfileView, ApprovalDefault, ProfileBinding, ReasoningEffort, ToolOption } from '../../../../shared/agent-profiles'
import { STEP_LIMIT_DEFAULT, STEP_LIMIT_MAX, approvalFor } from '../../../../shared/agent-profiles'
import type { KeelErrorData, ProviderEntryView } from '../../../../shared/domain'
import { call } from '../../bridge'
import { toErrorData } from '../../errors'
import { useMcpServers } from '../../hooks/useMcpServers'
import { mcpPicks, pickItems, type McpPick } from '../../lib/profileMcp'
import { ErrorNote } from '../ErrorNote'
import { Field } from '../Field'
import { ModelGroup } from '../ModelGroup'
import { ProfileMcpServers, type McpServerChoice } from '../mcp/ProfileMcpServers'
import { EMPTY_CHAIN, FallbackListEditor } from '../fallback/FallbackListEditor'
import type { FallbackChain } from '../../../../shared/agent-profiles'
import type { FallbackSkip } from '../../../../shared/fallback'

interface ProfileFormProps {
  /** null: a new profile. */
  profile: AgentProfileView | null
  tools: ToolOption[]
  providers: ProviderEntryView[]
  onCancel: () => void
  onSaved: (profile: AgentProfileView, created: boolean) => void
}

const EFFECT_TEXT: Record<ToolOption['effect'], string> = { read: 'reads', write: 'writes', execute: 'runs commands', network: 'network' }
const EFFORTS: ReasoningEffort[] = ['minimal', 'low', 'medium', 'high']

export function ProfileForm({ profile, tools: allTools, providers, onCancel, onSaved }: ProfileFormProps) {
  // Built-in tools in the table below; MCP tools by server, in their own part.
  const tools = allTools.filter((t) => t.source === 'builtin')
  const mcp = useMcpServers()
  const mcpServers: McpServerChoice[] = mcp.servers.map((s) => {
    const source = `mcp:${s.entry.id}`
    const options = allTools.filter((t) => t.source === source)
    return { source, name: s.entry.name, tools: options.length > 0 ? options : s.tools }
  })
  const [picks, setPicks] = useState<Map<string, McpPick>>(() => mcpPicks(profile?.tools ?? []))
  const [name, setName] = useState(profile?.name ?? '')
  const [instructions, setInstructions] = useState(profile?.instructions ?? '')
  const [binding, setBinding] = useState<ProfileBinding>(profile?.binding ?? { mode: 'follow-default' })
  const [expanded, setExpanded] = useState<string | null>(binding.mode === 'pinned' ? binding.entryId : (providers[0]?.id ?? null))
  const [temperature, setTemperature] = useState(profile?.parameters.temperature?.toString() ?? '')
  const [maxTokens, setMaxTokens] = useState(profile?.parameters.maxOutputTokens?.toString() ?? '')
  const [effort, setEffort] = useState<ReasoningEffort | ''>(profile?.parameters.reasoningEffort ?? '')
  const [enabled, setEnabled] = useState<Set<string>>(() => new Set(profile?.tools.filter((t) => t.source === 'builtin').map((t) => t.name) ?? []))
  const [approvals, setApprovals] = useState<Record<string, ApprovalDefault>>(() =>
    Object.fromEntries(tools.map((t) => [t.name, approvalFor(profile ?? { approvals: [] }, t.source, t.name, t.effect)])),
  )
  const [stepLimit, setStepLimit] = useState(String(profile?.stepLimit ?? STEP_LIMIT_DEFAULT))
  const [workspace, setWorkspace] = useState(profile?.workspace ?? '')
  const [fallback, setFallback] = useState<FallbackChain>(profile?.fallback ?? EMPTY_CHAIN)
  // Bindings of the list that cannot resolve now (entry deleted, key missing, model not listed), as main says.
  const [fallbackProblems, setFallbackProblems] = useState<FallbackSkip[]>([])
  useEffect(() => {
    let live = true
    if (fallback.bindings.length === 0) setFallbackProblems([])
    else void call('fallbacks.check', { chain: fallback }).then((p) => live && setFallbackProblems(p), () => undefined)
    return () => {
      live = false
    }
  }, [fallback])
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<KeelErrorData | null>(null)
  const bindingName = useId()

  const invalid = (field: string) => (error?.field === field || error?.field?.startsWith(`${field}.`) || error?.field?.startsWith(`${field}[`) ? true : undefined)
  const numberOrUndefined = (text: string) => (text.trim() === '' ? undefined : Number(text))

  const save = async () => {
    setBusy(true)
    setError(null)
    const chosen = tools.filter((t) => enabled.has(t.name))
    // MCP servers listed here are set from the form; items of a server not configured (any more) are kept as they are.
    const known = new Set(mcpServers.map((s) => s.source))
    const mcpTools = [...picks].filter(([source]) => known.has(source)).flatMap(([source, pick]) => pickItems(source, pick))
    const otherTools = [...mcpTools, ...(profile?.tools.filter((t) => t.source !== 'builtin' && !known.has(t.source)) ?? [])]
    const otherApprovals = profile?.approvals.filter((a) => a.source !== 'builtin') ?? []
    const fields = {
      name: name.trim(),
      instructions,
      binding,
      parameters: {
        ...(numberOrUndefined(temperature) !== undefined ? { temperature: numberOrUndefined(temperature) } : {}),
        ...(numberOrUndefined(maxTokens) !== undefined ? { maxOutputTokens: numberOrUndefined(maxTokens) } : {}),
        ...(effort ? { reasoningEffort: effort } : {}),
      },
      tools: [...chosen.map((t) => ({ source: t.source, name: t.name })), ...otherTools],
      approvals: [...chosen.map((t) => ({ source: t.source, name: t.name, approval: approvals[t.name] ?? 'ask' })), ...otherApprovals],
      stepLimit: Number(stepLimit),
    }
    const fallbackOrNone = fallback.bindings.length > 0 ? fallback : null
    try {
      if (!fields.name) throw { kind: 'invalid-input', field: 'name', message: 'Name is required' } satisfies KeelErrorData
      if (profile) {
        const saved = await call('profiles.update', { id: profile.id, patch: { ...fields, workspace: workspace.trim() ? workspace.trim() : null, fallback: fallbackOrNone } })
        onSaved(saved, false)
      } else {
        const saved = await call('profiles.create', { ...fields, ...(workspace.trim() ? { workspace: workspace.trim() } : {}), ...(fallbackOrNone ? { fallback: fallbackOrNone } : {}) })
        onSaved(saved, true)
      }
    } catch (e) {
      setError(toErrorData(e))
      setBusy(false)
    }
  }

  const title = profile ? `Edit ${profile.name}` : 'New agent profile'
  return (
    <div
      role="form"
      className="provider-form profile-form"
      aria-label={title}
      onKeyDown={(event) => {
        if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
          event.preventDefault()
          void save()
        }
      }}
    >
      <h3 className="provider-form__title">{title}</h3>
      {error ? <ErrorNote error={error} /> : null}

      <Field label="Name">
        {({ id }) => (
          <input id={id} className="input" value={name} onChange={(e) => setName(e.target.value)} maxLength={80} aria-invalid={invalid('name')} aria-required="true" autoComplete="off" data-autofocus />
        )}
      </Field>
      <Field label="Instructions" help="The system prompt every turn of its sessions starts with. Empty: none.">
        {({ id, helpId }) => (
          <textarea id={id} className="input profile-form__instructions" rows={5} value={instructions} onChange={(e) => setInstructions(e.target.value)} aria-describedby={helpId} aria-invalid={invalid('instructions')} />
        )}
      </Field>

      <fieldset className="profile-form__fieldset">
        <legend className="field__label">Model</legend>
        <label className="profile-form__radio">
          <input type="radio" name={bindingName} checked={binding.mode === 'follow-default'} onChange={() => setBinding({ mode: 'follow-default' })} />
          Follow the app default
        </label>
        <label className="profile-form__radio">
          <input
            type="radio"
            name={bindingName}
            checked={binding.mode === 'pinned'}
            disabled={providers.length === 0}
            onChange={() => {
              if (binding.mode !== 'pinned' && providers[0]) setExpanded(providers[0].id)
            }}
          />
          {binding.mode === 'pinned' ? `${providers.find((p) => p.id === binding.entryId)?.name ?? binding.entryId} · ${binding.model}` : 'A provider and model (pick one below)'}
        </label>
        {providers.length > 0 ? (
          <div className="picker__groups profile-form__models" aria-label="Pick a model for this profile" role="group">
            {providers.map((entry) => (
              <ModelGroup
                key={entry.id}
                entry={entry}
                expanded={expanded === entry.id}
                onToggle={() => setExpanded((open) => (open === entry.id ? null : entry.id))}
                currentModel={binding.mode === 'pinned' && binding.entryId === entry.id ? binding.model : null}
                refreshSession={null}
                busy={busy}
                onPick={(model) => setBinding({ mode: 'pinned', entryId: entry.id, model })}
              />
            ))}
          </div>
        ) : (
          <p className="field__help">Add a provider to bind a profile to one of its models.</p>
        )}
      </fieldset>

      <fieldset className="profile-form__fieldset" aria-invalid={invalid('fallback')}>
        <legend className="field__label">Fallbacks</legend>
        <p className="field__help">Other models tried in order, for one step, when this profile’s model fails before any text arrived. Off while the list is empty.</p>
        <FallbackListEditor value={fallback} providers={providers} problems={fallbackProblems} busy={busy} onChange={setFallback} />
      </fieldset>

      <div className="form-grid">
        <Field label="Temperature" help="0–2; empty: the provider's default.">
          {({ id, helpId }) => (
            <input id={id} className="input" type="number" min={0} max={2} step={0.1} inputMode="decimal" value={temperature} onChange={(e) => setTemperature(e.target.value)} aria-describedby={helpId} aria-invalid={invalid('parameters.temperature')} />
          )}
        </Field>
        <Field label="Max output tokens" help="Empty: Keel's default for the API.">
          {({ id, helpId }) => (
            <input id={id} className="input" type="number" min={1} step={1} inputMode="numeric" value={maxTokens} onChange={(e) => setMaxTokens(e.target.value)} aria-describedby={helpId} aria-invalid={invalid('parameters.maxOutputTokens')} />
          )}
        </Field>
        <Field label="Reasoning effort" help="Sent only where the API has it.">
          {({ id, helpId }) => (
            <select id={id} className="input" value={effort} onChange={(e) => setEffort(e.target.value as ReasoningEffort | '')} aria-describedby={helpId}>
              <option value="">Provider default</option>
              {EFFORTS.map((e) => (
                <option key={e} value={e}>
                  {e}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Step limit" help={`Requests per turn before Keel asks to continue (1–${STEP_LIMIT_MAX}).`}>
          {({ id, helpId }) => (
            <input id={id} className="input" type="number" min={1} max={STEP_LIMIT_MAX} step={1} inputMode="numeric" value={stepLimit} onChange={(e) => setStepLimit(e.target.value)} aria-describedby={helpId} aria-invalid={invalid('stepLimit')} />
          )}
        </Field>
      </div>
      <Field label="Workspace folder" help="An absolute path: the file tools and commands stay inside it. Empty: none.">
        {({ id, helpId }) => (
          <input id={id} className="input" value={workspace} onChange={(e) => setWorkspace(e.target.value)} placeholder="/home/me/project" spellCheck={false} autoComplete="off" aria-describedby={helpId} aria-invalid={invalid('workspace')} />
        )}
      </Field>

      <fieldset className="profile-form__fieldset">
        <legend className="field__label">Tools</legend>
        <table className="profile-tools">
          <thead>
            <tr>
              <th scope="col">Tool</th>
              <th scope="col">Effect</th>
              <th scope="col">Approval</th>
            </tr>
          </thead>
          <tbody>
            {tools.map((t) => (
              <ToolRow
                key={`${t.source}:${t.name}`}
                tool={t}
                enabled={enabled.has(t.name)}
                approval={approvals[t.name] ?? 'ask'}
                onEnabled={(on) =>
                  setEnabled((s) => {
                    const next = new Set(s)
                    if (on) next.add(t.name)
                    else next.delete(t.name)
                    return next
                  })
                }
                onApproval={(a) => setApprovals((m) => ({ ...m, [t.name]: a }))}
              />
            ))}
          </tbody>
        </table>
      </fieldset>

      <ProfileMcpServers
        servers={mcpServers}
        picks={picks}
        onChange={(source, pick) =>
          setPicks((current) => {
            const next = new Map(current)
            if (pick) next.set(source, pick)
            else next.delete(source)
            return next
          })
        }
      />

      <div className="button-row provider-form__buttons">
        <button type="button" className="button button--primary" onClick={() => void save()} disabled={busy}>
          {profile ? 'Save' : 'Add profile'}
        </button>
        <button type="button" className="button" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
      </div>
    </div>
  )
}

function ToolRow({ tool, enabled, approval, onEnabled, onApproval }: { tool: ToolOption; enabled: boolean; approval: ApprovalDefault; onEnabled: (on: boolean) => void; onApproval: (a: ApprovalDefault) => void }) {
  const checkId = useId()
  const descId = useId()
  return (
    <tr className={enabled ? undefined : 'profile-tools__off'}>
      <td>
        <input id={checkId} type="checkbox" checked={enabled} onChange={(e) => onEnabled(e.target.checked)} aria-describedby={descId} />{' '}
        <label htmlFor={checkId} className="profile-tools__name">
          {tool.name}
        </label>
        <p id={descId} className="profile-tools__desc" title={tool.description}>
          {tool.description}
        </p>
      </td>
      <td>
        <span className={`badge profile-tools__effect profile-tools__effect--${tool.effect}`}>{EFFECT_TEXT[tool.effect]}</span>
      </td>
      <td>
        <select className="input input--small" aria-label={`Approval for ${tool.name}`} value={approval} disabled={!enabled} onChange={(e) => onApproval(e.target.value as ApprovalDefault)}>
          <option value="ask">Ask</option>
          <option value="allow">Allow</option>
        </select>
      </td>
    </tr>
  )
}
