#!/usr/bin/env bash
# npm start: installs what is missing, builds, and launches the Electron app.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/install.sh"
source "$root/scripts/toolchain.sh"
cd "$root"
export PATH="$root/node_modules/.bin:$PATH"
electron-vite build
if ! node -e "require('electron')" >/dev/null 2>&1 && [ -z "${ELECTRON_OVERRIDE_DIST_PATH:-}" ]; then
  echo "keel: the Electron binary is not available on this machine (it is downloaded on first use and that failed)." >&2
  echo "keel: set ELECTRON_OVERRIDE_DIST_PATH to an unpacked Electron 45 directory, or use the browser host: npm run host" >&2
  exit 1
fi
exec electron-vite preview
