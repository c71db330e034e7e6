/// <reference types="vite/client" />
import type { KeelBridge } from '../../shared/contract'

declare global {
  interface Window {
    /** Exposed by the Electron preload; absent in the browser host, where the WebSocket bridge is used. */
    keel?: KeelBridge
  }
}
