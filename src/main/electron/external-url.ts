// Which links Keel hands to the user's browser. Electron-free, so it is tested under plain Node.
// Only plain web links: no file:, javascript:, custom schemes (which launch other apps), embedded credentials
// (`https://bank.example@evil.example`), whitespace or control characters.
const MAX_EXTERNAL_URL_LENGTH = 4096

export function isSafeExternalUrl(url: string): boolean {
  if (typeof url !== 'string' || url.length === 0 || url.length > MAX_EXTERNAL_URL_LENGTH) return false
  // Whitespace and control characters would be stripped or re-interpreted by the URL parser or the OS handler.
  if (/[\s\u0000-\u001f\u007f-\u009f]/.test(url)) return false
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return false
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return false
  if (parsed.username !== '' || parsed.password !== '') return false
  return parsed.hostname !== ''
}
