// Files between the user's disk and the core (issue #12): the core takes bytes and gives text or bytes, the window
// saves (a download) and picks (a file input). A picked file travels in chunks under the contract's message cap.
import { call } from '../bridge'

/** Bytes per upload chunk: base64 of it stays under data.upload's 1.4 MB limit. */
const CHUNK_BYTES = 1024 * 1024

/** Saves text as a file the browser downloads (in Electron too: its download goes to the save dialog). */
export function saveText(text: string, filename: string, type: string): void {
  saveBlob(new Blob([text], { type }), filename)
}

export function saveBase64(base64: string, filename: string, type: string): void {
  const bin = atob(base64)
  const bytes = new Uint8Array(bin.length)
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i)
  saveBlob(new Blob([bytes], { type }), filename)
}

function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = filename
  a.click()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

function toBase64(bytes: Uint8Array): string {
  let bin = ''
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  return btoa(bin)
}

/** Sends a picked file to the core in chunks; returns the upload's id for data.restore or data.import. */
export async function uploadFile(file: File): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer())
  let uploadId: string | undefined
  for (let at = 0; at === 0 || at < bytes.length; at += CHUNK_BYTES) {
    const chunk = toBase64(bytes.subarray(at, at + CHUNK_BYTES))
    uploadId = (await call('data.upload', uploadId ? { uploadId, chunk } : { chunk })).uploadId
    if (bytes.length === 0) break
  }
  return uploadId!
}

export function formatSize(n: number): string {
  if (n < 1024) return `${n} B`
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`
  return `${(n / 1024 / 1024).toFixed(1)} MB`
}
