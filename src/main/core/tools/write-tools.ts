// write_file and edit_file: the tools that change the workspace. Each has a preview that computes the exact change
// as a unified diff without touching the disk (the approval card shows it, invariant 16), and the run computes it
// again from the file as it is then, so what is written is what the diff of the result shows. edit_file replaces
// one exact string: zero or several matches are refused with a sentence that tells the model what to do instead,
// never guessed. Files are opened with O_NOFOLLOW, so a symbolic link put in place of the checked file after the
// workspace guard ran is refused by the OS rather than followed.
import { constants } from 'node:fs'
import { mkdir, open, readFile, stat } from 'node:fs/promises'
import path from 'node:path'
import { createTwoFilesPatch } from 'diff'
import { z } from 'zod'
import { formatBytes, looksBinary } from './file-text'
import { defineTool, refusal, success, type RawToolResult, type ToolDisplay } from './tool-definition'
import { resolveInWorkspace, type WorkspacePath } from './workspace-paths'

/** The largest file edit_file changes (and write_file diffs against). */
export const EDIT_FILE_CAP = 8 * 1024 * 1024

type Resolved = Extract<WorkspacePath, { ok: true }>

function unifiedDiff(relative: string, before: string | null, after: string): string {
  // The library starts the patch with a row of '=' (an svn-style separator): not part of a unified diff, dropped.
  return createTwoFilesPatch(before === null ? '/dev/null' : `a/${relative}`, `b/${relative}`, before ?? '', after, undefined, undefined, { context: 3 }).replace(/^=+\n/, '')
}

async function writeText(where: Resolved, text: string): Promise<void> {
  await mkdir(path.dirname(where.real), { recursive: true })
  const handle = await open(where.real, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o644)
  try {
    await handle.writeFile(text, 'utf8')
  } finally {
    await handle.close()
  }
}

/** The current text of an existing file the tools may change, or why not. */
async function currentText(where: Resolved, shown: string): Promise<{ ok: true; text: string } | { ok: false; result: RawToolResult }> {
  const info = await stat(where.real)
  if (info.isDirectory()) return { ok: false, result: refusal(`${shown} is a folder, not a file.`) }
  if (!info.isFile()) return { ok: false, result: refusal(`${shown} is not a regular file.`) }
  if (info.size > EDIT_FILE_CAP) return { ok: false, result: refusal(`${shown} is ${formatBytes(info.size)}, larger than the ${formatBytes(EDIT_FILE_CAP)} the file tools change.`) }
  const bytes = await readFile(where.real)
  if (looksBinary(bytes)) return { ok: false, result: refusal(`${shown} is a binary file; the file tools change text files only.`) }
  return { ok: true, text: bytes.toString('utf8') }
}

// ---- write_file ----

const writeInput = z.strictObject({
  path: z.string().min(1).describe('The file to write, relative to the workspace folder. Missing folders are created.'),
  content: z.string().describe('The complete new content of the file.'),
})

interface Plan {
  where: Resolved
  after: string
  display: Extract<ToolDisplay, { kind: 'diff' }>
}

async function planWrite(args: z.output<typeof writeInput>, workspace: string): Promise<Plan | RawToolResult> {
  const where = await resolveInWorkspace(workspace, args.path)
  if (!where.ok) return refusal(where.reason)
  const shown = JSON.stringify(where.relative)
  let before: string | null = null
  if (where.exists) {
    const current = await currentText(where, shown)
    if (!current.ok) return current.result
    before = current.text
  }
  return { where, after: args.content, display: { kind: 'diff', path: where.relative, created: before === null, diff: unifiedDiff(where.relative, before, args.content) } }
}

const isPlan = (p: Plan | RawToolResult): p is Plan => 'where' in p

/** Preview of a planned write: the diff the user approves, or the refusal that stops it before approval. */
function previewPlan(plan: Plan | RawToolResult): RawToolResult {
  return isPlan(plan) ? success(plan.display.diff, plan.display) : plan
}

/** Carries out a planned write; `report` words the result for the model once the file is written. */
async function applyPlan(plan: Plan | RawToolResult, report: (plan: Plan) => string): Promise<RawToolResult> {
  if (!isPlan(plan)) return plan
  await writeText(plan.where, plan.after)
  return success(report(plan), plan.display)
}

export const writeFile = defineTool({
  name: 'write_file',
  description: 'Create a file in the workspace, or replace all of its content. Prefer edit_file to change part of an existing file.',
  effect: 'write',
  input: writeInput,
  async preview(args, ctx) {
    return previewPlan(await planWrite(args, ctx.workspace))
  },
  async run(args, ctx) {
    return applyPlan(
      await planWrite(args, ctx.workspace),
      (plan) => `${plan.display.created ? 'Created' : 'Replaced'} ${JSON.stringify(plan.where.relative)} (${formatBytes(Buffer.byteLength(plan.after, 'utf8'))}).`,
    )
  },
})

// ---- edit_file ----

const editInput = z.strictObject({
  path: z.string().min(1).describe('The file to change, relative to the workspace folder.'),
  old_string: z.string().min(1).describe('The exact text to replace, whitespace and indentation included. It must occur exactly once unless replace_all is set.'),
  new_string: z.string().describe('The text to put in its place.'),
  replace_all: z.boolean().default(false).describe('Replace every occurrence instead of exactly one.'),
})

/** Start offsets of the non-overlapping occurrences of `needle`. */
function occurrences(haystack: string, needle: string): number[] {
  const found: number[] = []
  for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, at + needle.length)) found.push(at)
  return found
}

const lineOf = (text: string, offset: number) => text.slice(0, offset).split('\n').length

async function planEdit(args: z.output<typeof editInput>, workspace: string): Promise<Plan | RawToolResult> {
  if (args.old_string === args.new_string) return refusal('old_string and new_string are the same; there is nothing to change.')
  const where = await resolveInWorkspace(workspace, args.path)
  if (!where.ok) return refusal(where.reason)
  const shown = JSON.stringify(where.relative)
  if (!where.exists) return refusal(`${shown} does not exist; use write_file to create it.`)
  const current = await currentText(where, shown)
  if (!current.ok) return current.result
  const before = current.text

  let oldString = args.old_string
  let newString = args.new_string
  let found = occurrences(before, oldString)
  // read_file shows lines without their \r, so a model copying from a CRLF file sends \n: match it as the file has it.
  if (found.length === 0 && before.includes('\r\n') && oldString.includes('\n') && !oldString.includes('\r')) {
    oldString = oldString.replace(/\n/g, '\r\n')
    newString = newString.replace(/\r?\n/g, '\r\n')
    found = occurrences(before, oldString)
  }
  if (found.length === 0) {
    return refusal(`old_string was not found in ${shown}. Nothing was changed. Read the file again and copy the text exactly, whitespace and indentation included.`)
  }
  if (found.length > 1 && !args.replace_all) {
    const lines = found.slice(0, 10).map((at) => lineOf(before, at))
    return refusal(
      `old_string occurs ${found.length} times in ${shown} (at lines ${lines.join(', ')}${found.length > 10 ? ', …' : ''}). Nothing was changed. ` +
        'Include more of the surrounding text so that it occurs once, or set replace_all to change every occurrence.',
    )
  }
  // split/join rather than String.replace: `$&` and friends in new_string must stay literal.
  const after = before.split(oldString).join(newString)
  return { where, after, display: { kind: 'diff', path: where.relative, created: false, diff: unifiedDiff(where.relative, before, after) } }
}

export const editFile = defineTool({
  name: 'edit_file',
  description:
    'Change a file of the workspace by replacing an exact piece of text (old_string) with new_string. old_string must occur ' +
    'exactly once (include surrounding lines to make it unique) unless replace_all is set.',
  effect: 'write',
  input: editInput,
  async preview(args, ctx) {
    return previewPlan(await planEdit(args, ctx.workspace))
  },
  async run(args, ctx) {
    return applyPlan(await planEdit(args, ctx.workspace), (plan) => `Changed ${JSON.stringify(plan.where.relative)}:\n${plan.display.diff}`)
  },
})
