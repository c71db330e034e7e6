// The profile form's MCP part: which servers the profile uses (all their tools) and, per server, single tools it
// leaves out. Plain checkboxes in lists, so Tab and Space are all it takes.
import { useId } from 'react'
import { pickOffers, toggleTool, type McpPick } from '../../lib/profileMcp'

export interface McpServerChoice {
  /** `mcp:<server id>` */
  source: string
  name: string
  /** Its tools as last listed (empty until the server has started once). */
  tools: ReadonlyArray<{ name: string; description: string }>
}

interface ProfileMcpServersProps {
  servers: readonly McpServerChoice[]
  picks: ReadonlyMap<string, McpPick>
  onChange: (source: string, pick: McpPick | null) => void
}

export function ProfileMcpServers({ servers, picks, onChange }: ProfileMcpServersProps) {
  return (
    <fieldset className="profile-form__fieldset profile-mcp">
      <legend className="field__label">MCP servers</legend>
      {servers.length === 0 ? (
        <p className="field__help">No MCP servers yet: add one in Settings → MCP servers, then choose it here.</p>
      ) : (
        <ul className="provider-list" aria-label="MCP servers this profile may use">
          {servers.map((s) => (
            <ServerChoice key={s.source} server={s} pick={picks.get(s.source)} onChange={(pick) => onChange(s.source, pick)} />
          ))}
        </ul>
      )}
    </fieldset>
  )
}

function ServerChoice({ server, pick, onChange }: { server: McpServerChoice; pick: McpPick | undefined; onChange: (pick: McpPick | null) => void }) {
  const helpId = useId()
  const offered = pick ? server.tools.filter((t) => pickOffers(pick, t.name)).length : 0
  return (
    <li className="profile-mcp__server">
      <label className="profile-form__radio">
        <input type="checkbox" checked={pick !== undefined} onChange={(e) => onChange(e.target.checked ? { mode: 'all', except: [] } : null)} aria-describedby={helpId} />
        Use {server.name}
      </label>
      <p id={helpId} className="field__help">
        {server.tools.length === 0
          ? 'Its tools are listed once it has started; all of them are offered.'
          : pick
            ? `${offered} of ${server.tools.length} tools offered${pick.mode === 'all' ? ', and any it adds later' : ''}.`
            : `${server.tools.length} tools.`}
      </p>
      {pick && server.tools.length > 0 ? (
        <ul className="profile-mcp__tools" aria-label={`Tools of ${server.name}`}>
          {server.tools.map((t) => (
            <ToolChoice key={t.name} name={t.name} description={t.description} checked={pickOffers(pick, t.name)} onChange={(on) => onChange(toggleTool(pick, t.name, on))} />
          ))}
        </ul>
      ) : null}
    </li>
  )
}

function ToolChoice({ name, description, checked, onChange }: { name: string; description: string; checked: boolean; onChange: (on: boolean) => void }) {
  const id = useId()
  return (
    <li>
      <label className="profile-form__radio" title={description}>
        <input id={id} type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} />
        <span className="profile-tools__name">{name}</span>
      </label>
    </li>
  )
}
