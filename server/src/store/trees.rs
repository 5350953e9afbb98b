//! Trees.

use ledger::Entry;

use super::log::{append_in_tx, BoxedEntry, MakeEntry};
use super::{
    on_pool, KeptPhoto, PhotoInsert, PhotoRow, Store, TreeDetailRow, TreeInsert, TreeLabelRow,
    TreeListRow, TreeRow,
};
use crate::error::{Error, Result};

const INSERT_TREE: &str = "INSERT INTO trees \
    (cooperative_id, zone_id, code, species, variety, planted_on, lat_micro, lon_micro, identity_path, created_at) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";

impl Store {
    /// Inserts a tree and appends its registration entry, in one transaction.
    pub async fn insert_tree(
        &self,
        t: &TreeInsert,
        subject: &str,
        make: impl MakeEntry,
    ) -> Result<(i64, Entry)> {
        let result: Result<(i64, Entry)> = on_pool!(self, p => async {
            let mut tx = p.begin().await?;
            let id: i64 = sqlx::query_scalar(&format!("{INSERT_TREE} RETURNING id"))
                .bind(t.cooperative_id).bind(t.zone_id).bind(&t.code).bind(&t.species).bind(&t.variety)
                .bind(&t.planted_on).bind(t.lat_micro).bind(t.lon_micro).bind(&t.identity_path).bind(t.created_at)
                .fetch_one(&mut *tx).await?;
            let (entry, _) = append_in_tx!(tx, t.cooperative_id, subject, make);
            tx.commit().await?;
            Ok((id, entry))
        }.await);
        result.map_err(|e| {
            if e.is_unique_violation() {
                Error::conflict(
                    format!("Mã cây {} đã có trong hợp tác xã này", t.code),
                    format!("tree code {} is already used in this cooperative", t.code),
                )
            } else {
                e
            }
        })
    }

    /// Inserts many trees with their registration entries in one transaction: all or
    /// none. `progress` hears how many are done.
    pub async fn insert_trees(
        &self,
        cooperative_id: i64,
        trees: Vec<(TreeInsert, String, BoxedEntry)>,
        progress: &(dyn Fn(usize) + Send + Sync),
    ) -> Result<usize> {
        let n = trees.len();
        let mut last_code = String::new();
        let result: Result<usize> = on_pool!(self, p => async {
            let mut tx = p.begin().await?;
            for (i, (t, subject, make)) in trees.into_iter().enumerate() {
                last_code.clone_from(&t.code);
                sqlx::query(INSERT_TREE)
                    .bind(t.cooperative_id).bind(t.zone_id).bind(&t.code).bind(&t.species).bind(&t.variety)
                    .bind(&t.planted_on).bind(t.lat_micro).bind(t.lon_micro).bind(&t.identity_path).bind(t.created_at)
                    .execute(&mut *tx).await?;
                append_in_tx!(tx, cooperative_id, &subject, make);
                if i % 50 == 49 {
                    progress(i + 1);
                }
            }
            tx.commit().await?;
            progress(n);
            Ok(n)
        }.await);
        result.map_err(|e| {
            if e.is_unique_violation() {
                Error::conflict(
                    format!(
                        "Mã cây {last_code} vừa được dùng; không cây nào được nhập, hãy thử lại"
                    ),
                    format!(
                        "tree code {last_code} was just taken; nothing was imported, try again"
                    ),
                )
            } else {
                e
            }
        })
    }

    pub async fn tree_row(&self, cooperative_id: i64, code: &str) -> Result<Option<TreeRow>> {
        const SQL: &str =
            "SELECT id, code, status FROM trees WHERE cooperative_id = $1 AND code = $2";
        Ok(
            on_pool!(self, p => sqlx::query_as(SQL).bind(cooperative_id).bind(code).fetch_optional(p).await)?,
        )
    }

    /// Changes a tree's status and logs why, in one transaction.
    pub async fn set_tree_status(
        &self,
        tree: &TreeRow,
        cooperative_id: i64,
        status: &str,
        subject: &str,
        make: impl MakeEntry,
    ) -> Result<()> {
        on_pool!(self, p => async {
            let mut tx = p.begin().await?;
            sqlx::query("UPDATE trees SET status = $2 WHERE id = $1")
                .bind(tree.id).bind(status).execute(&mut *tx).await?;
            append_in_tx!(tx, cooperative_id, subject, make);
            tx.commit().await?;
            Ok(())
        }.await)
    }

    /// Stores a photo and logs it in the tree's diary, in one transaction.
    pub async fn insert_photo(
        &self,
        photo: &PhotoInsert,
        cooperative_id: i64,
        subject: &str,
        make: impl MakeEntry,
    ) -> Result<()> {
        const SQL: &str =
            "INSERT INTO tree_photos (tree_id, hash, width, height, image, thumb, created_at) \
            VALUES ($1, $2, $3, $4, '', '', $5)";
        let r: Result<()> = on_pool!(self, p => async {
            let mut tx = p.begin().await?;
            sqlx::query(SQL)
                .bind(photo.tree_id).bind(&photo.hash).bind(photo.width).bind(photo.height)
                .bind(photo.created_at)
                .execute(&mut *tx).await?;
            append_in_tx!(tx, cooperative_id, subject, make);
            tx.commit().await?;
            Ok(())
        }.await);
        r.map_err(|e| {
            if e.is_unique_violation() {
                Error::conflict(
                    "Ảnh này đã có trong hồ sơ cây",
                    "This photo is already on the tree's record",
                )
            } else {
                e
            }
        })
    }

    /// A tree's photos, newest first.
    pub async fn photos_of(&self, tree_id: i64) -> Result<Vec<PhotoRow>> {
        const SQL: &str =
            "SELECT hash, width, height FROM tree_photos WHERE tree_id = $1 ORDER BY id DESC";
        Ok(on_pool!(self, p => sqlx::query_as(SQL).bind(tree_id).fetch_all(p).await)?)
    }

    /// Photos whose bytes an earlier version kept in the database (the columns `image`
    /// and `thumb`, empty since photos live in the photo store), at most `limit`.
    pub async fn photos_kept_inside(&self, limit: i64) -> Result<Vec<KeptPhoto>> {
        const SQL: &str = "SELECT hash, image, thumb FROM tree_photos WHERE length(image) > 0 \
             UNION ALL SELECT hash, image, thumb FROM diary_photos WHERE length(image) > 0 \
             LIMIT $1";
        let rows: Vec<(Vec<u8>, Vec<u8>, Vec<u8>)> =
            on_pool!(self, p => sqlx::query_as(SQL).bind(limit).fetch_all(p).await)?;
        rows.into_iter()
            .map(|(hash, image, thumb)| {
                Ok(KeptPhoto {
                    hash: super::log::digest(&hash)?.0,
                    image,
                    thumb,
                })
            })
            .collect()
    }

    /// Empties the database's copies of a photo once the photo store holds it.
    pub async fn forget_photo_bytes(&self, hash: &[u8; 32]) -> Result<()> {
        on_pool!(self, p => async {
            for table in ["tree_photos", "diary_photos"] {
                sqlx::query(&format!("UPDATE {table} SET image = '', thumb = '' WHERE hash = $1"))
                    .bind(hash.to_vec()).execute(p).await?;
            }
            Ok::<_, sqlx::Error>(())
        }.await)?;
        Ok(())
    }

    /// One tree with its zone and cooperative, by their codes.
    pub async fn tree_detail(
        &self,
        coop_code: &str,
        tree_code: &str,
    ) -> Result<Option<TreeDetailRow>> {
        const SQL: &str = "SELECT t.id, t.code, t.species, t.variety, t.planted_on, t.status, t.lat_micro, t.lon_micro, \
              t.identity_path, z.name AS zone_name, z.code AS zone_code, z.boundary AS zone_boundary, z.crops AS zone_crops, \
              z.area_ha AS zone_area_ha, c.code AS coop_code, c.name AS coop_name, \
              (c.approved_at IS NOT NULL) AS coop_approved, c.province, c.district, c.commune, \
              s.name_vi AS species_vi, s.name_en AS species_en, z.caretaker AS zone_caretaker, \
              c.story AS coop_story, \
              (SELECT o.tree_name FROM orders o JOIN offers f ON f.id = o.offer_id \
                WHERE f.tree_id = t.id AND o.state = 'paid' AND f.ends_on >= $3 \
                ORDER BY o.paid_at DESC LIMIT 1) AS adopted_name \
            FROM trees t JOIN zones z ON z.id = t.zone_id JOIN cooperatives c ON c.id = t.cooperative_id \
              LEFT JOIN species s ON s.key = t.species \
            WHERE c.code = $1 AND t.code = $2";
        // The adopter's name for the tree shows while their season runs.
        let today = ledger::Date::from_unix_ms(crate::clock::now_ms()).to_string();
        Ok(
            on_pool!(self, p => sqlx::query_as(SQL).bind(coop_code).bind(tree_code).bind(&today).fetch_optional(p).await)?,
        )
    }

    /// A cooperative's trees by code.
    pub async fn trees_of(&self, cooperative_id: i64) -> Result<Vec<TreeListRow>> {
        const SQL: &str = "SELECT t.code, t.species, t.variety, z.name AS zone_name, t.status \
            FROM trees t JOIN zones z ON z.id = t.zone_id WHERE t.cooperative_id = $1 ORDER BY t.code";
        Ok(on_pool!(self, p => sqlx::query_as(SQL).bind(cooperative_id).fetch_all(p).await)?)
    }

    /// A cooperative's trees with what their labels show, by code.
    pub async fn tree_labels(&self, cooperative_id: i64) -> Result<Vec<TreeLabelRow>> {
        const SQL: &str = "SELECT t.code, t.species, t.variety, t.status, t.zone_id, z.code AS zone_code, t.identity_path \
            FROM trees t JOIN zones z ON z.id = t.zone_id WHERE t.cooperative_id = $1 ORDER BY t.code";
        Ok(on_pool!(self, p => sqlx::query_as(SQL).bind(cooperative_id).fetch_all(p).await)?)
    }
}
