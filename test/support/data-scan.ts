// Byte scans of everything Keel wrote under a data dir (the database and its WAL, backups/, logs, config), for
// "this text is stored nowhere" assertions. Scanning chosen columns misses a copy written anywhere else.
import fs from 'node:fs'
import path from 'node:path'

/** Every regular file under dir, recursively (backups/ included). */
export function filesUnder(dir: string): string[] {
  const out: string[] = []
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name)
    if (e.isDirectory()) out.push(...filesUnder(p))
    else if (e.isFile()) out.push(p)
  }
  return out
}

/** The files under dir whose bytes contain text (UTF-8, as SQLite and JSON store it). Empty when none do. */
export function filesContaining(dir: string, text: string): string[] {
  const needle = Buffer.from(text, 'utf8')
  return filesUnder(dir).filter((f) => fs.readFileSync(f).includes(needle))
}
