// The migration log as Diagnostics (and the doctor) show it: every migration a database went through, with what it
// did in words (after its name) and its counts. A user upgrading from an old Keel reads these; they are pinned here word for word
// for a database made by the first version (schema 1) and brought up to date.
import { describe, expect, it } from 'vitest'
import { CoreHarness, tempDataDir, testKeychainService } from '../support/core-harness'
import { openAtSchema } from '../support/previous-schema'

describe('the migration log', () => {
  it('names each migration from schema 1 to the latest with its summary and counts, newest first', async () => {
    const dataDir = tempDataDir('keel-migration-log')
    openAtSchema(1, dataDir).db.close()
    const h = await CoreHarness.open(dataDir, testKeychainService())
    const app = await h.call('diagnostics.app', {})
    const byVersion = new Map(app.migrations.map((m) => [m.version, m]))
    expect([...byVersion.keys()].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17])
    expect(Object.fromEntries([...byVersion].map(([v, m]) => [v, m.summary]))).toEqual({
      1: 'initial schema: created sessions, turns, messages',
      2: 'model catalogs and turn recovery: added model_catalogs; turns.kind, continues_turn_id, recovery',
      3: 'kept runtimes: added kept_runtimes',
      4: 'full-text search and paging indexes: added full-text search (indexed 0 messages and 0 titles), a session counter and paging indexes',
      5: 'retired entries: added retired_entries',
      6: 'tool-call ledger: added turn_steps, tool_calls and turns.pause_json',
      7: 'session profiles: added profile_id, profile_revision and profile_snapshot to sessions (0 existing session(s) run the "chat" profile)',
      8: 'grants: added grants',
      9: 'offered tools per step: added turn_steps.tools_json (0 existing step(s) keep it unknown)',
      10: 'tool call search: added tool call search (indexed 0 tool calls)',
      11: "session workspace: added a workspace folder to sessions (0 sessions keep their profile's)",
      12: 'mcp trust: added the trust record of MCP servers (none trusted yet)',
      13: 'step usage: added step_usage (tokens as reported, price and cost per step); earlier turns have no usage recorded',
      14: "fallbacks: added fallback lists to sessions (0 sessions keep their profile's) and a per-step fallback record",
      15: 'message branches: linked 0 messages to their parents (each session one branch) and set the active branch of 0 sessions',
      16: 'attachments: added message attachments (the 0 existing messages have none) and model input types to catalogs',
      17: "session overrides: added instructions and parameter overrides to sessions (0 sessions keep their profile's)",
    })
    expect(byVersion.get(4)!.details).toEqual([{ messages: 0, sessions: 0 }])
    expect(byVersion.get(10)!.details).toEqual([{ calls: 0 }])
    expect(byVersion.get(11)!.details).toEqual([{ sessions: 0 }])
    // The counts of 014-017, as the doctor lists them after the words (each migration's own count of what it kept).
    expect(byVersion.get(14)!.details).toEqual([{ sessions: 0 }])
    expect(byVersion.get(15)!.details).toEqual([{ messages: 0, sessions: 0 }])
    expect(byVersion.get(16)!.details).toEqual([{ messages: 0 }])
    expect(byVersion.get(17)!.details).toEqual([{ sessions: 0 }])
    await h.close()
  })

  it('an upgraded database keeps the trust of an MCP server the user trusts after the upgrade (012 made its table)', async () => {
    const dataDir = tempDataDir('keel-migration-log-trust')
    openAtSchema(1, dataDir).db.close()
    const service = testKeychainService()
    const h = await CoreHarness.open(dataDir, service)
    // Disabled: nothing is started; trust is recorded for the launch the user saw.
    const created = await h.call('mcp.create', { name: 'Notes', enabled: false, transport: { type: 'stdio', command: 'notes-mcp', args: [], env: {} } })
    expect(created.trusted).toBe(false)
    expect((await h.call('mcp.trust', { id: 'notes', launchHash: created.launchHash })).trusted).toBe(true)
    await h.close()
    const again = await CoreHarness.open(dataDir, service)
    expect((await again.call('mcp.list', {})).map((v) => [v.entry.id, v.trusted])).toEqual([['notes', true]])
    await again.close()
  })

  it('a new database records its creation as schema 1', async () => {
    const h = await CoreHarness.open(tempDataDir('keel-migration-log-new'), testKeychainService())
    const app = await h.call('diagnostics.app', {})
    expect(app.migrations.find((m) => m.version === 1)?.summary).toBe('initial schema: created sessions, turns, messages')
    await h.close()
  })
})
