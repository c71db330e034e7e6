import type { Migration } from './index'

// The ids of deleted provider entries, remembered by the database as well as by config.json's retiredProviderIds:
// an id is never reused, and a file edited while Keel is closed (the id dropped from retiredProviderIds and an
// entry with it added again) must not let the old sessions resume on a stranger's server with its key. Filled when
// an entry is deleted and from the config's list at each start (so a database made before this table knows the
// retirements the config lists). `source` says which: 'deleted' (in Keel) or 'config' (listed in config.json).
export const retiredEntries: Migration = {
  version: 5,
  name: 'retired entries',
  up(db) {
    db.exec(`
      CREATE TABLE retired_entries (
        entry_id TEXT PRIMARY KEY,
        retired_at INTEGER NOT NULL,
        source TEXT NOT NULL CHECK (source IN ('deleted', 'config'))
      ) WITHOUT ROWID;
    `)
    return { summary: 'added retired_entries' }
  },
}
