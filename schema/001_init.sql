-- peertrust store, version 1. One file per layer (system, user) with the same schema.
-- Times are seconds since the epoch (UTC). Hashes are raw 32-byte SHA-256 values.

CREATE TABLE protocols (
    name    TEXT PRIMARY KEY,
    family  TEXT NOT NULL,
    policy  TEXT NOT NULL CHECK (policy IN ('tofu', 'ca-only')),
    created INTEGER NOT NULL
) STRICT;

CREATE TABLE anchors (
    id          TEXT PRIMARY KEY,
    cert_der    BLOB NOT NULL UNIQUE,
    spki_sha256 BLOB NOT NULL CHECK (length(spki_sha256) = 32),
    subject     TEXT NOT NULL,
    label       TEXT NOT NULL,
    source      TEXT NOT NULL CHECK (source IN ('manual', 'system')),
    created     INTEGER NOT NULL
) STRICT;
CREATE INDEX anchors_spki ON anchors (spki_sha256);

-- One row per anchor. protocols: comma-separated names or families, NULL for all.
CREATE TABLE anchor_scopes (
    anchor_id TEXT PRIMARY KEY REFERENCES anchors (id) ON DELETE CASCADE,
    protocols TEXT,
    not_after INTEGER
) STRICT;

CREATE TABLE anchor_subtrees (
    anchor_id TEXT NOT NULL REFERENCES anchors (id) ON DELETE CASCADE,
    kind      TEXT NOT NULL CHECK (kind IN ('permit', 'exclude')),
    type      TEXT NOT NULL CHECK (type IN ('dns', 'ip', 'email')),
    value     TEXT NOT NULL,
    PRIMARY KEY (anchor_id, kind, type, value)
) STRICT;

CREATE TABLE distrust (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('certificate', 'spki')),
    cert_sha256 BLOB CHECK (cert_sha256 IS NULL OR length(cert_sha256) = 32),
    spki_sha256 BLOB NOT NULL CHECK (length(spki_sha256) = 32),
    data        BLOB NOT NULL,
    label       TEXT NOT NULL,
    created     INTEGER NOT NULL
) STRICT;
CREATE INDEX distrust_spki ON distrust (spki_sha256);
CREATE INDEX distrust_cert ON distrust (cert_sha256);

-- Clustered by (peer, protocol): every Verify looks up one peer's pins among possibly
-- millions, and finds them in one range of one b-tree.
CREATE TABLE pins (
    id          TEXT NOT NULL UNIQUE,
    peer        TEXT NOT NULL,
    protocol    TEXT NOT NULL,
    key_format  TEXT NOT NULL CHECK (key_format IN ('x509-chain', 'spki', 'openssh')),
    spki_sha256 BLOB NOT NULL CHECK (length(spki_sha256) = 32),
    key_data    BLOB NOT NULL,
    first_seen  INTEGER NOT NULL,
    origin      TEXT NOT NULL CHECK (origin IN ('tofu', 'manual', 'imported', 'gcr')),
    PRIMARY KEY (peer, protocol, spki_sha256)
) STRICT, WITHOUT ROWID;
CREATE INDEX pins_first_seen ON pins (first_seen);

-- Written in batches, apart from the pins themselves, so a Verify never waits for a sync.
CREATE TABLE pin_stats (
    pin_id     TEXT PRIMARY KEY REFERENCES pins (id) ON DELETE CASCADE,
    last_seen  INTEGER NOT NULL,
    seen_count INTEGER NOT NULL
) STRICT;
