//! Witnesses in both roles (the cooperative's witnesses and their cosignatures; the logs
//! this instance witnesses), and the log read as tiles.

use ledger::merkle::NodeId;
use ledger::tiles::Tile;
use ledger::Digest;

use super::log::digest;
use super::{on_pool, Store};
use crate::error::{Error, Result};

/// A witness a cooperative submits its checkpoints to.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct WitnessRow {
    pub name: String,
    pub vkey: String,
    pub url: String,
    pub cosigned_size: i64,
    pub last_error: Option<String>,
    pub last_attempt: Option<i64>,
}

/// A log this instance witnesses: the keys it trusts for it, and what it last cosigned.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct WitnessedLogRow {
    pub origin: String,
    pub vkeys: String,
    pub size: i64,
    pub root: Option<Vec<u8>>,
    pub note: Option<String>,
}

/// A split view: a checkpoint the log signed for a size already cosigned with another root.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct EvidenceRow {
    pub size: i64,
    pub root: Vec<u8>,
    pub note: String,
    pub received_at: i64,
}

impl Store {
    pub async fn witnesses_of(&self, cooperative_id: i64) -> Result<Vec<WitnessRow>> {
        const SQL: &str = "SELECT name, vkey, url, cosigned_size, last_error, last_attempt \
             FROM cooperative_witnesses WHERE cooperative_id = $1 ORDER BY name";
        Ok(on_pool!(self, p => sqlx::query_as(SQL).bind(cooperative_id).fetch_all(p).await)?)
    }

    /// Adds a witness; false if the cooperative already has one of that name.
    pub async fn add_witness(
        &self,
        cooperative_id: i64,
        name: &str,
        vkey: &str,
        url: &str,
        at: i64,
    ) -> Result<bool> {
        const SQL: &str = "INSERT INTO cooperative_witnesses \
             (cooperative_id, name, vkey, url, added_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT DO NOTHING";
        let n = on_pool!(self, p => sqlx::query(SQL).bind(cooperative_id).bind(name).bind(vkey)
            .bind(url).bind(at).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// Removes a witness (its past cosignatures stay: they are still true).
    pub async fn remove_witness(&self, cooperative_id: i64, name: &str) -> Result<bool> {
        const SQL: &str =
            "DELETE FROM cooperative_witnesses WHERE cooperative_id = $1 AND name = $2";
        let n = on_pool!(self, p => sqlx::query(SQL).bind(cooperative_id).bind(name)
            .execute(p).await.map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    pub async fn witness_quorum(&self, cooperative_id: i64) -> Result<i64> {
        const SQL: &str = "SELECT witness_quorum FROM cooperatives WHERE id = $1";
        Ok(on_pool!(self, p => sqlx::query_scalar(SQL).bind(cooperative_id).fetch_one(p).await)?)
    }

    pub async fn set_witness_quorum(&self, cooperative_id: i64, quorum: i64) -> Result<()> {
        const SQL: &str = "UPDATE cooperatives SET witness_quorum = $2 WHERE id = $1";
        on_pool!(self, p => sqlx::query(SQL).bind(cooperative_id).bind(quorum)
            .execute(p).await.map(|_| ()))?;
        Ok(())
    }

    /// Keeps a witness's cosignature of the checkpoint of `size`, and remembers the size
    /// as the one it holds.
    #[allow(clippy::too_many_arguments)]
    pub async fn record_cosignature(
        &self,
        cooperative_id: i64,
        size: i64,
        witness: &str,
        vkey: &str,
        line: &str,
        cosigned_at: i64,
        at: i64,
    ) -> Result<()> {
        const KEEP: &str = "INSERT INTO cosignatures \
             (cooperative_id, size, witness, vkey, line, cosigned_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING";
        const HOLDS: &str = "UPDATE cooperative_witnesses SET cosigned_size = $3, \
             last_error = NULL, last_attempt = $4 WHERE cooperative_id = $1 AND name = $2";
        on_pool!(self, p => {
            let mut tx = p.begin().await?;
            sqlx::query(KEEP).bind(cooperative_id).bind(size).bind(witness).bind(vkey)
                .bind(line).bind(cosigned_at).execute(&mut *tx).await?;
            sqlx::query(HOLDS).bind(cooperative_id).bind(witness).bind(size).bind(at)
                .execute(&mut *tx).await?;
            tx.commit().await?;
            Ok::<(), Error>(())
        })
    }

    /// A witness's last refusal or failure; `holds` is the size it said it holds, if any.
    pub async fn witness_failed(
        &self,
        cooperative_id: i64,
        witness: &str,
        error: &str,
        holds: Option<i64>,
        at: i64,
    ) -> Result<()> {
        const SQL: &str = "UPDATE cooperative_witnesses SET last_error = $3, last_attempt = $4, \
             cosigned_size = COALESCE($5, cosigned_size) WHERE cooperative_id = $1 AND name = $2";
        on_pool!(self, p => sqlx::query(SQL).bind(cooperative_id).bind(witness).bind(error)
            .bind(at).bind(holds).execute(p).await.map(|_| ()))?;
        Ok(())
    }

    /// The cosignature lines of the checkpoint of `size`, by witness name.
    pub async fn cosignature_lines(&self, cooperative_id: i64, size: i64) -> Result<Vec<String>> {
        const SQL: &str = "SELECT line FROM cosignatures WHERE cooperative_id = $1 AND size = $2 \
             ORDER BY witness";
        Ok(
            on_pool!(self, p => sqlx::query_scalar(SQL).bind(cooperative_id).bind(size)
            .fetch_all(p).await)?,
        )
    }

    /// Who cosigned the newest checkpoint that has cosignatures.
    pub async fn newest_cosigners(&self, cooperative_id: i64) -> Result<Vec<String>> {
        const SQL: &str = "SELECT witness FROM cosignatures WHERE cooperative_id = $1 AND size = \
             (SELECT MAX(size) FROM cosignatures WHERE cooperative_id = $1) ORDER BY witness";
        Ok(on_pool!(self, p => sqlx::query_scalar(SQL).bind(cooperative_id).fetch_all(p).await)?)
    }

    /// The largest checkpoint at least `quorum` of the cooperative's present witnesses
    /// cosigned, each with the key it has now.
    pub async fn latest_cosigned(
        &self,
        cooperative_id: i64,
        quorum: i64,
    ) -> Result<Option<super::CheckpointRow>> {
        const SQL: &str = "SELECT c.size, c.root, c.note FROM checkpoints c \
             WHERE c.cooperative_id = $1 AND (SELECT COUNT(*) FROM cosignatures s \
             WHERE s.cooperative_id = c.cooperative_id AND s.size = c.size AND EXISTS \
             (SELECT 1 FROM cooperative_witnesses w WHERE w.cooperative_id = c.cooperative_id \
             AND w.name = s.witness AND w.vkey = s.vkey)) >= $2 \
             ORDER BY c.size DESC LIMIT 1";
        Ok(
            on_pool!(self, p => sqlx::query_as(SQL).bind(cooperative_id).bind(quorum)
            .fetch_optional(p).await)?,
        )
    }

    /// How many witnesses the cooperative has.
    pub async fn witness_count(&self, cooperative_id: i64) -> Result<i64> {
        const SQL: &str = "SELECT COUNT(*) FROM cooperative_witnesses WHERE cooperative_id = $1";
        Ok(on_pool!(self, p => sqlx::query_scalar(SQL).bind(cooperative_id).fetch_one(p).await)?)
    }

    /// The codes of the cooperatives that have witnesses.
    pub async fn cooperatives_with_witnesses(&self) -> Result<Vec<String>> {
        const SQL: &str = "SELECT code FROM cooperatives WHERE id IN \
             (SELECT cooperative_id FROM cooperative_witnesses) ORDER BY code";
        Ok(on_pool!(self, p => sqlx::query_scalar(SQL).fetch_all(p).await)?)
    }
}

impl Store {
    pub async fn witnessed_log(&self, origin: &str) -> Result<Option<WitnessedLogRow>> {
        const SQL: &str =
            "SELECT origin, vkeys, size, root, note FROM witnessed_logs WHERE origin = $1";
        Ok(on_pool!(self, p => sqlx::query_as(SQL).bind(origin).fetch_optional(p).await)?)
    }

    pub async fn witnessed_logs(&self) -> Result<Vec<WitnessedLogRow>> {
        const SQL: &str =
            "SELECT origin, vkeys, size, root, note FROM witnessed_logs ORDER BY origin";
        Ok(on_pool!(self, p => sqlx::query_as(SQL).fetch_all(p).await)?)
    }

    /// Starts following a log, or sets the keys trusted for one already followed (what it
    /// cosigned stays).
    pub async fn follow_log(&self, origin: &str, vkeys: &str, at: i64) -> Result<()> {
        const SQL: &str = "INSERT INTO witnessed_logs (origin, vkeys, updated_at) \
             VALUES ($1, $2, $3) ON CONFLICT (origin) DO UPDATE SET vkeys = EXCLUDED.vkeys";
        on_pool!(self, p => sqlx::query(SQL).bind(origin).bind(vkeys).bind(at)
            .execute(p).await.map(|_| ()))?;
        Ok(())
    }

    /// Replaces the latest cosigned checkpoint of `origin` only if it is still of size
    /// `old` (and, past the first, root `old_root`): false if another request moved it.
    #[allow(clippy::too_many_arguments)]
    pub async fn advance_witnessed_log(
        &self,
        origin: &str,
        old: i64,
        old_root: Option<&[u8]>,
        size: i64,
        root: &[u8],
        note: &str,
        at: i64,
    ) -> Result<bool> {
        const SQL: &str = "UPDATE witnessed_logs SET size = $4, root = $5, note = $6, \
             updated_at = $7 WHERE origin = $1 AND size = $2 \
             AND ((root IS NULL AND $3 IS NULL) OR root = $3)";
        let n = on_pool!(self, p => sqlx::query(SQL).bind(origin).bind(old).bind(old_root)
            .bind(size).bind(root).bind(note).bind(at).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// Keeps a split view once, however often it is sent.
    pub async fn record_split_view(
        &self,
        origin: &str,
        size: i64,
        root: &[u8],
        note: &str,
        at: i64,
    ) -> Result<()> {
        const SQL: &str = "INSERT INTO witness_evidence (origin, size, root, note, received_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING";
        on_pool!(self, p => sqlx::query(SQL).bind(origin).bind(size).bind(root).bind(note)
            .bind(at).execute(p).await.map(|_| ()))?;
        Ok(())
    }

    pub async fn evidence_of(&self, origin: &str) -> Result<Vec<EvidenceRow>> {
        const SQL: &str = "SELECT size, root, note, received_at FROM witness_evidence \
             WHERE origin = $1 ORDER BY received_at, size";
        Ok(on_pool!(self, p => sqlx::query_as(SQL).bind(origin).fetch_all(p).await)?)
    }
}

impl Store {
    /// A tile's hashes, read as one range: leaf hashes from the entries at level 0, stored
    /// subtrees above.
    pub async fn tile_hashes(&self, cooperative_id: i64, tile: &Tile) -> Result<Vec<Digest>> {
        let ids: Vec<NodeId> = tile.nodes().collect();
        let (Some(first), Some(last)) = (ids.first(), ids.last()) else {
            return Ok(Vec::new());
        };
        let (sql, from, to) = if first.level == 0 {
            (
                "SELECT hash FROM ledger_entries WHERE cooperative_id = $1 \
                 AND seq >= $2 AND seq <= $3 ORDER BY seq",
                first.index as i64,
                last.index as i64,
            )
        } else {
            (
                "SELECT hash FROM merkle_nodes WHERE cooperative_id = $1 \
                 AND node >= $2 AND node <= $3 ORDER BY node",
                first.key(),
                last.key(),
            )
        };
        let rows: Vec<Vec<u8>> = on_pool!(self, p => sqlx::query_scalar(sql)
            .bind(cooperative_id).bind(from).bind(to).fetch_all(p).await)?;
        if rows.len() != ids.len() {
            return Err(Error::Internal(format!(
                "the stored tree of cooperative {cooperative_id} lacks nodes of {}",
                tile.path()
            )));
        }
        rows.iter().map(|h| digest(h)).collect()
    }

    /// The encoded entries behind a level-0 tile, in order.
    pub async fn tile_entries(&self, cooperative_id: i64, tile: &Tile) -> Result<Vec<Vec<u8>>> {
        const SQL: &str = "SELECT bytes FROM ledger_entries WHERE cooperative_id = $1 \
             AND seq >= $2 AND seq < $3 ORDER BY seq";
        let start = (tile.index * ledger::tiles::WIDTH) as i64;
        let rows: Vec<Vec<u8>> = on_pool!(self, p => sqlx::query_scalar(SQL).bind(cooperative_id)
            .bind(start).bind(start + i64::from(tile.width)).fetch_all(p).await)?;
        if rows.len() != usize::from(tile.width) {
            return Err(Error::Internal(format!(
                "the log of cooperative {cooperative_id} has a gap in {}",
                tile.entries_path()
            )));
        }
        Ok(rows)
    }
}
