import type { Migration } from './index'

// Full-text search and the indexes the paged reads need.
//
// Search: two FTS5 indexes over external content (the text is stored once, in messages and sessions). Triggers
// keep them in sync inside the same transaction as the write, so a message is findable the moment it is committed
// and never after its session is gone. Messages are append-only (an UPDATE is refused by 001's trigger), so only
// inserts and the cascade delete of a session's messages need mirroring; titles change on rename.
// The FTS rows are keyed by the content rows' rowids. Those tables have TEXT primary keys, so their rowids are
// implicit; SQLite keeps them through VACUUM and VACUUM INTO (the backup path), which a test checks.
//
// Counters: the number of sessions, kept by triggers, so the list's total is one row read, not a count of rows.
//
// Indexes: the list order (pinned, then recency, ties by id) for keyset paging; turns by start time within a
// session (the turns of one page of messages); running turns (the startup scan for crashed turns); the turns
// with a recovery state (an open session's recovery banner), both partial so they stay tiny.
export const searchAndIndexes: Migration = {
  version: 4,
  name: 'full-text search and paging indexes',
  up(db) {
    db.exec(`
      CREATE VIRTUAL TABLE messages_fts USING fts5(
        content, content = 'messages', content_rowid = 'rowid', tokenize = 'unicode61 remove_diacritics 2'
      );
      CREATE VIRTUAL TABLE titles_fts USING fts5(
        title, content = 'sessions', content_rowid = 'rowid', tokenize = 'unicode61 remove_diacritics 2'
      );

      CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
        INSERT INTO messages_fts (rowid, content) VALUES (new.rowid, new.content);
      END;
      CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.rowid, old.content);
      END;
      CREATE TRIGGER titles_fts_insert AFTER INSERT ON sessions BEGIN
        INSERT INTO titles_fts (rowid, title) VALUES (new.rowid, new.title);
      END;
      CREATE TRIGGER titles_fts_delete AFTER DELETE ON sessions BEGIN
        INSERT INTO titles_fts (titles_fts, rowid, title) VALUES ('delete', old.rowid, old.title);
      END;
      CREATE TRIGGER titles_fts_update AFTER UPDATE OF title ON sessions WHEN old.title IS NOT new.title BEGIN
        INSERT INTO titles_fts (titles_fts, rowid, title) VALUES ('delete', old.rowid, old.title);
        INSERT INTO titles_fts (rowid, title) VALUES (new.rowid, new.title);
      END;

      INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');
      INSERT INTO titles_fts (titles_fts) VALUES ('rebuild');

      CREATE TABLE counters (name TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
      INSERT INTO counters (name, n) SELECT 'sessions', COUNT(*) FROM sessions;
      CREATE TRIGGER sessions_count_insert AFTER INSERT ON sessions BEGIN
        UPDATE counters SET n = n + 1 WHERE name = 'sessions';
      END;
      CREATE TRIGGER sessions_count_delete AFTER DELETE ON sessions BEGIN
        UPDATE counters SET n = n - 1 WHERE name = 'sessions';
      END;

      CREATE INDEX sessions_by_list_order ON sessions(pinned, updated_at, id);
      CREATE INDEX sessions_by_binding ON sessions(binding_entry_id, binding_model);
      CREATE INDEX turns_by_session_start ON turns(session_id, started_at);
      CREATE INDEX turns_running ON turns(status) WHERE status = 'running';
      CREATE INDEX turns_with_recovery ON turns(session_id, seq) WHERE recovery IS NOT NULL;
    `)
    const messages = (db.prepare('SELECT COUNT(*) AS n FROM messages').get() as { n: number }).n
    const sessions = (db.prepare('SELECT COUNT(*) AS n FROM sessions').get() as { n: number }).n
    return {
      summary: `added full-text search (indexed ${messages} messages and ${sessions} titles), a session counter and paging indexes`,
      details: [{ messages, sessions }],
    }
  },
}
