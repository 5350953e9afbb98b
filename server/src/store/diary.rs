//! Diary submissions from phones and the photos they carry.

use ledger::Digest;

use super::log::append_in_tx;
use super::{on_pool, BoxedEntry, Store};
use crate::error::Result;

/// One diary entry to append, unless its id was stored before.
pub struct DiaryAppend {
    pub id: String,
    pub user_id: i64,
    /// blake3 of the entry's canonical content.
    pub content: [u8; 32],
    /// `tree:<code>`
    pub subject: String,
    pub location: Option<(i32, i32)>,
    pub make: BoxedEntry,
}

/// What became of a submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stored {
    /// Appended now, or earlier with the same content (`fresh` false).
    Entry {
        seq: i64,
        hash: Digest,
        received_at: i64,
        fresh: bool,
    },
    /// The id was stored before with other content (or in another cooperative).
    Conflict,
}

/// A stored diary photo's upload name and content hash.
#[derive(Debug, Clone)]
pub struct DiaryPhoto {
    pub sha256: [u8; 32],
    pub hash: [u8; 32],
    pub width: i64,
    pub height: i64,
    pub image: Vec<u8>,
    pub thumb: Vec<u8>,
    pub created_at: i64,
}

/// Takes the cooperative's write lock before anything is read (SQLite: the database's
/// write lock; PostgreSQL: the cooperative's row), so that two batches with the same ids
/// cannot both find them new.
const LOCK_LOG: &str = "UPDATE cooperatives SET log_size = log_size WHERE id = $1";
const EARLIER: &str = "SELECT cooperative_id, content, seq, hash, received_at \
                       FROM diary_submissions WHERE id = $1";
const RECORD: &str = "INSERT INTO diary_submissions \
     (id, cooperative_id, user_id, content, seq, hash, received_at, lat_micro, lon_micro) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";

type EarlierRow = (i64, Vec<u8>, i64, Vec<u8>, i64);

fn outcome(coop: i64, content: &[u8; 32], row: EarlierRow) -> Result<Stored> {
    let (row_coop, row_content, seq, hash, received_at) = row;
    if row_coop != coop || row_content.as_slice() != content {
        return Ok(Stored::Conflict);
    }
    Ok(Stored::Entry {
        seq,
        hash: super::log::digest(&hash)?,
        received_at,
        fresh: false,
    })
}

impl Store {
    /// Appends the batch's new entries in one transaction and returns, in order, what
    /// became of each: durable once this returns.
    pub async fn append_diary(
        &self,
        cooperative_id: i64,
        batch: Vec<DiaryAppend>,
    ) -> Result<Vec<Stored>> {
        on_pool!(self, p => {
            let mut tx = p.begin().await?;
            sqlx::query(LOCK_LOG).bind(cooperative_id).execute(&mut *tx).await?;
            let mut out = Vec::with_capacity(batch.len());
            for item in batch {
                let earlier: Option<EarlierRow> = sqlx::query_as(EARLIER)
                    .bind(&item.id)
                    .fetch_optional(&mut *tx)
                    .await?;
                if let Some(row) = earlier {
                    out.push(outcome(cooperative_id, &item.content, row)?);
                    continue;
                }
                let (entry, hash) = append_in_tx!(tx, cooperative_id, &item.subject, item.make);
                sqlx::query(RECORD)
                    .bind(&item.id)
                    .bind(cooperative_id)
                    .bind(item.user_id)
                    .bind(item.content.to_vec())
                    .bind(entry.seq as i64)
                    .bind(hash.0.to_vec())
                    .bind(entry.received_at)
                    .bind(item.location.map(|l| l.0))
                    .bind(item.location.map(|l| l.1))
                    .execute(&mut *tx)
                    .await?;
                out.push(Stored::Entry {
                    seq: entry.seq as i64,
                    hash,
                    received_at: entry.received_at,
                    fresh: true,
                });
            }
            tx.commit().await?;
            Ok(out)
        })
    }

    /// The kind tag of the entry with this hash in the subject's chain, if there is one.
    pub async fn kind_of_entry(
        &self,
        cooperative_id: i64,
        subject: &str,
        hash: &Digest,
    ) -> Result<Option<i64>> {
        const SQL: &str = "SELECT kind FROM ledger_entries \
                           WHERE cooperative_id = $1 AND hash = $2 AND subject = $3";
        Ok(on_pool!(self, p => sqlx::query_scalar(SQL)
            .bind(cooperative_id).bind(hash.0.to_vec()).bind(subject)
            .fetch_optional(p).await)?)
    }

    /// Stores an uploaded diary photo; storing the same upload again changes nothing.
    pub async fn insert_diary_photo(&self, cooperative_id: i64, photo: &DiaryPhoto) -> Result<()> {
        const SQL: &str = "INSERT INTO diary_photos \
             (sha256, cooperative_id, hash, width, height, image, thumb, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING";
        on_pool!(self, p => sqlx::query(SQL)
            .bind(photo.sha256.to_vec()).bind(cooperative_id).bind(photo.hash.to_vec())
            .bind(photo.width).bind(photo.height).bind(&photo.image).bind(&photo.thumb)
            .bind(photo.created_at)
            .execute(p).await.map(|_| ()))?;
        Ok(())
    }

    /// The content hash of an upload the cooperative holds, by its SHA-256 name.
    pub async fn diary_photo_hash(
        &self,
        cooperative_id: i64,
        sha256: &[u8; 32],
    ) -> Result<Option<Digest>> {
        const SQL: &str = "SELECT hash FROM diary_photos WHERE cooperative_id = $1 AND sha256 = $2";
        let h: Option<Vec<u8>> = on_pool!(self, p => sqlx::query_scalar(SQL)
            .bind(cooperative_id).bind(sha256.to_vec()).fetch_optional(p).await)?;
        h.map(|h| super::log::digest(&h)).transpose()
    }
}

impl Store {
    /// Each tree's latest entry of the given kinds (`tree:<code>`, bytes), for the farmer's
    /// overview: what was last done, and the last spray's interval.
    pub async fn latest_of_kinds(
        &self,
        cooperative_id: i64,
        kinds: &[u16],
    ) -> Result<Vec<(String, Vec<u8>)>> {
        let list = kinds
            .iter()
            .map(u16::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let sql = format!(
            "SELECT subject, bytes FROM ledger_entries WHERE cooperative_id = $1 AND seq IN \
             (SELECT MAX(seq) FROM ledger_entries WHERE cooperative_id = $1 AND kind IN ({list}) \
              AND subject LIKE 'tree:%' GROUP BY subject)"
        );
        Ok(on_pool!(self, p => sqlx::query_as(&sql).bind(cooperative_id).fetch_all(p).await)?)
    }
}
