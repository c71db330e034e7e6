// Attachment channels (issue #12): staging a file (inline or uploaded in pieces), an image's bytes for its
// thumbnail, and the checks chat.send makes before anything is stored or sent: the store's limits and types, and
// whether the session's model takes images, where its provider's model list says so.
import type { AttachmentChoice, AttachmentRef } from '../../../../shared/attachments'
import type { ChatMessage } from '../../../../shared/domain'
import type { AttachmentStore } from '../../attachments/attachment-store'
import type { CatalogService } from '../../catalog/catalog-service'
import { KeelError } from '../../errors'
import type { IdentityService } from '../../identity/identity-service'

export interface AttachmentHandlerDeps {
  attachments: AttachmentStore
  catalog: CatalogService
  identity: IdentityService
}

/** Bytes from base64 as the contract carries them; a string that is not base64 is refused, never half-read. */
function bytesOf(dataBase64: string): Buffer {
  const clean = dataBase64.replace(/\s+/g, '')
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length % 4 === 1) {
    throw KeelError.of('invalid-input', 'The file did not arrive as base64 data.', { field: 'dataBase64', fix: 'Attach the file again.' })
  }
  return Buffer.from(clean, 'base64')
}

export function attachmentHandlers(deps: AttachmentHandlerDeps) {
  const { attachments } = deps
  return {
    'attachments.upload': async ({ uploadId, dataBase64 }: { uploadId: string; dataBase64: string }) => attachments.upload(uploadId, bytesOf(dataBase64)),
    'attachments.stage': async ({ name, dataBase64, uploadId }: { name: string; mime?: string; dataBase64?: string; uploadId?: string }) => {
      if ((dataBase64 === undefined) === (uploadId === undefined)) {
        throw KeelError.of('invalid-input', 'Give the file either inline (dataBase64) or as an upload (uploadId).', { field: 'dataBase64' })
      }
      return attachments.stage(name, uploadId !== undefined ? attachments.takeUpload(uploadId) : bytesOf(dataBase64!))
    },
    'attachments.image': async ({ id }: { id: string }) => {
      const bytes = await attachments.read(id)
      if (!bytes) throw KeelError.of('not-found', 'That attachment is no longer in Keel\'s data directory.', { field: 'id' })
      const [ref] = attachments.resolve([{ id, name: 'image' }])
      if (ref?.kind !== 'image') throw KeelError.of('invalid-input', 'That attachment is not an image.', { field: 'id' })
      return { mime: ref.mime, dataBase64: bytes.toString('base64') }
    },
  }
}

/**
 * What chat.send checks before anything is stored or sent: the files exist and pass the limits (AttachmentStore),
 * and a model whose list says it takes no image input is not sent one ("gpt-x on Work gateway does not accept
 * images"). A list that says nothing leaves it to the provider's error (provider-client.ts words it).
 */
export async function checkAttachments(deps: AttachmentHandlerDeps, sessionId: string, choices: readonly AttachmentChoice[]): Promise<AttachmentRef[]> {
  if (choices.length === 0) return []
  const refs = deps.attachments.resolve(choices)
  const images = refs.filter((r) => r.kind === 'image')
  if (images.length === 0) return refs
  const evaluation = await deps.identity.evaluate(sessionId)
  const entry = evaluation.runtime?.entry
  const model = evaluation.identity?.model
  // Unresolved: the send refuses on its own, naming what is missing.
  if (!entry || !model) return refs
  const accepts = await deps.catalog.acceptsImages(entry, model).catch(() => null)
  if (accepts === false) {
    throw KeelError.of('invalid-input', `${model} on ${entry.name} does not accept images (its model list says so). Nothing was sent.`, {
      field: 'attachments',
      entryId: entry.id,
      fix: `Remove ${images.length === 1 ? `"${images[0]!.name}"` : 'the images'}, or pick a model that accepts images.`,
    })
  }
  return refs
}

/** Messages of a page with the files they were sent with. */
export function withAttachments<M extends ChatMessage>(attachments: AttachmentStore, messages: M[]): M[] {
  const files = attachments.ofMessages(messages.filter((m) => m.role === 'user').map((m) => m.id))
  if (files.size === 0) return messages
  return messages.map((m) => (files.has(m.id) ? { ...m, attachments: files.get(m.id) } : m))
}
