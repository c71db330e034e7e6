import type { Migration } from './index'

// The tools offered at each step of an agent turn (diagnostics, issue #9): turn_steps.tools_json holds the tool
// references the step's request offered — [{ source, name, schemaHash }] in the order sent — so the diagnostics
// panel can show what the model could call at the last step, and why a grant (keyed by schema hash) did or did not
// apply. Steps recorded before this migration have NULL: what they offered was not recorded, and is shown as unknown.
// Version 9: the next free number after 008 (grants).
export const offeredTools: Migration = {
  version: 9,
  name: 'offered tools per step',
  up(db) {
    db.exec('ALTER TABLE turn_steps ADD COLUMN tools_json TEXT')
    const n = (db.prepare('SELECT COUNT(*) AS n FROM turn_steps').get() as { n: number }).n
    return { summary: `added turn_steps.tools_json (${n} existing step(s) keep it unknown)` }
  },
}
