//! Payment reports, applied in groups. A report is acknowledged to its provider only once
//! it is durable, and a durable commit costs a disk flush where checking a report costs
//! microseconds. So reports that arrive while a commit runs wait for the next one and
//! share it (group commit), and a group is applied set by set: its orders locked in one
//! statement, the replays found in one, the adoptions appended as one batch per
//! cooperative, the calls recorded in one. A report alone still commits at once: nothing
//! waits on a timer. A group that fails is applied again report by report, so that one
//! report's failure is that report's alone.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex};

use ledger::{merkle, Digest, Entry};
use sqlx::QueryBuilder;
use tokio::sync::oneshot;

use super::appends::{
    heads_and_edge, push_entries, push_heads_and_edge, push_nodes, push_wanted, Appended, Known,
};
use super::market::{Applied, PaymentReport};
use super::{on_pool, Store};
use crate::error::{Error, Result};

/// Builds a payment's ledger entry (`adopted`) from the cooperative's code, the sequence
/// number it will get and the hash of the tree's previous entry. It may be called again: a
/// group that fails is applied again report by report.
pub type PaymentEntry = Box<dyn Fn(&str, u64, Option<Digest>) -> Result<Entry> + Send + Sync>;

/// Reports in one transaction at most: each is a few bound values in the group's
/// statements, which SQLite caps at 32,766.
const MAX_GROUP: usize = 1_000;

/// The reports waiting for a commit, and whose turn it is to make one.
#[derive(Default)]
pub(super) struct Reports {
    waiting: Mutex<Vec<Waiting>>,
    /// Held while what waits is committed; callers queue behind it.
    turn: Arc<tokio::sync::Mutex<()>>,
}

impl std::fmt::Debug for Reports {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("payment reports")
    }
}

struct Waiting {
    report: PaymentReport,
    subject: String,
    make: PaymentEntry,
    answer: oneshot::Sender<Result<Applied>>,
}

/// An order of a group as the group has it so far.
struct Order {
    cooperative: i64,
    state: String,
    amount: i64,
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
        make: PaymentEntry,
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
            turn = self.reports.turn.clone().lock_owned() => {
                // The turn and the commits go to a task of their own, which commits until
                // nothing waits: a caller that goes away (its request dropped) can neither
                // cancel the others' reports halfway nor let a second commit start beside
                // this one, nor leave a report waiting with nobody to commit it.
                let store = self.clone();
                let _ = tokio::spawn(async move {
                    loop {
                        let group: Vec<Waiting> = {
                            let mut waiting = store.reports.waiting.lock().expect("no panic holds it");
                            let n = waiting.len().min(MAX_GROUP);
                            waiting.drain(..n).collect()
                        };
                        if group.is_empty() {
                            break;
                        }
                        store.apply_group(group).await;
                    }
                    drop(turn);
                })
                .await;
            }
        }
        // The turn came and its commits ended with nothing waiting: this report's answer
        // was sent.
        applied.await.unwrap_or_else(stopped)
    }

    async fn apply_group(&self, mut group: Vec<Waiting>) {
        // One order of row locks for every group (PostgreSQL), so two cannot deadlock;
        // the sort is stable, so reports about one order keep their order of arrival.
        group.sort_by_key(|w| w.report.order_id);
        match self.apply_all(&group).await {
            Ok(applied) => {
                for (w, a) in group.into_iter().zip(applied) {
                    let _ = w.answer.send(Ok(a));
                }
            }
            Err(e) if group.len() == 1 => {
                let _ = group.remove(0).answer.send(Err(e));
            }
            Err(e) => {
                tracing::warn!(error = %e, reports = group.len(), "a group of payment reports failed: each is applied alone");
                for w in group {
                    let one = self.apply_all(std::slice::from_ref(&w)).await;
                    let _ = w.answer.send(one.map(|mut a| a.remove(0)));
                }
            }
        }
    }

    /// Applies the group in one transaction; what became of each report, in order.
    async fn apply_all(&self, group: &[Waiting]) -> Result<Vec<Applied>> {
        on_pool!(self, p => async {
            let mut tx = p.begin().await?;
            // A write first: the orders' rows (PostgreSQL) or the database (SQLite) are
            // this transaction's until it ends, so two reports cannot both find one held.
            let ids: BTreeSet<i64> = group.iter().map(|w| w.report.order_id).collect();
            let mut q = QueryBuilder::new("UPDATE orders SET state = state WHERE id IN (");
            let mut list = q.separated(", ");
            for id in &ids {
                list.push_bind(*id);
            }
            q.push(") RETURNING id, (SELECT cooperative_id FROM offers WHERE offers.id = orders.offer_id), state, amount_vnd");
            let rows: Vec<(i64, i64, String, i64)> = q.build_query_as().fetch_all(&mut *tx).await?;
            let mut orders: HashMap<i64, Order> = rows
                .into_iter()
                .map(|(id, cooperative, state, amount)| (id, Order { cooperative, state, amount }))
                .collect();
            // The provider transactions applied before (retries).
            // By provider and reference, the index's order (`payment_events_applied_once`).
            let mut q = QueryBuilder::new(
                "SELECT provider, provider_ref FROM payment_events WHERE outcome IN ('paid', 'failed') AND provider IN (",
            );
            let mut list = q.separated(", ");
            for provider in group.iter().map(|w| w.report.provider).collect::<BTreeSet<_>>() {
                list.push_bind(provider);
            }
            q.push(") AND provider_ref IN (");
            let mut list = q.separated(", ");
            for reference in group.iter().map(|w| w.report.provider_ref.as_str()).collect::<BTreeSet<_>>() {
                list.push_bind(reference.to_owned());
            }
            q.push(")");
            let mut seen: HashSet<(String, String)> = q.build_query_as().fetch_all(&mut *tx).await?.into_iter().collect();

            let mut applied = Vec::with_capacity(group.len());
            let mut adopted: BTreeMap<i64, Vec<&Waiting>> = BTreeMap::new();
            for w in group {
                let r = &w.report;
                let o = orders.get_mut(&r.order_id).ok_or(Error::NotFound("order"))?;
                let key = (r.provider.to_owned(), r.provider_ref.clone());
                let a = if seen.contains(&key) {
                    Applied::Replayed
                } else if o.amount != r.amount_vnd {
                    Applied::WrongAmount
                } else if !matches!(o.state.as_str(), "held" | "expired" | "cancelled") || (!r.paid && o.state != "held") {
                    Applied::AlreadySettled
                } else if !r.paid {
                    o.state = "cancelled".into();
                    Applied::Failed
                } else {
                    // Money after a hold lapsed or was cancelled (a transfer made late):
                    // the order is revived if nobody else holds the tree now, else it is
                    // owed back. A held order is the offer's only live one.
                    let taken: Option<i64> = if o.state == "held" {
                        None
                    } else {
                        sqlx::query_scalar(
                            "SELECT id FROM orders WHERE offer_id = (SELECT offer_id FROM orders WHERE id = $1) \
                             AND id <> $1 AND state IN ('held', 'paid')",
                        )
                        .bind(r.order_id).fetch_optional(&mut *tx).await?
                    };
                    if taken.is_some() {
                        o.state = "refund_due".into();
                        Applied::RefundDue
                    } else {
                        o.state = "paid".into();
                        adopted.entry(o.cooperative).or_default().push(w);
                        Applied::Confirmed
                    }
                };
                if matches!(a, Applied::Confirmed | Applied::Failed | Applied::RefundDue) {
                    let paid_at = (a != Applied::Failed).then_some(r.at);
                    sqlx::query("UPDATE orders SET state = $2, paid_at = COALESCE($3, paid_at) WHERE id = $1")
                        .bind(r.order_id).bind(&o.state).bind(paid_at)
                        .execute(&mut *tx).await?;
                    seen.insert(key);
                }
                applied.push(a);
            }

            // The adoptions, appended to each cooperative's log as one batch.
            for (coop, confirmed) in &adopted {
                let (size, code): (i64, String) = sqlx::query_as(
                    "UPDATE cooperatives SET log_size = log_size + $2 WHERE id = $1 RETURNING log_size - $2, code",
                )
                .bind(*coop).bind(confirmed.len() as i64).fetch_one(&mut *tx).await?;
                let edge = merkle::root_nodes(size as u64);
                let mut q = QueryBuilder::new("");
                push_wanted!(q, confirmed.iter().map(|w| w.subject.as_str()).collect::<BTreeSet<_>>());
                push_heads_and_edge!(q, *coop, edge, "SELECT ");
                let known: Vec<Known> = q.build_query_as().fetch_all(&mut *tx).await?;
                let (heads, frontier) = heads_and_edge(known, size as u64, &edge)?;
                let mut appended = Appended::new(heads, frontier);
                for w in confirmed {
                    let entry = (w.make)(&code, appended.size(), appended.head(&w.subject))?;
                    appended.push(w.subject.clone(), &entry);
                }
                for chunk in appended.entries.chunks(1_000) {
                    let mut q = QueryBuilder::new("");
                    push_entries!(q, *coop, chunk);
                    q.build().execute(&mut *tx).await?;
                }
                for chunk in appended.nodes.chunks(5_000) {
                    let mut q = QueryBuilder::new("");
                    push_nodes!(q, *coop, chunk);
                    q.build().execute(&mut *tx).await?;
                }
                for chunk in appended.facts.chunks(1_000) {
                    let mut q = QueryBuilder::new("");
                    super::trace::push_facts!(q, *coop, chunk);
                    q.build().execute(&mut *tx).await?;
                }
                for chunk in appended.withdrawn.chunks(5_000) {
                    let mut q = QueryBuilder::new("");
                    super::trace::push_withdrawn!(q, *coop, chunk);
                    q.build().execute(&mut *tx).await?;
                }
            }

            // Every call on record, with what it did.
            for chunk in group.iter().zip(&applied).collect::<Vec<_>>().chunks(1_000) {
                let mut q = QueryBuilder::new(
                    "INSERT INTO payment_events (provider, provider_ref, order_id, amount_vnd, outcome, raw, received_at) ",
                );
                q.push_values(chunk, |mut b, (w, a)| {
                    let r = &w.report;
                    let outcome = match a {
                        Applied::Confirmed | Applied::RefundDue => "paid",
                        Applied::Failed => "failed",
                        Applied::Replayed => "replayed",
                        Applied::AlreadySettled => "already_settled",
                        Applied::WrongAmount => "wrong_amount",
                    };
                    b.push_bind(r.provider).push_bind(r.provider_ref.clone()).push_bind(r.order_id)
                        .push_bind(r.amount_vnd).push_bind(outcome).push_bind(r.raw.clone()).push_bind(r.at);
                });
                q.build().execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(applied)
        }.await)
    }
}
