-- The cooperative log's Merkle tree, stored: every perfect subtree above the leaves, written
-- once when its last leaf is appended (the leaves are ledger_entries.hash). A checkpoint's
-- root or an entry's inclusion proof then reads O(log n) rows instead of every leaf.
-- Same version and meaning as migrations/sqlite/0006_merkle_nodes.sql, in PostgreSQL's dialect.
CREATE TABLE merkle_nodes (
    cooperative_id BIGINT  NOT NULL REFERENCES cooperatives (id),
    -- (level << 56) | index: the 2^level leaves from index << level on (ledger::merkle::NodeId).
    node           BIGINT  NOT NULL,
    hash           BYTEA   NOT NULL,
    PRIMARY KEY (cooperative_id, node)
);

-- A subject's latest entry (the head its next entry links to), found without a scan.
CREATE INDEX ledger_entries_by_subject ON ledger_entries (cooperative_id, subject, seq);
