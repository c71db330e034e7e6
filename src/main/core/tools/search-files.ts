// search_files: a substring or regular expression over the text files of the workspace (or one folder or file of it),
// line by line, like grep. It skips .git and node_modules, binary files and very large files, never follows a
// symbolic link (a link may lead out of the workspace), and stops at max_results.
//
// The model writes the regular expression, and one like /(a+)+$/ can backtrack for minutes on a single line while
// holding the main process. So matching runs inside a vm context with a time limit, which V8 enforces even in the
// middle of a regular expression; the walk between files checks the same deadline and Stop.
import { readFile, readdir, stat } from 'node:fs/promises'
import path from 'node:path'
import vm from 'node:vm'
import { z } from 'zod'
import { formatBytes, IGNORED_DIRS, looksBinary } from './file-text'
import { walkBudget } from './read-tools'
import { defineTool, refusal, success, type RawToolResult } from './tool-definition'
import { resolveInWorkspace } from './workspace-paths'

/** Files larger than this are skipped (logs, dumps): they are for read_file with a line range. */
export const SEARCH_FILE_CAP = 4 * 1024 * 1024
const SHOWN_LINE_CAP = 300

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

// Runs inside the vm context: the line numbers (0-based) of `text` that `re` matches, at most `limit`.
const MATCH_LINES = new vm.Script(`(() => {
  const found = []
  const lines = text.split('\\n')
  for (let i = 0; i < lines.length && found.length < limit; i++) {
    if (re.test(lines[i])) found.push(i)
  }
  return found
})()`)

export const searchFiles = defineTool({
  name: 'search_files',
  description:
    'Search the text files of the workspace for a substring (default) or a JavaScript regular expression, line by line. ' +
    'Returns "path:line: text" for each matching line. Skips .git, node_modules, binary files and files over 4 MiB.',
  effect: 'read',
  input: z.strictObject({
    pattern: z.string().min(1).describe('The text (or, with regex, the regular expression) to look for.'),
    regex: z.boolean().default(false).describe('Treat pattern as a JavaScript regular expression.'),
    ignore_case: z.boolean().default(false),
    path: z.string().default('.').describe('Folder or file to search, relative to the workspace folder.'),
    max_results: z.number().int().min(1).max(1000).default(100).describe('The most matching lines to return.'),
  }),
  async run(args, ctx): Promise<RawToolResult> {
    let re: RegExp
    try {
      re = new RegExp(args.regex ? args.pattern : escapeRegExp(args.pattern), args.ignore_case ? 'i' : '')
    } catch (err) {
      return refusal(`The pattern is not a valid regular expression: ${(err as Error).message}`)
    }
    const where = await resolveInWorkspace(ctx.workspace, args.path)
    if (!where.ok) return refusal(where.reason)
    if (!where.exists) return refusal(`${JSON.stringify(args.path)} does not exist.`)

    const budget = walkBudget(ctx)
    const deadline = Date.now() + ctx.timeoutMs
    const context = vm.createContext({ re, text: '', limit: 0 })
    const results: string[] = []
    let filesSearched = 0
    const skipped: string[] = []
    let full = false

    const searchFile = (file: string, text: string): 'timed-out' | null => {
      context.text = text
      context.limit = args.max_results - results.length
      let found: number[]
      try {
        found = MATCH_LINES.runInContext(context, { timeout: Math.max(1, deadline - Date.now()) }) as number[]
      } catch {
        return 'timed-out'
      }
      const lines = found.length > 0 ? text.split('\n') : []
      for (const i of found) {
        const line = lines[i].replace(/\r$/, '')
        const shown = line.length > SHOWN_LINE_CAP ? `${line.slice(0, SHOWN_LINE_CAP)} [line cut]` : line
        results.push(`${path.relative(where.root, file)}:${i + 1}: ${shown}`)
      }
      if (results.length >= args.max_results) full = true
      return null
    }

    const visit = async (file: string): Promise<'timed-out' | 'cancelled' | null> => {
      const info = await stat(file)
      if (info.size > SEARCH_FILE_CAP) {
        skipped.push(`${path.relative(where.root, file)} (${formatBytes(info.size)})`)
        return null
      }
      const bytes = await readFile(file)
      if (looksBinary(bytes)) return null
      filesSearched += 1
      return searchFile(file, bytes.toString('utf8'))
    }

    let stopped: 'timed-out' | 'cancelled' | null = null
    if ((await stat(where.real)).isFile()) {
      stopped = await visit(where.real)
    } else {
      const pending = [where.real]
      walk: while (pending.length > 0 && !full) {
        stopped = budget.exceeded()
        if (stopped) break
        const dir = pending.shift() as string
        const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
        const subdirs: string[] = []
        for (const entry of entries) {
          const entryPath = path.join(dir, entry.name)
          if (entry.isDirectory()) {
            if (!IGNORED_DIRS.has(entry.name)) subdirs.push(entryPath)
          } else if (entry.isFile()) {
            stopped = budget.exceeded() ?? (await visit(entryPath))
            if (stopped) break walk
          }
          if (results.length >= args.max_results) break walk
        }
        pending.unshift(...subdirs)
      }
    }

    const parts: string[] = []
    parts.push(results.length > 0 ? results.join('\n') : `No matches for ${JSON.stringify(args.pattern)} in ${filesSearched} file(s).`)
    if (full) parts.push(`[Stopped at ${args.max_results} matching lines; narrow the search or raise max_results.]`)
    if (skipped.length > 0) parts.push(`[Skipped, larger than ${formatBytes(SEARCH_FILE_CAP)}: ${skipped.slice(0, 20).join(', ')}${skipped.length > 20 ? ', …' : ''}]`)
    if (stopped) {
      parts.push(stopped === 'cancelled' ? '[The search was stopped; results so far are above.]' : `[The search timed out after ${ctx.timeoutMs} ms; results so far are above. A simpler pattern or a smaller folder may help.]`)
      return { ok: false, outcome: stopped, text: parts.join('\n') }
    }
    return success(parts.join('\n'))
  },
})
