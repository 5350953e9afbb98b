//! Growing zones.

use ledger::Entry;

use super::log::{append_in_tx, MakeEntry};
use super::{on_pool, Store, ZoneInsert, ZoneRow};
use crate::error::{Error, Result};

impl Store {
    /// Inserts a zone and appends its registration entry, in one transaction.
    pub async fn insert_zone(
        &self,
        z: &ZoneInsert,
        subject: &str,
        make: impl MakeEntry,
    ) -> Result<(i64, Entry)> {
        const SQL: &str = "INSERT INTO zones \
            (cooperative_id, code, name, crops, area_ha, households, boundary, created_at) \
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id";
        let result: Result<(i64, Entry)> = on_pool!(self, p => async {
            let mut tx = p.begin().await?;
            let id: i64 = sqlx::query_scalar(SQL)
                .bind(z.cooperative_id).bind(&z.code).bind(&z.name).bind(&z.crops).bind(z.area_ha)
                .bind(z.households).bind(&z.boundary).bind(z.created_at)
                .fetch_one(&mut *tx).await?;
            let (entry, _) = append_in_tx!(tx, z.cooperative_id, subject, make);
            tx.commit().await?;
            Ok((id, entry))
        }.await);
        result.map_err(|e| match (&e, &z.code) {
            (e, Some(code)) if e.is_unique_violation() => Error::conflict(
                format!("Mã số vùng trồng {code} đã đăng ký trong hợp tác xã này"),
                format!("zone code {code} is already registered in this cooperative"),
            ),
            _ => e,
        })
    }

    pub async fn zones_of(&self, cooperative_id: i64) -> Result<Vec<ZoneRow>> {
        const SQL: &str = "SELECT id, cooperative_id, code, name, crops, area_ha, households, boundary, created_at, caretaker \
                           FROM zones WHERE cooperative_id = $1 ORDER BY name";
        Ok(on_pool!(self, p => sqlx::query_as(SQL).bind(cooperative_id).fetch_all(p).await)?)
    }
}
