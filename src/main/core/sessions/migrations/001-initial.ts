import type { Migration } from './index'

// Sessions hold the binding (entry id + wire model, two columns); messages are append-only and keep the identity
// each reply was produced with; turns carry the streaming checkpoint and the identity key used for recovery.
export const initial: Migration = {
  version: 1,
  name: 'initial schema',
  up(db) {
    db.exec(`
      CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        pinned INTEGER NOT NULL DEFAULT 0,
        archived INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        binding_entry_id TEXT,
        binding_model TEXT,
        binding_mode TEXT NOT NULL DEFAULT 'follow-default' CHECK (binding_mode IN ('follow-default', 'pinned')),
        draft TEXT NOT NULL DEFAULT '',
        draft_updated_at INTEGER
      );

      CREATE TABLE turns (
        id TEXT PRIMARY KEY,
        session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('running', 'done', 'error', 'stopped', 'interrupted')),
        user_message_id TEXT,
        identity_key TEXT NOT NULL,
        entry_id TEXT NOT NULL,
        model TEXT NOT NULL,
        base_url TEXT NOT NULL,
        api TEXT NOT NULL,
        partial_text TEXT NOT NULL DEFAULT '',
        checkpointed_at INTEGER,
        error_json TEXT,
        started_at INTEGER NOT NULL,
        ended_at INTEGER
      );
      CREATE INDEX turns_by_session ON turns(session_id, seq);

      CREATE TABLE messages (
        id TEXT PRIMARY KEY,
        session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        turn_id TEXT,
        seq INTEGER NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
        content TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'complete' CHECK (status IN ('complete', 'stopped', 'interrupted')),
        entry_id TEXT,
        model TEXT,
        base_url TEXT,
        api TEXT,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX messages_by_session ON messages(session_id, seq);

      -- Invariant 10: metadata updates never rewrite messages. The database itself refuses.
      CREATE TRIGGER messages_append_only BEFORE UPDATE ON messages
      BEGIN SELECT RAISE(ABORT, 'messages are append-only'); END;
      -- Messages go only with their session (the cascade runs after the session row is gone).
      CREATE TRIGGER messages_delete_with_session_only BEFORE DELETE ON messages
      WHEN EXISTS (SELECT 1 FROM sessions WHERE id = OLD.session_id)
      BEGIN SELECT RAISE(ABORT, 'messages are deleted only with their session'); END;

      CREATE TABLE migration_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at INTEGER NOT NULL,
        version INTEGER NOT NULL,
        summary TEXT NOT NULL,
        details_json TEXT NOT NULL DEFAULT '[]'
      );
    `)
    return { summary: 'created sessions, turns, messages' }
  },
}
