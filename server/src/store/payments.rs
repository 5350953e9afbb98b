//! Payment reports, applied in groups. A report is acknowledged to its provider only once
//! it is durable, and a durable commit costs a disk flush (milliseconds) where checking a
//! report costs microseconds. So reports that arrive while a commit runs wait for the next
//! one and share it (group commit), each in its own savepoint so that one report's failure
//! undoes only that report. A report alone still commits at once: nothing waits on a timer.

use std::sync::Mutex;

use sqlx::Acquire;
use tokio::sync::oneshot;

use super::log::{append_in_tx, BoxedEntry};
use super::market::{Applied, PaymentReport};
use super::{on_pool, Store};
use crate::error::{Error, Result};

/// The reports waiting for a commit, and whose turn it is to make one.
#[derive(Default)]
pub(super) struct Reports {
    waiting: Mutex<Vec<Waiting>>,
    /// Held by the caller that commits what waits; the others queue behind it.
    turn: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for Reports {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("payment reports")
    }
}

struct Waiting {
    report: PaymentReport,
    subject: String,
    make: BoxedEntry,
    answer: oneshot::Sender<Result<Applied>>,
}

impl Store {
    /// Applies a provider's report to its order, in the order VNPay prescribes (amount,
    /// then state): a payment makes the order paid and appends the adoption (`adopted`,
    /// built by `make`) to the tree's chain; a failure frees the tree. Every report is
    /// recorded; a provider's transaction is applied once. Returns once it is durable.
    pub async fn apply_payment(
        &self,
        report: PaymentReport,
        subject: &str,
        make: BoxedEntry,
    ) -> Result<Applied> {
        let (answer, mut applied) = oneshot::channel();
        self.reports
            .waiting
            .lock()
            .expect("no panic holds it")
            .push(Waiting {
                report,
                subject: subject.to_owned(),
                make,
                answer,
            });
        let stopped = |_| Err(Error::Internal("the payment commit stopped".into()));
        tokio::select! {
            // Done by another caller's commit: leave the line for the turn at once, or
            // callers whose answers are ready would queue behind each commit one by one.
            done = &mut applied => return done.unwrap_or_else(stopped),
            _turn = self.reports.turn.lock() => {
                let group = std::mem::take(&mut *self.reports.waiting.lock().expect("no panic holds it"));
                if !group.is_empty() {
                    // In a task of its own: a caller that goes away (its request dropped)
                    // must not cancel the others' reports halfway.
                    let store = self.clone();
                    let _ = tokio::spawn(async move { store.apply_group(group).await }).await;
                }
            }
        }
        // The turn came, so no commit runs: this report's was the one just made or an
        // earlier one.
        applied.await.unwrap_or_else(stopped)
    }

    async fn apply_group(&self, mut group: Vec<Waiting>) {
        // One order of row locks for every group (PostgreSQL), so two cannot deadlock;
        // the sort is stable, so reports about one order keep their order of arrival.
        group.sort_by_key(|w| w.report.order_id);
        let mut done = Vec::with_capacity(group.len());
        let committed: Result<()> = on_pool!(self, p => async {
            let mut tx = p.begin().await?;
            for Waiting { report: r, subject, make, answer } in group {
                let mut one = tx.begin().await?;
                let applied: Result<Applied> = async {
                    // A write first: the order's row (PostgreSQL) or the database (SQLite) is
                    // this transaction's until it ends, so two reports cannot both find it held.
                    let (coop, state, amount): (i64, String, i64) = sqlx::query_as(
                        "UPDATE orders SET state = state WHERE id = $1 RETURNING \
                         (SELECT cooperative_id FROM offers WHERE offers.id = orders.offer_id), state, amount_vnd",
                    )
                    .bind(r.order_id).fetch_one(&mut *one).await?;
                    let seen: Option<i64> = sqlx::query_scalar(
                        "SELECT id FROM payment_events WHERE provider = $1 AND provider_ref = $2 AND outcome IN ('paid', 'failed')",
                    )
                    .bind(r.provider).bind(&r.provider_ref).fetch_optional(&mut *one).await?;
                    let applied = if seen.is_some() {
                        Applied::Replayed
                    } else if amount != r.amount_vnd {
                        Applied::WrongAmount
                    } else if !matches!(state.as_str(), "held" | "expired" | "cancelled") || (!r.paid && state != "held") {
                        Applied::AlreadySettled
                    } else if !r.paid {
                        sqlx::query("UPDATE orders SET state = 'cancelled' WHERE id = $1")
                            .bind(r.order_id).execute(&mut *one).await?;
                        Applied::Failed
                    } else {
                        // Money after a hold lapsed or was cancelled (a transfer made late): the
                        // order is revived if nobody else holds the tree now, else it is owed back.
                        let taken: Option<i64> = sqlx::query_scalar(
                            "SELECT id FROM orders WHERE offer_id = (SELECT offer_id FROM orders WHERE id = $1) \
                             AND id <> $1 AND state IN ('held', 'paid')",
                        )
                        .bind(r.order_id).fetch_optional(&mut *one).await?;
                        if taken.is_some() {
                            sqlx::query("UPDATE orders SET state = 'refund_due', paid_at = $2 WHERE id = $1")
                                .bind(r.order_id).bind(r.at).execute(&mut *one).await?;
                            Applied::RefundDue
                        } else {
                            sqlx::query("UPDATE orders SET state = 'paid', paid_at = $2 WHERE id = $1")
                                .bind(r.order_id).bind(r.at).execute(&mut *one).await?;
                            append_in_tx!(one, coop, &subject, make);
                            Applied::Confirmed
                        }
                    };
                    let outcome = match applied {
                        Applied::Confirmed | Applied::RefundDue => "paid",
                        Applied::Failed => "failed",
                        Applied::Replayed => "replayed",
                        Applied::AlreadySettled => "already_settled",
                        Applied::WrongAmount => "wrong_amount",
                    };
                    sqlx::query("INSERT INTO payment_events (provider, provider_ref, order_id, amount_vnd, outcome, raw, received_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7)")
                        .bind(r.provider).bind(&r.provider_ref).bind(r.order_id).bind(r.amount_vnd)
                        .bind(outcome).bind(&r.raw).bind(r.at)
                        .execute(&mut *one).await?;
                    Ok(applied)
                }
                .await;
                match applied {
                    Ok(_) => one.commit().await?,
                    Err(_) => one.rollback().await?,
                }
                done.push((answer, applied));
            }
            tx.commit().await?;
            Ok(())
        }.await);
        match committed {
            Ok(()) => {
                for (answer, applied) in done {
                    let _ = answer.send(applied);
                }
            }
            Err(e) => {
                tracing::error!(error = %e, reports = done.len(), "a group of payment reports was not committed");
                for (answer, _) in done {
                    let _ = answer.send(Err(Error::Internal(format!("not committed: {e}"))));
                }
            }
        }
    }
}
