-- peertrust store, version 2: hashed pins, imported from OpenSSH known_hosts lines whose host
-- is hashed (HashKnownHosts, ssh-keygen -H: "|1|salt|hash"). The host name cannot be recovered,
-- only tested: Verify computes HMAC-SHA1(salt, host) for an ssh peer that no plain pin answers.

CREATE TABLE hashed_pins (
    id          TEXT PRIMARY KEY,
    salt        BLOB NOT NULL CHECK (length(salt) = 20),
    host_hmac   BLOB NOT NULL CHECK (length(host_hmac) = 20),
    protocol    TEXT NOT NULL,
    key_format  TEXT NOT NULL CHECK (key_format IN ('x509-chain', 'spki', 'openssh')),
    spki_sha256 BLOB NOT NULL CHECK (length(spki_sha256) = 32),
    key_data    BLOB NOT NULL,
    first_seen  INTEGER NOT NULL,
    origin      TEXT NOT NULL CHECK (origin IN ('tofu', 'manual', 'imported', 'gcr')),
    UNIQUE (salt, host_hmac, protocol, spki_sha256)
) STRICT;
-- Verify scans one protocol's hashed pins (every salt differs, so no index on the name helps).
CREATE INDEX hashed_pins_protocol ON hashed_pins (protocol);
CREATE INDEX hashed_pins_first_seen ON hashed_pins (first_seen);

-- As pin_stats: written in batches, apart from the pins themselves.
CREATE TABLE hashed_pin_stats (
    pin_id     TEXT PRIMARY KEY REFERENCES hashed_pins (id) ON DELETE CASCADE,
    last_seen  INTEGER NOT NULL,
    seen_count INTEGER NOT NULL
) STRICT;
