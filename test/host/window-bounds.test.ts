// Remembered window bounds are restored onto a visible display, never off-screen or larger than the screen.
import { describe, expect, it } from 'vitest'
import { fitBounds } from '../../src/main/electron/window-bounds'

const laptop = { x: 0, y: 0, width: 1440, height: 900 }
const external = { x: 1440, y: 0, width: 2560, height: 1440 }

describe('fitBounds', () => {
  it('restores bounds that fit as they were', () => {
    expect(fitBounds({ x: 1600, y: 100, width: 1200, height: 800 }, [laptop, external], { width: 1280, height: 820 })).toEqual({ x: 1600, y: 100, width: 1200, height: 800 })
  })
  it('moves a window from a monitor that is gone onto the primary one', () => {
    expect(fitBounds({ x: 3000, y: 200, width: 1200, height: 800 }, [laptop], { width: 1280, height: 820 })).toEqual({ x: 240, y: 100, width: 1200, height: 800 })
  })
  it('shrinks a window larger than its screen', () => {
    expect(fitBounds({ x: 0, y: 0, width: 3000, height: 2000 }, [laptop], { width: 1280, height: 820 })).toEqual({ x: 0, y: 0, width: 1440, height: 900 })
  })
  it('centres a first window on the primary display', () => {
    expect(fitBounds(null, [laptop], { width: 1280, height: 820 })).toEqual({ x: 80, y: 40, width: 1280, height: 820 })
  })
})
