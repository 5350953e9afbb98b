-- Witnesses (c2sp.org/tlog-witness), in both roles. Same version and meaning as
-- migrations/postgres/0011_witnesses.sql.

-- As a log: the witnesses a cooperative submits its checkpoints to, and how many of them
-- its published histories promise have cosigned (its verifiers' default policy).
ALTER TABLE cooperatives ADD COLUMN witness_quorum INTEGER NOT NULL DEFAULT 0;

CREATE TABLE cooperative_witnesses (
    cooperative_id INTEGER NOT NULL REFERENCES cooperatives (id),
    -- The witness's key name, as in its verifier key and its cosignature lines.
    name           TEXT    NOT NULL,
    -- Its verifier key (type 0x04), as its operator published it.
    vkey           TEXT    NOT NULL,
    -- The submission prefix: add-checkpoint is POSTed under it.
    url            TEXT    NOT NULL,
    -- The size it last cosigned for this log: the next request's old size.
    cosigned_size  INTEGER NOT NULL DEFAULT 0,
    -- The last refusal or failure, for the manager to read; NULL after a success.
    last_error     TEXT,
    last_attempt   INTEGER,
    added_at       INTEGER NOT NULL,
    PRIMARY KEY (cooperative_id, name)
);

-- The cosignature lines witnesses returned, served under the checkpoint they cosign.
CREATE TABLE cosignatures (
    cooperative_id INTEGER NOT NULL,
    size           INTEGER NOT NULL,
    witness        TEXT    NOT NULL,
    -- The witness's verifier key when it cosigned: a name re-added with another key does
    -- not count the old key's lines.
    vkey           TEXT    NOT NULL,
    line           TEXT    NOT NULL,
    -- The time the witness put in its cosignature (unix seconds).
    cosigned_at    INTEGER NOT NULL,
    PRIMARY KEY (cooperative_id, size, witness),
    FOREIGN KEY (cooperative_id, size) REFERENCES checkpoints (cooperative_id, size)
);

-- As a witness: the logs this instance vouches for, with the keys it trusts for each and
-- the latest checkpoint it cosigned. A request is accepted only if the stored size is still
-- what it was read as (compare-and-swap), so two racing requests cannot roll it back.
CREATE TABLE witnessed_logs (
    origin     TEXT    PRIMARY KEY,
    -- The log's verifier keys (type 0x01), one per line.
    vkeys      TEXT    NOT NULL,
    size       INTEGER NOT NULL DEFAULT 0,
    root       BLOB,
    note       TEXT,
    updated_at INTEGER NOT NULL
);

-- Split views: a checkpoint the log signed for a size it had already signed with another
-- root. Only these are kept, once each: the log's own signatures make them proof, which a
-- refused consistency proof (anyone can send a made-up one) is not.
CREATE TABLE witness_evidence (
    origin      TEXT    NOT NULL,
    size        INTEGER NOT NULL,
    root        BLOB    NOT NULL,
    -- The checkpoint as the log signed it (other signature lines dropped).
    note        TEXT    NOT NULL,
    received_at INTEGER NOT NULL,
    PRIMARY KEY (origin, size, root)
);
