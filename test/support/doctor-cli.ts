// Runs the doctor as a user does: a real Node process over a data directory, answering with its exit status and
// output instead of throwing on a non-zero exit (exit 1 is an answer: something needs attention).
import { execFile } from 'node:child_process'
import path from 'node:path'
import { promisify } from 'node:util'

const ROOT = path.resolve(import.meta.dirname, '../..')
const run = promisify(execFile)

export interface DoctorRun {
  code: number
  stdout: string
  stderr: string
}

/** The doctor reading keys from the test's own keychain `service`. */
export function doctorCli(service: string): (dataDir: string, ...args: string[]) => Promise<DoctorRun> {
  return async (dataDir, ...args) => {
    try {
      const r = await run(process.execPath, ['--import', 'tsx', 'src/main/core/diagnostics/doctor-cli.ts', '--data-dir', dataDir, ...args], {
        cwd: ROOT,
        env: { ...process.env, KEEL_KEYCHAIN_SERVICE: service },
      })
      return { code: 0, ...r }
    } catch (err) {
      const e = err as DoctorRun
      return { code: e.code, stdout: e.stdout, stderr: e.stderr }
    }
  }
}
