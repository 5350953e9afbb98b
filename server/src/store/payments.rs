//! Payment reports, applied in groups. A report is acknowledged to its provider only once
//! it is durable, and a durable commit costs a disk flush where checking a report costs
//! microseconds. So reports that arrive while a commit runs wait for the next one and
//! share it (group commit), and a group is applied set by set: its orders locked in one
//! statement and read in one, the replays found in one, their new states written in one,
//! the adoptions appended as one batch per cooperative, the calls recorded in one. The
//! group finds its orders by their codes itself, so a report costs no read of its own
//! before it joins. A report alone still commits at once: nothing
//! waits on a timer. A group that fails is applied again report by report, so that one
//! report's failure is that report's alone.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex};

use ledger::merkle;
use sqlx::QueryBuilder;
use tokio::sync::oneshot;

use super::appends::{
    heads_and_edge, push_entries, push_heads_and_edge, push_nodes, push_wanted, Appended, Known,
};
use super::market::{Applied, OrderRow, PaymentReport, ORDER};
use super::{on_pool, BoxedEntry, Store};
use crate::error::{Error, Result};

/// The ledger entry a payment appends (`adopted`), for the paid order and the time of the
/// report: the subject's key, and the builder that completes the entry with the
/// cooperative's code, its sequence number and the subject's previous entry. Called again
/// if the report's group fails and the report is applied alone.
pub type PaymentEntry = fn(&OrderRow, i64) -> Result<(String, BoxedEntry)>;

/// Reports in one transaction at most: each is a few bound values in the group's
/// statements, which SQLite caps at 32,766.
const MAX_GROUP: usize = 1_000;

/// Turns of the scheduler a commit waits at most for reports still arriving.
const GATHER_TURNS: usize = 64;

/// The reports waiting for a commit, and whose turn it is to make one.
#[derive(Default)]
pub(super) struct Reports {
    waiting: Mutex<Vec<Waiting>>,
    /// Held while what waits is committed; callers queue behind it.
    turn: Arc<tokio::sync::Mutex<()>>,
}

impl Reports {
    /// Lets the reports on their way join the next commit: while more arrive between two
    /// turns of the scheduler, waits one more turn. No timer: a report alone goes at once,
    /// and under load a commit is not spent on the few that came first.
    async fn gather(&self) {
        let mut seen = 0;
        for _ in 0..GATHER_TURNS {
            let n = self.waiting.lock().expect("no panic holds it").len();
            if n == seen || n >= MAX_GROUP {
                return;
            }
            seen = n;
            tokio::task::yield_now().await;
        }
    }
}

impl std::fmt::Debug for Reports {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("payment reports")
    }
}

struct Waiting {
    report: PaymentReport,
    make: PaymentEntry,
    answer: oneshot::Sender<Result<Option<Applied>>>,
}

impl Store {
    /// Applies a provider's report to its order, in the order VNPay prescribes (amount,
    /// then state): a payment makes the order paid and appends the adoption (`adopted`,
    /// built by `make`) to the tree's chain; a failure frees the tree. Every report is
    /// recorded; a provider's transaction is applied once. Returns once it is durable;
    /// `None` if no order has the report's code (the call is recorded as such).
    pub async fn apply_payment(
        &self,
        report: PaymentReport,
        make: PaymentEntry,
    ) -> Result<Option<Applied>> {
        let (answer, mut applied) = oneshot::channel();
        self.reports
            .waiting
            .lock()
            .expect("no panic holds it")
            .push(Waiting {
                report,
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
                tokio::spawn(async move {
                    loop {
                        store.reports.gather().await;
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
                });
            }
        }
        // This report is in the commits of the turn just taken.
        applied.await.unwrap_or_else(stopped)
    }

    async fn apply_group(&self, mut group: Vec<Waiting>) {
        // In their order of arrival: reports about one order are applied in turn.
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
    async fn apply_all(&self, group: &[Waiting]) -> Result<Vec<Option<Applied>>> {
        on_pool!(self, p => async {
            let mut tx = p.begin().await?;
            // The orders are this transaction's until it ends, so two reports cannot both
            // find one held: their rows locked as they are read (PostgreSQL, in one order
            // so that two groups cannot deadlock), or the database by a write first (SQLite).
            let codes: BTreeSet<&str> = group.iter().map(|w| w.report.order_code.as_str()).collect();
            let postgres = matches!(self.backend, super::Backend::Postgres(_));
            if !postgres {
                let mut q = QueryBuilder::new("UPDATE orders SET state = state WHERE code IN (");
                push_list(&mut q, codes.iter().copied());
                q.push(")");
                q.build().execute(&mut *tx).await?;
            }
            let mut q = QueryBuilder::new(ORDER);
            q.push(" WHERE o.code IN (");
            push_list(&mut q, codes.iter().copied());
            q.push(") ORDER BY o.code");
            if postgres {
                q.push(" FOR UPDATE OF o");
            }
            let rows: Vec<OrderRow> = q.build_query_as().fetch_all(&mut *tx).await?;
            let mut orders: HashMap<String, OrderRow> =
                rows.into_iter().map(|o| (o.code.clone(), o)).collect();
            // The provider transactions applied before (retries).
            // By provider and reference, the index's order (`payment_events_applied_once`).
            let mut q = QueryBuilder::new(
                "SELECT provider, provider_ref FROM payment_events WHERE outcome IN ('paid', 'failed') AND provider IN (",
            );
            push_list(&mut q, group.iter().map(|w| w.report.provider).collect::<BTreeSet<_>>());
            q.push(") AND provider_ref IN (");
            push_list(&mut q, group.iter().map(|w| w.report.provider_ref.as_str()).collect::<BTreeSet<_>>());
            q.push(")");
            let mut seen: HashSet<(String, String)> = q.build_query_as().fetch_all(&mut *tx).await?.into_iter().collect();

            let mut applied = Vec::with_capacity(group.len());
            // Each changed order's last state, and when it was paid if it was.
            let mut changed: BTreeMap<i64, (String, Option<i64>)> = BTreeMap::new();
            let mut adopted: BTreeMap<i64, Vec<&Waiting>> = BTreeMap::new();
            for w in group {
                let r = &w.report;
                let Some(o) = orders.get_mut(&r.order_code) else {
                    applied.push(None);
                    continue;
                };
                let key = (r.provider.to_owned(), r.provider_ref.clone());
                let a = if seen.contains(&key) {
                    Applied::Replayed
                } else if o.amount_vnd != r.amount_vnd {
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
                            "SELECT id FROM orders WHERE offer_id = $1 AND id <> $2 AND state IN ('held', 'paid')",
                        )
                        .bind(o.offer_id).bind(o.id).fetch_optional(&mut *tx).await?
                    };
                    if taken.is_some() {
                        o.state = "refund_due".into();
                        Applied::RefundDue
                    } else {
                        o.state = "paid".into();
                        adopted.entry(o.cooperative_id).or_default().push(w);
                        Applied::Confirmed
                    }
                };
                if matches!(a, Applied::Confirmed | Applied::Failed | Applied::RefundDue) {
                    let paid_at = (a != Applied::Failed).then_some(r.at);
                    let was = changed.get(&o.id).and_then(|(_, at)| *at);
                    changed.insert(o.id, (o.state.clone(), paid_at.or(was)));
                    seen.insert(key);
                }
                applied.push(Some(a));
            }
            if !changed.is_empty() {
                let mut q = QueryBuilder::new("WITH changed (id, state, paid_at) AS (");
                q.push_values(&changed, |mut b, (id, (state, paid_at))| {
                    b.push_bind(*id).push_bind(state.clone()).push_bind(*paid_at);
                });
                q.push(") UPDATE orders SET state = changed.state, paid_at = COALESCE(changed.paid_at, orders.paid_at) \
                        FROM changed WHERE orders.id = changed.id");
                q.build().execute(&mut *tx).await?;
            }

            // The adoptions, appended to each cooperative's log as one batch.
            for (coop, confirmed) in &adopted {
                let (size, code): (i64, String) = sqlx::query_as(
                    "UPDATE cooperatives SET log_size = log_size + $2 WHERE id = $1 RETURNING log_size - $2, code",
                )
                .bind(*coop).bind(confirmed.len() as i64).fetch_one(&mut *tx).await?;
                let made = confirmed
                    .iter()
                    .map(|w| (w.make)(&orders[&w.report.order_code], w.report.at))
                    .collect::<Result<Vec<_>>>()?;
                let edge = merkle::root_nodes(size as u64);
                let mut q = QueryBuilder::new("");
                push_wanted!(q, made.iter().map(|(subject, _)| subject.as_str()).collect::<BTreeSet<_>>());
                push_heads_and_edge!(q, *coop, edge, "SELECT ");
                let known: Vec<Known> = q.build_query_as().fetch_all(&mut *tx).await?;
                let (heads, frontier) = heads_and_edge(known, size as u64, &edge)?;
                let mut appended = Appended::new(heads, frontier);
                for (subject, make) in made {
                    let entry = make(&code, appended.size(), appended.head(&subject))?;
                    appended.push(subject, &entry);
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
                        Some(Applied::Confirmed | Applied::RefundDue) => "paid",
                        Some(Applied::Failed) => "failed",
                        Some(Applied::Replayed) => "replayed",
                        Some(Applied::AlreadySettled) => "already_settled",
                        Some(Applied::WrongAmount) => "wrong_amount",
                        None => "unknown_order",
                    };
                    b.push_bind(r.provider).push_bind(r.provider_ref.clone())
                        .push_bind(orders.get(&r.order_code).map(|o| o.id))
                        .push_bind(r.amount_vnd).push_bind(outcome).push_bind(r.raw.clone()).push_bind(r.at);
                });
                q.build().execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(applied)
        }.await)
    }
}

/// Pushes `items` as a comma-separated list of bound values.
fn push_list<'a, 'b, DB: sqlx::Database>(
    q: &mut QueryBuilder<'a, DB>,
    items: impl IntoIterator<Item = &'b str>,
) where
    String: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    let mut list = q.separated(", ");
    for item in items {
        list.push_bind(item.to_owned());
    }
}
