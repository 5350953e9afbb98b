-- People, their roles in cooperatives, sessions, invitations, login throttling; the species
-- table that makes species extensible; tree photos.
--
-- Same version and meaning as migrations/sqlite/0002_accounts.sql, in PostgreSQL's dialect.

-- A person. Farmers often have no email, so either identifier will do; both are stored
-- normalised (phone as +84…, email lower-case) so that uniqueness means what it says.
CREATE TABLE users (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    phone         TEXT UNIQUE,
    email         TEXT UNIQUE,
    name          TEXT    NOT NULL,
    -- argon2id in PHC string form. NULL while a member added by a manager has not yet
    -- accepted the invitation and chosen a password: such an account cannot log in.
    password_hash TEXT,
    -- Platform administrators see and manage every cooperative.
    is_admin      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    BIGINT NOT NULL,
    CHECK (phone IS NOT NULL OR email IS NOT NULL)
);

-- A person's role in a cooperative: one role per cooperative, any number of cooperatives.
-- Buyers have no row here: every account may adopt trees.
CREATE TABLE memberships (
    user_id        BIGINT NOT NULL REFERENCES users (id),
    cooperative_id BIGINT NOT NULL REFERENCES cooperatives (id),
    role           TEXT    NOT NULL CHECK (role IN ('manager', 'farmer')),
    created_at     BIGINT NOT NULL,
    PRIMARY KEY (user_id, cooperative_id)
);
CREATE INDEX memberships_by_cooperative ON memberships (cooperative_id);

-- Signed-in sessions. Only the blake3 hash of the cookie's token is stored, so a copy of
-- this table does not let anyone in.
CREATE TABLE sessions (
    token_hash BYTEA    PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);

-- One-time invitations a manager hands to a member (as a code or a link). Hashed like
-- session tokens; used_at makes them single-use.
CREATE TABLE invites (
    code_hash      BYTEA    PRIMARY KEY,
    user_id        BIGINT NOT NULL REFERENCES users (id),
    cooperative_id BIGINT NOT NULL REFERENCES cooperatives (id),
    created_by     BIGINT NOT NULL REFERENCES users (id),
    created_at     BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL,
    used_at        BIGINT
);

-- Failed logins per identifier, for brute-force throttling. Kept in the database, not in
-- memory, so that several servers over one PostgreSQL share the count.
CREATE TABLE login_failures (
    identifier   TEXT    PRIMARY KEY,
    failures     BIGINT NOT NULL,
    first_at     BIGINT NOT NULL,
    locked_until BIGINT NOT NULL
);

-- Species the platform knows. Trees refer to them by key; names are shown in the reader's
-- language, the scientific name is what the ledger records.
CREATE TABLE species (
    key        TEXT PRIMARY KEY CHECK (key <> ''),
    name_vi    TEXT NOT NULL,
    name_en    TEXT NOT NULL,
    scientific TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
INSERT INTO species (key, name_vi, name_en, scientific, created_at) VALUES
    ('custard_apple', 'Na (mãng cầu ta)', 'Custard apple', 'Annona squamosa', 0),
    ('mango', 'Xoài', 'Mango', 'Mangifera indica', 0);

-- Photos of a tree, resized on upload. hash is blake3 of the stored image: the content
-- hash ledger entries cite.
CREATE TABLE tree_photos (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tree_id    BIGINT NOT NULL REFERENCES trees (id),
    hash       BYTEA    NOT NULL,
    width      BIGINT NOT NULL,
    height     BIGINT NOT NULL,
    image      BYTEA    NOT NULL,
    thumb      BYTEA    NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (tree_id, hash)
);
-- Photos are served by their hash.
CREATE INDEX tree_photos_by_hash ON tree_photos (hash);
