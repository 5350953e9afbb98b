-- Amendments among a tree's facts; see migrations/sqlite/0012_trace_amendments.sql.
CREATE INDEX trace_facts_amendments ON trace_facts (cooperative_id, tree)
    WHERE corrects IS NOT NULL;
