import type { Migration } from './index'

// Search over tool calls (issue #9: "exports and search include them"). A third FTS5 index, over external content
// like 004's two (the text is stored once, in tool_calls): the tool's name, its arguments (JSON text) and its result
// text. A separate table rather than a kind column in messages_fts: messages_fts is external-content over messages,
// so tool rows cannot share it, and a separate index keeps each MATCH an index lookup with its own bm25 statistics
// (a long tool result does not drown the ranking of messages, and the reverse).
//
// Unlike messages, a call row changes after it is appended: its arguments may be rewritten on approval and its
// result is written when it ends (tool-ledger.ts). The update trigger replaces the row's index entry with the new
// text in the same transaction, so the result is findable the moment it is committed, and only by what the row
// holds now. Rows go with their turn or session (ON DELETE CASCADE fires the delete trigger, as foreign keys are on).
// The index holds nothing the row does not already hold: arguments were redacted of the entry's secrets when they
// arrived from the provider (provider-client.ts); results are the capped ledger text as the tool returned it
// (run_command runs without Keel's or the user's secret variables; the ledger itself does not scrub results).
// Version 10: the next free number after 009 (offered tools).
export const toolCallSearch: Migration = {
  version: 10,
  name: 'tool call search',
  up(db) {
    db.exec(`
      CREATE VIRTUAL TABLE tool_calls_fts USING fts5(
        tool_name, arguments_json, result_text,
        content = 'tool_calls', content_rowid = 'rowid', tokenize = 'unicode61 remove_diacritics 2'
      );

      CREATE TRIGGER tool_calls_fts_insert AFTER INSERT ON tool_calls BEGIN
        INSERT INTO tool_calls_fts (rowid, tool_name, arguments_json, result_text)
        VALUES (new.rowid, new.tool_name, new.arguments_json, new.result_text);
      END;
      CREATE TRIGGER tool_calls_fts_delete AFTER DELETE ON tool_calls BEGIN
        INSERT INTO tool_calls_fts (tool_calls_fts, rowid, tool_name, arguments_json, result_text)
        VALUES ('delete', old.rowid, old.tool_name, old.arguments_json, old.result_text);
      END;
      CREATE TRIGGER tool_calls_fts_update AFTER UPDATE OF tool_name, arguments_json, result_text ON tool_calls
      WHEN old.tool_name IS NOT new.tool_name OR old.arguments_json IS NOT new.arguments_json OR old.result_text IS NOT new.result_text
      BEGIN
        INSERT INTO tool_calls_fts (tool_calls_fts, rowid, tool_name, arguments_json, result_text)
        VALUES ('delete', old.rowid, old.tool_name, old.arguments_json, old.result_text);
        INSERT INTO tool_calls_fts (rowid, tool_name, arguments_json, result_text)
        VALUES (new.rowid, new.tool_name, new.arguments_json, new.result_text);
      END;

      INSERT INTO tool_calls_fts (tool_calls_fts) VALUES ('rebuild');
    `)
    const calls = (db.prepare('SELECT COUNT(*) AS n FROM tool_calls').get() as { n: number }).n
    return { summary: `added tool call search (indexed ${calls} tool calls)`, details: [{ calls }] }
  },
}
