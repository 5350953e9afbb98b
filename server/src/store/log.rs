//! The append-only cooperative log. There is deliberately no update or delete here.

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
        (entry, hash)
    }};
}
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
        const SQL: &str = "INSERT INTO checkpoints (cooperative_id, size, root, note, created_at) \
                           VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING";
        on_pool!(self, p => sqlx::query(SQL)
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
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuditRow {
    pub seq: i64,
    pub subject: String,
    pub hash: Vec<u8>,
    pub prev: Option<Vec<u8>>,
    pub kind: i64,
    pub bytes: Vec<u8>,
}
