#!/usr/bin/env bash
# npm start: installs what is missing, builds, and launches the Electron app.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/install.sh"
source "$root/scripts/toolchain.sh"
cd "$root"
export PATH="$root/node_modules/.bin:$PATH"
# Without an Electron binary (and no way to fetch one) this prints the way out — the browser host — and stops.
bash "$root/scripts/electron-binary.sh"
electron-vite build
exec electron-vite preview
