//! Diary submissions from phones and the photos they carry.

use ledger::Digest;

use std::collections::HashMap;

use ledger::merkle;
use sqlx::QueryBuilder;

use super::appends::{
    heads_and_edge, push_entries, push_heads_and_edge, push_nodes, push_wanted, write_part,
    Appended, Known,
};
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
    pub created_at: i64,
}

/// Takes the cooperative's write lock before anything is read (SQLite: the database's
/// write lock; PostgreSQL: the cooperative's row), so that two batches with the same ids
/// cannot both find them new.
/// Also reads the current signing key (sealed), after the lock: a rotation cannot slip in
/// between it and the checkpoint this batch signs.
const LOCK_LOG: &str = "UPDATE cooperatives SET log_size = log_size WHERE id = $1 \
     RETURNING log_size, code, (SELECT secret_sealed FROM cooperative_keys \
     WHERE cooperative_id = $1 ORDER BY id DESC LIMIT 1)";

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
    /// became of each: durable once this returns. A handful of statements per batch,
    /// whatever its size: the ids seen before, the subjects' heads and the tree's right
    /// edge are read at once, the new entries, tree nodes and records written at once.
    ///
    /// When anything is new, the log's checkpoint is signed in the same transaction:
    /// `sign` gets the cooperative's current key (sealed), the new size and root, and
    /// returns the note.
    pub async fn append_diary(
        &self,
        cooperative_id: i64,
        batch: Vec<DiaryAppend>,
        sign: impl FnOnce(&[u8], u64, Digest) -> Result<String>,
    ) -> Result<Vec<Stored>> {
        // On PostgreSQL the batch's statements are planned once per connection: the reads
        // of heads and edges and the inserts of entries and nodes take arrays
        // ([`super::bound`]), and planned anew with each batch's arrays in hand, a
        // one-entry sync took about a fifth longer.
        let begin = match self.backend {
            super::Backend::Postgres(_) => "BEGIN; SET LOCAL plan_cache_mode = force_generic_plan",
            super::Backend::Sqlite(_) => "BEGIN",
        };
        on_pool!(self, p => {
            let mut tx = p.begin_with(begin).await?;
            let (size, code, sealed): (i64, String, Vec<u8>) = sqlx::query_as(LOCK_LOG)
                .bind(cooperative_id)
                .fetch_one(&mut *tx)
                .await?;
            // What the batch needs to know, in one query (one round trip on PostgreSQL):
            // the ids seen before (part 0), the subjects' heads (1), and the log's right
            // edge (2): at most one leaf and one stored node per set bit of the size.
            let edge = merkle::root_nodes(size as u64);
            let rows: Vec<Known> = {
                let subjects: std::collections::BTreeSet<&str> =
                    batch.iter().map(|item| item.subject.as_str()).collect();
                let mut q = QueryBuilder::new("WITH ");
                push_wanted(&mut q, subjects.into_iter().map(|s| (cooperative_id, s)), [(cooperative_id, edge.as_slice())]);
                q.push(
                    " SELECT CAST(0 AS BIGINT) AS part, id AS name, cooperative_id AS num, content AS a, hash AS b, \
                     seq AS c, received_at AS d FROM diary_submissions WHERE id IN (",
                );
                let mut ids = q.separated(", ");
                for item in &batch {
                    ids.push_bind(item.id.clone());
                }
                push_heads_and_edge(&mut q, ") UNION ALL SELECT ");
                q.build_query_as().fetch_all(&mut *tx).await?
            };
            let (seen, rest): (Vec<Known>, Vec<Known>) = rows.into_iter().partition(|r| r.part == 0);
            let earlier: HashMap<String, EarlierRow> =
                seen.into_iter().map(|r| (r.name, (r.num, r.a, r.c, r.b, r.d))).collect();
            let (heads, frontier) = heads_and_edge(&rest, cooperative_id, size as u64, &edge)?;
            let mut appended = Appended::new(heads, frontier);
            let mut out = Vec::with_capacity(batch.len());
            let mut records = Vec::new();
            for item in batch {
                if let Some(row) = earlier.get(&item.id) {
                    out.push(outcome(cooperative_id, &item.content, row.clone())?);
                    continue;
                }
                let seq = appended.size();
                let entry = (item.make)(&code, seq, appended.head(&item.subject))?;
                let hash = appended.push(item.subject, &entry);
                out.push(Stored::Entry { seq: seq as i64, hash, received_at: entry.received_at, fresh: true });
                records.push((item.id, item.user_id, item.content, seq as i64, hash, entry.received_at, item.location));
            }
            let Appended { frontier, entries, nodes, facts: found, withdrawn, .. } = appended;
            if !entries.is_empty() {
                let new_size = size + entries.len() as i64;
                let root = frontier.root();
                let note = sign(&sealed, new_size as u64, root)?;
                // PostgreSQL: every write in one statement ([`write_part!`]). SQLite takes
                // them one by one, with at most 32,766 bound values each.
                let one_statement = matches!(self.backend, super::Backend::Postgres(_));
                let rows_per = |sqlite: usize| if one_statement { usize::MAX } else { sqlite };
                let mut q = QueryBuilder::new("");
                let mut parts = 0;
                macro_rules! write {
                    ($fill:block) => { write_part!(q, parts, one_statement, tx, $fill) };
                }
                for chunk in entries.chunks(rows_per(1_000)) {
                    write!({ push_entries(&mut q, chunk.iter().map(|e| (cooperative_id, e))); });
                }
                for chunk in nodes.chunks(rows_per(5_000)) {
                    write!({ push_nodes(&mut q, chunk.iter().map(|n| (cooperative_id, n))); });
                }
                for chunk in records.chunks(rows_per(1_000)) {
                    write!({
                        q.push("INSERT INTO diary_submissions (id, cooperative_id, user_id, content, seq, hash, received_at, lat_micro, lon_micro) ");
                        q.push_values(chunk, |mut b, (id, user, content, seq, hash, at, loc)| {
                            b.push_bind(id.clone()).push_bind(cooperative_id).push_bind(*user)
                                .push_bind(content.to_vec()).push_bind(*seq).push_bind(hash.0.to_vec())
                                .push_bind(*at).push_bind(loc.map(|l| l.0)).push_bind(loc.map(|l| l.1));
                        });
                    });
                }
                for chunk in found.chunks(rows_per(1_000)) {
                    write!({ super::trace::push_facts!(q, cooperative_id, chunk); });
                }
                for chunk in withdrawn.chunks(rows_per(5_000)) {
                    write!({ super::trace::push_withdrawn!(q, cooperative_id, chunk); });
                }
                write!({
                    q.push("UPDATE cooperatives SET log_size = ").push_bind(new_size);
                    q.push(" WHERE id = ").push_bind(cooperative_id);
                });
                // The checkpoint: the statement itself on PostgreSQL, after its WITH clauses.
                if one_statement {
                    q.push(" ");
                }
                q.push("INSERT INTO checkpoints (cooperative_id, size, root, note, created_at) VALUES (");
                let mut v = q.separated(", ");
                v.push_bind(cooperative_id).push_bind(new_size).push_bind(root.0.to_vec())
                    .push_bind(note).push_bind(entries.last().map_or(0, |e| e.6));
                q.push(") ON CONFLICT DO NOTHING");
                q.build().execute(&mut *tx).await?;
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
             VALUES ($1, $2, $3, $4, $5, '', '', $6) ON CONFLICT DO NOTHING";
        on_pool!(self, p => sqlx::query(SQL)
            .bind(photo.sha256.to_vec()).bind(cooperative_id).bind(photo.hash.to_vec())
            .bind(photo.width).bind(photo.height).bind(photo.created_at)
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

impl Store {
    /// The cooperative's care entries (and their corrections) received from `since` on,
    /// newest first, at most `limit`.
    pub async fn care_entries(
        &self,
        cooperative_id: i64,
        since: i64,
        limit: i64,
    ) -> Result<Vec<crate::store::EntryRow>> {
        const SQL: &str = "SELECT seq, subject, hash, bytes FROM ledger_entries \
             WHERE cooperative_id = $1 AND kind BETWEEN 10 AND 31 AND received_at >= $2 \
             ORDER BY seq DESC LIMIT $3";
        Ok(on_pool!(self, p => sqlx::query_as(SQL)
            .bind(cooperative_id).bind(since).bind(limit).fetch_all(p).await)?)
    }

    /// Each member's pseudonym in the cooperative's log, with their name.
    pub async fn member_aliases(&self, cooperative_id: i64) -> Result<Vec<(String, String)>> {
        const SQL: &str =
            "SELECT m.alias, u.name FROM memberships m JOIN users u ON u.id = m.user_id \
             WHERE m.cooperative_id = $1 ORDER BY u.name";
        Ok(on_pool!(self, p => sqlx::query_as(SQL).bind(cooperative_id).fetch_all(p).await)?)
    }
}
