-- A recall reads the index alone: each fact keeps its entry's hash (the recall answers with
-- it and checks withdrawals by it), where every fact read used to be joined to
-- ledger_entries, one lookup into the whole log per row. And the tree index leads with the
-- kind, so a recall reads a reached tree's harvests in its risk window, not its every input.
-- Same version and meaning as migrations/postgres/0013_trace_fact_hashes.sql.
ALTER TABLE trace_facts ADD COLUMN hash BLOB NOT NULL DEFAULT x'';
UPDATE trace_facts SET hash = (
    SELECT e.hash FROM ledger_entries e
    WHERE e.cooperative_id = trace_facts.cooperative_id AND e.seq = trace_facts.seq
);
DROP INDEX trace_facts_by_tree;
CREATE INDEX trace_facts_by_tree ON trace_facts (cooperative_id, tree, kind, at);
