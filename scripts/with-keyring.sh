#!/usr/bin/env bash
# Runs a command inside a private D-Bus session with an unlocked gnome-keyring, so tests use a real OS keychain
# (Secret Service) without touching the user's own. Used by `npm test` and .ci/run.
set -euo pipefail
if ! command -v dbus-run-session >/dev/null || ! command -v gnome-keyring-daemon >/dev/null; then
  echo "keel: dbus-run-session and gnome-keyring-daemon are needed (Debian: apt-get install dbus gnome-keyring)" >&2
  exit 1
fi
exec dbus-run-session -- bash -c '
  # A throwaway keyring home: never the developer'"'"'s real keyrings.
  export XDG_DATA_HOME="$(mktemp -d)"
  export HOME_KEYRING_DIR="$XDG_DATA_HOME/keyrings"
  # --daemonize: a session of its own, so no signal meant for the test run'"'"'s process group reaches it.
  printf "keel-test" | gnome-keyring-daemon --unlock --daemonize --components=secrets >/dev/null 2>&1
  bash "'"$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"'/keyring-ensure.sh" || exit 1
  exec "$@"' keel-keyring "$@"
