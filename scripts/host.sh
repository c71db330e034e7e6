#!/usr/bin/env bash
# npm run host -- [--data-dir D] [--port N]: serves Keel to a browser on 127.0.0.1.
# Runs the built host bundle (out/main/host.js) with plain Node: no TypeScript compile at start. The build (main,
# preload, renderer) runs only when its inputs changed since the last one this script made: a hash of the sources,
# the build config and the lockfile is kept in out/.host-build-stamp.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/toolchain.sh"
cd "$keel_root"
export PATH="$keel_root/node_modules/.bin:$PATH"
stamp_file=out/.host-build-stamp
sources_hash() {
  find src electron.vite.config.ts package-lock.json -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1
}
wanted="$(sources_hash)"
if [ ! -f out/main/host.js ] || [ ! -f out/renderer/index.html ] || [ "$(cat "$stamp_file" 2>/dev/null)" != "$wanted" ]; then
  echo "[keel-host] sources changed since the last build: building" >&2
  electron-vite build >&2
  printf '%s\n' "$wanted" >"$stamp_file"
fi
exec node out/main/host.js "$@"
