-- Read-only API tokens a cooperative's manager issues to another system (its accounting, a
-- provincial traceability portal). Only the BLAKE3 hash of a token is stored, like
-- session tokens: a copy of this table lets nobody in.
CREATE TABLE api_tokens (
    id             INTEGER PRIMARY KEY,
    cooperative_id INTEGER NOT NULL REFERENCES cooperatives (id),
    name           TEXT    NOT NULL,
    token_hash     BLOB    NOT NULL UNIQUE,
    created_by     INTEGER NOT NULL REFERENCES users (id),
    created_at     INTEGER NOT NULL,
    last_used_at   INTEGER,
    revoked_at     INTEGER
);
CREATE INDEX api_tokens_by_cooperative ON api_tokens (cooperative_id);
