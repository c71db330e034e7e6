// Grants and the approval decision (invariant 16) on a real SQLite file: a grant is tied to the tool reference and
// its source's config, never to a bare name; its scope never reaches another session or profile; revoking asks again.
import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { openDatabase, type OpenedDatabase } from '../../src/main/core/sessions/database'
import { MIGRATIONS } from '../../src/main/core/sessions/migrations/index'
import { SessionStore } from '../../src/main/core/sessions/session-store'
import { BUILTIN_TOOLS } from '../../src/main/core/tools/builtin-tools'
import { BUILTIN_SOURCE_CONFIG_HASH, GrantStore, approvalFor, sourceConfigHash, type ToolReference } from '../../src/main/core/tools/grants'
import { tempDataDir } from '../support/core-harness'
import { openAtSchema } from '../support/previous-schema'

const GRANTS_VERSION = 8

const opened: OpenedDatabase[] = []
afterEach(() => {
  for (const o of opened.splice(0)) o.db.close()
})

function open(dir = tempDataDir('keel-grants')) {
  const o = openDatabase(path.join(dir, 'keel.sqlite'), path.join(dir, 'backups'))
  opened.push(o)
  const sessions = new SessionStore(o.db)
  return { dir, db: o.db, grants: new GrantStore(o.db), sessions }
}

const writeFile = BUILTIN_TOOLS.find((t) => t.name === 'write_file')!
const WRITE: ToolReference = { source: 'builtin', name: writeFile.name, schemaHash: writeFile.schemaHash }
const H = BUILTIN_SOURCE_CONFIG_HASH

describe('approvalFor', () => {
  it('with no grant and no profile setting: reads run, writes, commands and network access ask', () => {
    const { grants, sessions } = open()
    const s = sessions.create()
    const ask = (effect: 'read' | 'write' | 'execute' | 'network') => approvalFor(grants, { toolRef: { ...WRITE, name: `t-${effect}` }, sourceConfigHash: H, effect, sessionId: s, profileId: 'p' })
    expect(ask('read')).toBe('allow')
    expect(ask('write')).toBe('ask')
    expect(ask('execute')).toBe('ask')
    expect(ask('network')).toBe('ask')
  })

  it("the profile's per-tool setting beats the effect default, and a grant beats a profile's 'ask'", () => {
    const { grants, sessions } = open()
    const s = sessions.create()
    const q = { toolRef: WRITE, sourceConfigHash: H, effect: 'write' as const, sessionId: s, profileId: 'p' }
    expect(grants.approvalFor({ ...q, profileApprovalDefault: 'allow' })).toBe('allow')
    expect(grants.approvalFor({ ...q, effect: 'read', profileApprovalDefault: 'ask' })).toBe('ask')
    grants.grant({ toolRef: WRITE, sourceConfigHash: H, effect: 'write', scope: 'always' })
    expect(grants.approvalFor({ ...q, profileApprovalDefault: 'ask' })).toBe('allow')
  })

  it('a matching grant allows; a changed schema hash, tool name or source config hash asks again', () => {
    const { grants, sessions } = open()
    const s = sessions.create()
    grants.grant({ toolRef: WRITE, sourceConfigHash: H, effect: 'write', scope: 'always' })
    const q = { toolRef: WRITE, sourceConfigHash: H, effect: 'write' as const, sessionId: s, profileId: null }
    expect(grants.approvalFor(q)).toBe('allow')
    expect(grants.approvalFor({ ...q, toolRef: { ...WRITE, schemaHash: 'f'.repeat(64) } })).toBe('ask')
    expect(grants.approvalFor({ ...q, toolRef: { ...WRITE, name: 'edit_file' } })).toBe('ask')
    // The same tool name from another source (two servers' tools never collide).
    expect(grants.approvalFor({ ...q, toolRef: { ...WRITE, source: 'mcp:files' } })).toBe('ask')
    // A re-configured source: same tool, another command.
    const serverA = sourceConfigHash({ transport: 'stdio', command: 'node', args: ['server.js'] })
    const serverB = sourceConfigHash({ transport: 'stdio', command: 'node', args: ['other.js'] })
    const mcp = { source: 'mcp:files', name: 'write', schemaHash: 'a'.repeat(64) }
    grants.grant({ toolRef: mcp, sourceConfigHash: serverA, effect: 'write', scope: 'always' })
    expect(grants.approvalFor({ ...q, toolRef: mcp, sourceConfigHash: serverA })).toBe('allow')
    expect(grants.approvalFor({ ...q, toolRef: mcp, sourceConfigHash: serverB })).toBe('ask')
  })

  it("a session grant does not reach another session, and goes with its session when it is deleted", () => {
    const { grants, sessions } = open()
    const a = sessions.create()
    const b = sessions.create()
    grants.grant({ toolRef: WRITE, sourceConfigHash: H, effect: 'write', scope: 'session', sessionId: a })
    const q = { toolRef: WRITE, sourceConfigHash: H, effect: 'write' as const, profileId: 'p' }
    expect(grants.approvalFor({ ...q, sessionId: a })).toBe('allow')
    expect(grants.approvalFor({ ...q, sessionId: b })).toBe('ask')
    sessions.delete(a)
    expect(grants.list()).toEqual([])
  })

  it('an agent grant does not reach another profile (nor a session without a profile); always reaches every one', () => {
    const { grants, sessions } = open()
    const s = sessions.create()
    grants.grant({ toolRef: WRITE, sourceConfigHash: H, effect: 'write', scope: 'agent', profileId: 'writer' })
    const q = { toolRef: WRITE, sourceConfigHash: H, effect: 'write' as const, sessionId: s }
    expect(grants.approvalFor({ ...q, profileId: 'writer' })).toBe('allow')
    expect(grants.approvalFor({ ...q, profileId: 'reviewer' })).toBe('ask')
    expect(grants.approvalFor({ ...q, profileId: null })).toBe('ask')
    grants.grant({ toolRef: WRITE, sourceConfigHash: H, effect: 'write', scope: 'always' })
    expect(grants.approvalFor({ ...q, profileId: 'reviewer' })).toBe('allow')
  })

  it('revoking a grant asks again, survives reopening the file, and revoking twice says there was nothing', () => {
    const { dir, grants, sessions } = open()
    const s = sessions.create()
    const g = grants.grant({ toolRef: WRITE, sourceConfigHash: H, effect: 'write', scope: 'session', sessionId: s })
    // Granting the same thing again keeps one row.
    expect(grants.grant({ toolRef: WRITE, sourceConfigHash: H, effect: 'write', scope: 'session', sessionId: s }).id).toBe(g.id)
    expect(grants.list()).toHaveLength(1)
    const q = { toolRef: WRITE, sourceConfigHash: H, effect: 'write' as const, sessionId: s, profileId: null }
    expect(grants.approvalFor(q)).toBe('allow')
    opened.pop()!.db.close()
    const again = open(dir)
    expect(again.grants.approvalFor(q)).toBe('allow')
    expect(again.grants.revoke(g.id)).toBe(true)
    expect(again.grants.approvalFor(q)).toBe('ask')
    expect(again.grants.revoke(g.id)).toBe(false)
  })

  it('a session grant needs an existing session, and the table refuses a scope without its owner', () => {
    const { db, grants } = open()
    expect(() => grants.grant({ toolRef: WRITE, sourceConfigHash: H, effect: 'write', scope: 'session', sessionId: 'no-such-session' })).toThrow(/FOREIGN KEY/)
    expect(() =>
      db.prepare("INSERT INTO grants (id, tool_source, tool_name, schema_hash, source_config_hash, effect, scope, created_at) VALUES ('x', 'builtin', 'w', 'h', 'c', 'write', 'agent', 1)").run(),
    ).toThrow(/CHECK/)
  })
})

describe('grants migration', () => {
  it('a database made by the previous version is backed up and gains an empty grants table; its sessions stay', () => {
    const old = openAtSchema(GRANTS_VERSION - 1, tempDataDir('keel-grants-migration'), 'keel.sqlite')
    const { dataDir: dir, file, backups } = old
    const sessionId = new SessionStore(old.db).create()
    expect(old.db.prepare("SELECT name FROM sqlite_master WHERE name = 'grants'").get()).toBeUndefined()
    old.db.close()

    const { db, grants } = open(dir)
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.at(-1)!.version)
    expect(grants.list()).toEqual([])
    expect(new SessionStore(db).get(sessionId)?.id).toBe(sessionId)
    const logged = db.prepare('SELECT version, summary FROM migration_log WHERE version = ?').get(GRANTS_VERSION) as { summary: string } | undefined
    expect(logged?.summary).toMatch(/grants/)
    // Backed up first: the backup is the previous version's file, without the table.
    const backupFiles = fs.readdirSync(backups)
    expect(backupFiles.length).toBeGreaterThan(0)
    const backup = new Database(path.join(backups, backupFiles.sort().at(-1)!), { readonly: true })
    try {
      expect(backup.pragma('user_version', { simple: true })).toBe(old.schemaVersion)
      expect(backup.prepare("SELECT name FROM sqlite_master WHERE name = 'grants'").get()).toBeUndefined()
    } finally {
      backup.close()
    }
    // And the new table works on the migrated file.
    grants.grant({ toolRef: WRITE, sourceConfigHash: H, effect: 'write', scope: 'session', sessionId })
    expect(grants.approvalFor({ toolRef: WRITE, sourceConfigHash: H, effect: 'write', sessionId, profileId: null })).toBe('allow')
  })
})
