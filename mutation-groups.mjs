// The modules that carry Keel's promises (issue #13), in groups, each with the tests dedicated to it. `npm run
// mutate` runs every group in turn (scripts/mutate.sh); `npm run mutate -- identity` runs one. A group's score
// counts only kills by its own tests, so it is a lower bound of what the whole suite catches.
const core = (f) => `test/core/${f}.test.ts`
const integration = (f) => `test/integration/${f}.test.ts`

export const GROUPS = [
  {
    name: 'provider-errors',
    mutate: ['src/main/core/providers/provider-errors.ts'],
    tests: [core('provider-error-kinds'), core('redaction'), integration('provider-errors'), integration('secret-echo')],
  },
  {
    name: 'secrets',
    mutate: ['src/main/core/secrets/**/*.ts'],
    tests: [core('redaction'), core('keychain-errors'), core('keychain-lock-state'), core('provider-error-kinds'), integration('keychain-locked'), integration('keychain-lock-calls'), integration('keychain-unavailable'), integration('secret-echo'), integration('live-key-removed')],
  },
  {
    name: 'identity',
    mutate: ['src/main/core/identity/**/*.ts'],
    tests: [
      core('canonicalize'), core('canonicalize-edges'),
      integration('identity-authority'), integration('identity-edge-cases'), integration('alias-prefixes'), integration('live-key-removed'),
      integration('resume-unresolved'), integration('quick-resume'), integration('retired-entries'), integration('config-edits'),
      integration('identity-repair'), integration('identity-details'), integration('identity-keyless-locked'), integration('identity-keep-restart'),
      // identity/fallback.ts (issue #11): the fallback rules and the chains on the wire.
      core('fallback-rules'), integration('fallback'),
      // binding-store unbind: an imported session is bound to nothing (checked precisely there).
      integration('transfer-sessions'),
      // resolve.ts: the message and fix of each unresolved reason, word for word (the keychain ones in their files).
      integration('identity-unresolved-words'), integration('keychain-unavailable'), integration('keychain-locked'),
      // identity-service.ts survivors (mut7): snapshot entry names, follow-default again, quick-resume after an edit.
      integration('identity-service-survivors'),
    ],
  },
  {
    name: 'sessions',
    mutate: ['src/main/core/sessions/**/*.ts'],
    tests: [
      integration('sessions-store'), integration('sessions-scale'), integration('chat-roundtrip'), integration('tool-search'), integration('renderer-paging'),
      integration('retired-entries'), integration('stop-and-checkpoint'), integration('storage-faults'), core('storage-faults'), integration('recovery'),
      // Issue #12's parts of the session store: branches (edit, regenerate, versions), per-session overrides,
      // attachments, and sessions imported from a file.
      integration('branches'), core('branch-turns'), integration('session-overrides'), integration('attachments'), integration('transfer-sessions'),
      // The migration log's words (Diagnostics, the doctor).
      integration('migration-log'),
      // Written for the survivors in branches.ts and session-overrides.ts (small pages, versions of the first prompt).
      integration('branch-edges'), core('branch-turn-boundaries'), integration('session-overrides-edges'),
      // Opening keel.db (damaged, newer, read-only, full disk, migrations); Ctrl+N reuse and the archived count; a
      // session's workspace folder.
      integration('database-open'), integration('rough-edges'), integration('session-workspace'),
      // Written for the survivors in ftsQuery, search()'s paging and the cursor decoders (typed queries, every page start).
      integration('search-paging'),
      // Written for the paging survivors: a page after the newest message, no-reply turn cards, reply versions, drafts.
      integration('message-page-edges'),
      // Written for the store's write survivors (mut8): a schema-14 reply's runtime, continuations, checkpoints.
      integration('session-store-writes'),
    ],
  },
  {
    name: 'agents',
    // The agent loop's plain parts, the tool ledger and the grants (agent-service.ts is its own group: it is the
    // largest module and its tests are the slowest).
    // config/slug.ts: the id a profile (or entry) gets from its name, tested through profiles.create (moved there from profiles.ts).
    mutate: ['src/main/core/agents/**/*.ts', '!src/main/core/agents/agent-service.ts', 'src/main/core/tools/grants.ts', 'src/main/core/config/slug.ts'],
    tests: [
      core('cooldowns'), core('recovery-differences'), core('approval-markers'), core('chat-items'), core('wire-history-cache'), core('argument-stream'),
      integration('tool-ledger'), integration('wire-history'), integration('grants'), integration('approvals'), integration('approval-race'),
      integration('agent-profiles'), integration('agent-profiles-wiring'), integration('session-workspace'), integration('recovery'), integration('agent-crash'),
      integration('doctor-ledger'), integration('diagnostics-agent'), integration('ledger-check'), integration('agent-profiles-edits'), integration('tool-result-preview'),
      // profile-tool-set.ts's MCP part (issue #10): the tools a profile's `mcp:<id>` items offer.
      integration('mcp-agent'), integration('mcp-agent-tools'),
      // Written for the survivors of the run at 86fef90 (issue #13).
      integration('mcp-profile-tools'), integration('agent-profile-revisions'),
      // branch-turns.ts's branchTurns (the sort by start time) is tested there, next to the rule it applies (issue #13).
      core('branch-turns'),
      // grants.ts's withGrants for a source Keel no longer knows (a server removed mid-reply; mut8).
      integration('grants-removed-server'),
      // agent-steps.ts's buildWireHistory on the wire: steps once, a failed turn's calls in place, is_error (mut8).
      integration('agent-wire-steps'),
      // profiles.ts's session side (mut9): the built-in tools a profile names ('*' = all), its fallback list, a pre-profile session's first turn.
      integration('agent-profiles-sessions'),
      // profiles.ts's editor among several profiles (mut9): update/delete touch only the id asked, undefined patch keys, fallback cleared, long copy names.
      integration('agent-profiles-editor'),
    ],
  },
  {
    name: 'agent-service',
    mutate: ['src/main/core/agents/agent-service.ts'],
    tests: [
      // approval-race sweeps every microtask between the card event and the pause write, one test per microtask.
      integration('agent-loop'), integration('approval-race'), integration('agent-crash'), integration('approvals'), integration('run-again'),
      integration('tool-result-channel'), integration('live-key-removed'), integration('recovery'), integration('stop-and-checkpoint'), integration('provider-errors'),
      integration('chat-roundtrip'), integration('grants'), integration('session-workspace'),
      // Issue #12's parts of the turn: edit, regenerate and switch versions, attachments, per-session overrides (the
      // first partial run found them covered by none of the group's tests).
      integration('branches'), integration('branch-edges'), integration('attachments'), integration('attachments-agent'), integration('session-overrides'),
      // A disk that refuses a checkpoint or the end of a turn (the third run found those paths covered by none).
      integration('storage-faults'),
      // A refusal's or a pause's words, word for word (string mutants); fallback: skip notices, cooldowns, all-failed fix.
      integration('agent-refusal-words'), integration('fallback'),
      // MCP tools listed afresh between steps (run.set.refresh): covered by none of the above (ninth session's run).
      integration('mcp-agent-tools'),
      // A provider error mid agent turn (429 after a tool call): the turn's error and the cooldown (mut9).
      integration('agent-turn-errors'),
      // Sending clears the sender's draft (tenth session's run: covered by none of the above).
      integration('sessions-store'),
      // An agent turn's usage rows: its last step's, and a step that opens with a tool call (eleventh session's re-test).
      integration('usage'),
    ],
  },
  {
    name: 'mcp-runtime',
    // The MCP runtime (issue #10): servers, processes, login environment, command lookup, trust.
    mutate: ['src/main/core/mcp/mcp-servers.ts', 'src/main/core/mcp/server-process.ts', 'src/main/core/mcp/login-environment.ts', 'src/main/core/mcp/command-lookup.ts', 'src/main/core/mcp/trust-store.ts'],
    tests: [
      integration('mcp-runtime'), integration('mcp-runtime-http'), integration('mcp-runtime-keychain'), integration('mcp-login-environment'), integration('mcp-trust'),
      integration('mcp-runtime-core'), integration('doctor-mcp'),
    ],
  },
]

export function selectedGroup(name) {
  const group = GROUPS.find((g) => g.name === (name ?? 'provider-errors'))
  if (!group) throw new Error(`keel: no mutation group "${name}"; groups: ${GROUPS.map((g) => g.name).join(', ')}`)
  return group
}
