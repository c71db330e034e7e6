// Remembered window bounds, made safe to restore: a window saved on a monitor that is gone, or larger than the
// screen it lands on, is moved and shrunk onto a visible work area. Electron-free so it is tested under Node.
export interface Rect {
  x: number
  y: number
  width: number
  height: number
}

export interface WindowState {
  bounds: Rect
  maximized: boolean
}

const MIN = { width: 720, height: 480 }

function overlap(a: Rect, b: Rect): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x)
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y)
  return w > 0 && h > 0 ? w * h : 0
}

export function fitBounds(saved: Rect | null, workAreas: readonly Rect[], fallback: { width: number; height: number }): Rect {
  const primary = workAreas[0] ?? { x: 0, y: 0, width: fallback.width, height: fallback.height }
  if (!saved || !Number.isFinite(saved.x + saved.y + saved.width + saved.height)) {
    const width = Math.min(fallback.width, primary.width)
    const height = Math.min(fallback.height, primary.height)
    return { x: primary.x + Math.round((primary.width - width) / 2), y: primary.y + Math.round((primary.height - height) / 2), width, height }
  }
  // The work area the saved window overlapped most; if none, the primary one.
  const area = workAreas.reduce<Rect>((best, a) => (overlap(saved, a) > overlap(saved, best) ? a : best), primary)
  const width = Math.max(MIN.width, Math.min(saved.width, area.width))
  const height = Math.max(MIN.height, Math.min(saved.height, area.height))
  const x = Math.min(Math.max(saved.x, area.x), area.x + area.width - width)
  const y = Math.min(Math.max(saved.y, area.y), area.y + area.height - height)
  return { x, y, width, height }
}
