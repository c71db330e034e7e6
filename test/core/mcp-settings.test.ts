// Settings → MCP servers' pure parts (src/renderer/src/lib): the form's text fields read into an entry (plain values
// only: a credential-looking name is refused and pointed to Secrets, so it never lands in config.json), the status
// words Settings and Diagnostics share, and the profile form's pick of a server's tools (all, minus single ones).
import { describe, expect, it } from 'vitest'
import type { McpServerStatus } from '../../src/shared/mcp'
import { AgentProfile } from '../../src/shared/agent-profiles'
import { parseArgs, parseEnv, parseMcpHeaders, secretNameProblem } from '../../src/renderer/src/lib/mcpForm'
import { mcpStatusText, mcpStatusTone } from '../../src/renderer/src/lib/mcpStatus'
import { mcpPicks, pickItems, pickOffers, toggleTool } from '../../src/renderer/src/lib/profileMcp'

describe('the MCP server form', () => {
  it('takes one argument per line, spaces kept, empty lines dropped', () => {
    expect(parseArgs('-y\n\n@scope/server\n/home/me/My Notes\n')).toEqual(['-y', '@scope/server', '/home/me/My Notes'])
  })

  it('reads plain environment lines and refuses credentials, naming the line and pointing to Secrets', () => {
    expect(parseEnv('LOG_LEVEL=info\nROOT=/a=b\n')).toEqual({ ok: true, value: { LOG_LEVEL: 'info', ROOT: '/a=b' } })
    for (const name of ['GITHUB_TOKEN', 'OPENAI_API_KEY', 'DB_PASSWORD', 'CLIENT_SECRET']) {
      const parsed = parseEnv(`LOG_LEVEL=info\n${name}=x`)
      expect(parsed).toMatchObject({ ok: false, message: expect.stringContaining(`line 2: ${name}`), fix: expect.stringContaining('Secrets') })
    }
    // Words that merely contain a credential word are plain.
    expect(parseEnv('KEYBOARD_LAYOUT=us\nMONKEY=1')).toMatchObject({ ok: true })
    expect(parseEnv('not a variable')).toMatchObject({ ok: false, message: expect.stringContaining('line 1') })
  })

  it('reads plain headers and refuses Authorization and API keys', () => {
    expect(parseMcpHeaders('X-Client: Keel')).toEqual({ ok: true, value: { 'X-Client': 'Keel' } })
    expect(parseMcpHeaders('Authorization: Bearer abc')).toMatchObject({ ok: false, fix: expect.stringContaining('Secrets') })
    expect(parseMcpHeaders('X-Api-Key: abc')).toMatchObject({ ok: false })
    expect(parseMcpHeaders('no colon')).toMatchObject({ ok: false, message: expect.stringContaining('line 1') })
  })

  it('checks secret names as the entry schema does', () => {
    expect(secretNameProblem('GITHUB_TOKEN')).toBeNull()
    expect(secretNameProblem('Authorization')).toBeNull()
    expect(secretNameProblem('has space')).toContain('has space')
  })
})

describe('MCP status words', () => {
  const cases: Array<[McpServerStatus, string, string]> = [
    [{ state: 'disabled' }, 'disabled', 'muted'],
    [{ state: 'stopped' }, 'stopped', 'muted'],
    [{ state: 'starting', since: 1 }, 'starting…', 'warning'],
    [{ state: 'ready', tools: 1, since: 1 }, 'ready (1 tool)', 'ok'],
    [{ state: 'ready', tools: 13, since: 1 }, 'ready (13 tools)', 'ok'],
    [{ state: 'untrusted', message: 'm' }, 'untrusted: not started until you trust it', 'warning'],
    [{ state: 'unresolved', missingSecrets: ['A', 'B'], message: 'm' }, 'unresolved: missing secrets A, B', 'warning'],
    [{ state: 'failed', phase: 'initialize', message: 'm', exitCode: 3, stderrTail: [], restartAt: null, attempts: 0 }, 'failed at initialize (exit code 3)', 'error'],
    [{ state: 'failed', phase: 'resolve', message: 'm', exitCode: null, stderrTail: [], restartAt: null, attempts: 0 }, 'failed at finding the command', 'error'],
    [{ state: 'failed', phase: 'list-tools', message: 'm', exitCode: null, stderrTail: [], restartAt: 5, attempts: 1 }, 'failed at list tools', 'error'],
  ]
  it.each(cases)('%o reads "%s"', (status, text, tone) => {
    expect(mcpStatusText(status)).toBe(text)
    expect(mcpStatusTone(status)).toBe(tone)
  })
})

describe("a profile's pick of an MCP server's tools", () => {
  it('all tools minus the ones left out, saved as * with except (valid for the profile schema)', () => {
    let pick = mcpPicks([{ source: 'mcp:everything', name: '*' }]).get('mcp:everything')!
    expect(pickOffers(pick, 'echo')).toBe(true)
    pick = toggleTool(pick, 'get-env', false)
    expect(pickOffers(pick, 'get-env')).toBe(false)
    const items = pickItems('mcp:everything', pick)
    expect(items).toEqual([{ source: 'mcp:everything', name: '*', except: ['get-env'] }])
    expect(AgentProfile.safeParse({ id: 'p', name: 'P', tools: items }).success).toBe(true)
    // Ticked again: no except left.
    expect(pickItems('mcp:everything', toggleTool(pick, 'get-env', true))).toEqual([{ source: 'mcp:everything', name: '*' }])
  })

  it('a hand-written list of named tools stays a list of names', () => {
    const picks = mcpPicks([
      { source: 'builtin', name: 'read_file' },
      { source: 'mcp:gh', name: 'search' },
      { source: 'mcp:gh', name: 'get_issue' },
    ])
    expect([...picks.keys()]).toEqual(['mcp:gh'])
    const pick = toggleTool(picks.get('mcp:gh')!, 'search', false)
    expect(pickItems('mcp:gh', pick)).toEqual([{ source: 'mcp:gh', name: 'get_issue' }])
  })
})
