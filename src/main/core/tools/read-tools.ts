// list_files and read_file: the read-only views of the workspace. Both resolve every path through the workspace guard,
// never follow a symbolic link while walking (a link may lead out of the workspace), and bound their output: a
// listing stops at an entry limit, a read at a line limit and a character limit, each with a note saying how to
// go on. What is shown is text; a binary file is named, not dumped.
import { createReadStream } from 'node:fs'
import { readdir, stat } from 'node:fs/promises'
import path from 'node:path'
import { z } from 'zod'
import { fileLooksBinary, formatBytes, IGNORED_DIRS } from './file-text'
import { defineTool, refusal, success, type RawToolResult, type ToolContext } from './tool-definition'
import { resolveInWorkspace } from './workspace-paths'

const pathArg = (what: string) => z.string().describe(`${what}, relative to the workspace folder (or absolute inside it).`)

/** Timeout and Stop, checked between steps of a walk. */
export function walkBudget(ctx: ToolContext): { exceeded(): 'timed-out' | 'cancelled' | null } {
  const deadline = Date.now() + ctx.timeoutMs
  return {
    exceeded: () => (ctx.signal.aborted ? 'cancelled' : Date.now() > deadline ? 'timed-out' : null),
  }
}

export const listFiles = defineTool({
  name: 'list_files',
  description:
    'List the files and folders in a folder of the workspace. Folders end with "/", symbolic links with "@" (not followed). ' +
    'With recursive, sub-folders are listed too (except .git and node_modules). Stops at max_entries.',
  effect: 'read',
  input: z.strictObject({
    path: pathArg('The folder to list').default('.'),
    recursive: z.boolean().default(false).describe('Also list the contents of sub-folders.'),
    max_entries: z.number().int().min(1).max(5000).default(500).describe('The most entries to list.'),
  }),
  async run(args, ctx) {
    const where = await resolveInWorkspace(ctx.workspace, args.path)
    if (!where.ok) return refusal(where.reason)
    if (!where.exists) return refusal(`${JSON.stringify(args.path)} does not exist.`)
    if (!(await stat(where.real)).isDirectory()) return refusal(`${JSON.stringify(args.path)} is a file, not a folder; use read_file.`)

    const budget = walkBudget(ctx)
    const lines: string[] = []
    let more = 0
    const pending = [where.real]
    while (pending.length > 0) {
      const stopped = budget.exceeded()
      if (stopped) return { ok: false, outcome: stopped, text: `${lines.join('\n')}\n[list_files ${stopped === 'cancelled' ? 'was stopped' : 'timed out'} before it finished.]` }
      const dir = pending.shift() as string
      const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      const subdirs: string[] = []
      for (const entry of entries) {
        const full = path.join(dir, entry.name)
        const shown = path.relative(where.root, full)
        const suffix = entry.isDirectory() ? '/' : entry.isSymbolicLink() ? '@' : ''
        if (lines.length < args.max_entries) lines.push(shown + suffix)
        else more += 1
        if (args.recursive && entry.isDirectory() && !IGNORED_DIRS.has(entry.name)) subdirs.push(full)
      }
      // Depth-first in name order reads like a tree; breadth would scatter a folder's files.
      pending.unshift(...subdirs)
      if (more > 0 && args.recursive) break
    }
    if (lines.length === 0) return success(`${where.relative === '.' ? 'The workspace' : JSON.stringify(where.relative)} is empty.`)
    const note = more > 0 ? `\n[Stopped at ${args.max_entries} entries; list a sub-folder or raise max_entries to see more.]` : ''
    return success(lines.join('\n') + note)
  },
})

/** Long lines (minified code) are cut so one line cannot fill the result. */
export const READ_LINE_CAP = 2000
export const READ_DEFAULT_LINES = 2000
/** The most characters one read_file call collects, whatever the line range. */
export const READ_CHAR_CAP = 1_000_000

export const readFileTool = defineTool({
  name: 'read_file',
  description:
    'Read a text file of the workspace, with line numbers. Reads up to 2000 lines from start_line (default 1), or the ' +
    'range start_line..end_line; lines longer than 2000 characters are cut. Binary files are not shown.',
  effect: 'read',
  input: z.strictObject({
    path: pathArg('The file to read'),
    start_line: z.number().int().min(1).optional().describe('First line to read (1-based).'),
    end_line: z.number().int().min(1).optional().describe('Last line to read (inclusive).'),
  }),
  async run(args, ctx): Promise<RawToolResult> {
    const where = await resolveInWorkspace(ctx.workspace, args.path)
    if (!where.ok) return refusal(where.reason)
    if (!where.exists) return refusal(`${JSON.stringify(args.path)} does not exist.`)
    const info = await stat(where.real)
    if (info.isDirectory()) return refusal(`${JSON.stringify(args.path)} is a folder; use list_files.`)
    if (!info.isFile()) return refusal(`${JSON.stringify(args.path)} is not a regular file.`)
    if (await fileLooksBinary(where.real)) {
      return refusal(`${JSON.stringify(where.relative)} is a binary file (${formatBytes(info.size)}); read_file shows text files only.`)
    }
    const start = args.start_line ?? 1
    const end = args.end_line ?? start + READ_DEFAULT_LINES - 1
    if (end < start) return refusal(`end_line (${end}) is before start_line (${start}).`)
    if (info.size === 0) return success(`${JSON.stringify(where.relative)} is empty.`)

    const budget = walkBudget(ctx)
    const out: string[] = []
    let chars = 0
    let lineNo = 1
    let current = ''
    let currentCut = false
    let lineHasText = false // the current line has characters, shown or not (counts a last line without a newline)
    let stoppedAt: number | null = null // the last line shown when the character cap ended the read
    let more = false // lines exist after the range
    const stream = createReadStream(where.real, { encoding: 'utf8', highWaterMark: 64 * 1024 })
    const finishLine = () => {
      if (lineNo >= start && lineNo <= end) {
        const shown = `${String(lineNo).padStart(6)}\t${current.replace(/\r$/, '')}${currentCut ? ' [line cut]' : ''}`
        out.push(shown)
        chars += shown.length + 1
        if (chars >= READ_CHAR_CAP) stoppedAt = lineNo
      }
      lineNo += 1
      current = ''
      currentCut = false
      lineHasText = false
    }
    try {
      reading: for await (const chunk of stream as AsyncIterable<string>) {
        const stopped = budget.exceeded()
        if (stopped) return { ok: false, outcome: stopped, text: `read_file ${stopped === 'cancelled' ? 'was stopped' : 'timed out'} at line ${lineNo}.` }
        let from = 0
        for (;;) {
          if (lineNo > end || stoppedAt !== null) {
            // Past the range: more lines exist only if any text follows (the next chunk may hold it).
            if (from < chunk.length) {
              more = true
              break reading
            }
            break
          }
          const nl = chunk.indexOf('\n', from)
          const piece = nl === -1 ? chunk.slice(from) : chunk.slice(from, nl)
          if (piece.length > 0) lineHasText = true
          if (lineNo >= start && lineNo <= end) {
            const room = READ_LINE_CAP - current.length
            if (piece.length > room) currentCut = true
            if (room > 0) current += piece.slice(0, room)
          }
          if (nl === -1) break
          finishLine()
          from = nl + 1
        }
      }
      // The last line has no newline after it (or the file ended with one: then there is no such line).
      if (lineHasText && !more) finishLine()
    } finally {
      stream.destroy()
    }
    const lastLine = lineNo - 1
    if (out.length === 0) return refusal(`${JSON.stringify(where.relative)} has ${lastLine} lines; start_line ${start} is past its end.`)
    let note = ''
    if (stoppedAt !== null && more) {
      note = `\n[Stopped after line ${stoppedAt}: the size limit of one read. Read on with start_line ${stoppedAt + 1}.]`
    } else if (more) {
      note = `\n[The file continues after line ${end}. Read on with start_line ${end + 1}.]`
    }
    return success(out.join('\n') + note)
  },
})
