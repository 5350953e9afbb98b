-- Witnesses in both roles; see migrations/sqlite/0011_witnesses.sql.
ALTER TABLE cooperatives ADD COLUMN witness_quorum BIGINT NOT NULL DEFAULT 0;

CREATE TABLE cooperative_witnesses (
    cooperative_id BIGINT NOT NULL REFERENCES cooperatives (id),
    name           TEXT   NOT NULL,
    vkey           TEXT   NOT NULL,
    url            TEXT   NOT NULL,
    cosigned_size  BIGINT NOT NULL DEFAULT 0,
    last_error     TEXT,
    last_attempt   BIGINT,
    added_at       BIGINT NOT NULL,
    PRIMARY KEY (cooperative_id, name)
);

CREATE TABLE cosignatures (
    cooperative_id BIGINT NOT NULL,
    size           BIGINT NOT NULL,
    witness        TEXT   NOT NULL,
    vkey           TEXT   NOT NULL,
    line           TEXT   NOT NULL,
    cosigned_at    BIGINT NOT NULL,
    PRIMARY KEY (cooperative_id, size, witness),
    FOREIGN KEY (cooperative_id, size) REFERENCES checkpoints (cooperative_id, size)
);

CREATE TABLE witnessed_logs (
    origin     TEXT   PRIMARY KEY,
    vkeys      TEXT   NOT NULL,
    size       BIGINT NOT NULL DEFAULT 0,
    root       BYTEA,
    note       TEXT,
    updated_at BIGINT NOT NULL
);

CREATE TABLE witness_evidence (
    origin      TEXT   NOT NULL,
    size        BIGINT NOT NULL,
    root        BYTEA  NOT NULL,
    note        TEXT   NOT NULL,
    received_at BIGINT NOT NULL,
    PRIMARY KEY (origin, size, root)
);
