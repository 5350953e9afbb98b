//! Aggregates for the managers' season report, each one query whatever the log's size
//! (`crate::reports`).

use super::{on_pool, Store};
use crate::error::Result;

/// A tree as a report groups it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ReportTree {
    pub code: String,
    pub zone_id: i64,
    pub zone_name: String,
    pub variety: String,
}

/// A paid adoption whose season overlaps the report's range.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ReportSale {
    pub tree: String,
    pub amount_vnd: i64,
}

/// A harvest recorded in the range (withdrawn ones left out).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ReportHarvest {
    pub tree: String,
    pub grams: i64,
}

/// Diary entries a member sent in one week (weeks from Monday, Vietnam's time).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ReportActivity {
    pub name: String,
    pub week: i64,
    pub entries: i64,
}

/// A harvest inside the interval of a spray on the same tree.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct ReportViolation {
    pub tree: String,
    pub harvested_at: i64,
    pub sprayed_at: i64,
    pub product: String,
    pub phi_days: i64,
}

/// Unix ms of Monday 1970-01-05 00:00 in Vietnam: weeks are counted from there.
pub const FIRST_MONDAY_MS: i64 = 4 * 86_400_000 - 7 * 3_600_000;
const WEEK_MS: i64 = 7 * 86_400_000;

impl Store {
    pub async fn report_trees(&self, cooperative_id: i64) -> Result<Vec<ReportTree>> {
        const SQL: &str = "SELECT t.code, t.zone_id, z.name AS zone_name, t.variety FROM trees t \
             JOIN zones z ON z.id = t.zone_id WHERE t.cooperative_id = $1 AND t.status = 'active' \
             ORDER BY t.code";
        Ok(on_pool!(self, p => sqlx::query_as(SQL).bind(cooperative_id).fetch_all(p).await)?)
    }

    /// Paid adoptions whose season overlaps `from`..=`to` (ISO dates).
    pub async fn report_sales(
        &self,
        cooperative_id: i64,
        from: &str,
        to: &str,
    ) -> Result<Vec<ReportSale>> {
        const SQL: &str = "SELECT t.code AS tree, o.amount_vnd FROM orders o \
             JOIN offers f ON f.id = o.offer_id JOIN trees t ON t.id = f.tree_id \
             WHERE f.cooperative_id = $1 AND o.state = 'paid' AND f.starts_on <= $3 AND f.ends_on >= $2";
        Ok(
            on_pool!(self, p => sqlx::query_as(SQL).bind(cooperative_id).bind(from).bind(to).fetch_all(p).await)?,
        )
    }

    /// Harvests recorded from `from_ms` to `to_ms`, per tree.
    pub async fn report_harvests(
        &self,
        cooperative_id: i64,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<ReportHarvest>> {
        const SQL: &str = "SELECT f.tree, CAST(SUM(f.grams) AS BIGINT) AS grams FROM trace_facts f \
             LEFT JOIN trace_withdrawn w ON w.cooperative_id = f.cooperative_id AND w.hash = f.hash \
             WHERE f.cooperative_id = $1 AND f.kind IN (17, 22) AND f.at >= $2 AND f.at <= $3 \
             AND w.hash IS NULL GROUP BY f.tree";
        Ok(
            on_pool!(self, p => sqlx::query_as(SQL).bind(cooperative_id).bind(from_ms).bind(to_ms).fetch_all(p).await)?,
        )
    }

    /// Diary entries each member sent per week, from `from_ms` to `to_ms`.
    pub async fn report_activity(
        &self,
        cooperative_id: i64,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<ReportActivity>> {
        let sql = format!(
            "SELECT u.name, CAST((d.received_at - {FIRST_MONDAY_MS}) / {WEEK_MS} AS BIGINT) AS week, \
             CAST(COUNT(*) AS BIGINT) AS entries FROM diary_submissions d JOIN users u ON u.id = d.user_id \
             WHERE d.cooperative_id = $1 AND d.received_at >= $2 AND d.received_at <= $3 \
             GROUP BY u.name, CAST((d.received_at - {FIRST_MONDAY_MS}) / {WEEK_MS} AS BIGINT) ORDER BY week, u.name"
        );
        Ok(
            on_pool!(self, p => sqlx::query_as(&sql).bind(cooperative_id).bind(from_ms).bind(to_ms).fetch_all(p).await)?,
        )
    }

    /// Trees with care (kinds 10–22) received since `since_ms`.
    pub async fn trees_cared_since(
        &self,
        cooperative_id: i64,
        since_ms: i64,
    ) -> Result<Vec<String>> {
        const SQL: &str = "SELECT DISTINCT subject FROM ledger_entries WHERE cooperative_id = $1 \
             AND kind BETWEEN 10 AND 22 AND received_at >= $2";
        let subjects: Vec<String> = on_pool!(self, p => sqlx::query_scalar(SQL).bind(cooperative_id).bind(since_ms).fetch_all(p).await)?;
        Ok(subjects
            .into_iter()
            .filter_map(|s| s.strip_prefix("tree:").map(str::to_owned))
            .collect())
    }

    /// Harvests from `from_ms` to `to_ms` inside a spray's pre-harvest interval on the
    /// same tree (withdrawn entries on either side left out). Only sprays (kinds 13 and
    /// 20) carry an interval: naming them lets the tree index find a harvest's sprays
    /// without reading the tree's every fact.
    pub async fn report_violations(
        &self,
        cooperative_id: i64,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<ReportViolation>> {
        const SQL: &str = "SELECT h.tree, h.at AS harvested_at, i.at AS sprayed_at, i.product, i.phi_days \
             FROM trace_facts h JOIN trace_facts i ON i.cooperative_id = h.cooperative_id AND i.tree = h.tree \
             AND i.kind IN (13, 20) AND i.at <= h.at \
             AND i.phi_days IS NOT NULL AND h.at < i.at + i.phi_days * 86400000 \
             WHERE h.cooperative_id = $1 AND h.kind IN (17, 22) AND h.at >= $2 AND h.at <= $3 \
             AND NOT EXISTS (SELECT 1 FROM trace_withdrawn w WHERE w.cooperative_id = h.cooperative_id AND w.hash IN (h.hash, i.hash)) \
             ORDER BY h.at";
        Ok(
            on_pool!(self, p => sqlx::query_as(SQL).bind(cooperative_id).bind(from_ms).bind(to_ms).fetch_all(p).await)?,
        )
    }

    /// Care requests made from `from_ms` to `to_ms`: (asked, answered).
    pub async fn report_care_requests(
        &self,
        cooperative_id: i64,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<(i64, i64)> {
        const SQL: &str = "SELECT CAST(COUNT(*) AS BIGINT), CAST(COUNT(c.answer) AS BIGINT) FROM care_requests c \
             JOIN orders o ON o.id = c.order_id JOIN offers f ON f.id = o.offer_id \
             WHERE f.cooperative_id = $1 AND c.created_at >= $2 AND c.created_at <= $3";
        Ok(
            on_pool!(self, p => sqlx::query_as(SQL).bind(cooperative_id).bind(from_ms).bind(to_ms).fetch_one(p).await)?,
        )
    }
}
