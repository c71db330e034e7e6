// What a file is comes from its bytes (attachments/file-types.ts): the image types all three APIs take, PDFs, UTF-8
// text; other images and binary data are refused by name; the name or the browser's type never decides.
import { describe, expect, it } from 'vitest'
import { classifyBytes } from '../../src/main/core/attachments/file-types'
import { pdfWithText } from '../support/pdf-fixture'

const bytes = (...parts: Array<string | number[]>) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))))

describe('attachment file types', () => {
  it('knows the image types the APIs take by their magic numbers, whatever the name says', () => {
    expect(classifyBytes('a.txt', bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'rest'))).toEqual({ ok: true, kind: 'image', mime: 'image/png' })
    expect(classifyBytes('photo', bytes([0xff, 0xd8, 0xff, 0xe0], 'JFIF'))).toEqual({ ok: true, kind: 'image', mime: 'image/jpeg' })
    expect(classifyBytes('x.gif', bytes('GIF89a', [1, 0, 1, 0]))).toEqual({ ok: true, kind: 'image', mime: 'image/gif' })
    expect(classifyBytes('x.gif', bytes('GIF87a', [1, 0, 1, 0]))).toEqual({ ok: true, kind: 'image', mime: 'image/gif' })
    expect(classifyBytes('x.webp', bytes('RIFF', [0, 0, 0, 0], 'WEBPVP8 '))).toEqual({ ok: true, kind: 'image', mime: 'image/webp' })
    // RIFF without WEBP (a WAV file) is not an image.
    expect(classifyBytes('x.wav', bytes('RIFF', [0, 0, 0, 0], 'WAVEfmt ', [0]))).toMatchObject({ ok: false })
  })

  it('knows a PDF by its header', () => {
    expect(classifyBytes('report', pdfWithText('hello'))).toEqual({ ok: true, kind: 'pdf', mime: 'application/pdf' })
  })

  it('takes UTF-8 text as text, with a type from the extension', () => {
    expect(classifyBytes('notes.md', Buffer.from('# Title\n\nÄpfel und Birnen'))).toEqual({ ok: true, kind: 'text', mime: 'text/markdown' })
    expect(classifyBytes('main.py', Buffer.from('print("hi")\n'))).toEqual({ ok: true, kind: 'text', mime: 'text/x-python' })
    expect(classifyBytes('README', Buffer.from('plain'))).toEqual({ ok: true, kind: 'text', mime: 'text/plain' })
    expect(classifyBytes('empty.txt', Buffer.alloc(0))).toEqual({ ok: true, kind: 'text', mime: 'text/plain' })
  })

  it('refuses other images by name, and binary or non-UTF-8 data', () => {
    const bmp = bytes('BM', [70, 0, 0, 0, 0, 0, 0, 0, 54, 0, 0, 0, 40, 0, 0, 0, 1, 0])
    expect(classifyBytes('a.bmp', bmp)).toEqual({ ok: false, message: '"a.bmp" is a BMP image, which the model APIs do not take. Nothing was kept.' })
    // Text that happens to start with "BM" is text.
    expect(classifyBytes('cars.txt', Buffer.from('BMW, Audi and a long list of other makes'))).toEqual({ ok: true, kind: 'text', mime: 'text/plain' })
    expect(classifyBytes('a.tif', bytes([0x49, 0x49, 0x2a, 0x00, 8]))).toMatchObject({ ok: false, message: expect.stringContaining('a TIFF image') })
    expect(classifyBytes('a.tif', bytes([0x4d, 0x4d, 0x00, 0x2a, 8]))).toMatchObject({ ok: false, message: expect.stringContaining('a TIFF image') })
    expect(classifyBytes('a.heic', bytes([0, 0, 0, 24], 'ftypheic', [0, 0]))).toMatchObject({ ok: false, message: expect.stringContaining('a HEIC image') })
    expect(classifyBytes('a.ico', bytes([0, 0, 1, 0, 1, 0]))).toMatchObject({ ok: false, message: expect.stringContaining('an ICO image') })
    const binary = { ok: false, message: '"blob" is not a file Keel can attach: it is neither an image (PNG, JPEG, GIF, WebP), a PDF, nor UTF-8 text. Nothing was kept.' }
    expect(classifyBytes('blob', bytes('text with a NUL', [0], 'inside'))).toEqual(binary)
    expect(classifyBytes('blob', bytes([0xc3, 0x28]))).toEqual(binary)
  })
})
