// Prints the mutation score table (README, docs/mutation.md) from the groups' incremental files, which hold every
// mutant's latest status: killed (or timed out) / (killed + timed out + survived + no coverage), per module and group.
import { readFileSync, existsSync } from 'node:fs'
import { GROUPS } from '../mutation-groups.mjs'

const rows = []
for (const group of GROUPS) {
  const file = `docs/mutation/${group.name}.json`
  if (!existsSync(file)) continue
  const report = JSON.parse(readFileSync(file, 'utf8'))
  for (const [path, { mutants }] of Object.entries(report.files)) {
    const count = (...states) => mutants.filter((m) => states.includes(m.status)).length
    const killed = count('Killed', 'Timeout')
    const survived = count('Survived')
    const noCoverage = count('NoCoverage')
    const tested = killed + survived + noCoverage
    rows.push({ group: group.name, path: path.replace('src/main/core/', ''), tested, killed, survived, noCoverage, score: tested ? (100 * killed) / tested : null })
  }
}
const total = (rs) => rs.reduce((a, r) => ({ tested: a.tested + r.tested, killed: a.killed + r.killed }), { tested: 0, killed: 0 })
console.log('| Group | Module | Tested | Killed | Survived | No coverage | Score |')
console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: |')
for (const r of rows) console.log(`| ${r.group} | \`${r.path}\` | ${r.tested} | ${r.killed} | ${r.survived} | ${r.noCoverage} | ${r.score === null ? '—' : r.score.toFixed(1) + ' %'} |`)
for (const group of GROUPS) {
  const t = total(rows.filter((r) => r.group === group.name))
  if (t.tested) console.log(`| **${group.name}** | all | ${t.tested} | ${t.killed} | | | **${((100 * t.killed) / t.tested).toFixed(1)} %** |`)
}
