import type { Migration } from './index'

// Usage and cost per step (issue #11). One row per provider request: plain chat turns have one (step 0), agent turns
// one per step (the same numbering as turn_steps). The row is written in the same transaction as the step's end, so
// it survives a crash exactly as the rest of the turn does.
// - Token columns hold what the provider reported, as each API names it; NULL means "not reported" (never 0 and
//   never an estimate). `reported` says whether the provider reported any usage at all.
// - The identity (entry id and name, model, api) and the profile are copied onto the row: the usage view groups by
//   them after entries are renamed or deleted and profiles change.
// - The price in force when the step ended is copied too (per million tokens; NULL: no price), with the cost it
//   gives: a later price change does not re-price history.
// Version 13: the next free number after 012 (mcp trust).
export const stepUsage: Migration = {
  version: 13,
  name: 'step usage',
  up(db) {
    db.exec(`
      CREATE TABLE step_usage (
        turn_id TEXT NOT NULL REFERENCES turns(id) ON DELETE CASCADE,
        step INTEGER NOT NULL,
        session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        entry_id TEXT NOT NULL,
        entry_name TEXT NOT NULL,
        model TEXT NOT NULL,
        api TEXT NOT NULL,
        profile_id TEXT,
        identity_key TEXT NOT NULL,
        reported INTEGER NOT NULL CHECK (reported IN (0, 1)),
        input_tokens INTEGER,
        output_tokens INTEGER,
        cached_input_tokens INTEGER,
        reasoning_tokens INTEGER,
        price_input REAL,
        price_cached_input REAL,
        price_output REAL,
        cost REAL,
        started_at INTEGER NOT NULL,
        first_token_at INTEGER,
        ended_at INTEGER NOT NULL,
        PRIMARY KEY (turn_id, step)
      );
      CREATE INDEX step_usage_by_time ON step_usage(ended_at);
      CREATE INDEX step_usage_by_session ON step_usage(session_id, ended_at);
    `)
    return { summary: 'added step_usage (tokens as reported, price and cost per step); earlier turns have no usage recorded' }
  },
}
