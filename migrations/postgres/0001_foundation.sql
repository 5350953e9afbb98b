-- Foundation: cooperatives, their keys, zones, trees, and the append-only ledger.
--
-- Same version and meaning as migrations/sqlite/0001_foundation.sql; see the comments
-- there. Differences are only of dialect: BIGINT identities, BYTEA for BLOB, DOUBLE
-- PRECISION for REAL, and a trigger function for the append-only rule.

CREATE TABLE cooperatives (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code          TEXT   NOT NULL UNIQUE,
    name          TEXT   NOT NULL,
    province      TEXT   NOT NULL,
    district      TEXT   NOT NULL,
    commune       TEXT   NOT NULL,
    contact       TEXT   NOT NULL DEFAULT '',
    gs1_prefix    TEXT,
    origin        TEXT   NOT NULL UNIQUE,
    log_size      BIGINT NOT NULL DEFAULT 0,
    created_at    BIGINT NOT NULL
);

CREATE TABLE cooperative_keys (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    cooperative_id BIGINT NOT NULL REFERENCES cooperatives (id),
    key_id         TEXT   NOT NULL,
    public_key     BYTEA  NOT NULL,
    secret_sealed  BYTEA  NOT NULL,
    rotation       BYTEA,
    created_at     BIGINT NOT NULL,
    UNIQUE (cooperative_id, key_id)
);

CREATE TABLE zones (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    cooperative_id BIGINT NOT NULL REFERENCES cooperatives (id),
    code           TEXT,
    name           TEXT   NOT NULL,
    crops          TEXT   NOT NULL,
    area_ha        DOUBLE PRECISION NOT NULL,
    households     BIGINT NOT NULL DEFAULT 0,
    boundary       TEXT,
    created_at     BIGINT NOT NULL,
    UNIQUE (cooperative_id, code)
);

CREATE TABLE trees (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    cooperative_id BIGINT NOT NULL REFERENCES cooperatives (id),
    zone_id        BIGINT NOT NULL REFERENCES zones (id),
    code           TEXT   NOT NULL,
    species        TEXT   NOT NULL,
    variety        TEXT   NOT NULL,
    planted_on     TEXT   NOT NULL,
    lat_micro      BIGINT,
    lon_micro      BIGINT,
    status         TEXT   NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'removed')),
    identity_path  TEXT   NOT NULL,
    created_at     BIGINT NOT NULL,
    UNIQUE (cooperative_id, code)
);
CREATE INDEX trees_by_zone ON trees (zone_id);

CREATE TABLE ledger_entries (
    cooperative_id BIGINT NOT NULL REFERENCES cooperatives (id),
    seq            BIGINT NOT NULL,
    subject        TEXT   NOT NULL,
    hash           BYTEA  NOT NULL,
    prev           BYTEA,
    kind           BIGINT NOT NULL,
    bytes          BYTEA  NOT NULL,
    received_at    BIGINT NOT NULL,
    PRIMARY KEY (cooperative_id, seq)
);
CREATE UNIQUE INDEX ledger_one_genesis ON ledger_entries (cooperative_id, subject) WHERE prev IS NULL;
CREATE UNIQUE INDEX ledger_no_fork ON ledger_entries (cooperative_id, subject, prev) WHERE prev IS NOT NULL;

CREATE FUNCTION ledger_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger_entries is append-only';
END;
$$;
CREATE TRIGGER ledger_entries_no_update_or_delete BEFORE UPDATE OR DELETE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION ledger_entries_append_only();

CREATE TABLE checkpoints (
    cooperative_id BIGINT NOT NULL REFERENCES cooperatives (id),
    size           BIGINT NOT NULL,
    root           BYTEA  NOT NULL,
    note           TEXT   NOT NULL,
    created_at     BIGINT NOT NULL,
    PRIMARY KEY (cooperative_id, size)
);
