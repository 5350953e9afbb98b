-- A recall at scale reads pages, not rows: a lot's facts lie scattered over a week of the
-- log, a reached tree's harvests over its years. Both indexes now hold every column a
-- recall reads, so a lot's facts are a few neighbouring index pages, a tree's one, and the
-- table itself is not visited (measured at 10 M entries: see benches/trace.rs).
-- Same version and meaning as migrations/postgres/0014_trace_covering.sql.
DROP INDEX trace_facts_by_lot;
CREATE INDEX trace_facts_by_lot ON trace_facts (cooperative_id, lot_key, at, seq, tree, kind,
    product, lot, grams, phi_days, corrects, hash);
DROP INDEX trace_facts_by_tree;
CREATE INDEX trace_facts_by_tree ON trace_facts (cooperative_id, tree, kind, at, seq, product,
    lot, grams, phi_days, corrects, hash);
