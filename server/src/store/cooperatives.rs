//! Cooperatives and their keys.

use ledger::{Digest, Entry};

use super::log::append_in_tx;
use super::{
    on_pool, CooperativeInsert, CooperativeRow, CooperativeSummaryRow, KeyInsert, KeyRow, Store,
};
use crate::error::{Error, Result};

/// A cooperative with its zone and tree counts; callers add WHERE / ORDER BY.
const SUMMARY: &str = "SELECT c.code, c.name, c.province, c.district, c.commune, \
      (SELECT COUNT(*) FROM zones z WHERE z.cooperative_id = c.id) AS zones, \
      (SELECT COUNT(*) FROM trees t WHERE t.cooperative_id = c.id) AS trees, \
      (c.approved_at IS NOT NULL) AS approved \
    FROM cooperatives c";

pub(super) const COOPERATIVE_COLUMNS: &str =
    "id, code, name, province, district, commune, contact, gs1_prefix, origin, log_size, created_at, approved_at";

impl Store {
    /// Inserts a cooperative with its first key, in one transaction.
    pub async fn insert_cooperative(&self, c: &CooperativeInsert) -> Result<i64> {
        const COOP: &str = "INSERT INTO cooperatives \
            (code, name, province, district, commune, contact, gs1_prefix, origin, created_at, approved_at) \
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id";
        const KEY: &str = "INSERT INTO cooperative_keys \
            (cooperative_id, key_id, public_key, secret_sealed, rotation, created_at) \
            VALUES ($1, $2, $3, $4, NULL, $5)";
        let result: Result<i64> = on_pool!(self, p => async {
            let mut tx = p.begin().await?;
            let id: i64 = sqlx::query_scalar(COOP)
                .bind(&c.code).bind(&c.name).bind(&c.province).bind(&c.district).bind(&c.commune)
                .bind(&c.contact).bind(&c.gs1_prefix).bind(&c.origin).bind(c.created_at).bind(c.approved_at)
                .fetch_one(&mut *tx).await?;
            sqlx::query(KEY)
                .bind(id).bind(&c.key_id).bind(&c.public_key).bind(&c.secret_sealed).bind(c.created_at)
                .execute(&mut *tx).await?;
            if let Some((user, alias)) = &c.manager {
                sqlx::query("INSERT INTO memberships (user_id, cooperative_id, role, created_at, alias) VALUES ($1, $2, 'manager', $3, $4)")
                    .bind(user).bind(id).bind(c.created_at).bind(alias).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(id)
        }.await);
        result.map_err(|e| {
            if e.is_unique_violation() {
                Error::conflict(
                    format!("Mã hợp tác xã {} đã được dùng", c.code),
                    format!("cooperative code {} is already taken", c.code),
                )
            } else {
                e
            }
        })
    }

    /// All cooperatives with their zone and tree counts, by name.
    pub async fn list_cooperatives(&self) -> Result<Vec<CooperativeSummaryRow>> {
        let sql = format!("{SUMMARY} WHERE c.approved_at IS NOT NULL ORDER BY c.name");
        Ok(on_pool!(self, p => sqlx::query_as(&sql).fetch_all(p).await)?)
    }

    /// Cooperatives waiting for a platform administrator's approval, oldest first.
    pub async fn unapproved_cooperatives(&self) -> Result<Vec<CooperativeSummaryRow>> {
        let sql = format!("{SUMMARY} WHERE c.approved_at IS NULL ORDER BY c.created_at");
        Ok(on_pool!(self, p => sqlx::query_as(&sql).fetch_all(p).await)?)
    }

    /// Approves a cooperative; false if there is none with that code or it was approved.
    pub async fn approve_cooperative(&self, code: &str, now: i64) -> Result<bool> {
        let n = on_pool!(self, p => sqlx::query("UPDATE cooperatives SET approved_at = $2 WHERE code = $1 AND approved_at IS NULL")
            .bind(code).bind(now).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// One cooperative with its counts, by code.
    pub async fn cooperative_summary(&self, code: &str) -> Result<Option<CooperativeSummaryRow>> {
        let sql = format!("{SUMMARY} WHERE c.code = $1");
        Ok(on_pool!(self, p => sqlx::query_as(&sql).bind(code).fetch_optional(p).await)?)
    }

    pub async fn cooperative_by_id(&self, id: i64) -> Result<Option<CooperativeRow>> {
        let sql = format!("SELECT {COOPERATIVE_COLUMNS} FROM cooperatives WHERE id = $1");
        Ok(on_pool!(self, p => sqlx::query_as(&sql).bind(id).fetch_optional(p).await)?)
    }

    pub async fn cooperative_by_code(&self, code: &str) -> Result<Option<CooperativeRow>> {
        let sql = format!("SELECT {COOPERATIVE_COLUMNS} FROM cooperatives WHERE code = $1");
        Ok(on_pool!(self, p => sqlx::query_as(&sql).bind(code).fetch_optional(p).await)?)
    }

    /// Stores a new key and appends the key-rotation entry that introduces it, in one
    /// transaction. `make` builds the entry and the encoded rotation statement from the
    /// log size; `old_key_id` must still be the current key, so two rotations racing
    /// cannot both start from the same old key.
    pub async fn insert_key_rotation(
        &self,
        cooperative_id: i64,
        old_key_id: &str,
        key: &KeyInsert,
        make: impl FnOnce(&str, u64, Option<Digest>) -> Result<(Entry, Vec<u8>)>,
    ) -> Result<()> {
        const CURRENT: &str = "SELECT key_id FROM cooperative_keys WHERE cooperative_id = $1 ORDER BY id DESC LIMIT 1";
        const KEY: &str = "INSERT INTO cooperative_keys \
            (cooperative_id, key_id, public_key, secret_sealed, rotation, created_at) \
            VALUES ($1, $2, $3, $4, $5, $6)";
        on_pool!(self, p => async {
            let mut tx = p.begin().await?;
            let mut rotation = None;
            let make = |code: &str, seq: u64, prev: Option<Digest>| {
                let (entry, bytes) = make(code, seq, prev)?;
                rotation = Some(bytes);
                Ok::<_, Error>(entry)
            };
            append_in_tx!(tx, cooperative_id, "cooperative", make);
            let current: String = sqlx::query_scalar(CURRENT).bind(cooperative_id).fetch_one(&mut *tx).await?;
            if current != old_key_id {
                return Err(Error::conflict(
                    "Khoá vừa được đổi bởi người khác; hãy tải lại trang",
                    "The key was just rotated by someone else; reload the page",
                ));
            }
            sqlx::query(KEY)
                .bind(cooperative_id).bind(&key.key_id).bind(&key.public_key).bind(&key.secret_sealed)
                .bind(rotation).bind(key.created_at)
                .execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(())
        }.await)
    }

    /// The cooperative's keys, oldest first.
    pub async fn keys_of(&self, cooperative_id: i64) -> Result<Vec<KeyRow>> {
        const SQL: &str = "SELECT key_id, public_key, secret_sealed, rotation, created_at \
                           FROM cooperative_keys WHERE cooperative_id = $1 ORDER BY id";
        Ok(on_pool!(self, p => sqlx::query_as(SQL).bind(cooperative_id).fetch_all(p).await)?)
    }

    /// Cooperatives, and entries in all their logs (each log's size).
    pub async fn log_totals(&self) -> Result<(i64, i64)> {
        Ok(on_pool!(self, p => sqlx::query_as(
            "SELECT COUNT(*), CAST(COALESCE(SUM(log_size), 0) AS BIGINT) FROM cooperatives",
        )
        .fetch_one(p)
        .await)?)
    }

    /// What the cooperative tells buyers about itself ('' until a manager writes it).
    pub async fn story_of(&self, cooperative_id: i64) -> Result<String> {
        const SQL: &str = "SELECT story FROM cooperatives WHERE id = $1";
        Ok(on_pool!(self, p => sqlx::query_scalar(SQL).bind(cooperative_id).fetch_one(p).await)?)
    }

    /// The cooperatives Gốc has verified that have a GS1 company prefix, in one query
    /// (the Digital Link resolver asks on every scan).
    pub async fn verified_with_gs1_prefix(&self) -> Result<Vec<CooperativeRow>> {
        let sql = format!(
            "SELECT {COOPERATIVE_COLUMNS} FROM cooperatives \
             WHERE gs1_prefix IS NOT NULL AND approved_at IS NOT NULL"
        );
        Ok(on_pool!(self, p => sqlx::query_as(&sql).fetch_all(p).await)?)
    }

    /// Every cooperative's GS1 company prefix, with its id.
    pub async fn gs1_prefixes(&self) -> Result<Vec<(i64, String)>> {
        const SQL: &str = "SELECT id, gs1_prefix FROM cooperatives WHERE gs1_prefix IS NOT NULL";
        Ok(on_pool!(self, p => sqlx::query_as(SQL).fetch_all(p).await)?)
    }

    pub async fn set_gs1_prefix(&self, cooperative_id: i64, prefix: Option<&str>) -> Result<()> {
        const SQL: &str = "UPDATE cooperatives SET gs1_prefix = $1 WHERE id = $2";
        on_pool!(self, p => sqlx::query(SQL).bind(prefix).bind(cooperative_id).execute(p).await.map(|_| ()))?;
        Ok(())
    }

    pub async fn set_story(&self, cooperative_id: i64, story: &str) -> Result<()> {
        const SQL: &str = "UPDATE cooperatives SET story = $1 WHERE id = $2";
        on_pool!(self, p => sqlx::query(SQL).bind(story).bind(cooperative_id).execute(p).await.map(|_| ()))?;
        Ok(())
    }

    /// Who cares for a zone, as shown to buyers ('' when nobody is named).
    pub async fn caretaker_of(&self, zone_id: i64) -> Result<String> {
        const SQL: &str = "SELECT caretaker FROM zones WHERE id = $1";
        Ok(on_pool!(self, p => sqlx::query_scalar(SQL).bind(zone_id).fetch_one(p).await)?)
    }

    /// Names a zone's caretaker; `false` if the zone is not this cooperative's.
    pub async fn set_caretaker(
        &self,
        cooperative_id: i64,
        zone_id: i64,
        name: &str,
    ) -> Result<bool> {
        const SQL: &str = "UPDATE zones SET caretaker = $1 WHERE id = $2 AND cooperative_id = $3";
        let n = on_pool!(self, p => sqlx::query(SQL).bind(name).bind(zone_id).bind(cooperative_id)
            .execute(p).await.map(|d| d.rows_affected()))?;
        Ok(n == 1)
    }

    pub async fn count_cooperatives(&self) -> Result<i64> {
        Ok(
            on_pool!(self, p => sqlx::query_scalar("SELECT COUNT(*) FROM cooperatives").fetch_one(p).await)?,
        )
    }
}

impl Store {
    /// The codes of every cooperative, approved or not (what an audit covers).
    pub async fn cooperative_codes(&self) -> Result<Vec<String>> {
        const SQL: &str = "SELECT code FROM cooperatives ORDER BY code";
        Ok(on_pool!(self, p => sqlx::query_scalar(SQL).fetch_all(p).await)?)
    }
}
