// Small helpers the file tools share: whether a file is text, and how long lines are shown.
import { open } from 'node:fs/promises'

/** How many leading bytes decide whether a file is binary (git looks at the same amount). */
const SNIFF_BYTES = 8000

/** A NUL byte among the first bytes means binary, as git and grep decide it. */
export function looksBinary(head: Uint8Array): boolean {
  return head.subarray(0, SNIFF_BYTES).includes(0)
}

export async function fileLooksBinary(file: string): Promise<boolean> {
  const handle = await open(file, 'r')
  try {
    const buffer = Buffer.alloc(SNIFF_BYTES)
    const { bytesRead } = await handle.read(buffer, 0, SNIFF_BYTES, 0)
    return looksBinary(buffer.subarray(0, bytesRead))
  } finally {
    await handle.close()
  }
}

/** Folders no tool descends into: huge, generated, and never what the model is looking for. */
export const IGNORED_DIRS: ReadonlySet<string> = new Set(['.git', 'node_modules'])

export const formatBytes = (n: number): string =>
  n < 1024 ? `${n} bytes` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / (1024 * 1024)).toFixed(1)} MiB`
