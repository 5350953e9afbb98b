//! The append-only cooperative log. There is deliberately no update or delete here.

use std::collections::HashMap;

use ledger::merkle::NodeId;
use ledger::{Digest, Entry};

use super::{on_pool, CheckpointRow, EntryRow, Store};
use crate::error::{Error, Result};

/// Increments the log size first: on SQLite this takes the write lock before any read, on
/// PostgreSQL it locks the cooperative's row; either way concurrent appends queue up.
pub(super) const BUMP_LOG: &str =
    "UPDATE cooperatives SET log_size = log_size + 1 WHERE id = $1 RETURNING log_size, code";
pub(super) const SUBJECT_HEAD: &str =
    "SELECT hash FROM ledger_entries WHERE cooperative_id = $1 AND subject = $2 ORDER BY seq DESC LIMIT 1";
pub(super) const INSERT_ENTRY: &str = "INSERT INTO ledger_entries \
     (cooperative_id, seq, subject, hash, prev, kind, bytes, received_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

/// Builds the entry to append from the cooperative's code, the sequence number it will
/// get and the hash of the subject's previous entry.
pub trait MakeEntry: FnOnce(&str, u64, Option<Digest>) -> Result<Entry> {}
impl<F: FnOnce(&str, u64, Option<Digest>) -> Result<Entry>> MakeEntry for F {}

/// An entry builder chosen at run time (a batch holds one per tree).
pub type BoxedEntry = Box<dyn FnOnce(&str, u64, Option<Digest>) -> Result<Entry> + Send>;

/// Appends one entry inside the open transaction `$tx`; evaluates to the entry and its hash.
macro_rules! append_in_tx {
    ($tx:expr, $coop:expr, $subject:expr, $make:expr) => {{
        let (size, code): (i64, String) = sqlx::query_as($crate::store::log::BUMP_LOG)
            .bind($coop)
            .fetch_one(&mut *$tx)
            .await?;
        let prev: Option<Vec<u8>> = sqlx::query_scalar($crate::store::log::SUBJECT_HEAD)
            .bind($coop)
            .bind($subject)
            .fetch_optional(&mut *$tx)
            .await?;
        let prev = prev.map(|p| $crate::store::log::digest(&p)).transpose()?;
        let entry: ledger::Entry = ($make)(&code, (size - 1) as u64, prev)?;
        let bytes = entry.encode();
        let hash = ledger::Digest::leaf(&bytes);
        sqlx::query($crate::store::log::INSERT_ENTRY)
            .bind($coop)
            .bind(size - 1)
            .bind($subject)
            .bind(hash.0.to_vec())
            .bind(prev.map(|p| p.0.to_vec()))
            .bind(i64::from(entry.kind.tag()))
            .bind(bytes)
            .bind(entry.received_at)
            .execute(&mut *$tx)
            .await?;
        $crate::store::trace::index_in_tx!($tx, $coop, &entry, hash);
        // The subtrees this leaf completes: each is its left sibling (stored before)
        // and the one just made.
        let mut right = hash;
        for id in ledger::merkle::completed_by((size - 1) as u64) {
            let left_id = ledger::merkle::NodeId {
                level: id.level - 1,
                index: id.index * 2,
            };
            let left: Vec<u8> = if left_id.level == 0 {
                sqlx::query_scalar($crate::store::log::LEAF)
                    .bind($coop)
                    .bind(left_id.index as i64)
                    .fetch_one(&mut *$tx)
                    .await?
            } else {
                sqlx::query_scalar($crate::store::log::NODE)
                    .bind($coop)
                    .bind(left_id.key())
                    .fetch_one(&mut *$tx)
                    .await?
            };
            right = ledger::Digest::node(&$crate::store::log::digest(&left)?, &right);
            sqlx::query($crate::store::log::INSERT_NODE)
                .bind($coop)
                .bind(id.key())
                .bind(right.0.to_vec())
                .execute(&mut *$tx)
                .await?;
        }
        (entry, hash)
    }};
}
pub(super) const LEAF: &str =
    "SELECT hash FROM ledger_entries WHERE cooperative_id = $1 AND seq = $2";
pub(super) const NODE: &str =
    "SELECT hash FROM merkle_nodes WHERE cooperative_id = $1 AND node = $2";
pub(super) const INSERT_CHECKPOINT: &str =
    "INSERT INTO checkpoints (cooperative_id, size, root, note, created_at) \
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING";
pub(super) const INSERT_NODE: &str =
    "INSERT INTO merkle_nodes (cooperative_id, node, hash) VALUES ($1, $2, $3)";
pub(super) use append_in_tx;

pub(super) fn digest(b: &[u8]) -> Result<Digest> {
    Digest::from_slice(b).map_err(|_| Error::Internal("stored hash has the wrong length".into()))
}

impl Store {
    /// Appends one entry to the cooperative's log as its own unit of work.
    pub async fn append_entry(
        &self,
        cooperative_id: i64,
        subject: &str,
        make: impl MakeEntry,
    ) -> Result<(Entry, Digest)> {
        on_pool!(self, p => {
            let mut tx = p.begin().await?;
            let out = append_in_tx!(tx, cooperative_id, subject, make);
            tx.commit().await?;
            Ok(out)
        })
    }

    /// A subject's entries in log order.
    pub async fn entries_of(&self, cooperative_id: i64, subject: &str) -> Result<Vec<EntryRow>> {
        const SQL: &str = "SELECT seq, subject, hash, bytes FROM ledger_entries \
                           WHERE cooperative_id = $1 AND subject = $2 ORDER BY seq";
        Ok(
            on_pool!(self, p => sqlx::query_as(SQL).bind(cooperative_id).bind(subject).fetch_all(p).await)?,
        )
    }

    /// The leaf hashes of the first `size` entries, in order.
    pub async fn leaf_hashes(&self, cooperative_id: i64, size: i64) -> Result<Vec<Digest>> {
        const SQL: &str =
            "SELECT hash FROM ledger_entries WHERE cooperative_id = $1 AND seq < $2 ORDER BY seq";
        let rows: Vec<Vec<u8>> = on_pool!(self, p => sqlx::query_scalar(SQL).bind(cooperative_id).bind(size).fetch_all(p).await)?;
        if rows.len() as i64 != size {
            return Err(Error::Internal(format!(
                "log of cooperative {cooperative_id} has a gap"
            )));
        }
        rows.iter().map(|h| digest(h)).collect()
    }

    /// The hashes of the given subtrees of the cooperative's log (leaves from the entries,
    /// the rest from the stored tree), in one query for each kind.
    pub async fn merkle_nodes(
        &self,
        cooperative_id: i64,
        ids: &[NodeId],
    ) -> Result<HashMap<NodeId, Digest>> {
        let mut out = HashMap::with_capacity(ids.len());
        let (leaves, inner): (Vec<NodeId>, Vec<NodeId>) = ids.iter().partition(|id| id.level == 0);
        for (list, table, column) in [
            (leaves, "ledger_entries", "seq"),
            (inner, "merkle_nodes", "node"),
        ] {
            if list.is_empty() {
                continue;
            }
            let keys: Vec<i64> = list
                .iter()
                .map(|id| {
                    if id.level == 0 {
                        id.index as i64
                    } else {
                        id.key()
                    }
                })
                .collect();
            let marks = (0..keys.len())
                .map(|i| format!("${}", i + 2))
                .collect::<Vec<_>>()
                .join(",");
            let sql = format!(
                "SELECT {column}, hash FROM {table} WHERE cooperative_id = $1 AND {column} IN ({marks})"
            );
            let rows: Vec<(i64, Vec<u8>)> = on_pool!(self, p => {
                let mut q = sqlx::query_as(&sql).bind(cooperative_id);
                for k in &keys {
                    q = q.bind(*k);
                }
                q.fetch_all(p).await
            })?;
            for (k, h) in rows {
                let id = if column == "seq" {
                    NodeId {
                        level: 0,
                        index: k as u64,
                    }
                } else {
                    NodeId {
                        level: (k as u64 >> 56) as u8,
                        index: k as u64 & ((1 << 56) - 1),
                    }
                };
                out.insert(id, digest(&h)?);
            }
        }
        Ok(out)
    }

    /// How many subtrees above the leaves are stored for the cooperative.
    pub async fn merkle_node_count(&self, cooperative_id: i64) -> Result<i64> {
        const SQL: &str = "SELECT COUNT(*) FROM merkle_nodes WHERE cooperative_id = $1";
        Ok(on_pool!(self, p => sqlx::query_scalar(SQL).bind(cooperative_id).fetch_one(p).await)?)
    }

    /// Replaces the cooperative's stored tree with `nodes` (a log stored before the tree
    /// was, or one repaired by an operator), in one transaction.
    pub async fn replace_merkle_nodes(
        &self,
        cooperative_id: i64,
        nodes: &[(NodeId, Digest)],
    ) -> Result<()> {
        on_pool!(self, p => {
            let mut tx = p.begin().await?;
            sqlx::query("DELETE FROM merkle_nodes WHERE cooperative_id = $1")
                .bind(cooperative_id).execute(&mut *tx).await?;
            for (id, h) in nodes {
                sqlx::query(INSERT_NODE).bind(cooperative_id).bind(id.key()).bind(h.0.to_vec())
                    .execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok::<(), Error>(())
        })
    }

    pub async fn latest_checkpoint(&self, cooperative_id: i64) -> Result<Option<CheckpointRow>> {
        const SQL: &str = "SELECT size, root, note FROM checkpoints WHERE cooperative_id = $1 \
                           ORDER BY size DESC LIMIT 1";
        Ok(on_pool!(self, p => sqlx::query_as(SQL).bind(cooperative_id).fetch_optional(p).await)?)
    }

    /// Stores a signed checkpoint; a concurrent writer may have stored the same size first,
    /// which is fine: both signed the same root.
    pub async fn insert_checkpoint(
        &self,
        cooperative_id: i64,
        row: &CheckpointRow,
        at: i64,
    ) -> Result<()> {
        on_pool!(self, p => sqlx::query(INSERT_CHECKPOINT)
            .bind(cooperative_id).bind(row.size).bind(&row.root).bind(&row.note).bind(at)
            .execute(p).await.map(|_| ()))?;
        Ok(())
    }
}

impl Store {
    /// Up to `limit` rows of the cooperative's log from `from_seq` on, in order, with their
    /// stored hashes and kinds: what an audit reads, a page at a time.
    pub async fn log_page(
        &self,
        cooperative_id: i64,
        from_seq: i64,
        limit: i64,
    ) -> Result<Vec<AuditRow>> {
        const SQL: &str = "SELECT seq, subject, hash, prev, kind, bytes FROM ledger_entries \
                           WHERE cooperative_id = $1 AND seq >= $2 ORDER BY seq LIMIT $3";
        Ok(on_pool!(self, p => sqlx::query_as(SQL)
            .bind(cooperative_id).bind(from_seq).bind(limit).fetch_all(p).await)?)
    }

    /// Every checkpoint the cooperative signed, smallest first.
    pub async fn checkpoints_of(&self, cooperative_id: i64) -> Result<Vec<CheckpointRow>> {
        const SQL: &str =
            "SELECT size, root, note FROM checkpoints WHERE cooperative_id = $1 ORDER BY size";
        Ok(on_pool!(self, p => sqlx::query_as(SQL).bind(cooperative_id).fetch_all(p).await)?)
    }
}

/// A stored log row as an audit reads it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct AuditRow {
    pub seq: i64,
    pub subject: String,
    pub hash: Vec<u8>,
    pub prev: Option<Vec<u8>>,
    pub kind: i64,
    pub bytes: Vec<u8>,
}
