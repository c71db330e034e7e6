#!/usr/bin/env bash
# npm run host -- [--data-dir D] [--port N]: builds the renderer and serves Keel to a browser on 127.0.0.1.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/toolchain.sh"
cd "$keel_root"
export PATH="$keel_root/node_modules/.bin:$PATH"
electron-vite build >&2
exec tsx src/main/host/cli.ts "$@"
