// A seeded generator of large Keel databases for the benchmark: N sessions × M messages each, plus one long
// session of L messages, with turns, bindings and text drawn from a fixed vocabulary. The same seed and sizes give
// the same file. Files are cached under .bench-cache/ (git-ignored), keyed by seed, sizes and schema version, since
// a million messages take a while to write and index.
//
//   tsx scripts/seed-sessions.ts --sessions 50000 --messages 20 --long 50000 [--seed 1]   (prints the file path)
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { openDatabase } from '../src/main/core/sessions/database'
import { createHash } from 'node:crypto'
import { MIGRATIONS } from '../src/main/core/sessions/migrations/index'

export interface SeedSpec {
  sessions: number
  /** Messages in each ordinary session (user and assistant alternate, one turn per pair). */
  messages: number
  /** Messages in the one long session (its id is LONG_SESSION_ID). */
  long: number
  seed: number
}

export const LONG_SESSION_ID = '00000000-long-session-0000-000000000000'
/** The entries the sessions are bound to; the benchmark creates them (with keys) before opening the core. */
export const SEED_ENTRIES = { primary: { id: 'bench', model: 'b-1' }, other: { id: 'other', model: 'o-1' } } as const

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
export const CACHE_DIR = path.join(ROOT, '.bench-cache')

/** mulberry32: small, fast, and the same sequence on every machine. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const SYLLABLES = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'ti', 'vo', 'ze', 'qua', 'bri', 'dor', 'fen', 'gal', 'hux', 'jor', 'pel', 'wyn']

/** A fixed vocabulary: a few hundred English words, then pseudo-words; drawn with a skew, like real text. */
export function vocabulary(): string[] {
  const english = 'the of and to in is that for it as with was on be by this are from at or an have not but what all were when we there can your which their said if do will each about how up out them then she many some so these would other into has more her two like him see time could no make than first been its who now people my made over did down only way find use may water long little very after words called just where most know get through back much before go good new write our used me man too any day same right look think also around another came come work three word must because does part even place well such here take why things help put years different away again off went old number great tell men say small every found still between name should home big give air line set own under read last never us left end along while might next sound below saw something thought both few those always looked show large often together asked house world going want school important until form food keep children feet land side without boy once animals life enough took sometimes four head above kind began almost live page got earth need far hand high year mother light parts country father let night following picture being study second eyes soon times story boys since white days ever paper hard near sentence better best across during today others however sure means knew try told young miles sun ways thing whole hear example heard several change answer room sea against top turned learn point city play toward five using himself usually'.split(' ')
  const r = prng(7)
  const made = new Set(english)
  while (made.size < 3000) {
    const n = 2 + Math.floor(r() * 3)
    let w = ''
    for (let i = 0; i < n; i++) w += SYLLABLES[Math.floor(r() * SYLLABLES.length)]
    made.add(w)
  }
  return [...made]
}

/** The search term the benchmark uses: a word of middling frequency in the generated text. */
export const SEARCH_TERM_INDEX = 400

/**
 * The schema the generator fills: the migrations up to the one that brought search and paging (later ones add
 * tables it leaves empty; the core migrates the copy it opens, as it would a user's file). The cache key is their
 * version and code, so a change to them makes a new file.
 */
const SEED_MIGRATIONS = MIGRATIONS.filter((m) => m.version <= 4)
const SEED_VERSION = SEED_MIGRATIONS.at(-1)!.version
const SCHEMA_KEY = createHash('sha256').update(SEED_MIGRATIONS.map((m) => `${m.version}:${m.up.toString()}`).join('\n')).digest('hex').slice(0, 8)

function fileFor(spec: SeedSpec): string {
  return path.join(CACHE_DIR, `keel-v${SEED_VERSION}-${SCHEMA_KEY}-s${spec.seed}-n${spec.sessions}-m${spec.messages}-l${spec.long}.db`)
}

/** The path of a database for `spec`, generated now unless the cache already holds it. */
export function seededDatabase(spec: SeedSpec, log: (line: string) => void = () => undefined): string {
  const file = fileFor(spec)
  if (fs.existsSync(file)) return file
  fs.mkdirSync(CACHE_DIR, { recursive: true })
  const partial = `${file}.partial-${process.pid}`
  const started = Date.now()
  // Keel's own migrations make the schema (triggers included: the text is indexed as Keel would index it). The
  // database is filled in memory in one transaction and written to the file once at the end (VACUUM INTO).
  const { db } = openDatabase(':memory:', path.join(CACHE_DIR, 'backups'), SEED_MIGRATIONS)
  const words = vocabulary()
  const r = prng(spec.seed)
  // Skewed draw: low indexes are common words, high indexes rare ones.
  const word = () => words[Math.floor(words.length * r() ** 2.2)]!
  const sentence = (min: number, max: number) => {
    const n = min + Math.floor(r() * (max - min))
    const out: string[] = []
    for (let i = 0; i < n; i++) out.push(word())
    return out.join(' ')
  }
  const id = (prefix: number, n: number) => {
    const hex = (n >>> 0).toString(16).padStart(12, '0')
    return `${(prefix >>> 0).toString(16).padStart(8, '0')}-0000-4000-8000-${hex}`
  }

  const insertSession = db.prepare(
    'INSERT INTO sessions (id, title, pinned, archived, created_at, updated_at, binding_entry_id, binding_model, binding_mode) VALUES (?, ?, ?, 0, ?, ?, ?, ?, ?)',
  )
  const insertMessage = db.prepare(
    'INSERT INTO messages (id, session_id, turn_id, seq, role, content, status, entry_id, model, base_url, api, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  )
  const insertTurn = db.prepare(
    "INSERT INTO turns (id, session_id, seq, status, user_message_id, identity_key, entry_id, model, base_url, api, started_at, ended_at, kind) VALUES (?, ?, ?, 'done', ?, ?, ?, ?, ?, ?, ?, ?, 'user')",
  )
  const touchSession = db.prepare('UPDATE sessions SET updated_at = ? WHERE id = ?')
  const base = Date.UTC(2025, 0, 1)
  let messageCounter = 0
  let turnCounter = 0
  const writeSession = (sessionId: string, n: number, count: number) => {
    const pinnedTo = r() < 0.1 ? SEED_ENTRIES.other : SEED_ENTRIES.primary
    const created = base + Math.floor(r() * 300 * 86_400_000)
    let t = created
    insertSession.run(sessionId, sentence(2, 6), r() < 0.01 ? 1 : 0, created, created, pinnedTo.id, pinnedTo.model, pinnedTo === SEED_ENTRIES.other ? 'pinned' : 'follow-default')
    for (let seq = 1; seq <= count; seq += 2) {
      const turnId = id(0x70000000 + n, turnCounter++)
      const userId = id(0x10000000 + n, messageCounter++)
      t += 1000 + Math.floor(r() * 60_000)
      insertMessage.run(userId, sessionId, null, seq, 'user', sentence(4, 30), 'complete', null, null, null, null, t)
      insertTurn.run(turnId, sessionId, (seq + 1) / 2, userId, 'bench-identity', pinnedTo.id, pinnedTo.model, 'http://127.0.0.1/v1', 'openai-chat', t, t + 2000)
      if (seq + 1 <= count) {
        t += 2000
        insertMessage.run(id(0x20000000 + n, messageCounter++), sessionId, turnId, seq + 1, 'assistant', sentence(20, 80), 'complete', pinnedTo.id, pinnedTo.model, 'http://127.0.0.1/v1', 'openai-chat', t)
      }
    }
    touchSession.run(t, sessionId)
  }
  db.transaction(() => {
    for (let n = 0; n < spec.sessions; n++) writeSession(id(0x30000000, n), n, spec.messages)
    if (spec.long > 0) writeSession(LONG_SESSION_ID, spec.sessions, spec.long)
  })()
  db.prepare('VACUUM INTO ?').run(partial)
  db.close()
  fs.renameSync(partial, file)
  log(`generated ${path.basename(file)} in ${((Date.now() - started) / 1000).toFixed(1)} s`)
  return file
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const arg = (name: string, fallback: number) => {
    const i = process.argv.indexOf(`--${name}`)
    return i > 0 ? Number(process.argv[i + 1]) : fallback
  }
  const spec: SeedSpec = { sessions: arg('sessions', 1000), messages: arg('messages', 20), long: arg('long', 0), seed: arg('seed', 1) }
  console.log(seededDatabase(spec, (l) => console.error(l)))
}
