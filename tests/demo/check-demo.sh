#!/bin/bash
# The README's first command, after its setup: .ci/demo against this build tree, on a private
# session bus. Each question must get the verdict the README promises: accepted through the
# scoped anchor, rejected out-of-scope with its explanation, first-use, pinned on first use,
# then pinned under another spelling of the name; and the pin is listed.
# usage: check-demo.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
out=$(PEERTRUST_DEMO_BUILD="$build" PEERTRUST_DEMO_ON_BUS=1 \
    dbus-run-session -- bash "$here/../../.ci/demo" 2>&1)
fail() {
    echo "$out"
    echo "FAIL: $*" >&2
    exit 1
}
expect() { grep -qF -- "$1" <<<"$out" || fail "missing: $1"; }
# Debian's bundle (about 140 roots) imported into a new store: nothing was there before.
grep -Eq '^imported [1-9][0-9]{2}, already present 0' <<<"$out" ||
    fail "anchor import-system did not import Debian's CA bundle"
expect 'added anchor '
expect 'accepted (anchor)'
expect 'rejected (out-of-scope)'
expect 'but its scope does not admit the name www.example.ar (permit .br)'
expect 'unknown (first-use)'
expect 'accepted (tofu-new)'
expect '"verdict":"accepted","reason":"pinned"'
expect 'printer.local  tls'
# Exit codes in the order asked: accepted 0, rejected 1, unknown 2, then 0 and 0.
codes=$(grep -o '(exit [0-9]*)' <<<"$out" | tr -d '()exit ' | tr '\n' ' ')
[ "$codes" = "0 1 2 0 0 " ] || fail "exit codes were: $codes"
echo "demo: every verdict as the README says"
