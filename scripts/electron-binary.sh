#!/usr/bin/env bash
# Makes sure the Electron binary `npm start` launches is there. Electron 45 fetches it on first use, and when that
# fails (no access to its download host) it dies with a stack trace. This fetches it first instead, keeping the
# fetch's own output in a log, so such a machine gets one clear hint and nothing else.
# Exit 0 when the binary is ready; 1, after the hint, when it is not.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/toolchain.sh"
cd "$root"

# An unpacked Electron the user points at is theirs to get right; electron-vite reports a wrong path itself.
[ -n "${ELECTRON_OVERRIDE_DIST_PATH:-}" ] && exit 0

electron="node_modules/electron"
if [ ! -f "$electron/path.txt" ] || [ ! -e "$electron/dist/$(cat "$electron/path.txt")" ]; then
  echo "keel: fetching Electron's binary (first run only)…" >&2
fi
log="$(mktemp "${TMPDIR:-/tmp}/keel-electron-fetch.XXXXXX")"
# install.js returns at once when the binary is already in place.
if node "$electron/install.js" >"$log" 2>&1; then
  rm -f "$log"
  exit 0
fi
echo "keel: the Electron binary is not available: fetching it failed (its output is in $log)." >&2
echo "keel: set ELECTRON_OVERRIDE_DIST_PATH to an unpacked Electron 45, or run Keel in your browser: npm run host" >&2
exit 1
