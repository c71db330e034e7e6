import type { Migration } from './index'

// Message branches (issue #12): edit + resend, regenerate and retry each add a new version of a message beside the
// old one; nothing is rewritten or deleted (invariant 10).
// - messages.parent_id: the message this one follows (NULL: the first of its session). Set once, at insert. Existing
//   sessions are one straight line, so each message's parent is the message before it by seq.
// - messages.depth: how many messages the path from the root to this one holds (itself included), set at insert
//   from its parent's; the active path's length is its leaf's depth (one lookup, not a walk). Backfilled as seq:
//   seqs run 1, 2, 3… per session and messages go only with their session, so in a straight line depth = seq.
// - sessions.active_leaf_id: the last message of the branch the user is on. Not message content (it moves when the
//   user picks another version), so it lives on the session row, like the title. NULL: no messages yet.
// The append-only trigger is dropped for the one backfill UPDATE and created again, exactly as 001 made it, in the
// same transaction (openDatabase runs each migration as one, after a backup).
// Indexes: the children of a message (the versions at one point: session, parent, seq), a turn's reply (the turns
// shown with a branch), and the turns of a user message (an earlier attempt vs a retry).
export const messageBranches: Migration = {
  version: 15,
  name: 'message branches',
  up(db) {
    db.exec(`
      ALTER TABLE messages ADD COLUMN parent_id TEXT;
      ALTER TABLE messages ADD COLUMN depth INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE sessions ADD COLUMN active_leaf_id TEXT;

      DROP TRIGGER messages_append_only;
      UPDATE messages SET
        parent_id = (SELECT p.id FROM messages p WHERE p.session_id = messages.session_id AND p.seq = messages.seq - 1),
        depth = seq;
      CREATE TRIGGER messages_append_only BEFORE UPDATE ON messages
      BEGIN SELECT RAISE(ABORT, 'messages are append-only'); END;

      UPDATE sessions SET active_leaf_id = (SELECT m.id FROM messages m WHERE m.session_id = sessions.id ORDER BY m.seq DESC LIMIT 1);

      CREATE INDEX messages_by_parent ON messages(session_id, parent_id, seq);
      CREATE INDEX messages_by_turn ON messages(turn_id);
      CREATE INDEX turns_by_user_message ON turns(user_message_id);
    `)
    const messages = (db.prepare('SELECT COUNT(*) AS n FROM messages').get() as { n: number }).n
    const sessions = (db.prepare('SELECT COUNT(*) AS n FROM sessions WHERE active_leaf_id IS NOT NULL').get() as { n: number }).n
    return { summary: `linked ${messages} messages to their parents (each session one branch) and set the active branch of ${sessions} sessions`, details: [{ messages, sessions }] }
  },
}
