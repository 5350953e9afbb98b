-- Read-only API tokens; see migrations/sqlite/0010_api_tokens.sql.
CREATE TABLE api_tokens (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    cooperative_id BIGINT NOT NULL REFERENCES cooperatives (id),
    name           TEXT   NOT NULL,
    token_hash     BYTEA  NOT NULL UNIQUE,
    created_by     BIGINT NOT NULL REFERENCES users (id),
    created_at     BIGINT NOT NULL,
    last_used_at   BIGINT,
    revoked_at     BIGINT
);
CREATE INDEX api_tokens_by_cooperative ON api_tokens (cooperative_id);
