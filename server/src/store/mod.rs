//! The database `Store`: one concrete, cloneable type over SQLite or PostgreSQL.
//!
//! Each query is written once, as runtime SQL with `$N` placeholders that both engines
//! accept, and [`on_pool!`] compiles the same body for each pool type. No `sqlx` type
//! leaves this module tree: callers get row structs and [`crate::Error`].

mod accounts;
mod adoption;
mod appends;
mod archive;
mod bound;
mod cooperatives;
mod diary;
mod jobs;
mod log;
mod market;
mod notices;
mod payments;
mod reports;
mod rows;
mod species;
mod tokens;
mod trace;
mod trees;
mod witnesses;
mod zones;

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

pub use adoption::{Accepted, GiftRow, HarvestChoiceRow, RefundRow, ShipmentRow};
pub use archive::{Cell, Column, ColumnType, Loader, Snapshot};
pub use diary::{DiaryAppend, DiaryPhoto, Stored};
pub use log::{AuditRow, BoxedEntry, MakeEntry};
pub use market::{
    Applied, CareRequestRow, CatalogRow, Hold, OfferInsert, OfferRow, OrderRow, PaymentReport,
    ProviderRow, SaleRow, SettlementRow,
};
pub use notices::{MailRow, Notice, NotificationRow, UntoldEntry};
pub use payments::{PaymentEntry, COMMITS};
pub use reports::{
    ReportActivity, ReportHarvest, ReportSale, ReportTree, ReportViolation, FIRST_MONDAY_MS,
};
pub use rows::*;
pub use tokens::{ApiTokenRow, TokenHolder};
pub use trace::{ReachedAdoptionRow, TraceRow};
pub use witnesses::{EvidenceRow, WitnessRow, WitnessedLogRow};

use crate::error::{Error, Result};

#[derive(Clone, Debug)]
enum Backend {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// The database, whichever engine `DATABASE_URL` chose.
#[derive(Clone, Debug)]
pub struct Store {
    backend: Backend,
    /// Payment reports waiting to share a commit.
    reports: std::sync::Arc<payments::Reports>,
}

/// Runs the same body against whichever pool the store holds; `$pool` names it inside.
macro_rules! on_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.backend {
            $crate::store::Backend::Sqlite($pool) => $body,
            $crate::store::Backend::Postgres($pool) => $body,
        }
    };
}
pub(crate) use on_pool;

impl Store {
    /// Connects to `url`. A SQLite file (and its folder) is created if missing and opened in
    /// WAL mode with foreign keys on and a busy timeout, so concurrent writers wait their
    /// turn instead of failing. `synchronous=FULL`: in WAL mode NORMAL can lose the last
    /// commits on power loss, and a phone that heard "stored" has already dropped its copy.
    pub async fn connect(url: &str) -> Result<Self> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect(url)
                .await?;
            return Self::over(Backend::Postgres(pool));
        }
        if !url.starts_with("sqlite:") {
            return Err(Error::Config(format!(
                "DATABASE_URL must start with sqlite:// or postgres:// (got {})",
                url.split(':').next().unwrap_or("")
            )));
        }
        let opts = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        if let Some(dir) = opts
            .get_filename()
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
        {
            std::fs::create_dir_all(dir)
                .map_err(|e| Error::io("creating the database folder", e))?;
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(opts)
            .await?;
        Self::over(Backend::Sqlite(pool))
    }

    fn over(backend: Backend) -> Result<Self> {
        Ok(Self {
            reports: std::sync::Arc::new(payments::Reports::start(&backend)?),
            backend,
        })
    }

    /// Applies the engine's migrations from `migrations/sqlite` or `migrations/postgres`.
    pub async fn migrate(&self) -> Result<()> {
        match &self.backend {
            Backend::Sqlite(p) => sqlx::migrate!("../migrations/sqlite").run(p).await?,
            Backend::Postgres(p) => sqlx::migrate!("../migrations/postgres").run(p).await?,
        }
        Ok(())
    }

    /// Succeeds when the database answers a query.
    pub async fn ping(&self) -> Result<()> {
        on_pool!(self, p => sqlx::query("SELECT 1").execute(p).await.map(|_| ()))?;
        Ok(())
    }

    /// Connections open in the pool, and how many of them are idle.
    pub fn pool_stats(&self) -> (u32, usize) {
        on_pool!(self, p => (p.size(), p.num_idle()))
    }

    /// Refreshes PostgreSQL's planner statistics and visibility map after a bulk write (a
    /// generated data set, an import, a backfill). Without statistics PostgreSQL takes a
    /// table of millions of rows for an empty one and can scan a whole time range where
    /// one index descent per tree would do (850 ms against 27 for a recall at 10 M
    /// entries); without the visibility map it cannot answer from the recall's covering
    /// indexes alone. Its autovacuum does both on its own when it is on. SQLite is left without statistics on purpose: its
    /// fixed assumptions (an equality narrows an index to a few rows) choose the right
    /// indexes here, while sampled statistics (`analysis_limit`) misjudged a column with
    /// one value, the cooperative, and sent a recall through the whole table.
    ///
    /// Best effort: the write it follows has committed, so a refusal (a statement timeout,
    /// a cancel) is logged and the caller goes on.
    pub async fn analyze(&self) {
        const SQL: &str = "VACUUM (ANALYZE) ledger_entries, merkle_nodes, trace_facts, \
             trace_withdrawn, diary_submissions, trees";
        if let Backend::Postgres(p) = &self.backend {
            if let Err(e) = sqlx::query(SQL).execute(p).await {
                tracing::warn!(error = %e, "refreshing the planner's statistics failed");
            }
        }
    }

    pub async fn close(&self) {
        self.reports.close().await;
        on_pool!(self, p => p.close().await)
    }
}
