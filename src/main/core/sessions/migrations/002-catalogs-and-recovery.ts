import type { Migration } from './index'

// Model catalogs cached by namespace (entry id + base URL + credential reference) with provenance, and the
// columns crash recovery needs: which turns continue which, and what became of an interrupted turn.
export const catalogsAndRecovery: Migration = {
  version: 2,
  name: 'model catalogs and turn recovery',
  up(db) {
    db.exec(`
      CREATE TABLE model_catalogs (
        namespace TEXT PRIMARY KEY,
        entry_id TEXT NOT NULL,
        base_url TEXT NOT NULL,
        credential_ref TEXT NOT NULL,
        models_json TEXT NOT NULL,
        fetched_at INTEGER NOT NULL
      );
      CREATE INDEX model_catalogs_by_entry ON model_catalogs(entry_id);

      ALTER TABLE turns ADD COLUMN kind TEXT NOT NULL DEFAULT 'user' CHECK (kind IN ('user', 'continuation'));
      ALTER TABLE turns ADD COLUMN continues_turn_id TEXT;
      ALTER TABLE turns ADD COLUMN recovery TEXT CHECK (recovery IN ('pending', 'continuing', 'continued', 'declined', 'failed'));
    `)
    return { summary: 'added model_catalogs; turns.kind, continues_turn_id, recovery' }
  },
}
