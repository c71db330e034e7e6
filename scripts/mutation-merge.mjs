// node scripts/mutation-merge.mjs <group file> <narrow run file>: folds the incremental file of a narrowed run
// (`stryker run --mutate <one module> --incrementalFile <other file>`, see docs/mutation.md) into its group's file.
// Why: Stryker writes an incremental file holding only the modules of the run that wrote it, so a narrowed run
// pointed at the group file would drop every other module's results. The narrowed file's modules replace the
// group's; its test ids are renumbered onto the group's (a test is the same test when its file and name are),
// since each file numbers its tests on its own and mutants name the tests that covered and killed them by id.
import fs from 'node:fs'

const [, , groupPath, narrowPath] = process.argv
if (!groupPath || !narrowPath) {
  console.error('usage: node scripts/mutation-merge.mjs <group incremental file> <narrowed run incremental file>')
  process.exit(2)
}
const group = JSON.parse(fs.readFileSync(groupPath, 'utf8'))
const narrow = JSON.parse(fs.readFileSync(narrowPath, 'utf8'))

const idOf = new Map() // `${file}\0${name}` → the group's id
let next = 0
for (const [file, t] of Object.entries(group.testFiles ?? {})) {
  for (const test of t.tests) {
    idOf.set(`${file}\0${test.name}`, test.id)
    next = Math.max(next, Number(test.id) + 1)
  }
}
const renumbered = new Map() // narrowed id → group id
for (const [file, t] of Object.entries(narrow.testFiles ?? {})) {
  // A test file the group already records keeps the group's text: if the narrowed run saw a newer one, the next
  // run finds the file changed and re-tests what it covers (safe), instead of trusting results of the older tests.
  const own = (group.testFiles[file] ??= { ...t, tests: [] })
  for (const test of t.tests) {
    const key = `${file}\0${test.name}`
    let id = idOf.get(key)
    if (id === undefined) {
      id = String(next++)
      idOf.set(key, id)
      own.tests.push({ ...test, id })
    }
    renumbered.set(test.id, id)
  }
}
const map = (ids) => ids?.map((id) => renumbered.get(id) ?? id)
for (const [file, result] of Object.entries(narrow.files)) {
  group.files[file] = {
    ...result,
    mutants: result.mutants.map((m) => ({ ...m, ...(m.coveredBy ? { coveredBy: map(m.coveredBy) } : {}), ...(m.killedBy ? { killedBy: map(m.killedBy) } : {}) })),
  }
}
fs.writeFileSync(groupPath, JSON.stringify(group, null, 2))
console.log(`keel: merged ${Object.keys(narrow.files).join(', ')} into ${groupPath}`)
