// Message branches (issue #12): where a message sits among the versions at its point of the conversation.
// Versions are the messages that follow the same parent (an edit adds a user message beside the one edited; a
// regenerate or retry adds a reply beside the earlier one), oldest first. Only the active branch is shown and sent.
import { z } from 'zod'

export const MessageVersions = z.object({
  /** 0-based position of this message among `siblingIds` (shown 1-based: ‹ index+1 / count ›). */
  index: z.number().int().nonnegative(),
  count: z.number().int().min(2),
  /** Every version at this point, oldest first (this message included). */
  siblingIds: z.array(z.string()).min(2),
})
export type MessageVersions = z.infer<typeof MessageVersions>
