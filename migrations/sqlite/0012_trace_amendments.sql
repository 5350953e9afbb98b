-- The amendments among a tree's facts, found without reading the tree's every fact: the
-- recall reads the facts inside its time span through trace_facts_by_tree, and these (few,
-- dated by what they amend) through this index. Same version and meaning as
-- migrations/postgres/0012_trace_amendments.sql.
CREATE INDEX trace_facts_amendments ON trace_facts (cooperative_id, tree)
    WHERE corrects IS NOT NULL;
