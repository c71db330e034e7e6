#!/usr/bin/env bash
# npm test: every test, inside a private D-Bus session with an unlocked gnome-keyring (a real keychain).
#   1. vitest: core and integration tests (real SQLite files, real keytar, the recording fake provider)
#   2. build the app (electron-vite), then Playwright: end-to-end through the browser host in Debian Chromium,
#      and the Electron e2e (skipped, with the reason, when no Electron binary is available)
# Ends with one plain line: "N passed, N failed, N skipped".
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/toolchain.sh"
cd "$root"
export PATH="$root/node_modules/.bin:$PATH"
export CI="${CI:-}"
mkdir -p test-results

if [ -z "${KEEL_IN_KEYRING:-}" ]; then
  export KEEL_IN_KEYRING=1
  exec "$root/scripts/with-keyring.sh" bash "$root/scripts/test.sh" "$@"
fi

status=0
echo "== build" >&2
electron-vite build >test-results/build.log 2>&1 || { cat test-results/build.log >&2; echo "build failed" >&2; status=1; }

echo "== vitest (core + integration)" >&2
bash "$root/scripts/keyring-ensure.sh" || status=1
vitest run --reporter=default --reporter=json --outputFile.json=test-results/vitest.json || status=1

echo "== playwright (end-to-end)" >&2
bash "$root/scripts/keyring-ensure.sh" || status=1
playwright test || status=1

node scripts/test-summary.mjs test-results/vitest.json test-results/playwright.json || status=1
exit $status
