// The browser host opens the same data folder as the desktop app unless told otherwise.
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { defaultDataDir } from '../../src/main/core/data-dir'

describe('defaultDataDir', () => {
  it('uses KEEL_DATA_DIR when set', () => {
    expect(defaultDataDir({ KEEL_DATA_DIR: 'rel/dir' }, 'linux', '/home/u')).toBe(path.resolve('rel/dir'))
  })

  it("matches Electron's userData folder on each platform", () => {
    expect(defaultDataDir({}, 'linux', '/home/u')).toBe(path.join('/home/u', '.config', 'Keel'))
    expect(defaultDataDir({ XDG_CONFIG_HOME: '/xdg' }, 'linux', '/home/u')).toBe(path.join('/xdg', 'Keel'))
    expect(defaultDataDir({}, 'darwin', '/Users/u')).toBe(path.join('/Users/u', 'Library', 'Application Support', 'Keel'))
    expect(defaultDataDir({ APPDATA: 'C:\\Users\\u\\AppData\\Roaming' }, 'win32', 'C:\\Users\\u')).toBe(
      path.join('C:\\Users\\u\\AppData\\Roaming', 'Keel'),
    )
  })
})
