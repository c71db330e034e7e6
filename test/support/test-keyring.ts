// vitest setup file: every test file starts on a usable shared test keyring (scripts/with-keyring.sh). If the daemon
// has gone, or a D-Bus stand-in with no login keyring holds its name (seen once on CI, cause unknown: every later
// keychain call failed), scripts/keyring-ensure.sh starts it again on the same keyring file and says so on stderr.
// Keel's own handling of a missing or locked keychain is tested on private buses (test/support/private-keyring.ts).
import { spawnSync } from 'node:child_process'
import path from 'node:path'

if (process.env.DBUS_SESSION_BUS_ADDRESS && process.platform === 'linux') {
  const result = spawnSync('bash', [path.resolve(import.meta.dirname, '../../scripts/keyring-ensure.sh')], { encoding: 'utf8', timeout: 60_000 })
  if (result.stderr.trim()) process.stderr.write(`${result.stderr.trim()}\n`)
}
