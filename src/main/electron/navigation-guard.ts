// Where a Keel web contents may navigate. Electron-free, so it is tested under plain Node; window.ts applies it to
// will-navigate, will-frame-navigate and will-redirect.
//   - The main frame may (re)load Keel's own renderer and nothing else.
//   - A link the user follows out of Keel (will-navigate) opens in their browser when it is a plain web link.
//   - A server redirect is the server's choice, not the user's: it never leaves Keel and never opens a browser.
//   - Subframes: Keel has none, so a frame that tries to navigate is stopped, whatever the destination.
import { isSafeExternalUrl } from './external-url'
import { isTrustedSender, type TrustedRenderer } from './trusted-sender'

export type NavigationCause = 'navigate' | 'redirect'
export type NavigationVerdict = 'allow' | 'open-externally' | 'block'

export interface NavigationAttempt {
  url: string
  isMainFrame: boolean
  cause: NavigationCause
}

export function judgeNavigation(attempt: NavigationAttempt, trusted: TrustedRenderer): NavigationVerdict {
  if (!attempt.isMainFrame) return 'block'
  if (isTrustedSender({ url: attempt.url, isTopFrame: true }, trusted)) return 'allow'
  if (attempt.cause === 'navigate' && isSafeExternalUrl(attempt.url)) return 'open-externally'
  return 'block'
}
