#!/usr/bin/env bash
# Installs everything Keel needs on a Debian/Ubuntu machine, idempotently: system packages (libsecret for keytar,
# gnome-keyring + dbus for a real keychain, libglib2.0-bin for `gdbus` and mount for the tests' private keyring and
# tmpfs disks, chromium + xvfb for browser tests), Node >= 22 (from the npm registry
# when the machine's is older), and the npm dependencies (npm ci).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

need=()
for pkg in libsecret-1-dev gnome-keyring dbus dbus-x11 libglib2.0-bin mount xvfb chromium; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null; then
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "keel: installing Debian packages: ${need[*]}" >&2
    $sudo apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >&2
  else
    echo "keel: please install: ${need[*]} (no apt-get here)" >&2
  fi
fi

source "$root/scripts/toolchain.sh"
stamp="node_modules/.keel-install-stamp"
lock_hash="$(sha256sum package-lock.json | cut -d' ' -f1)-$(node --version)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_hash" ]; then
  echo "keel: npm ci (Node $(node --version))" >&2
  # nodedir: keytar builds from source against this Node's headers (node-gyp cannot download them here).
  npm_config_nodedir="$(dirname "$(dirname "$(command -v node)")")" npm ci --no-audit --no-fund --loglevel=error >&2
  echo "$lock_hash" > "$stamp"
fi
# npm may decline to run install scripts it has not been told to trust: build keytar explicitly if so.
if [ ! -f node_modules/keytar/build/Release/keytar.node ]; then
  echo "keel: building keytar" >&2
  (cd node_modules/keytar && npm_config_nodedir="$(dirname "$(dirname "$(command -v node)")")" npx --no-install node-gyp rebuild >&2) || \
    (cd node_modules/keytar && npm run build >&2)
fi
