#!/usr/bin/env bash
# npm start: installs what is missing, builds, and launches the Electron app.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/install.sh"
source "$root/scripts/toolchain.sh"
cd "$root"
export PATH="$root/node_modules/.bin:$PATH"
electron-vite build
# Electron 45 fetches its binary on first use; on a machine without access to its download host that fails, and
# the browser host is the way to run Keel there.
if ! electron-vite preview; then
  if [ ! -d node_modules/electron/dist ] && [ -z "${ELECTRON_OVERRIDE_DIST_PATH:-}" ]; then
    echo "keel: the Electron binary is not available (its first-use download failed)." >&2
    echo "keel: set ELECTRON_OVERRIDE_DIST_PATH to an unpacked Electron 45, or run the browser host: npm run host" >&2
  fi
  exit 1
fi
