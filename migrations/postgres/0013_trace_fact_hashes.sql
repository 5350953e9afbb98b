-- Each fact keeps its entry's hash, and the tree index leads with the kind; see
-- migrations/sqlite/0013_trace_fact_hashes.sql.
ALTER TABLE trace_facts ADD COLUMN hash BYTEA;
UPDATE trace_facts f SET hash = e.hash FROM ledger_entries e
    WHERE e.cooperative_id = f.cooperative_id AND e.seq = f.seq;
ALTER TABLE trace_facts ALTER COLUMN hash SET NOT NULL;
DROP INDEX trace_facts_by_tree;
CREATE INDEX trace_facts_by_tree ON trace_facts (cooperative_id, tree, kind, at);
