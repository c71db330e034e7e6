// The files picked for a session's next message. Kept per session in this window (like the draft cache), so
// switching away and back keeps them, and cleared only when a send succeeds: a failed send loses nothing (the
// files themselves are already in main's data directory).
import { useCallback, useEffect, useState } from 'react'
import type { KeelErrorData } from '../../../shared/domain'
import { toErrorData } from '../errors'
import { stageFile } from '../lib/attachmentUpload'
import type { AttachmentRef } from '../../../shared/attachments'

export type StagedItem =
  | { key: string; name: string; state: 'uploading' }
  | { key: string; name: string; state: 'ready'; ref: AttachmentRef; preview: string | null }
  | { key: string; name: string; state: 'refused'; error: KeelErrorData }

const staged = new Map<string, StagedItem[]>()
const listeners = new Map<string, Set<(items: StagedItem[]) => void>>()

function publish(sessionId: string, items: StagedItem[]): void {
  staged.set(sessionId, items)
  for (const l of listeners.get(sessionId) ?? []) l(items)
}

function update(sessionId: string, f: (items: StagedItem[]) => StagedItem[]): void {
  publish(sessionId, f(staged.get(sessionId) ?? []))
}

let counter = 0

export function useStagedAttachments(sessionId: string) {
  const [items, setItems] = useState<StagedItem[]>(() => staged.get(sessionId) ?? [])
  useEffect(() => {
    setItems(staged.get(sessionId) ?? [])
    const set = listeners.get(sessionId) ?? new Set()
    set.add(setItems)
    listeners.set(sessionId, set)
    return () => {
      set.delete(setItems)
    }
  }, [sessionId])

  const add = useCallback(
    (files: readonly File[]) => {
      for (const file of files) {
        const key = `a${++counter}`
        const name = file.name || 'pasted file'
        update(sessionId, (list) => [...list, { key, name, state: 'uploading' }])
        stageFile(file).then(
          ({ ref, preview }) => update(sessionId, (list) => list.map((i) => (i.key === key ? { key, name: ref.name, state: 'ready', ref, preview } : i))),
          (e: unknown) => update(sessionId, (list) => list.map((i) => (i.key === key ? { key, name, state: 'refused', error: toErrorData(e) } : i))),
        )
      }
    },
    [sessionId],
  )
  const remove = useCallback((key: string) => update(sessionId, (list) => list.filter((i) => i.key !== key)), [sessionId])
  /** After a send that succeeded: only the files it sent go (one added meanwhile stays). */
  const sent = useCallback((keys: readonly string[]) => update(sessionId, (list) => list.filter((i) => !keys.includes(i.key))), [sessionId])
  return { items, add, remove, sent }
}
