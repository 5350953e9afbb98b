//! Appending many entries at once, in a handful of statements whatever their number: the
//! subjects' heads and the log's right edge are read in one query, the entries, tree nodes
//! and trace rows written as multi-row inserts. The diary's batches and groups of payment
//! reports share these parts.

use std::collections::HashMap;

use ledger::merkle::{Frontier, NodeId};
use ledger::{Digest, Entry};
use sqlx::{Database, QueryBuilder};

use super::bound::{push_table, Engine, Rows};

use crate::error::{Error, Result};
use crate::trace::facts::Fact;

/// A row of what a batch reads before appending; `part` says which kind: 1 a subject's
/// head (the subject in `name`, its hash in `a`), 2 a node of the log's right edge (its key
/// in `num`, its hash in `a`), each with its cooperative in `d`. The diary adds part 0,
/// the submissions seen before.
#[derive(sqlx::FromRow)]
pub(super) struct Known {
    pub part: i64,
    pub name: String,
    pub num: i64,
    pub a: Vec<u8>,
    pub b: Vec<u8>,
    pub c: i64,
    pub d: i64,
}

/// Pushes the tables `wanted (coop, subject)` and `edge (coop, node, leaf)` for a `WITH`
/// clause, and their lookups: the subjects whose heads [`push_heads_and_edge`] reads, each
/// in its cooperative's log, and each cooperative's right edge (`edges` pairs a cooperative with
/// its log's [`merkle::root_nodes`](ledger::merkle::root_nodes)): at most one leaf (a
/// leaf's key is its position, the same numbering) and one stored node per set bit of the
/// size. No subjects, or an empty log's edge, are a row that finds nothing.
pub(super) fn push_wanted<'s, DB: Engine>(
    q: &mut QueryBuilder<'_, DB>,
    subjects: impl IntoIterator<Item = (i64, &'s str)>,
    edges: impl IntoIterator<Item = (i64, &'s [NodeId])>,
) {
    let (mut coops, mut subjects): (Vec<i64>, Vec<String>) =
        subjects.into_iter().map(|(c, s)| (c, s.to_owned())).unzip();
    if coops.is_empty() {
        (coops, subjects) = (vec![-1], vec![String::new()]);
    }
    push_table(
        q,
        "wanted (coop, subject)",
        Rows::default().int(coops).text(subjects),
    );
    let mut edge: Vec<(i64, i64, i64)> = edges
        .into_iter()
        .flat_map(|(coop, ids)| {
            ids.iter()
                .map(move |id| (coop, id.key(), i64::from(id.level == 0)))
        })
        .collect();
    if edge.is_empty() {
        edge.push((-1, -1, 0));
    }
    q.push(", ");
    push_table(
        q,
        "edge (coop, node, leaf)",
        Rows::default()
            .int(edge.iter().map(|e| e.0))
            .int(edge.iter().map(|e| e.1))
            .int(edge.iter().map(|e| e.2)),
    );
    // Each looked up once: a lookup written in the select list and tested in the WHERE
    // clause ran once for each.
    q.push(
        ", heads AS MATERIALIZED (SELECT w.coop, w.subject, (SELECT e.hash FROM ledger_entries e \
         WHERE e.cooperative_id = w.coop AND e.subject = w.subject ORDER BY e.seq DESC LIMIT 1) AS hash \
         FROM wanted w), \
         nodes AS MATERIALIZED (SELECT k.coop, k.node, CASE WHEN k.leaf = 1 \
         THEN (SELECT e.hash FROM ledger_entries e WHERE e.cooperative_id = k.coop AND e.seq = k.node) \
         ELSE (SELECT m.hash FROM merkle_nodes m WHERE m.cooperative_id = k.coop AND m.node = k.node) END AS hash \
         FROM edge k)",
    );
}

/// Pushes, after `join` (`SELECT ` or ` UNION ALL SELECT `), the wanted subjects' heads
/// (part 1) and the right edges' nodes (part 2), from the tables [`push_wanted`] made.
/// Each is looked up by a subquery of its own, the last row of the subject's run
/// in `ledger_entries_by_subject` or one row by its key, so no engine can turn it into a
/// scan: PostgreSQL, given a join, hashed the cooperative's whole log on every batch
/// (found by the recall bench at 300,000 entries, and again by the market bench on a small
/// log). A subject with no entry yet has no row.
pub(super) fn push_heads_and_edge<DB: Database>(q: &mut QueryBuilder<'_, DB>, join: &str) {
    q.push(join);
    // Named and typed for a read that starts here; a later part of a UNION keeps the first
    // part's names and types.
    q.push(
        "CAST(1 AS BIGINT) AS part, subject AS name, CAST(0 AS BIGINT) AS num, hash AS a, hash AS b, \
         CAST(0 AS BIGINT) AS c, coop AS d FROM heads WHERE hash IS NOT NULL \
         UNION ALL SELECT 2, '', node, hash, hash, 0, coop FROM nodes WHERE hash IS NOT NULL",
    );
}

/// The subjects' heads and the right edge of cooperative `coop`'s log, of size `size`,
/// from a batch's read (parts 1 and 2).
pub(super) fn heads_and_edge(
    rows: &[Known],
    coop: i64,
    size: u64,
    edge: &[NodeId],
) -> Result<(HashMap<String, Digest>, Frontier)> {
    let (mut heads, mut found) = (HashMap::new(), HashMap::new());
    for r in rows.iter().filter(|r| r.d == coop) {
        match r.part {
            1 => {
                heads.insert(r.name.clone(), super::log::digest(&r.a)?);
            }
            2 => {
                found.insert(r.num, super::log::digest(&r.a)?);
            }
            _ => {}
        }
    }
    let frontier = edge
        .iter()
        .map(|id| found.get(&id.key()).copied())
        .collect::<Option<Vec<_>>>()
        .and_then(|peaks| Frontier::from_peaks(size, peaks))
        .ok_or_else(|| Error::Internal("the log's stored tree lacks its right edge".into()))?;
    Ok((heads, frontier))
}

/// An entry to insert: seq, subject, hash, prev, kind, bytes, received_at.
pub(super) type NewEntry = (i64, String, Digest, Option<Digest>, i64, Vec<u8>, i64);

/// What a batch writes, built entry by entry on top of the log's heads and right edge.
pub(super) struct Appended {
    pub heads: HashMap<String, Digest>,
    pub frontier: Frontier,
    pub entries: Vec<NewEntry>,
    pub nodes: Vec<(NodeId, Digest)>,
    pub facts: Vec<Fact>,
    pub withdrawn: Vec<(Digest, i64)>,
}

impl Appended {
    pub fn new(heads: HashMap<String, Digest>, frontier: Frontier) -> Self {
        Self {
            heads,
            frontier,
            entries: Vec::new(),
            nodes: Vec::new(),
            facts: Vec::new(),
            withdrawn: Vec::new(),
        }
    }

    /// Adds `entry` (at seq `size + entries so far`, made by the caller with
    /// [`Self::next_seq`] and [`Self::head`]) to what the batch writes; its hash.
    pub fn push(&mut self, subject: String, entry: &Entry) -> Digest {
        let bytes = entry.encode();
        let hash = Digest::leaf(&bytes);
        let (f, w) = super::trace::index_rows([(entry, hash)]);
        self.facts.extend(f);
        self.withdrawn.extend(w);
        let prev = self.heads.insert(subject.clone(), hash);
        self.nodes.extend(self.frontier.append(hash));
        self.entries.push((
            entry.seq as i64,
            subject,
            hash,
            prev,
            i64::from(entry.kind.tag()),
            bytes,
            entry.received_at,
        ));
        hash
    }

    /// The subject's latest entry, written before or in this batch.
    pub fn head(&self, subject: &str) -> Option<Digest> {
        self.heads.get(subject).copied()
    }

    /// The log's size once the batch is written.
    pub fn size(&self) -> u64 {
        self.frontier.size()
    }
}

/// Adds one write of a batch, filled into `$q` by `$fill`. On PostgreSQL (`$one_statement`)
/// every write is a data-modifying WITH clause of one statement, whose own part comes
/// last: one round trip for all of them, where a batch's writes each cost one, and a
/// round trip under load costs far more than the write (the market bench: 0.5 ms against
/// 0.1). SQLite runs in process and has no writing WITH clauses: each write is run at
/// once, in `$tx`. `$parts` counts the clauses so far.
macro_rules! write_part {
    ($q:ident, $parts:ident, $one_statement:expr, $tx:expr, $fill:block) => {{
        if $one_statement {
            $q.push(if $parts == 0 { "WITH " } else { ", " });
            $parts += 1;
            $q.push(format_args!("w{} AS (", $parts));
            $fill
            $q.push(")");
        } else {
            $fill
            $q.build().execute(&mut *$tx).await?;
            $q.reset();
        }
    }};
}
pub(super) use write_part;

/// Pushes one INSERT of entries, each with its cooperative.
pub(super) fn push_entries<'e, DB: Engine>(
    q: &mut QueryBuilder<'_, DB>,
    rows: impl IntoIterator<Item = (i64, &'e NewEntry)> + Clone,
) {
    q.push("INSERT INTO ledger_entries (cooperative_id, seq, subject, hash, prev, kind, bytes, received_at) ");
    let column = |f: fn(&NewEntry) -> i64| rows.clone().into_iter().map(move |(_, e)| f(e));
    let rows_of = Rows::default()
        .int(rows.clone().into_iter().map(|(coop, _)| coop))
        .int(column(|e| e.0))
        .text(rows.clone().into_iter().map(|(_, e)| e.1.clone()))
        .bytes(rows.clone().into_iter().map(|(_, e)| e.2 .0.to_vec()))
        .maybe_bytes(
            rows.clone()
                .into_iter()
                .map(|(_, e)| e.3.map(|p| p.0.to_vec())),
        )
        .int(column(|e| e.4))
        .bytes(rows.clone().into_iter().map(|(_, e)| e.5.clone()))
        .int(column(|e| e.6));
    DB::push_rows(q, rows_of);
}

/// Pushes one INSERT of tree nodes, each with its cooperative.
pub(super) fn push_nodes<'n, DB: Engine>(
    q: &mut QueryBuilder<'_, DB>,
    rows: impl IntoIterator<Item = (i64, &'n (NodeId, Digest))> + Clone,
) {
    q.push("INSERT INTO merkle_nodes (cooperative_id, node, hash) ");
    let rows_of = Rows::default()
        .int(rows.clone().into_iter().map(|(coop, _)| coop))
        .int(rows.clone().into_iter().map(|(_, (id, _))| id.key()))
        .bytes(rows.into_iter().map(|(_, (_, h))| h.0.to_vec()));
    DB::push_rows(q, rows_of);
}
