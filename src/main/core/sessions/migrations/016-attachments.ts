import type { Migration } from './index'

// Attachments (issue #12; docs/attachments.md).
// - message_attachments: the files a message was sent with, in order. The bytes are not here: they are
//   content-addressed files in <data dir>/attachments/<sha256> (written once, never changed), so a row is a
//   reference plus what the transcript shows (name, type, size, kind). Rows are only ever inserted, in the same
//   transaction as their message (invariant 10), and go with the message's session.
// - model_catalogs.text_only_json: the model ids a live model list said take no image input (OpenRouter's
//   `architecture.input_modalities`); NULL when the list said nothing about input types, so sending an image is
//   then refused only by the provider's own error.
// Version 16: after 015 (branches, issue #12's other migration); existing rows keep exactly what they had.
export const attachments: Migration = {
  version: 16,
  name: 'attachments',
  up(db) {
    db.exec(`
      CREATE TABLE message_attachments (
        message_id TEXT NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
        ordinal INTEGER NOT NULL,
        sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
        name TEXT NOT NULL,
        mime TEXT NOT NULL,
        size INTEGER NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('image', 'text', 'pdf')),
        PRIMARY KEY (message_id, ordinal)
      );
      CREATE INDEX message_attachments_by_file ON message_attachments(sha256);
      -- Like messages: a reference is never rewritten.
      CREATE TRIGGER message_attachments_append_only BEFORE UPDATE ON message_attachments
      BEGIN SELECT RAISE(ABORT, 'message attachments are append-only'); END;
      ALTER TABLE model_catalogs ADD COLUMN text_only_json TEXT;
    `)
    const messages = (db.prepare('SELECT COUNT(*) AS n FROM messages').get() as { n: number }).n
    return { summary: `added message attachments (the ${messages} existing messages have none) and model input types to catalogs`, details: [{ messages }] }
  },
}
