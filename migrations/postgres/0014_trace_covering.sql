-- Both recall indexes hold every column a recall reads; see
-- migrations/sqlite/0014_trace_covering.sql. PostgreSQL answers from the index alone where
-- the visibility map says the pages are all visible (autovacuum, or Store::analyze after a
-- bulk write, keeps it).
DROP INDEX trace_facts_by_lot;
CREATE INDEX trace_facts_by_lot ON trace_facts (cooperative_id, lot_key)
    INCLUDE (at, seq, tree, kind, product, lot, grams, phi_days, corrects, hash);
DROP INDEX trace_facts_by_tree;
CREATE INDEX trace_facts_by_tree ON trace_facts (cooperative_id, tree, kind, at)
    INCLUDE (seq, product, lot, grams, phi_days, corrects, hash);
