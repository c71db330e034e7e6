// What a launch (or a second launch) asks for: a session by argument (`--session <id>`) or by link
// (`keel://session/<id>`). Pure, so the single-instance behaviour is tested under Node.
export type LaunchTarget = { kind: 'session'; sessionId: string } | { kind: 'none' }

const SESSION_ID = /^[A-Za-z0-9-]{1,64}$/

export function parseDeepLink(url: string): LaunchTarget {
  // Matched on the raw text: URL parsing would normalize `keel://session/../x` into something that looks valid.
  const m = /^keel:\/\/session\/([A-Za-z0-9-]{1,64})\/?$/.exec(url.trim())
  return m ? { kind: 'session', sessionId: m[1]! } : { kind: 'none' }
}

export function parseLaunchArgs(argv: readonly string[]): LaunchTarget {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg.startsWith('keel://')) {
      const t = parseDeepLink(arg)
      if (t.kind !== 'none') return t
    }
    const value = arg === '--session' ? argv[i + 1] : arg.startsWith('--session=') ? arg.slice('--session='.length) : undefined
    if (value !== undefined && SESSION_ID.test(value)) return { kind: 'session', sessionId: value }
  }
  return { kind: 'none' }
}
