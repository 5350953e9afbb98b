-- The recall index: what each diary entry says about inputs (a product and its lot) and
-- harvests, written in the same transaction as the entry, so a recall reads a few index
-- rows instead of decoding the log. Derived data: it can always be rebuilt from
-- ledger_entries (server::trace::facts), which stays the only record.
-- Same version and meaning as migrations/sqlite/0009_trace.sql, in PostgreSQL's dialect.
CREATE TABLE trace_facts (
    cooperative_id BIGINT  NOT NULL REFERENCES cooperatives (id),
    -- The entry that states the fact.
    seq            BIGINT  NOT NULL,
    tree           TEXT    NOT NULL,
    -- The kind tag that states it: an input (11, 13, 19, 20) or a harvest (17, 22); for an
    -- amendment (31), its replacement's tag.
    kind           BIGINT  NOT NULL,
    -- When the farmer's phone recorded it (unix ms).
    at             BIGINT  NOT NULL,
    product        TEXT    NOT NULL,
    lot            TEXT    NOT NULL,
    -- The lot and product as a recall searches them (server::trace::facts::key).
    lot_key        TEXT    NOT NULL,
    product_key    TEXT    NOT NULL,
    grams          BIGINT,
    phi_days       BIGINT,
    -- An amendment's corrected entry (its hash): the time of the fact is that entry's.
    corrects       BYTEA,
    PRIMARY KEY (cooperative_id, seq)
);
CREATE INDEX trace_facts_by_lot ON trace_facts (cooperative_id, lot_key);
CREATE INDEX trace_facts_by_tree ON trace_facts (cooperative_id, tree, at);

-- Entries withdrawn (kind 30) or replaced (kind 31) by a later one.
CREATE TABLE trace_withdrawn (
    cooperative_id BIGINT  NOT NULL REFERENCES cooperatives (id),
    hash           BYTEA   NOT NULL,
    by_seq         BIGINT  NOT NULL,
    PRIMARY KEY (cooperative_id, hash)
);

-- Cooperatives whose log was written before this index: indexed once at start-up.
CREATE TABLE trace_backfill (
    cooperative_id BIGINT PRIMARY KEY REFERENCES cooperatives (id)
);
INSERT INTO trace_backfill (cooperative_id) SELECT id FROM cooperatives;

-- One cooperative per GS1 company prefix (overlaps are refused by server::cooperatives).
CREATE UNIQUE INDEX cooperatives_one_gs1_prefix ON cooperatives (gs1_prefix) WHERE gs1_prefix IS NOT NULL;
