#!/bin/bash
# A session daemon, as an ordinary user, answers a reply longer than its socket takes at once.
# sdbus-c++ 1.2's own event loop left the rest of such a reply (sent from a worker) queued
# until another message came in, so `pin list` of a few thousand pins hung; peertrustd runs
# its own loop (BusLoop). An unprivileged sender's socket buffer is capped by
# net.core.wmem_max: when this machine raised it above Debian's default, the test puts the
# default back while it runs, so that a 1 MB reply is longer than the buffer.
# usage: check-large-replies.sh BUILD_DIR   (as root: it runs the daemon as peertrust-test)
set -euo pipefail
build=$(cd "$1" && pwd)
user=peertrust-test
id "$user" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$user"
work=$(mktemp -d)
chown "$user" "$work"
wmem=/proc/sys/net/core/wmem_max
original=$(cat "$wmem")
cleanup() {
    echo "$original" >"$wmem"
    rm -rf "$work"
}
trap cleanup EXIT
debian_default=212992
if [ "$original" -gt "$debian_default" ]; then
    echo "$debian_default" >"$wmem"
fi

ssh-keygen -q -t ed25519 -N '' -f "$work/key"
key=$(cut -d' ' -f1,2 "$work/key.pub")
for i in $(seq 4000); do echo "host$i.example.org $key"; done >"$work/known_hosts"
chown "$user" "$work/known_hosts"

cat >"$work/as-user.sh" <<SCRIPT
set -euo pipefail
"$build/daemon/peertrustd" --session --db "$work/user.db" --system-db "$work/system.db" \
    2>"$work/daemon.log" &
for _ in \$(seq 100); do "$build/cli/peertrust" protocol list >/dev/null 2>&1 && break; sleep 0.05; done
"$build/cli/peertrust" pin import-known-hosts "$work/known_hosts" >/dev/null
# Nothing else is sent on the bus meanwhile: a reply stuck in the daemon's queue stays stuck.
timeout 30 "$build/cli/peertrust" pin list --json >"$work/pins.json" ||
    { echo "FAIL: pin list of 4000 pins got no answer (exit \$?)"; exit 1; }
kill %1
SCRIPT
chown "$user" "$work/as-user.sh"
runuser -u "$user" -- dbus-run-session -- bash "$work/as-user.sh"
count=$(jq '.pins | length' "$work/pins.json")
[ "$count" = 4000 ] || { echo "FAIL: pin list gave $count pins, not 4000" >&2; exit 1; }
echo "PASS: $(wc -c <"$work/pins.json") bytes of pin list, as $user with wmem_max $(cat "$wmem")"
