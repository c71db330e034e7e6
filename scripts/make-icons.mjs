// Draws Keel's icons (a sailboat whose keel reaches below the waterline) into resources/ with Node built-ins only:
// 4x4 supersampled shapes and a small PNG encoder. Run once after changing the drawing: `node scripts/make-icons.mjs`.
import { writeFileSync, mkdirSync } from 'node:fs'
import { deflateSync } from 'node:zlib'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const outDir = fileURLToPath(new URL('../resources/', import.meta.url))

// Colours (RGB).
const SKY_TOP = [0x22, 0x3f, 0x66]
const SKY_BOTTOM = [0x16, 0x2c, 0x4a]
const WATER = [0x0e, 0x1d, 0x33]
const SAIL = [0xf4, 0xf6, 0xfa]
const JIB = [0xa9, 0xc8, 0xf0]
const HULL = [0xf5, 0xa5, 0x24]
const KEEL = [0xc9, 0x7f, 0x12]

// Shapes in unit coordinates (0..1, y down).
const inPolygon = (points, x, y) => {
  let inside = false
  for (let i = 0, j = points.length - 1; i < points.length; j = i++) {
    const [xi, yi] = points[i]
    const [xj, yj] = points[j]
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside
  }
  return inside
}
const inRoundedSquare = (x, y, margin, radius) => {
  const lo = margin + radius
  const hi = 1 - margin - radius
  const cx = Math.min(Math.max(x, lo), hi)
  const cy = Math.min(Math.max(y, lo), hi)
  return (x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2 && x >= margin && x <= 1 - margin && y >= margin && y <= 1 - margin
}
const inEllipse = (x, y, cx, cy, rx, ry) => ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1

const MAIN_SAIL = [[0.5, 0.17], [0.5, 0.55], [0.25, 0.55]]
const JIB_SAIL = [[0.54, 0.25], [0.54, 0.55], [0.72, 0.55]]
const MAST = [[0.5, 0.15], [0.54, 0.15], [0.54, 0.58], [0.5, 0.58]]
const HULL_SHAPE = [[0.17, 0.58], [0.83, 0.58], [0.74, 0.69], [0.28, 0.69]]
const KEEL_FIN = [[0.46, 0.68], [0.56, 0.68], [0.535, 0.83], [0.485, 0.83]]
const WATERLINE = 0.665

/** The colour at a point, or null for transparent. Topmost shape first. */
function paint(x, y, { margin, radius }) {
  if (!inRoundedSquare(x, y, margin, radius)) return null
  if (inPolygon(KEEL_FIN, x, y) || inEllipse(x, y, 0.51, 0.835, 0.06, 0.025)) return y > WATERLINE ? KEEL : HULL
  if (inPolygon(HULL_SHAPE, x, y)) return HULL
  if (inPolygon(MAST, x, y)) return SAIL
  if (inPolygon(MAIN_SAIL, x, y)) return SAIL
  if (inPolygon(JIB_SAIL, x, y)) return JIB
  if (y > WATERLINE) return WATER
  const t = (y - margin) / (WATERLINE - margin)
  return SKY_TOP.map((c, i) => Math.round(c + (SKY_BOTTOM[i] - c) * t))
}

function render(size, frame) {
  const samples = 4
  const rgba = Buffer.alloc(size * size * 4)
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0, g = 0, b = 0, a = 0
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const colour = paint((px + (sx + 0.5) / samples) / size, (py + (sy + 0.5) / samples) / size, frame)
          if (colour === null) continue
          r += colour[0]; g += colour[1]; b += colour[2]; a += 1
        }
      }
      const o = (py * size + px) * 4
      if (a > 0) {
        rgba[o] = Math.round(r / a); rgba[o + 1] = Math.round(g / a); rgba[o + 2] = Math.round(b / a)
        rgba[o + 3] = Math.round((255 * a) / (samples * samples))
      }
    }
  }
  return rgba
}

// PNG: signature, IHDR (8-bit RGBA), one IDAT of filter-0 scanlines, IEND.
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})
const crc32 = (buf) => {
  let c = 0xffffffff
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}
const chunk = (type, data) => {
  const head = Buffer.alloc(8)
  head.writeUInt32BE(data.length, 0)
  head.write(type, 4, 'ascii')
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0)
  return Buffer.concat([head, data, crc])
}
function encodePng(size, rgba) {
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(size, 0)
  ihdr.writeUInt32BE(size, 4)
  ihdr[8] = 8 // bit depth
  ihdr[9] = 6 // RGBA
  const raw = Buffer.alloc(size * (size * 4 + 1))
  for (let y = 0; y < size; y++) rgba.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4)
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ])
}

mkdirSync(outDir, { recursive: true })
const icons = [
  // The app icon keeps a margin, as desktop icons do; tray icons use the whole square.
  { file: 'icon.png', size: 512, frame: { margin: 0.06, radius: 0.2 } },
  { file: 'tray.png', size: 32, frame: { margin: 0, radius: 0.22 } },
  { file: 'tray@2x.png', size: 64, frame: { margin: 0, radius: 0.22 } },
]
for (const { file, size, frame } of icons) {
  writeFileSync(path.join(outDir, file), encodePng(size, render(size, frame)))
  process.stderr.write(`wrote resources/${file} (${size}x${size})\n`)
}
