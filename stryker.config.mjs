// Mutation testing of the modules that carry Keel's promises (issue #13): StrykerJS breaks one behaviour at a time
// in a sandbox copy and runs the core and integration tests that cover it; a mutant no test notices is a gap in
// the tests (or an equivalent change, listed with its reason in docs/mutation.md).
//   npm run mutate                                         every module below (incremental: only changed code)
//   npm run mutate -- --mutate src/main/core/agents/recovery.ts   one module
// Not part of `npm test` or CI: it is CPU heavy. It runs inside scripts/with-keyring.sh (a private keyring), with
// the recording fake provider the tests start themselves.
import { selectedGroup } from './mutation-groups.mjs'

const group = selectedGroup(process.env.KEEL_MUTATE_GROUP)

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  testRunner: 'vitest',
  // forks, like vitest.config.ts: keytar and better-sqlite3 are native modules, safest one per process.
  vitest: { configFile: 'vitest.config.ts', related: true, pool: 'forks' },
  // One group at a time (KEEL_MUTATE_GROUP, see mutation-groups.mjs): the group's modules, mutated against only
  // its dedicated core and integration tests, with its own incremental file. A score measured this way is a lower
  // bound (other tests might kill more), and it is fast enough on 2 cores: a mutant runs the few focused tests
  // that covered it instead of every integration test that happens to pass through the module.
  mutate: group.mutate,
  testFiles: group.tests,
  // Mutants that do not type-check are discarded before any test runs (cheaper than running them).
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.stryker.json',
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  // Each mutant runs only the tests that executed its code in the first (dry) run.
  coverageAnalysis: 'perTest',
  // Static mutants (module-level constants: the alias table, the resolved classes, the recovery note) were not
  // activated by the vitest runner here — a mutant of RECOVERY_NOTE that a test checks word for word "survived" —
  // and each one costs a run of every test. They are ignored, not counted; direct tests pin those constants.
  ignoreStatic: true,
  // Re-runs test only mutants in changed code or covered by changed tests; the file is committed so that the next
  // session (a fresh work tree) re-runs incrementally too.
  incremental: true,
  incrementalFile: `docs/mutation/${group.name}.json`,
  // The machine has 2 cores, shared: at most 2 test runner processes (override with --concurrency 1).
  concurrency: 2,
  // Integration tests start real processes and a real keychain; a loaded machine is slow, not an infinite loop.
  timeoutMS: 30_000,
  timeoutFactor: 3,
  dryRunTimeoutMinutes: 20,
  // What the tests need in the sandbox: src/, test/ (fake provider, support), configs. Not the toolchain or builds.
  ignorePatterns: [
    '.toolchain', 'out', 'dist', 'test-results', 'playwright-report', 'reports', 'docs', 'resources', 'bench', '.keel-dev', '.ci',
    // The other groups' sandboxes (an interrupted run leaves its own behind): copied in, they made a run read and
    // copy thousands of files instead of about a thousand.
    '.stryker-tmp',
    // Playwright specs and host tests never run here (test/e2e/support stays: some integration tests seed with it).
    'test/e2e/*.spec.ts', 'test/host',
    // Tests whose Keel runs in a child process: the child never sees the active mutant, so these cannot kill one,
    // and they are the slowest under load. (recovery.test.ts only crashes a child to set up; its checks run here.)
    'test/integration/doctor.test.ts', 'test/integration/data-dir-lock.test.ts', 'test/core/no-electron.test.ts', 'test/core/fake-provider.test.ts',
  ],
  // Per group, so two groups can run side by side.
  tempDirName: `.stryker-tmp/${group.name}`,
  // event-recorder writes each mutant's result as it comes (reports/mutation/<group>/events), so the survivors of a
  // run still going can be read with `node scripts/mutation-survivors.mjs <group>` and decided meanwhile: the json
  // and html reports appear only at the end, and interrupting a run to read them costs its queue.
  reporters: ['clear-text', 'progress', 'html', 'json', 'event-recorder'],
  eventReporter: { baseDir: `reports/mutation/${group.name}/events` },
  htmlReporter: { fileName: `reports/mutation/${group.name}/index.html` },
  jsonReporter: { fileName: `reports/mutation/${group.name}/mutation.json` },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
  thresholds: { high: 90, low: 85, break: null },
}
