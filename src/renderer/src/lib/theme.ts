// The theme preference on <html>: `data-theme="light"` or `"dark"` overrides the system's colour scheme (the
// palette in styles/base.css follows `color-scheme`); System removes the attribute. The last theme is remembered
// in localStorage so the first paint after a reload already has it, before preferences.get answers.
import type { Preferences } from '../../../shared/domain'

export type Theme = Preferences['theme']

const STORAGE_KEY = 'keel.theme'

export function applyTheme(theme: Theme): void {
  const root = document.documentElement
  if (theme === 'system') root.removeAttribute('data-theme')
  else root.setAttribute('data-theme', theme)
  try {
    localStorage.setItem(STORAGE_KEY, theme)
  } catch {
    // Without storage the theme only applies once preferences arrive.
  }
}

/** Applies the theme remembered from the last run, if any; called once before the first render. */
export function applyRememberedTheme(): void {
  let stored: string | null = null
  try {
    stored = localStorage.getItem(STORAGE_KEY)
  } catch {
    return
  }
  if (stored === 'light' || stored === 'dark' || stored === 'system') applyTheme(stored)
}
