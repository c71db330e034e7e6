import type { Migration } from './index'

// Grants (DESIGN.md, "Agents, tools and MCP"; invariant 16): an approval the user gave for a tool, kept beyond the
// one call. Version 8: 5–7 were being taken by other changes at the same time, and versions only need to grow.
//
// A grant is keyed by the whole tool reference (source, name, schema hash) plus the hash of its source's config,
// so a changed schema, a renamed tool or a re-configured server asks again instead of inheriting the approval.
// Scope: 'session' (session_id set; goes with its session), 'agent' (profile_id set; profiles live in config.json,
// so no foreign key) or 'always'. "Allow once" is never stored. The unique index keeps one row per decision, so
// approving the same thing twice does not pile up rows in Settings → Agents.
export const grants: Migration = {
  version: 8,
  name: 'grants',
  up(db) {
    db.exec(`
      CREATE TABLE grants (
        id TEXT PRIMARY KEY,
        tool_source TEXT NOT NULL,
        tool_name TEXT NOT NULL,
        schema_hash TEXT NOT NULL,
        source_config_hash TEXT NOT NULL,
        effect TEXT NOT NULL CHECK (effect IN ('read', 'write', 'execute', 'network')),
        scope TEXT NOT NULL CHECK (scope IN ('session', 'agent', 'always')),
        session_id TEXT REFERENCES sessions(id) ON DELETE CASCADE,
        profile_id TEXT,
        created_at INTEGER NOT NULL,
        CHECK ((scope = 'session') = (session_id IS NOT NULL)),
        CHECK ((scope = 'agent') = (profile_id IS NOT NULL))
      );
      CREATE UNIQUE INDEX grants_unique ON grants(tool_source, tool_name, schema_hash, source_config_hash, scope,
        COALESCE(session_id, ''), COALESCE(profile_id, ''));
      CREATE INDEX grants_by_tool ON grants(tool_source, tool_name);
      -- The foreign key's child column: without it every insert or delete of a session scans grants.
      CREATE INDEX grants_by_session ON grants(session_id);
    `)
    return { summary: 'added grants' }
  },
}
