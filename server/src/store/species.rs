//! The species table.

use super::{on_pool, SpeciesRow, Store};
use crate::error::{Error, Result};

impl Store {
    pub async fn species_list(&self) -> Result<Vec<SpeciesRow>> {
        const SQL: &str = "SELECT key, name_vi, name_en, scientific FROM species ORDER BY name_vi";
        Ok(on_pool!(self, p => sqlx::query_as(SQL).fetch_all(p).await)?)
    }

    pub async fn insert_species(&self, s: &SpeciesRow, now: i64) -> Result<()> {
        const SQL: &str = "INSERT INTO species (key, name_vi, name_en, scientific, created_at) VALUES ($1, $2, $3, $4, $5)";
        let r: Result<()> = on_pool!(self, p => sqlx::query(SQL)
            .bind(&s.key).bind(&s.name_vi).bind(&s.name_en).bind(&s.scientific).bind(now)
            .execute(p).await.map(|_| ()).map_err(Error::from));
        r.map_err(|e| {
            if e.is_unique_violation() {
                Error::conflict(
                    format!("Đã có loài {}", s.key),
                    format!("Species {} already exists", s.key),
                )
            } else {
                e
            }
        })
    }
}
