#!/bin/bash
# The PKCS#11 trust module with the real clients: p11-kit's tools list it and its anchors,
# gnutls-cli, trusting only our token, accepts exactly what the daemon's scopes allow
# (stapled NameConstraints, no serverAuth for an smtp-only anchor, distrust), and NSS
# (modutil, certutil, vfychain) gets no more than it can enforce; nor does anyone get an
# anchor under an administrator's CRL. The store is changed with the CLI while nothing
# restarts. Root installs the module file under
# /etc/pkcs11/modules (p11-kit reads no per-user file for root) and removes it afterwards.
# usage: check-trust-module.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../support/loopback-server.sh"
cli="$build/cli/peertrust"
module="$build/trust-module/peertrust-trust.so"
work=$(mktemp -d)
modfile=/etc/pkcs11/modules/peertrust-test-$$.module
cleanup() {
    stop_server
    rm -f "$modfile"
    rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

mkdir -p /etc/pkcs11/modules
# The module file cmake installs, pointing at the module in the build tree.
sed "s|^module:.*|module: $module|" "$build/trust-module/peertrust-trust.module" > "$modfile"
# The module finds the stores through these (the defaults are the machine's own stores).
export PEERTRUST_SYSTEM_DB="$work/system.db" PEERTRUST_USER_DB="$work/user.db"
admin() { "$cli" --system --db "$PEERTRUST_SYSTEM_DB" "$@"; }
person() { "$cli" --db "$PEERTRUST_USER_DB" --system-db "$PEERTRUST_SYSTEM_DB" "$@"; }
der() { certtool --certificate-info --infile "$1.pem" --outder --outfile "$1.der" >/dev/null; }

cd "$work"
. "$here/../support/certificates.sh"
ca br "Brazil Root"
ca mail "Mail Root"
ca open "Open Root"
server_cert br www.gov.br
server_cert br www.example.ar
server_cert mail mx.example.com
server_cert open www.example.com
server_cert open www.late.example   # for the live refresh

admin anchor add br.pem --permit .br --label "Brazil Root" >/dev/null
admin anchor add mail.pem --protocols smtp --label "Mail Root" >/dev/null
admin anchor add open.pem --label "Open Root" >/dev/null

echo "== p11-kit sees the module and its anchors"
grep -q "library-description: peertrust trust module" <<<"$(p11-kit list-modules)" ||
    fail "p11-kit list-modules does not show the module"
listing=$(trust list --filter=ca-anchors)
grep -q "label: Brazil Root" <<<"$listing" || fail "trust list lacks Brazil Root"
grep -q "label: Open Root" <<<"$listing" || fail "trust list lacks Open Root"
# An smtp-only anchor is nobody's anchor in a form that cannot carry the protocol.
! grep -q "label: Mail Root" <<<"$listing" || fail "trust list shows the smtp-only anchor"

# gnutls-cli trusting only our token against gnutls-serv on loopback.
handshake() {  # host cert-name -> 0 trusted, 1 not; no verdict at all fails the test
    # (token=user handshake ...: trusting the user token instead of the system one)
    start_server gnutls-serv --port @PORT@ --x509certfile "$2.pem" --x509keyfile "$2.key" ||
        fail "gnutls-serv did not start"
    local out
    out=$(echo | timeout 20 gnutls-cli -p "$server_port" \
        --x509cafile "pkcs11:token=peertrust%20${token:-system}" \
        --sni-hostname "$1" --verify-hostname "$1" 127.0.0.1 2>&1 || true)
    stop_server
    grep -q "Status: The certificate is trusted" <<<"$out" && return 0
    grep -q "Status: The certificate is NOT trusted" <<<"$out" && return 1
    fail "gnutls-cli gave no verdict on $1: $out"
}

echo "== GnuTLS: stapled NameConstraints, purposes, distrust"
handshake www.gov.br www.gov.br || fail "www.gov.br from the .br-scoped anchor was refused"
! handshake www.example.ar www.example.ar ||
    fail "www.example.ar from the .br-scoped anchor was accepted (NameConstraints not stapled)"
! handshake mx.example.com mx.example.com || fail "the smtp-only anchor was a serverAuth anchor"
handshake www.example.com www.example.com || fail "the unscoped anchor was refused"
# A sub-CA of an exported anchor, distrusted: its chains fail in GnuTLS as in the daemon. The
# anchor stays; the distrust is exported beside it, and GnuTLS reads such objects only from a
# module whose library manufacturer is "PKCS#11 Kit".
sub_ca open rogue "Rogue Sub-CA"
server_cert rogue www.rogue.example
cat www.rogue.example.pem rogue.pem > rogue-chain.pem
cp www.rogue.example.key rogue-chain.key
handshake www.rogue.example rogue-chain || fail "the chain through the sub-CA was refused"
admin distrust add rogue.pem >/dev/null
! handshake www.rogue.example rogue-chain ||
    fail "GnuTLS trusted a chain through a distrusted sub-CA"
handshake www.example.com www.example.com || fail "the sub-CA's distrust took its anchor away"
# GnuTLS reads distrust only from the token it trusts: the administrator's distrust of a sub-CA
# under the user's own anchor must reach a client of the user token too.
ca own "Own Root"
person anchor add own.pem --label "Own Root" >/dev/null
sub_ca own ownsub "Own Sub-CA"
server_cert ownsub www.own.example
cat www.own.example.pem ownsub.pem > own-chain.pem
cp www.own.example.key own-chain.key
token=user handshake www.own.example own-chain ||
    fail "the chain through the user's own anchor was refused through the user token"
admin distrust add ownsub.pem >/dev/null
! token=user handshake www.own.example own-chain ||
    fail "through the user token, GnuTLS trusted a sub-CA the administrator distrusts"
# A CA whose certificate permits only example.com, anchored with --permit .br: stapled .br
# constraints would replace its own in GnuTLS, so GnuTLS is not given it as an anchor.
constrained_ca narrow "Narrow Root" example.com
server_cert narrow www.narrow.br
admin anchor add narrow.pem --permit .br --label "Narrow Root" >/dev/null
! handshake www.narrow.br www.narrow.br ||
    fail "GnuTLS trusted a name the anchor certificate's own NameConstraints forbid"

echo "== NSS: modutil, certutil trust flags, vfychain"
ca bad "Bad Root"
server_cert bad www.bad.example
admin anchor add bad.pem --label "Bad Root" >/dev/null
admin distrust add bad.pem >/dev/null
mkdir nssdb
certutil -N -d sql:nssdb --empty-password
echo | modutil -dbdir sql:nssdb -add peertrust -libfile "$module" -force >/dev/null
grep -q "token: peertrust system" <<<"$(modutil -dbdir sql:nssdb -list)" ||
    fail "NSS does not see our token"
flags() {  # nickname -> NSS trust flags, as "SSL,S/MIME,JAR/XPI"
    certutil -L -d sql:nssdb -h all | sed -n "s/^peertrust system:$1 *\([^ ]*\) *$/\1/p"
}
nss_list=$(certutil -L -d sql:nssdb -h all)
echo "$nss_list"
# An unscoped anchor is a trusted delegator (C) for TLS servers; a name-scoped one is not an
# anchor at all for NSS, which cannot be given the scope; a distrusted one is prohibited.
for name in "Open Root" "Brazil Root" "Bad Root"; do
    grep -q "^peertrust system:$name " <<<"$nss_list" || fail "NSS does not list $name"
done
[[ $(flags "Open Root") == C*,* ]] || fail "NSS: Open Root not a trusted CA: $(flags "Open Root")"
[[ $(flags "Brazil Root") != *[CT]* ]] || fail "NSS: name-scoped Brazil Root is an anchor"
[[ $(flags "Bad Root") != *[CT]* ]] || fail "NSS: distrusted Bad Root is an anchor"
[[ $(flags "Bad Root") == p* ]] || fail "NSS: distrusted Bad Root not marked untrusted"
! grep -q "Mail Root" <<<"$nss_list" || fail "NSS lists the smtp-only anchor"
vfy() { vfychain -d sql:nssdb -a -u 1 "$1.pem" >/dev/null 2>&1; }  # -u 1: TLS server
vfy www.example.com || fail "vfychain refused a leaf of the unscoped anchor"
! vfy www.bad.example || fail "vfychain accepted a leaf of the distrusted anchor"
! vfy www.gov.br || fail "vfychain accepted a leaf of the name-scoped anchor (NSS cannot scope)"

echo "== gcr: anchors, pins looked up, stored and removed through the module"
ca plain "Plain Root"
admin anchor add plain.pem --label "Plain Root" >/dev/null
for name in open plain mail br www.example.com www.gov.br; do der "$name"; done
# gcr's answer as printed: "yes" or "no"; an error prints neither, so it never passes as "no".
expect() {  # yes|no message command...
    local want=$1 message=$2 got
    shift 2
    got=$("$@" 2>>"$work/gcr.log" || true)
    [ "$got" = "$want" ] || fail "$message (gcr said '${got:-an error}', see $work/gcr.log)"
}
gcr_check="$build/tests/peertrust_gcr_trust_check"
expect yes "gcr: Plain Root is not anchored" "$gcr_check" anchored plain.der server-auth
# gcr checks no certificate of a chain against distrust: Open Root, which issued the distrusted
# Rogue Sub-CA, is not gcr's anchor (GnuTLS and NSS, which do check, keep it).
expect no "gcr: Open Root is anchored above its distrusted sub-CA" \
    "$gcr_check" anchored open.der server-auth
expect no "gcr: smtp-only Mail Root anchored" "$gcr_check" anchored mail.der server-auth
expect no "gcr: smtp-only Mail Root anchored for email" "$gcr_check" anchored mail.der email
expect no "gcr: name-scoped Brazil Root anchored (gcr cannot scope)" \
    "$gcr_check" anchored br.der server-auth
expect no "gcr: pinned before any pin exists" \
    "$gcr_check" pinned www.example.com.der server-auth www.example.com
person pin add --protocol tls --peer www.example.com --chain www.example.com.pem >/dev/null
expect yes "gcr: a pin added with the CLI is not seen" \
    "$gcr_check" pinned www.example.com.der server-auth www.example.com
expect no "gcr: a pin is seen for another peer" \
    "$gcr_check" pinned www.example.com.der server-auth other.example.com
expect no "gcr: another key is seen as pinned" \
    "$gcr_check" pinned www.gov.br.der server-auth www.example.com
expect yes "gcr: add pin failed" "$gcr_check" add-pin www.gov.br.der server-auth www.gov.br
grep -E -q "www\.gov\.br +tls .* gcr " <<<"$(person pin list)" ||
    fail "gcr's pin is not in peertrust pin list: $(person pin list)"
expect yes "gcr: its own pin is not seen" \
    "$gcr_check" pinned www.gov.br.der server-auth www.gov.br
expect yes "gcr: remove pin failed" "$gcr_check" remove-pin www.gov.br.der server-auth www.gov.br
pins=$(person pin list)  # set -e: a failing listing fails here, not passes below
! grep -q "www\.gov\.br" <<<"$pins" || fail "gcr's removed pin is still listed"

echo "== an unprivileged user, no daemon: the stored system state, never root's pins"
# Nothing in this script starts peertrustd: every answer so far came from the stores.
user=peertrust-test
id "$user" >/dev/null 2>&1 ||
    useradd --system --no-create-home --shell /usr/sbin/nologin "$user"
chmod 755 "$work"
mkdir "$work/home"
chown "$user" "$work/home"
as_user() {  # its own HOME, so its own user store; the system store the admin wrote
    setpriv --reuid "$user" --regid "$(id -g "$user")" --init-groups \
        env -i PATH="$PATH" HOME="$work/home" PEERTRUST_SYSTEM_DB="$PEERTRUST_SYSTEM_DB" "$@"
}
expect yes "the unprivileged user does not see the system anchor" \
    as_user "$gcr_check" anchored plain.der server-auth
grep -q "label: Open Root" <<<"$(as_user trust list --filter=ca-anchors)" ||
    fail "trust list as the unprivileged user lacks Open Root"
expect no "the unprivileged user sees root's pin" \
    as_user "$gcr_check" pinned www.example.com.der server-auth www.example.com
# Pointed at root's store (mode 0600) the module cannot honour that user's distrust, so it
# fails closed: no pins and no anchors either.
expect no "the unprivileged user read root's pins" \
    as_user env PEERTRUST_USER_DB="$PEERTRUST_USER_DB" "$gcr_check" pinned www.example.com.der \
    server-auth www.example.com
expect no "an unreadable user store did not fail closed" \
    as_user env PEERTRUST_USER_DB="$PEERTRUST_USER_DB" "$gcr_check" anchored plain.der server-auth
# gcr stores the user's pin in the user's own store, which the user's CLI lists.
expect yes "the unprivileged user cannot store a pin through gcr" \
    as_user "$gcr_check" add-pin www.gov.br.der server-auth www.gov.br
grep -q "www\.gov\.br" <<<"$(as_user "$cli" --db "$work/home/.local/share/peertrust/user.db" \
    --system-db "$PEERTRUST_SYSTEM_DB" pin list)" ||
    fail "the unprivileged user's gcr pin is not in its own store"
pins=$(person pin list)
! grep -q "www\.gov\.br" <<<"$pins" || fail "the unprivileged user's pin reached root"

echo "== a change with the CLI reaches the next client, nothing restarted"
ca late "Late Root"
server_cert late www.late.example
! handshake www.late.example www.late.example || fail "Late Root trusted before it was added"
admin anchor add late.pem --label "Late Root" >/dev/null
handshake www.late.example www.late.example || fail "Late Root not trusted after it was added"
admin distrust add open.pem >/dev/null
! handshake www.example.com www.example.com || fail "a distrusted anchor was still trusted"
grep -q "label: " <<<"$(trust list --filter=blocklist)" ||
    fail "trust list shows no distrusted certificate"

echo "== an administrator's CRL: no client gets an anchor whose CRL it cannot apply"
server_cert late www.revoked.example
crl late late.crl www.revoked.example.pem
der late
grep -q "Late Root" <<<"$(certutil -L -d sql:nssdb -h all)" || fail "NSS does not list Late Root"
expect yes "gcr: Late Root is not anchored" "$gcr_check" anchored late.der server-auth
admin crl add late.crl >/dev/null
! handshake www.late.example www.late.example ||
    fail "GnuTLS still trusts an anchor under a CRL it is not given"
anchors=$(trust list --filter=ca-anchors)
! grep -q "label: Late Root" <<<"$anchors" || fail "trust list shows the anchor under a CRL"
nss=$(certutil -L -d sql:nssdb -h all)
! grep -q "Late Root" <<<"$nss" || fail "NSS is given the anchor under a CRL"
expect no "gcr: the anchor under a CRL is anchored" "$gcr_check" anchored late.der server-auth
admin crl remove "$(admin crl list --json | jq -r '.crls[0].id')" >/dev/null
handshake www.late.example www.late.example || fail "the anchor did not come back with its CRL gone"
echo "PASS"
