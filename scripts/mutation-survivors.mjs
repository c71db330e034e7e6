// Lists the surviving and uncovered mutants of a mutation group (issue #13), as `file:line:col Status Mutator ->
// replacement`: those of the run going now (its recorded events, see stryker.config.mjs), else the committed
// incremental file. `--new` leaves out the ones docs/mutation.md already lists (by module and line).
//   node scripts/mutation-survivors.mjs agents [--new]
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { selectedGroup } from '../mutation-groups.mjs'

const args = process.argv.slice(2)
const group = selectedGroup(args.find((a) => !a.startsWith('--')))
const onlyNew = args.includes('--new')

function fromEvents(dir) {
  return readdirSync(dir)
    .filter((f) => f.endsWith('-onMutantTested.json'))
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')))
    .map((m) => ({ file: m.fileName, ...m }))
}
function fromIncremental(file) {
  const report = JSON.parse(readFileSync(file, 'utf8'))
  return Object.entries(report.files).flatMap(([path, { mutants }]) => mutants.map((m) => ({ ...m, file: path })))
}

const events = `reports/mutation/${group.name}/events`
const live = existsSync(events)
const mutants = live ? fromEvents(events) : fromIncremental(`docs/mutation/${group.name}.json`)
const listed = readFileSync('docs/mutation.md', 'utf8')
// docs/mutation.md names a mutant by its module below src/main/core and its line, e.g. `agents/profiles.ts:114`.
const isListed = (module, line) => new RegExp(`${module.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[^|\\n]*?:${line}\\b`).test(listed)

let shown = 0
for (const m of mutants) {
  if (m.status !== 'Survived' && m.status !== 'NoCoverage') continue
  const file = m.file.replace(/^.*?src\/main\/core\//, '')
  const { line, column } = m.location.start
  if (onlyNew && isListed(file, line)) continue
  shown++
  console.log(`src/main/core/${file}:${line}:${column} ${m.status} ${m.mutatorName} -> ${JSON.stringify(m.replacement ?? '').slice(0, 120)}`)
}
console.error(`${shown} ${onlyNew ? 'new ' : ''}survivor(s), from ${live ? `the events of the run in ${events}` : `docs/mutation/${group.name}.json`} (${mutants.length} results).`)
