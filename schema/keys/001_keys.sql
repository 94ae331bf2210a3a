-- peertrust key layer, version 1: the private keys the daemon holds in its backend token, who
-- may use them and every use. A file of its own (keys.db, mode 0600) beside the backend's
-- state: unlike the system trust store, none of this is public.

-- One row per key pair in the backend. The private key never leaves the backend; the public
-- key and an attached certificate are kept here so listing needs no backend session.
CREATE TABLE keys (
    id          TEXT PRIMARY KEY,  -- 16 hex digits of the SHA-256 of the public key (SPKI)
    label       TEXT NOT NULL UNIQUE,
    key_set     TEXT NOT NULL,     -- shown to a grantee as one token
    key_type    TEXT NOT NULL CHECK (key_type IN ('ec-p256', 'ec-p384', 'rsa-2048', 'rsa-3072')),
    key_use     TEXT NOT NULL CHECK (key_use IN ('sign', 'decrypt')),
    backend_id  BLOB NOT NULL UNIQUE,  -- CKA_ID of the pair in the backend token
    public_key  BLOB NOT NULL,         -- SubjectPublicKeyInfo, DER
    certificate BLOB,                  -- X.509 DER, attached with import-cert
    created     INTEGER NOT NULL
) STRICT;
CREATE INDEX keys_set ON keys (key_set);

-- A uid may use one key, or every key of a set, until an optional time.
CREATE TABLE key_grants (
    subject_kind TEXT NOT NULL CHECK (subject_kind IN ('key', 'set')),
    subject      TEXT NOT NULL,  -- a key id or a set name
    uid          INTEGER NOT NULL,
    until        INTEGER,        -- NULL: until revoked
    created      INTEGER NOT NULL,
    PRIMARY KEY (subject_kind, subject, uid)
) STRICT;
CREATE INDEX key_grants_uid ON key_grants (uid);

-- Every private-key operation through the gateway, written in batches (at most the last
-- second is lost on a crash). Rows outlive their key: key_id is not a foreign key.
CREATE TABLE key_audit (
    seq       INTEGER PRIMARY KEY,
    at_ms     INTEGER NOT NULL,  -- milliseconds since the epoch
    uid       INTEGER NOT NULL,
    pid       INTEGER NOT NULL,
    key_id    TEXT NOT NULL,
    operation TEXT NOT NULL CHECK (operation IN ('sign', 'decrypt')),
    mechanism TEXT NOT NULL,
    result    TEXT NOT NULL      -- "ok" or the CKR_ name the backend returned
) STRICT;
CREATE INDEX key_audit_at ON key_audit (at_ms);
