#!/bin/bash
# OpenSSH enforces peertrust's pins through KnownHostsCommand: a real sshd on loopback with a
# host key made here, and a real ssh client whose own known_hosts files are empty, with
# StrictHostKeyChecking yes and BatchMode yes. No pin: refused; the host key pinned: connects;
# the pin replaced by another key: refused with a host-key error; the key distrusted: refused as
# revoked, even when ssh's own known_hosts lists it; --pin-on-first-use: the
# first connection pins the key. Then peertrust-ssh-known-hosts, which asks the daemon: ssh
# connects with the pin and is refused once it is forgotten.
# usage: check-ssh-known-hosts.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../support/loopback-server.sh"
cli="$build/cli/peertrust"
work=$(mktemp -d)
cleanup() {
    stop_server
    rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
store=(--db "$work/user.db" --system-db "$work/system.db")

ssh-keygen -q -t ed25519 -N '' -f "$work/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$work/other_host_key"
ssh-keygen -q -t ed25519 -N '' -f "$work/user_key"
cp "$work/user_key.pub" "$work/authorized_keys"
cat >"$work/sshd_config" <<CONFIG
ListenAddress 127.0.0.1
HostKey $work/host_key
AuthorizedKeysFile $work/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PidFile $work/sshd.pid
CONFIG
mkdir -p /run/sshd  # sshd's privilege separation directory
server_log="$work/sshd.log"
start_server /usr/sbin/sshd -D -e -f "$work/sshd_config" -p @PORT@ || fail "sshd did not start"
port=$server_port

user_known_hosts=/dev/null  # ssh's own file, beside the command
connect() {  # [extra helper flags] -> ssh's output; status as ssh's
    ssh -F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=yes \
        -o UserKnownHostsFile="$user_known_hosts" -o GlobalKnownHostsFile=/dev/null \
        -o "KnownHostsCommand=$cli ${store[*]} ssh-known-hosts $* %H %I %t %K" \
        -o IdentitiesOnly=yes -o ConnectTimeout=10 -i "$work/user_key" -p "$port" \
        root@127.0.0.1 echo connected 2>&1
}
peer="127.0.0.1:$port"

echo "== no pin: refused"
out=$(connect || true)
! grep -q "^connected" <<<"$out" || fail "connected without a pin: $out"
grep -q "Host key verification failed" <<<"$out" || fail "no host-key error without a pin: $out"

echo "== the host key pinned: connects"
"$cli" "${store[@]}" pin add --protocol ssh --peer "$peer" --ssh-key "$work/host_key.pub" >/dev/null
out=$(connect) || fail "ssh failed with the host key pinned: $out"
grep -q "^connected" <<<"$out" || fail "no connection with the host key pinned: $out"

echo "== the pin replaced by another key: refused"
"$cli" "${store[@]}" pin add --protocol ssh --peer "$peer" --ssh-key "$work/other_host_key.pub" \
    --replace >/dev/null
out=$(connect || true)
! grep -q "^connected" <<<"$out" || fail "connected although another key is pinned: $out"
grep -q "Host key verification failed" <<<"$out" || fail "no host-key error: $out"

echo "== the host key distrusted: refused even if pinned"
"$cli" "${store[@]}" pin add --protocol ssh --peer "$peer" --ssh-key "$work/host_key.pub" \
    --replace >/dev/null
"$cli" "${store[@]}" distrust add --spki "$work/host_key.pub" >/dev/null
out=$(connect || true)
! grep -q "^connected" <<<"$out" || fail "connected to a distrusted host key: $out"
grep -q "REVOKED HOST KEY" <<<"$out" || fail "no revoked-key error for a distrusted key: $out"

echo "== the host key distrusted: refused even though ssh's own known_hosts lists it"
echo "[127.0.0.1]:$port $(cat "$work/host_key.pub")" >"$work/known_hosts"
user_known_hosts="$work/known_hosts"
out=$(connect || true)
! grep -q "^connected" <<<"$out" || fail "ssh's known_hosts let a distrusted key in: $out"
grep -q "REVOKED HOST KEY" <<<"$out" || fail "no revoked-key error: $out"
user_known_hosts=/dev/null

echo "== --pin-on-first-use: the first connection pins"
"$cli" "${store[@]}" pin forget --peer "$peer" >/dev/null
id=$("$cli" "${store[@]}" distrust list --json | jq -r '.distrust[0].id')
"$cli" "${store[@]}" distrust remove "$id" >/dev/null
out=$(connect --pin-on-first-use) || fail "first use with --pin-on-first-use failed: $out"
grep -q "127.0.0.1:$port .*ssh .*tofu" <<<"$("$cli" "${store[@]}" pin list)" ||
    fail "no tofu pin after the first connection: $("$cli" "${store[@]}" pin list)"
out=$(connect) || fail "the pin made on first use does not let ssh in: $out"

echo "== peertrust-ssh-known-hosts, as the README's ssh_config names it, asking peertrustd"
helper="$build/cli/peertrust-ssh-known-hosts"
needed=$(readelf -d "$helper")  # set -e: a missing helper fails here, not passes below
! grep -E -q 'lib(gnutls|sqlite3)' <<<"$needed" ||
    fail "peertrust-ssh-known-hosts links GnuTLS or SQLite: $(grep NEEDED <<<"$needed")"
# The same store, now served by a daemon on a session bus of its own: the first-use pin lets
# ssh in; once forgotten (through the daemon), ssh refuses.
cat >"$work/on-bus.sh" <<ONBUS
set -euo pipefail
"$build/daemon/peertrustd" --session --db "$work/user.db" --system-db "$work/system.db" \
    2>"$work/daemon.log" &
for _ in \$(seq 100); do "$cli" protocol list >/dev/null 2>&1 && break; sleep 0.05; done
viahelper() {
    ssh -F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=yes \
        -o UserKnownHostsFile=/dev/null -o GlobalKnownHostsFile=/dev/null \
        -o "KnownHostsCommand=$helper %H %I %t %K" \
        -o IdentitiesOnly=yes -o ConnectTimeout=10 -i "$work/user_key" -p "$port" \
        root@127.0.0.1 echo connected 2>&1
}
out=\$(viahelper) || { echo "FAIL: the helper did not let ssh in: \$out"; exit 1; }
"$cli" pin forget --peer "$peer" >/dev/null
out=\$(viahelper || true)
grep -q "Host key verification failed" <<<"\$out" ||
    { echo "FAIL: the helper let ssh in without a pin: \$out"; exit 1; }
kill %1
ONBUS
dbus-run-session -- bash "$work/on-bus.sh" || fail "through peertrust-ssh-known-hosts"
echo "PASS"
