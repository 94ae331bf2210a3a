#!/bin/bash
# peertrust anchor export: the PEM bundle for programs that read files. gnutls-cli given the
# exported file trusts a server from an unscoped anchor and not one from a name-scoped or a
# protocol-limited anchor, which the file must not contain; with --purpose server-auth the
# tls-only anchor is in. The file is replaced whole, mode 0644, its header says what is out.
# usage: check-pem-export.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
cli="$build/cli/peertrust"
work=$(mktemp -d)
server=""
cleanup() {
    [ -n "$server" ] && kill "$server" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
admin() { "$cli" --system --db "$work/system.db" "$@"; }

cd "$work"
. "$here/../support/certificates.sh"
ca open "Open Root"
ca br "Brazil Root"
ca web "Web Root"
server_cert open www.example.com
server_cert br www.gov.br
server_cert web www.web.example
admin anchor add open.pem --label "Open Root" >/dev/null
admin anchor add br.pem --permit .br --label "Brazil Root" >/dev/null
admin anchor add web.pem --protocols tls --label "Web Root" >/dev/null

port=$((20000 + ($$ + 7) % 20000))
handshake() {  # host bundle -> 0 when the server's certificate is trusted
    gnutls-serv --port "$port" --x509certfile "$1.pem" --x509keyfile "$1.key" >/dev/null 2>&1 &
    server=$!
    for _ in $(seq 50); do
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
        sleep 0.1
    done
    local out
    out=$(echo | timeout 20 gnutls-cli -p "$port" --x509cafile "$2" --sni-hostname "$1" \
        --verify-hostname "$1" 127.0.0.1 2>&1 || true)
    kill "$server"; wait "$server" 2>/dev/null || true; server=""
    grep -q "Status: The certificate is trusted" <<<"$out"
}

echo "== a file for every use"
echo "stale" > bundle.pem
admin anchor export -o bundle.pem >/dev/null
[ "$(stat -c %a bundle.pem)" = 644 ] || fail "bundle.pem is not mode 0644"
[ "$(grep -c 'BEGIN CERTIFICATE' bundle.pem)" = 1 ] || fail "not exactly one anchor in the file"
grep -q "^#   Brazil Root .*name-scoped" bundle.pem || fail "the header does not say why Brazil Root is out"
grep -q "^#   Web Root .*limited to some protocols" bundle.pem ||
    fail "the header does not say why Web Root is out"
! grep -q stale bundle.pem || fail "the old file was not replaced"
handshake www.example.com bundle.pem || fail "the unscoped anchor's server is not trusted"
! handshake www.gov.br bundle.pem || fail "the name-scoped anchor's server is trusted"
! handshake www.web.example bundle.pem || fail "the tls-only anchor is in a file for every use"

echo "== a file for server authentication"
admin anchor export --purpose server-auth -o server.pem >/dev/null
handshake www.web.example server.pem || fail "the tls anchor is missing from a server-auth file"
! handshake www.gov.br server.pem || fail "the name-scoped anchor is in the server-auth file"
echo "PASS"
