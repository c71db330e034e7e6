// npm run doctor -- [--data-dir D] [--json] [--session ID] [--fix]
// npm run doctor -- --mcp [--data-dir D] [--json]: starts each enabled MCP server in turn (no tool calls) and reports
// each phase with timings, the PATH used, missing secrets (names only) and the tools listed; exit 1 when one fails.
// Exit status: 0 when every session is resolved, canonical and consistent and every tool call has its result; 1 when
// any is not (--fix answers open calls of turns that are not running as Keel's start does); 2 on usage errors
// or when the data cannot be read, or when --fix finds Keel running on the data directory (it never writes next to it).
import { parseArgs } from 'node:util'
import { defaultDataDir } from '../data-dir'
import { KeelError } from '../errors'
import { formatDoctorReport, runDoctor } from './doctor'
import { formatMcpDoctorReport, runMcpDoctor } from './doctor-mcp'

async function main(): Promise<number> {
  let values
  try {
    ;({ values } = parseArgs({
      options: { 'data-dir': { type: 'string' }, json: { type: 'boolean' }, session: { type: 'string' }, fix: { type: 'boolean' }, mcp: { type: 'boolean' }, help: { type: 'boolean' } },
      allowPositionals: false,
    }))
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\nusage: npm run doctor -- [--data-dir D] [--json] [--session ID] [--fix] | --mcp [--data-dir D] [--json]\n`)
    return 2
  }
  if (values.help) {
    process.stdout.write('usage: npm run doctor -- [--data-dir D] [--json] [--session ID] [--fix] | --mcp [--data-dir D] [--json]\n')
    return 0
  }
  try {
    if (values.mcp) {
      const report = await runMcpDoctor({ dataDir: values['data-dir'] ?? defaultDataDir(), keychainService: process.env.KEEL_KEYCHAIN_SERVICE })
      process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatMcpDoctorReport(report)}\n`)
      return report.problems === 0 ? 0 : 1
    }
    const report = await runDoctor({
      dataDir: values['data-dir'] ?? defaultDataDir(),
      sessionId: values.session,
      fix: values.fix ?? false,
      keychainService: process.env.KEEL_KEYCHAIN_SERVICE,
    })
    process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatDoctorReport(report)}\n`)
    return report.problems === 0 ? 0 : 1
  } catch (err) {
    const data = err instanceof KeelError ? err.data : { message: err instanceof Error ? err.message : String(err), fix: undefined }
    process.stderr.write(`keel doctor: ${data.message}${data.fix ? `\n  ${data.fix}` : ''}\n`)
    return 2
  }
}

process.exitCode = await main()
