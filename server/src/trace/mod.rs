//! Traceability: from an input lot to every tree it touched, the harvests at risk and the
//! adopters who received fruit (a recall), and from a tree or a harvest back to every
//! input upstream (a traceback). Both read the recall index (`facts`), which is written
//! with each ledger entry, never by a batch job.

pub mod epcis;
pub mod facts;
pub mod recall;

pub use recall::{
    notify_reached, recall, recall_csv, traceback, Harvest, Reached, Recall, RecallQuery, Touch,
    Traceback,
};

use crate::error::Result;
use crate::store::Store;

/// Indexes the logs written before the recall index existed, once (a no-op afterwards).
pub async fn backfill(store: &Store) -> Result<()> {
    const PAGE: i64 = 10_000;
    let pending = store.trace_backfill_pending().await?;
    for &coop in &pending {
        let mut from = 0;
        loop {
            let rows = store.log_page(coop, from, PAGE).await?;
            let entries = rows
                .iter()
                .map(|r| ledger::Entry::decode(&r.bytes))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| {
                    crate::Error::Internal(format!("a stored entry does not decode: {e}"))
                })?;
            let done = (rows.len() as i64) < PAGE;
            store.index_entries(coop, &entries, done).await?;
            if done {
                break;
            }
            from += PAGE;
        }
        tracing::info!(cooperative = coop, "recall index built for an older log");
    }
    if !pending.is_empty() {
        store.analyze().await;
    }
    Ok(())
}
