#!/bin/bash
# peertrust anchor export: the PEM bundle for programs that read files. gnutls-cli given the
# exported file trusts a server from an unscoped anchor and not one from a name-scoped or a
# protocol-limited anchor, which the file must not contain; with --purpose server-auth the
# tls-only anchor is in. The file is replaced whole, mode 0644, its header says what is out.
# An administrator's CRL: the chain gnutls-cli receives from a server with a revoked
# certificate is rejected as revoked by peertrust verify (gnutls-cli given the same CRL agrees),
# and the anchor under the CRL leaves the file, since its readers cannot apply the CRL.
# usage: check-pem-export.sh BUILD_DIR
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

connect() {  # host gnutls-cli-options...: what gnutls-cli says about the host's server -> $said
    local host=$1
    shift
    start_server gnutls-serv --port @PORT@ --x509certfile "$host.pem" --x509keyfile "$host.key" ||
        fail "gnutls-serv did not start"
    said=$(echo | timeout 20 gnutls-cli -p "$server_port" --sni-hostname "$host" "$@" 127.0.0.1 \
        2>&1 || true)
    stop_server
}
handshake() {  # host bundle -> 0 trusted, 1 not; no verdict at all fails the test
    connect "$1" --x509cafile "$2" --verify-hostname "$1"
    grep -q "Status: The certificate is trusted" <<<"$said" && return 0
    grep -q "Status: The certificate is NOT trusted" <<<"$said" && return 1
    fail "gnutls-cli gave no verdict on $1: $said"
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

echo "== an administrator's CRL"
ca revoking "Revoking Root"
server_cert revoking www.revoked.example
server_cert revoking www.kept.example
crl revoking revoking.crl www.revoked.example.pem
admin anchor add revoking.pem --label "Revoking Root" >/dev/null
admin anchor export -o before.pem >/dev/null
handshake www.kept.example before.pem || fail "the revoking anchor's server is not trusted"
admin crl add revoking.crl >/dev/null || fail "the CRL was not added"
connect www.revoked.example --insecure --save-cert presented.pem
[ -s presented.pem ] || fail "gnutls-cli saved no chain"
set +e
verdict=$(admin verify --protocol https --peer www.revoked.example --chain presented.pem)
status=$?
set -e
[ "$status" = 1 ] || fail "verify of the revoked server exited $status, not 1: $verdict"
grep -q "^rejected (revoked)" <<<"$verdict" || fail "not rejected as revoked: $verdict"
admin verify --protocol https --peer www.kept.example --chain www.kept.example.pem >/dev/null ||
    fail "a certificate the CRL does not list is not accepted"
connect www.revoked.example --x509cafile revoking.pem --x509crlfile revoking.crl \
    --verify-hostname www.revoked.example
grep -q "The certificate is NOT trusted" <<<"$said" ||
    fail "gnutls-cli with the same CRL does not reject the server"
admin anchor export -o after.pem >/dev/null
grep -q "^#   Revoking Root .*the CRL [0-9a-f]\{16\} revokes it or certificates under it" after.pem ||
    fail "the header does not say why Revoking Root is out"
! handshake www.kept.example after.pem ||
    fail "the anchor under a CRL is still in the file, where readers cannot apply the CRL"
echo "PASS"
