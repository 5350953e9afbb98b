//! Appending many entries at once, in a handful of statements whatever their number: the
//! subjects' heads and the log's right edge are read in one query, the entries, tree nodes
//! and trace rows written as multi-row inserts. The diary's batches and groups of payment
//! reports share these parts.

use std::collections::HashMap;

use ledger::merkle::{Frontier, NodeId};
use ledger::{Digest, Entry};

use crate::error::{Error, Result};
use crate::trace::facts::Fact;

/// A row of what a batch reads before appending; `part` says which kind: 1 a subject's
/// head (the subject in `name`, its hash in `a`), 2 a node of the log's right edge (its key
/// in `num`, its hash in `a`), each with its cooperative in `d`. The diary adds part 0,
/// the submissions seen before; a group of payment reports part 3, the provider
/// transactions applied before (each one's place in the group's list in `num`).
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

/// Pushes a table of bound rows for a `WITH` clause, `$head AS (VALUES (…), …)`: each
/// row's values pushed by `$push` onto `$list`, unseparated (the row writes its commas).
macro_rules! push_rows {
    ($q:expr, $head:expr, $rows:expr, |$list:ident, $row:pat_param| $push:block) => {{
        $q.push($head);
        $q.push(" AS (VALUES ");
        let mut $list = $q.separated(", ");
        for $row in $rows {
            $list.push("(");
            $push
            $list.push_unseparated(")");
        }
        $q.push(")");
    }};
}
pub(super) use push_rows;

/// Pushes the table `wanted (coop, subject)` for a `WITH` clause: the subjects whose heads
/// [`push_heads_and_edge!`] finds, each in its cooperative's log.
macro_rules! push_wanted {
    ($q:expr, $subjects:expr) => {
        $crate::store::appends::push_rows!($q, "wanted (coop, subject)", $subjects, |list,
                                                                                     (
            coop,
            subject,
        )| {
            list.push_bind_unseparated(coop)
                .push_unseparated(", ")
                .push_bind_unseparated(subject.to_string());
        })
    };
}
pub(super) use push_wanted;

/// Pushes, after `$join` (`SELECT ` or ` UNION ALL SELECT `), the reads of the wanted
/// subjects' heads (part 1) and of each cooperative's right edge (part 2; `$edges` pairs
/// a cooperative with its log's [`merkle::root_nodes`](ledger::merkle::root_nodes)): at
/// most one leaf and one stored node per set bit of the size. Each head is a subquery of
/// its own, the last row of the subject's run in `ledger_entries_by_subject`, so no
/// engine can turn it into a scan: PostgreSQL, given a join, hashed the cooperative's
/// whole log on every batch (found by the recall bench at 300,000 entries, and again by
/// the market bench on a small log). A subject with no entry yet has no row.
macro_rules! push_heads_and_edge {
    ($q:expr, $edges:expr, $join:expr) => {{
        $q.push($join);
        // Named and typed for a read that starts here; a later part of a UNION keeps the
        // first part's names and types.
        $q.push("part, name, num, a, a AS b, c, d FROM (SELECT CAST(1 AS BIGINT) AS part, w.subject AS name, \
                 CAST(0 AS BIGINT) AS num, (SELECT e.hash FROM ledger_entries e WHERE e.cooperative_id = w.coop \
                 AND e.subject = w.subject ORDER BY e.seq DESC LIMIT 1) AS a, \
                 CAST(0 AS BIGINT) AS c, w.coop AS d FROM wanted w) heads WHERE a IS NOT NULL");
        for (coop, edge) in $edges {
            let (coop, edge): (i64, &[ledger::merkle::NodeId]) = (coop, edge);
            $q.push(" UNION ALL SELECT 2, '', node, hash, hash, 0, cooperative_id FROM merkle_nodes WHERE cooperative_id = ");
            $q.push_bind(coop);
            $q.push(" AND node IN (");
            let mut keys = $q.separated(", ");
            keys.push_bind(-1i64);
            for id in edge.iter().filter(|id| id.level > 0) {
                keys.push_bind(id.key());
            }
            // A leaf's key is its position (level 0): the same numbering.
            $q.push(") UNION ALL SELECT 2, '', seq, hash, hash, 0, cooperative_id FROM ledger_entries WHERE cooperative_id = ");
            $q.push_bind(coop);
            $q.push(" AND seq = ");
            $q.push_bind(edge.iter().find(|id| id.level == 0).map_or(-1, |id| id.index as i64));
        }
    }};
}
pub(super) use push_heads_and_edge;

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

/// Pushes one INSERT of `$rows` (entries) into the query builder `$q`.
macro_rules! push_entries {
    ($q:expr, $coop:expr, $rows:expr) => {{
        $q.push("INSERT INTO ledger_entries (cooperative_id, seq, subject, hash, prev, kind, bytes, received_at) ");
        $q.push_values($rows, |mut b, (seq, subject, hash, prev, kind, bytes, at): &$crate::store::appends::NewEntry| {
            b.push_bind($coop).push_bind(*seq).push_bind(subject.clone())
                .push_bind(hash.0.to_vec()).push_bind(prev.map(|p| p.0.to_vec()))
                .push_bind(*kind).push_bind(bytes.clone()).push_bind(*at);
        });
    }};
}
pub(super) use push_entries;

/// Pushes one INSERT of `$rows` (tree nodes) into the query builder `$q`.
macro_rules! push_nodes {
    ($q:expr, $coop:expr, $rows:expr) => {{
        $q.push("INSERT INTO merkle_nodes (cooperative_id, node, hash) ");
        $q.push_values(
            $rows,
            |mut b, (id, h): &(ledger::merkle::NodeId, ledger::Digest)| {
                b.push_bind($coop)
                    .push_bind(id.key())
                    .push_bind(h.0.to_vec());
            },
        );
    }};
}
pub(super) use push_nodes;
