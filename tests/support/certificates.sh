# Test certificates made with certtool in the current directory, for the shell tests.
# ca NAME CN: a self-signed ECDSA CA (NAME.pem, NAME.key) that may sign certificates and CRLs.
ca() {
    printf 'cn = "%s"\nca\ncert_signing_key\ncrl_signing_key\nexpiration_days = 365\n' "$2" \
        > "$1.tmpl"
    certtool --generate-privkey --key-type ecdsa --outfile "$1.key" 2>/dev/null
    certtool --generate-self-signed --load-privkey "$1.key" --template "$1.tmpl" \
        --outfile "$1.pem" 2>/dev/null
}
# constrained_ca NAME CN DOMAIN: like ca, with NameConstraints of its own permitting DOMAIN.
constrained_ca() {
    printf 'cn = "%s"\nca\ncert_signing_key\nnc_permit_dns = "%s"\nexpiration_days = 365\n' \
        "$2" "$3" > "$1.tmpl"
    certtool --generate-privkey --key-type ecdsa --outfile "$1.key" 2>/dev/null
    certtool --generate-self-signed --load-privkey "$1.key" --template "$1.tmpl" \
        --outfile "$1.pem" 2>/dev/null
}
# sub_ca CA NAME CN: a CA (NAME.pem, NAME.key) issued by CA.
sub_ca() {
    printf 'cn = "%s"\nca\ncert_signing_key\ncrl_signing_key\nexpiration_days = 365\n' "$3" \
        > "$2.tmpl"
    certtool --generate-privkey --key-type ecdsa --outfile "$2.key" 2>/dev/null
    certtool --generate-certificate --load-privkey "$2.key" --load-ca-certificate "$1.pem" \
        --load-ca-privkey "$1.key" --template "$2.tmpl" --outfile "$2.pem" 2>/dev/null
}
# server_cert CA HOST: a TLS server certificate for HOST issued by CA (HOST.pem, HOST.key).
server_cert() {
    printf 'cn = "%s"\ndns_name = "%s"\ntls_www_server\nexpiration_days = 30\n' "$2" "$2" \
        >"$2.tmpl"
    certtool --generate-privkey --key-type ecdsa --outfile "$2.key" 2>/dev/null
    certtool --generate-certificate --load-privkey "$2.key" --load-ca-certificate "$1.pem" \
        --load-ca-privkey "$1.key" --template "$2.tmpl" --outfile "$2.pem" 2>/dev/null
}
# crl CA NAME [CERT...]: a CRL by CA revoking the given certificates (NAME, PEM).
crl() {
    local ca=$1 out=$2
    shift 2
    printf 'crl_next_update = 7\ncrl_number = 1\n' > "$out.tmpl"
    local revoked=()
    if [ $# -gt 0 ]; then
        cat "$@" > "$out.revoked"
        revoked=(--load-certificate "$out.revoked")
    fi
    certtool --generate-crl --load-ca-privkey "$ca.key" --load-ca-certificate "$ca.pem" \
        "${revoked[@]}" --template "$out.tmpl" --outfile "$out" 2>/dev/null
}
