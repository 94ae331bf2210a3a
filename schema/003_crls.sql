-- peertrust store, version 3: certificate revocation lists an administrator (system store) or
-- a user (user store) added. Never fetched: only what was given. One CRL per issuer (name and
-- key): a newer one replaces the older, and Verify rejects every certificate listed in any.

CREATE TABLE crls (
    id                 TEXT PRIMARY KEY,
    der                BLOB NOT NULL UNIQUE,
    issuer_dn          BLOB NOT NULL,  -- the CRL's issuer name, raw DER
    issuer_cert        BLOB NOT NULL,  -- DER of the certificate whose key signed the CRL
    issuer_spki_sha256 BLOB NOT NULL CHECK (length(issuer_spki_sha256) = 32),
    this_update        INTEGER NOT NULL,
    next_update        INTEGER,
    crl_number         TEXT,           -- lower-case hex without leading zeros; NULL: none
    entries            INTEGER NOT NULL CHECK (entries >= 0),
    created            INTEGER NOT NULL,
    UNIQUE (issuer_dn, issuer_spki_sha256)
) STRICT;
