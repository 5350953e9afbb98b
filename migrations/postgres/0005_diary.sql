-- The cultivation diary: entries logged on farmers' phones (often offline) and the photos
-- they carry. Same version and meaning as migrations/sqlite/0005_diary.sql, in PostgreSQL's dialect.

-- Each diary entry a phone sent, by the id the phone gave it (a UUIDv7 made when the farmer
-- saved it). A phone retries until it hears back, so the same id arrives again: with the
-- same content it gets the original acknowledgement, with other content a conflict.
CREATE TABLE diary_submissions (
    id             TEXT    PRIMARY KEY,
    cooperative_id BIGINT  NOT NULL REFERENCES cooperatives (id),
    user_id        BIGINT  NOT NULL REFERENCES users (id),
    -- blake3 of the entry's canonical content (what "the same content" compares).
    content        BYTEA   NOT NULL,
    -- The ledger entry it became.
    seq            BIGINT  NOT NULL,
    hash           BYTEA   NOT NULL,
    received_at    BIGINT  NOT NULL,
    -- Where the phone was, when the farmer allowed it (micro-degrees). Kept for the
    -- cooperative, not in the public log.
    lat_micro      BIGINT,
    lon_micro      BIGINT,
    FOREIGN KEY (cooperative_id, seq) REFERENCES ledger_entries (cooperative_id, seq)
);
CREATE INDEX diary_submissions_by_user ON diary_submissions (user_id, received_at);

-- Photos uploaded from the diary before the entries that cite them. The phone names an
-- upload by the SHA-256 of its bytes (WebCrypto has no BLAKE3); the server re-encodes it
-- (no EXIF) and the ledger cites the BLAKE3 hash of the stored image.
CREATE TABLE diary_photos (
    sha256         BYTEA   NOT NULL,
    cooperative_id BIGINT  NOT NULL REFERENCES cooperatives (id),
    hash           BYTEA   NOT NULL,
    width          BIGINT  NOT NULL,
    height         BIGINT  NOT NULL,
    image          BYTEA   NOT NULL,
    thumb          BYTEA   NOT NULL,
    created_at     BIGINT  NOT NULL,
    PRIMARY KEY (cooperative_id, sha256)
);
CREATE INDEX diary_photos_by_hash ON diary_photos (hash);

-- Entries by subject and hash: a correction names the entry it corrects by its hash.
CREATE INDEX ledger_entries_by_hash ON ledger_entries (cooperative_id, hash);
