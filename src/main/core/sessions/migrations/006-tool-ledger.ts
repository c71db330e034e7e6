import type { Migration } from './index'

// The tool-call ledger (DESIGN.md, "Agents, tools and MCP"; invariants 13 and 14). Version 6, not 5: another change
// was taking 5 at the same time, and versions only need to grow (openDatabase runs those above user_version).
//
// turn_steps: one row per provider request of a turn (step 0 is the first), with the identity key the step ran on,
// how it finished ('tool-calls', 'text', 'stopped', 'error'; NULL while it runs) and the assistant text of the step.
// tool_calls: one row per call the model made. The row is appended when the call arrives and then only moves
// forward through its states (an UPDATE of the row, never a delete): proposed → awaiting-approval → approved |
// denied → running → succeeded | failed | timed-out | cancelled | interrupted. A call is committed as running
// before its tool starts, and its result before the next step is sent. Rows go with their turn (and so session).
// turns.pause_json: a turn that stopped to wait for the user (approvals pending, the step limit, a changed
// identity) says why here; NULL when it is not paused.
export const toolLedger: Migration = {
  version: 6,
  name: 'tool-call ledger',
  up(db) {
    db.exec(`
      CREATE TABLE turn_steps (
        turn_id TEXT NOT NULL REFERENCES turns(id) ON DELETE CASCADE,
        step INTEGER NOT NULL,
        identity_key TEXT NOT NULL,
        finish_reason TEXT CHECK (finish_reason IN ('tool-calls', 'text', 'stopped', 'error')),
        assistant_text TEXT NOT NULL DEFAULT '',
        started_at INTEGER NOT NULL,
        ended_at INTEGER,
        PRIMARY KEY (turn_id, step)
      );

      CREATE TABLE tool_calls (
        id TEXT PRIMARY KEY,
        session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        turn_id TEXT NOT NULL REFERENCES turns(id) ON DELETE CASCADE,
        step INTEGER NOT NULL,
        position INTEGER NOT NULL,
        provider_call_id TEXT NOT NULL,
        tool_source TEXT NOT NULL,
        tool_name TEXT NOT NULL,
        schema_hash TEXT NOT NULL,
        arguments_json TEXT NOT NULL,
        effect TEXT NOT NULL CHECK (effect IN ('read', 'write', 'execute', 'network')),
        state TEXT NOT NULL CHECK (state IN ('proposed', 'awaiting-approval', 'approved', 'denied', 'running',
          'succeeded', 'failed', 'timed-out', 'cancelled', 'interrupted')),
        result_text TEXT,
        full_result_id TEXT,
        identity_key TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        started_at INTEGER,
        ended_at INTEGER,
        UNIQUE (turn_id, provider_call_id)
      );
      CREATE INDEX tool_calls_by_turn ON tool_calls(turn_id, step, position);
      CREATE INDEX tool_calls_by_session ON tool_calls(session_id, created_at);
      CREATE INDEX tool_calls_open ON tool_calls(state) WHERE state IN ('proposed', 'approved', 'running', 'awaiting-approval');

      ALTER TABLE turns ADD COLUMN pause_json TEXT;
    `)
    return { summary: 'added turn_steps, tool_calls and turns.pause_json' }
  },
}
