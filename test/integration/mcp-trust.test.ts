// Trust of MCP servers (issue #10) in keel.db: migration 012 adds mcp_trust to a database made by schema 11 (after a
// backup, the existing sessions kept), and the trust store trusts one launch spec per server — a changed spec (another
// hash) is not trusted, trusting it replaces the old record, forgetting a server removes it — across a reopen.
import Database from 'better-sqlite3'
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { openDatabase } from '../../src/main/core/sessions/database'
import { MIGRATIONS } from '../../src/main/core/sessions/migrations/index'
import { SessionStore } from '../../src/main/core/sessions/session-store'
import { McpTrustStore } from '../../src/main/core/mcp/trust-store'
import { launchHash } from '../../src/main/core/mcp/launch'
import { openAtSchema } from '../support/previous-schema'
import { everythingEntry } from '../support/mcp-servers'

const TRUST_VERSION = 12

describe('migration 012 (MCP trust)', () => {
  it('adds an empty trust table to a database made by schema 11, after a backup, keeping its sessions', () => {
    const old = openAtSchema(TRUST_VERSION - 1)
    const sessionId = new SessionStore(old.db).create()
    old.db.close()

    const opened = openDatabase(old.file, old.backups)
    expect(opened.schemaVersion).toBe(MIGRATIONS.at(-1)!.version)
    expect(opened.schemaVersion).toBeGreaterThanOrEqual(TRUST_VERSION)
    const backupFiles = fs.readdirSync(old.backups).filter((f) => f.endsWith('.db')).sort()
    expect(backupFiles.length).toBeGreaterThan(0)
    const backup = new Database(path.join(old.backups, backupFiles.at(-1)!), { readonly: true })
    expect(backup.pragma('user_version', { simple: true })).toBe(TRUST_VERSION - 1)
    expect(backup.prepare("SELECT name FROM sqlite_master WHERE name = 'mcp_trust'").get()).toBeUndefined()
    backup.close()

    expect(opened.db.prepare('SELECT COUNT(*) AS n FROM mcp_trust').get()).toEqual({ n: 0 })
    expect(opened.db.prepare('SELECT id FROM sessions').all()).toEqual([{ id: sessionId }])
    const trust = new McpTrustStore(opened.db)
    const entry = everythingEntry('everything')
    expect(trust.isTrusted('everything', launchHash(entry))).toBe(false)
    trust.trust('everything', launchHash(entry))
    expect(trust.isTrusted('everything', launchHash(entry))).toBe(true)
    opened.db.close()
  })
})

describe('McpTrustStore', () => {
  it('trusts one launch spec per server: a changed spec asks again, trusting it replaces the old one, forget removes it', () => {
    const at = openAtSchema(TRUST_VERSION)
    const trust = new McpTrustStore(at.db)
    const entry = everythingEntry('everything')
    const changed = { ...entry, transport: { ...entry.transport, args: [...(entry.transport as { args: string[] }).args, '--verbose'] } as typeof entry.transport }
    const withSecret = { ...entry, secrets: ['API_TOKEN'] }
    expect(launchHash(changed)).not.toBe(launchHash(entry))
    expect(launchHash(withSecret)).not.toBe(launchHash(entry))

    trust.trust('everything', launchHash(entry))
    expect(trust.isTrusted('everything', launchHash(entry))).toBe(true)
    expect(trust.isTrusted('everything', launchHash(changed))).toBe(false)
    expect(trust.isTrusted('other', launchHash(entry))).toBe(false)

    trust.trust('everything', launchHash(changed))
    expect(trust.isTrusted('everything', launchHash(changed))).toBe(true)
    expect(trust.isTrusted('everything', launchHash(entry))).toBe(false)
    at.db.close()

    const reopened = openDatabase(at.file, at.backups)
    const again = new McpTrustStore(reopened.db)
    expect(again.isTrusted('everything', launchHash(changed))).toBe(true)
    again.forget('everything')
    expect(again.isTrusted('everything', launchHash(changed))).toBe(false)
    reopened.db.close()
  })
})
