-- Background jobs kept in the database, and cooperatives approved before they are listed.
--
-- Background jobs (bulk imports, large label batches) kept in the database, so that any of
-- several servers over one PostgreSQL answers a job's progress page and serves its file,
-- and a restart leaves a clear failure instead of a job nobody knows about.
--
-- Same version and meaning as migrations/sqlite/0004_jobs_approvals.sql, in PostgreSQL's dialect.

CREATE TABLE jobs (
    -- 132 random bits, base64url: the only handle, unguessable.
    id             TEXT    PRIMARY KEY,
    cooperative_id BIGINT  NOT NULL REFERENCES cooperatives (id),
    total          BIGINT  NOT NULL,
    done           BIGINT  NOT NULL DEFAULT 0,
    state          TEXT    NOT NULL CHECK (state IN ('running', 'finished', 'failed')),
    -- What a finished job made (how many things), or why it failed, in both languages.
    count          BIGINT,
    message_vi     TEXT,
    message_en     TEXT,
    file_name      TEXT,
    file_type      TEXT,
    file           BYTEA,
    created_at     BIGINT  NOT NULL,
    -- The running server's heartbeat: a running job whose heartbeat stopped lost its
    -- server (a restart or a crash).
    updated_at     BIGINT  NOT NULL
);
CREATE INDEX jobs_by_age ON jobs (updated_at);

-- A cooperative is listed publicly, and its labels read as verified, only once a platform
-- administrator has approved it: otherwise a look-alike registered a minute ago would get
-- the same green badge as the real one. Cooperatives registered before this check stay
-- approved, as of their registration.
ALTER TABLE cooperatives ADD COLUMN approved_at BIGINT;
UPDATE cooperatives SET approved_at = created_at;
