// read_tool_result: pages through a result that was too large to hand to the model whole (see result-store.ts). Its
// own pages fit under the result cap, and it never keeps another copy of what it reads.
import { z } from 'zod'
import { defineTool, refusal, RESULT_TEXT_CAP, success } from './tool-definition'

/** Room left under the cap for the note that says where the page sits. */
export const PAGE_CAP = RESULT_TEXT_CAP - 400

export const readToolResult = defineTool({
  name: 'read_tool_result',
  description:
    'Read a part of an earlier tool result that was too long to show whole. Use the id and offset given in the ' +
    `truncation note; length is in characters (at most ${PAGE_CAP}).`,
  effect: 'read',
  keepOversized: false,
  input: z.strictObject({
    id: z.string().min(1).describe('The id from the truncation note.'),
    offset: z.number().int().min(0).default(0).describe('Character offset to start reading at.'),
    length: z.number().int().min(1).max(PAGE_CAP).default(PAGE_CAP).describe('How many characters to read.'),
  }),
  async run(args, ctx) {
    const page = await ctx.resultStore.page(args.id, args.offset, args.length)
    if (!page.ok) return refusal(page.reason)
    const end = page.offset + page.text.length
    const where =
      page.nextOffset === null
        ? `[Characters ${page.offset}–${end} of ${page.total}: the end of the result.]`
        : `[Characters ${page.offset}–${end} of ${page.total}. Read on with offset ${page.nextOffset}.]`
    return success(`${page.text}\n${where}`)
  },
})
