#!/usr/bin/env bash
# Inside scripts/with-keyring.sh: makes sure the private session's Secret Service is our unlocked gnome-keyring, and
# brings it back if it went away. Once, on CI, it was gone between the unit and the end-to-end tests (the cause
# was not found), and D-Bus then auto-started a stand-in daemon with a locked keyring whose every store asked for a
# password prompt no headless machine can show: 35 end-to-end tests failed at their first key. Run before each
# phase of `npm test`, and by with-keyring.sh right after it starts the daemon (whose parent returns before the daemon
# has claimed its D-Bus name: a client asking in between would auto-start that stand-in). Prints what it found and
# did, so a CI log says so.
set -uo pipefail
PASSWORD="keel-test"

has_owner() {
  dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q 'boolean true'
}
# Only asked once the name has an owner: asking a name nobody owns would auto-start the stand-in.
locked_state() {
  dbus-send --session --print-reply --reply-timeout=5000 --dest=org.freedesktop.secrets /org/freedesktop/secrets/aliases/default \
    org.freedesktop.DBus.Properties.Get string:org.freedesktop.Secret.Collection string:Locked 2>/dev/null | grep -o 'boolean [a-z]*' || echo "no default collection"
}

usable() { has_owner && [ "$(locked_state)" = "boolean false" ]; }
# A daemon that was just started answers within a moment (it claims its name after its parent has returned).
for _ in $(seq 1 100); do
  usable && exit 0
  sleep 0.1
done
found="$(has_owner && locked_state || echo "no Secret Service")"
echo "keel: the test keyring is not usable ($found): starting it again, unlocked" >&2
# --replace ends a stand-in daemon; --unlock opens (or creates) the login keyring in this session's XDG_DATA_HOME;
# --daemonize puts it in a session of its own, out of reach of signals sent to the test run's process group.
printf '%s' "$PASSWORD" | gnome-keyring-daemon --replace --unlock --daemonize --components=secrets >/dev/null 2>&1
for _ in $(seq 1 100); do
  if usable; then echo "keel: the test keyring is back" >&2; exit 0; fi
  sleep 0.1
done
echo "keel: could not start the test keyring again ($(has_owner && locked_state || echo "no Secret Service"))" >&2
exit 1
