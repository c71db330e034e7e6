// Where MCP stdio servers look for their command (issue #10): the login shell's environment, read once by running a
// real login shell (bash with a throwaway HOME whose profile changes PATH and prints a banner), with a fallback to
// the process's environment when the shell fails or hangs (and the hung shell is killed); then the command lookup on
// that PATH: names on the PATH, paths relative to cwd, and what it says when the file is not there or not executable.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { resolveCommand } from '../../src/main/core/mcp/command-lookup'
import { resolveLoginEnvironment } from '../../src/main/core/mcp/login-environment'
import { KeelError } from '../../src/main/core/errors'
import { processGone } from '../support/mcp-servers'

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'keel-login-'))

describe('the login shell’s environment', () => {
  it('reads the PATH and variables a login shell profile sets, despite a banner the profile prints', async () => {
    const home = tmp()
    fs.writeFileSync(path.join(home, '.bash_profile'), 'echo "Welcome back!"\nexport PATH="/opt/keel-login-test/bin:$PATH"\nexport KEEL_LOGIN_MARK=from-profile\n')
    const login = await resolveLoginEnvironment({ shell: '/bin/bash', env: { HOME: home, PATH: '/usr/bin:/bin', SHELL: '/bin/bash' }, timeoutMs: 10_000 })
    expect(login.source).toBe('login-shell')
    expect(login.env.PATH!.split(':')[0]).toBe('/opt/keel-login-test/bin')
    expect(login.env.KEEL_LOGIN_MARK).toBe('from-profile')
    expect(login.env.ELECTRON_RUN_AS_NODE).toBeUndefined()
  })

  it('falls back to the process environment when the shell hangs (killed at the timeout) or does not exist', async () => {
    const dir = tmp()
    const pidFile = path.join(dir, 'pid')
    const shell = path.join(dir, 'hanging-shell')
    fs.writeFileSync(shell, `#!/bin/sh\necho $$ > ${pidFile}\nexec sleep 60\n`, { mode: 0o755 })
    const base = { PATH: '/usr/bin:/bin', KEEL_BASE: 'process-env' }
    const started = Date.now()
    const hung = await resolveLoginEnvironment({ shell, env: base, timeoutMs: 500 })
    expect(Date.now() - started).toBeLessThan(3_000)
    expect(hung).toEqual({ env: base, source: 'process' })
    expect(await processGone(Number(fs.readFileSync(pidFile, 'utf8')))).toBe(true)

    expect(await resolveLoginEnvironment({ shell: path.join(dir, 'no-such-shell'), env: base })).toEqual({ env: base, source: 'process' })
  })
})

describe('finding an MCP server’s command', () => {
  it('finds a name on the PATH, a path relative to cwd, and says what is wrong otherwise', () => {
    const dir = tmp()
    const bin = path.join(dir, 'bin')
    fs.mkdirSync(bin)
    fs.writeFileSync(path.join(bin, 'keel-mcp-tool'), '#!/bin/sh\n', { mode: 0o755 })
    fs.writeFileSync(path.join(bin, 'not-executable'), 'data', { mode: 0o644 })
    const login = { env: { PATH: `/nonexistent-keel:${bin}` }, source: 'login-shell' as const }

    expect(resolveCommand('keel-mcp-tool', null, login)).toEqual({ file: path.join(bin, 'keel-mcp-tool'), env: {} })
    expect(resolveCommand('./bin/keel-mcp-tool', dir, login).file).toBe(path.join(bin, 'keel-mcp-tool'))

    const notFound = (() => {
      try {
        resolveCommand('not-executable', null, { env: { PATH: bin }, source: 'process' })
      } catch (err) {
        return err as KeelError
      }
      throw new Error('expected a failure')
    })()
    expect(notFound.message).toContain('"not-executable" was not found on the PATH')
    expect(notFound.message).toContain(bin)
    expect(notFound.message).toContain("Keel's own environment")
    expect(notFound.data.fix).toContain('command -v not-executable')

    expect(() => resolveCommand(path.join(bin, 'not-executable'), null, login)).toThrow(/not an executable file/)
    expect(() => resolveCommand('./missing', dir, login)).toThrow(path.join(dir, 'missing'))
  })
})
