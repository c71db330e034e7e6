// The Content-Security-Policy of Keel's renderer, sent as a response header by both adapters (Electron's session
// and the browser host) on top of the <meta> policy in src/renderer/index.html. A header can say what a <meta>
// cannot (frame-ancestors). Electron-free: the browser host imports it too.
// `connect-src 'self'` also admits the host's same-origin WebSocket (CSP3 matches ws: against an http: 'self'); no
// ws: source is listed, so the Electron renderer (app://keel, which talks over IPC) may open no WebSocket at all.
// src/renderer/index.html repeats this policy (minus frame-ancestors) in a <meta>; a test keeps the two in step.
export const RENDERER_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ')
