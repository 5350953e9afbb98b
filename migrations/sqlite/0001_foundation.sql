-- Foundation: cooperatives, their keys, zones, trees, and the append-only ledger.
--
-- Conventions shared with migrations/postgres/0001_foundation.sql (same version, same
-- meaning): times are INTEGER unix milliseconds (UTC); hashes, keys and encoded ledger
-- entries are BLOBs; dates a person picks (planting date) are ISO 'YYYY-MM-DD' text.

CREATE TABLE cooperatives (
    id            INTEGER PRIMARY KEY,
    -- Short code printed in every QR URL: A-Z, 0-9 and inner hyphens (ledger::CoopCode).
    code          TEXT    NOT NULL UNIQUE,
    name          TEXT    NOT NULL,
    province      TEXT    NOT NULL,
    district      TEXT    NOT NULL,
    commune       TEXT    NOT NULL,
    contact       TEXT    NOT NULL DEFAULT '',
    gs1_prefix    TEXT,
    -- The log's origin line in checkpoints, fixed at creation so old checkpoints stay valid.
    origin        TEXT    NOT NULL UNIQUE,
    -- Number of entries in the cooperative's log. Appending increments it first, which
    -- takes the write lock before anything is read and so serialises concurrent appends.
    log_size      INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL
);

-- Every key the cooperative ever had, oldest first. The signing key's secret is stored
-- encrypted with the server secret (ChaCha20-Poly1305); the public key history is public.
CREATE TABLE cooperative_keys (
    id             INTEGER PRIMARY KEY,
    cooperative_id INTEGER NOT NULL REFERENCES cooperatives (id),
    key_id         TEXT    NOT NULL,
    public_key     BLOB    NOT NULL,
    secret_sealed  BLOB    NOT NULL,
    -- The signed rotation statement that introduced this key; NULL for the first key.
    rotation       BLOB,
    created_at     INTEGER NOT NULL,
    UNIQUE (cooperative_id, key_id)
);

CREATE TABLE zones (
    id             INTEGER PRIMARY KEY,
    cooperative_id INTEGER NOT NULL REFERENCES cooperatives (id),
    -- Official growing-area code; NULL while the zone is not yet registered.
    code           TEXT,
    name           TEXT    NOT NULL,
    crops          TEXT    NOT NULL,
    area_ha        REAL    NOT NULL,
    households     INTEGER NOT NULL DEFAULT 0,
    -- Boundary as a GeoJSON Polygon geometry (WGS 84 lon/lat), NULL until drawn.
    boundary       TEXT,
    created_at     INTEGER NOT NULL,
    UNIQUE (cooperative_id, code)
);

CREATE TABLE trees (
    id             INTEGER PRIMARY KEY,
    cooperative_id INTEGER NOT NULL REFERENCES cooperatives (id),
    zone_id        INTEGER NOT NULL REFERENCES zones (id),
    code           TEXT    NOT NULL,
    species        TEXT    NOT NULL,
    variety        TEXT    NOT NULL,
    planted_on     TEXT    NOT NULL,
    lat_micro      INTEGER,
    lon_micro      INTEGER,
    status         TEXT    NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'removed')),
    -- The signed QR identity's path (/t/...); the QR holds the public base URL + this.
    identity_path  TEXT    NOT NULL,
    created_at     INTEGER NOT NULL,
    UNIQUE (cooperative_id, code)
);
CREATE INDEX trees_by_zone ON trees (zone_id);

-- The cooperative's log. Append-only: the triggers below refuse every UPDATE and DELETE,
-- so not even a bug in our own code can rewrite history.
CREATE TABLE ledger_entries (
    cooperative_id INTEGER NOT NULL REFERENCES cooperatives (id),
    seq            INTEGER NOT NULL,
    -- 'cooperative', 'zone:<code>' or 'tree:<code>': the chain this entry belongs to.
    subject        TEXT    NOT NULL,
    hash           BLOB    NOT NULL,
    prev           BLOB,
    kind           INTEGER NOT NULL,
    bytes          BLOB    NOT NULL,
    received_at    INTEGER NOT NULL,
    PRIMARY KEY (cooperative_id, seq)
);
-- A subject has one first entry and each entry one successor: forks cannot be stored.
CREATE UNIQUE INDEX ledger_one_genesis ON ledger_entries (cooperative_id, subject) WHERE prev IS NULL;
CREATE UNIQUE INDEX ledger_no_fork ON ledger_entries (cooperative_id, subject, prev) WHERE prev IS NOT NULL;

CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries
BEGIN SELECT RAISE(ABORT, 'ledger_entries is append-only'); END;
CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries
BEGIN SELECT RAISE(ABORT, 'ledger_entries is append-only'); END;

-- Signed checkpoints as issued, so a verifier can be shown any earlier one again.
CREATE TABLE checkpoints (
    cooperative_id INTEGER NOT NULL REFERENCES cooperatives (id),
    size           INTEGER NOT NULL,
    root           BLOB    NOT NULL,
    note           TEXT    NOT NULL,
    created_at     INTEGER NOT NULL,
    PRIMARY KEY (cooperative_id, size)
);
