// Builds the three parts of Keel: main (ESM, dependencies external), preload (one CommonJS file, everything
// bundled, because sandboxed preloads can only require 'electron' and a few builtins) and the React renderer
// (relative asset paths, so the same build loads from app://keel in Electron and over http from the browser host).
import { resolve } from 'node:path'
import { defineConfig } from 'electron-vite'
import react from '@vitejs/plugin-react'

export default defineConfig({
  main: {
    build: {
      // better-sqlite3 and keytar are native modules: they must be loaded from node_modules at run time.
      externalizeDeps: true,
      // index: Electron's main process. host: the browser host (`npm run host` runs it with plain Node, no
      // TypeScript compile at start).
      rolldownOptions: { input: { index: resolve('src/main/index.ts'), host: resolve('src/main/host/cli.ts') } },
    },
  },
  preload: {
    build: {
      // Bundle zod and src/shared into the preload: a sandboxed preload cannot require node_modules.
      externalizeDeps: false,
      rolldownOptions: {
        input: { index: resolve('src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve('src/renderer'),
    base: './',
    build: { rolldownOptions: { input: { index: resolve('src/renderer/index.html') } } },
    plugins: [react()],
  },
})
