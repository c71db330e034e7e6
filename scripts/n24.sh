#!/usr/bin/env bash
# Runs a command with Node >= 22 first on PATH (see toolchain.sh) and the project's binaries available.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/toolchain.sh"
export PATH="$keel_root/node_modules/.bin:$PATH"
exec "$@"
