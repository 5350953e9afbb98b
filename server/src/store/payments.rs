//! Payment reports, applied in groups. A report is acknowledged to its provider only once
//! it is durable, and a durable commit costs a disk flush where checking a report costs
//! microseconds. So reports that arrive while a commit runs wait for the next one and
//! share it (group commit), and a group is applied set by set, in three round trips to
//! PostgreSQL besides the commit (one more when a log it appends to has grown since this
//! thread's last commit, and one per late payment whose tree another group may hold): its
//! cooperatives' logs locked with the BEGIN; for each report its order (on PostgreSQL
//! locked), its log's size, whether it is a replay and the head of its tree's chain, in
//! one statement; and the orders' new states, the adoptions appended and the calls
//! recorded in as few as the engine allows ([`write_part!`]: one on PostgreSQL). The logs
//! are locked whether or not the group appends: a diary batch for the same cooperative
//! waits for the group's commit, a few milliseconds. The group finds its orders by their
//! codes itself, so a report costs no read of its own before it joins. A report alone
//! still commits at once: nothing waits on a timer. A group that fails is applied again
//! report by report, so that one report's failure is that report's alone.
//!
//! The commits run on a thread of their own, with a runtime and a connection of their
//! own. On the server's runtime, each statement's answer woke the commit behind every
//! HTTP request queued there, and a pooled connection was tested as it was lent and as it
//! was taken back: under HTTP load (the market bench) a group took 3.7 ms on SQLite, and
//! 2.7 ms on its own thread and connection.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::panic::AssertUnwindSafe;
use std::sync::mpsc;

use ledger::merkle::{self, Frontier};
use ledger::Digest;
use sqlx::{ConnectOptions as _, Connection as _, QueryBuilder};
use tokio::sync::oneshot;

use super::appends::{
    heads_and_edge, push_entries, push_heads_and_edge, push_nodes, push_wanted, write_part,
    Appended, Known, NewEntry,
};
use super::bound::{push_table, Engine, Rows};
use super::market::{Applied, OrderRow, PaymentReport, ORDER};
use super::{Backend, BoxedEntry, Store};
use crate::error::{Error, Result};

/// The ledger entry a payment appends (`adopted`), for the paid order and the time of the
/// report: the subject's key, and the builder that completes the entry with the
/// cooperative's code, its sequence number and the subject's previous entry. Called again
/// if the report's group fails and the report is applied alone.
pub type PaymentEntry = fn(&OrderRow, i64) -> Result<(String, BoxedEntry)>;

/// Reports in one transaction at most: each is at most 13 bound values in any one of the
/// group's statements on SQLite, which caps a statement at 32,766 (PostgreSQL takes each
/// column as one array); the read of right edges takes 3 values a node, at most 66 a
/// cooperative. A group whose reports come from a thousand cooperatives could exceed
/// SQLite's cap: it would fail, and its reports be applied one by one.
const MAX_GROUP: usize = 1_000;

/// The `application_name` of the payment commits' connection to PostgreSQL.
pub const COMMITS: &str = "goc payment commits";

/// The line to the payment commits' thread.
pub(super) struct Reports {
    line: mpsc::Sender<Message>,
}

enum Message {
    Report(Waiting),
    /// Close the connection and stop; answered once it is closed.
    Close(oneshot::Sender<()>),
}

impl Reports {
    /// Starts the commits' thread, whose connection opens with the first report (so a
    /// server that takes no payment holds none).
    pub(super) fn start(store: &Backend) -> Result<Self> {
        let started = |e| Error::io("starting the payment commits", e);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(started)?;
        let (line, arrivals) = mpsc::channel();
        let committer = Committer {
            options: match store {
                Backend::Sqlite(p) => Options::Sqlite(p.connect_options()),
                // Named, so that it can be told apart among the server's connections.
                Backend::Postgres(p) => Options::Postgres(std::sync::Arc::new(
                    (*p.connect_options()).clone().application_name(COMMITS),
                )),
            },
            connection: None,
            edges: HashMap::new(),
        };
        std::thread::Builder::new()
            .name("payment commits".into())
            .spawn(move || committer.run(&runtime, &arrivals))
            .map_err(started)?;
        Ok(Self { line })
    }

    /// Closes the commits' connection; reports sent after it are refused.
    pub(super) async fn close(&self) {
        let (done, closed) = oneshot::channel();
        if self.line.send(Message::Close(done)).is_ok() {
            let _ = closed.await;
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

/// The order of one report of a group, with the size and code of its cooperative's log,
/// whether the report's provider transaction was applied before, and the head of the
/// tree's chain.
#[derive(sqlx::FromRow)]
struct Found {
    #[sqlx(flatten)]
    order: OrderRow,
    log_size: i64,
    coop_code: String,
    /// The report's place in the group.
    n: i64,
    /// The provider transaction's earlier payments or failures (more than 0: a replay).
    applied_before: i64,
    /// The tree's chain key as the read wrote it ([`TREE_SUBJECT`]), and its latest entry.
    subject: String,
    head: Option<Vec<u8>>,
}

/// An order's tree's chain key in SQL (`zones::subject_key` of a tree): a group reads the
/// heads of its trees' chains with its orders. A builder whose entry has another subject
/// fails its group rather than start a second chain.
const TREE_SUBJECT: &str = "'tree:' || x.tree_code";

impl Store {
    /// Applies a provider's report to its order, in the order VNPay prescribes (amount,
    /// then state): a payment makes the order paid and appends the adoption (`adopted`,
    /// built by `make`) to the tree's chain; a failure frees the tree. Every report is
    /// recorded; a provider's transaction is applied once. Returns once it is durable;
    /// `None` if no order has the report's code (the call is recorded as such). A caller
    /// that goes away does not take its report back: it is applied all the same.
    pub async fn apply_payment(
        &self,
        report: PaymentReport,
        make: PaymentEntry,
    ) -> Result<Option<Applied>> {
        let stopped = || Error::Internal("the payment commits stopped".into());
        // PostgreSQL's text refuses NUL: a report that carries one would fail its whole
        // group. No provider sends one.
        if [&report.provider_ref, &report.order_code, &report.raw]
            .iter()
            .any(|t| t.contains('\0'))
        {
            return Err(Error::invalid(
                "Báo cáo thanh toán chứa ký tự NUL",
                "The payment report contains a NUL character",
            ));
        }
        let (answer, applied) = oneshot::channel();
        let waiting = Waiting {
            report,
            make,
            answer,
        };
        self.reports
            .line
            .send(Message::Report(waiting))
            .map_err(|_| stopped())?;
        applied.await.map_err(|_| stopped())?
    }
}

/// The payment commits' side: its own connection, used by its thread alone. Not a pool's:
/// a pool tests a connection as it lends it and as it takes it back, two more round trips
/// for every group.
struct Committer {
    /// The store's own connect options.
    options: Options,
    /// Opened for the first group and kept; dropped when a commit fails, so that a broken
    /// connection is replaced by the next group's.
    connection: Option<Connection>,
    /// Each cooperative's log's right edge as this thread's last commit left it. Used
    /// only if the log, locked, still has that size: a log is append-only (its rows
    /// refuse updates and deletes), so a size names one edge. A group then reads no edge:
    /// one round trip fewer. Any other writer (a diary batch, another server) changes the
    /// size, and the edge is read. Forgotten with the connection: a size names one edge in
    /// one history of the database, and a database failed over to a replica that missed
    /// the last commits, or restored, may have grown another since.
    edges: HashMap<i64, Frontier>,
}

enum Options {
    Sqlite(std::sync::Arc<sqlx::sqlite::SqliteConnectOptions>),
    Postgres(std::sync::Arc<sqlx::postgres::PgConnectOptions>),
}

enum Connection {
    Sqlite(sqlx::SqliteConnection),
    Postgres(sqlx::PgConnection),
}

/// Runs the same body on whichever connection the committer holds; `$c` names it inside.
macro_rules! on_connection {
    ($connection:expr, $c:ident => $body:expr) => {
        match $connection {
            Connection::Sqlite($c) => $body,
            Connection::Postgres($c) => $body,
        }
    };
}

impl Committer {
    /// Commits what arrives until the line closes or is told to: each group is what came
    /// while the last commit ran. A group whose commit panics is answered with an error
    /// (its callers' answers dropped), and the thread goes on with the next.
    fn run(mut self, runtime: &tokio::runtime::Runtime, arrivals: &mpsc::Receiver<Message>) {
        let mut close = None;
        while close.is_none() {
            let mut group = Vec::new();
            let mut next = arrivals.recv().ok();
            if next.is_none() {
                break;
            }
            while let Some(m) = next.take() {
                match m {
                    Message::Report(w) => group.push(w),
                    Message::Close(done) => close = Some(done),
                }
                if group.len() < MAX_GROUP && close.is_none() {
                    next = arrivals.try_recv().ok();
                }
            }
            if !group.is_empty() {
                let applied = std::panic::catch_unwind(AssertUnwindSafe(|| {
                    runtime.block_on(self.apply_group(group))
                }));
                if applied.is_err() {
                    tracing::error!("a commit of payment reports panicked");
                }
            }
        }
        if let Some(c) = self.connection.take() {
            runtime
                .block_on(async { on_connection!(c, c => c.close().await) })
                .ok();
        }
        if let Some(done) = close {
            let _ = done.send(());
        }
    }

    async fn apply_group(&mut self, group: Vec<Waiting>) {
        // In their order of arrival: reports about one order are applied in turn.
        if group.len() > 1 {
            match self.apply_all(&group).await {
                Ok(applied) => {
                    for (w, a) in group.into_iter().zip(applied) {
                        let _ = w.answer.send(Ok(a));
                    }
                    return;
                }
                Err(e) => {
                    tracing::warn!(error = %e, reports = group.len(), "a group of payment reports failed: each is applied alone");
                }
            }
        }
        for w in group {
            // Twice at most: the first failure may be the connection's (the server
            // restarted, or closed it while idle), and the second try opens a new one. A
            // try whose commit went through unheard is a replay for the second.
            let mut one = self.apply_all(std::slice::from_ref(&w)).await;
            if one.is_err() {
                one = self.apply_all(std::slice::from_ref(&w)).await;
            }
            let _ = w.answer.send(one.map(|mut a| a.remove(0)));
        }
    }

    /// Applies the group in one transaction; what became of each report, in order.
    async fn apply_all(&mut self, group: &[Waiting]) -> Result<Vec<Option<Applied>>> {
        let connection = match self.connection.take() {
            Some(c) => c,
            None => match &self.options {
                Options::Sqlite(o) => Connection::Sqlite(o.connect().await?),
                Options::Postgres(o) => Connection::Postgres(o.connect().await?),
            },
        };
        let connection = self.connection.insert(connection);
        let postgres = matches!(connection, Connection::Postgres(_));
        let applied = Self::apply_on(connection, postgres, &self.edges, group).await;
        match applied {
            Ok((applied, edges_after)) => {
                self.edges.extend(edges_after);
                Ok(applied)
            }
            // Never used again after an error: a BEGIN whose lock failed leaves
            // PostgreSQL's session in an aborted transaction that sqlx does not know it
            // opened.
            Err(e) => {
                self.connection = None;
                self.edges.clear();
                Err(e)
            }
        }
    }

    /// Applies the group on `connection`, in one transaction, on top of the right edges
    /// `kept` (see [`Committer::edges`]); what became of each report, in order, and the
    /// edges of the logs it appended to.
    async fn apply_on(
        connection: &mut Connection,
        postgres: bool,
        kept: &HashMap<i64, Frontier>,
        group: &[Waiting],
    ) -> Result<(Vec<Option<Applied>>, Vec<(i64, Frontier)>)> {
        on_connection!(connection, c => async {
            // The logs the group may append to are this transaction's from its first
            // statement, so all it reads next is as they stand and stay: on PostgreSQL
            // their cooperatives' rows locked with the BEGIN itself (one round trip: the
            // ids are the reports' own numbers, written out, no text of theirs), as every
            // append locks them first; on SQLite the database (`BEGIN IMMEDIATE` takes the
            // write lock). On PostgreSQL the statements' plans are made once: each is a few
            // lookups by key whatever the group (their texts stay the same,
            // [`super::bound`]), and planned anew with the group's arrays in hand, which
            // PostgreSQL otherwise does, planning took longer than running.
            let coops: BTreeSet<i64> = group.iter().map(|w| w.report.cooperative_id).collect();
            let begin = if postgres {
                let ids: Vec<String> = coops.iter().map(i64::to_string).collect();
                format!(
                    "BEGIN; SET LOCAL plan_cache_mode = force_generic_plan; \
                     SELECT id FROM cooperatives WHERE id IN ({}) ORDER BY id FOR NO KEY UPDATE",
                    ids.join(", ")
                )
            } else {
                "BEGIN IMMEDIATE".to_owned()
            };
            let mut tx = c.begin_with(begin).await?;

            // In one read, for each report (once for reports alike): its order, of the
            // cooperative that took the report, with its log's size; whether its
            // provider transaction was applied before (a retry), looked up in the index
            // (`payment_events_applied_once`) by a subquery of its own, which no planner
            // can turn into a scan of every payment (PostgreSQL, without statistics, read
            // all of a provider's to find 30); and the head of its tree's chain, the last
            // row of the subject's run in `ledger_entries_by_subject`. On PostgreSQL each
            // order is found by its code and locked in a subquery of its own (in code
            // order): given the list to join, PostgreSQL scanned the orders and the offers
            // whole, several times the cost of a group's 30 lookups.
            let mut wanted: BTreeMap<(&str, i64, &str, &str), usize> = BTreeMap::new();
            for (n, w) in group.iter().enumerate().rev() {
                let r = &w.report;
                wanted.insert((&r.order_code, r.cooperative_id, r.provider, &r.provider_ref), n);
            }
            let mut q = QueryBuilder::new("WITH ");
            push_table(&mut q, "wanted (n, code, coop, provider, reference)", Rows::default()
                .int(wanted.values().map(|n| *n as i64))
                .text(wanted.keys().map(|k| k.0.to_owned()))
                .int(wanted.keys().map(|k| k.1))
                .text(wanted.keys().map(|k| k.2.to_owned()))
                .text(wanted.keys().map(|k| k.3.to_owned())));
            q.push(format_args!(
                " SELECT x.*, c.log_size, c.code AS coop_code, w.n, \
                 (SELECT COUNT(*) FROM payment_events e WHERE e.provider = w.provider \
                 AND e.provider_ref = w.reference AND e.outcome IN ('paid', 'failed')) AS applied_before, \
                 {TREE_SUBJECT} AS subject, (SELECT e.hash FROM ledger_entries e \
                 WHERE e.cooperative_id = x.cooperative_id AND e.subject = {TREE_SUBJECT} \
                 ORDER BY e.seq DESC LIMIT 1) AS head FROM wanted w "
            ));
            if postgres {
                q.push("CROSS JOIN LATERAL (");
                q.push(ORDER);
                q.push(" WHERE o.code = w.code AND f.cooperative_id = w.coop LIMIT 1 FOR UPDATE OF o) x");
            } else {
                q.push("JOIN (");
                q.push(ORDER);
                q.push(") x ON x.code = w.code AND x.cooperative_id = w.coop");
            }
            q.push(" JOIN cooperatives c ON c.id = x.cooperative_id");
            let found: Vec<Found> = q.build_query_as().fetch_all(&mut *tx).await?;
            let logs: HashMap<i64, (i64, String)> =
                found.iter().map(|f| (f.order.cooperative_id, (f.log_size, f.coop_code.clone()))).collect();
            let mut seen: HashSet<(String, String)> = found
                .iter()
                .filter(|f| f.applied_before > 0)
                .map(|f| {
                    let r = &group[f.n as usize].report;
                    (r.provider.to_owned(), r.provider_ref.clone())
                })
                .collect();
            // Each tree's chain key and head, by order.
            let mut chains: HashMap<i64, (String, Option<Digest>)> = HashMap::new();
            for f in &found {
                let head = f.head.as_deref().map(super::log::digest).transpose()?;
                chains.insert(f.order.id, (f.subject.clone(), head));
            }
            // By cooperative and code: a report finds only an order of the cooperative
            // that took it.
            let mut orders: HashMap<(i64, String), OrderRow> =
                found.into_iter().map(|f| ((f.order.cooperative_id, f.order.code.clone()), f.order)).collect();
            let ids: HashSet<i64> = orders.values().map(|o| o.id).collect();
            let order_of = |r: &PaymentReport| (r.cooperative_id, r.order_code.clone());
            // The adoption each payment would append, made before it is known which do.
            let mut made: Vec<Option<Result<(String, BoxedEntry)>>> = group
                .iter()
                .map(|w| {
                    let r = &w.report;
                    r.paid.then(|| orders.get(&order_of(r)).map(|o| (w.make)(o, r.at))).flatten()
                })
                .collect();

            let mut applied = Vec::with_capacity(group.len());
            // Each changed order's last state, and when it was paid if it was.
            let mut changed: BTreeMap<i64, (String, Option<i64>)> = BTreeMap::new();
            // Each cooperative's adoptions, by their reports' places in the group.
            let mut adopted: BTreeMap<i64, Vec<usize>> = BTreeMap::new();
            for (i, w) in group.iter().enumerate() {
                let r = &w.report;
                let Some(o) = orders.get(&order_of(r)) else {
                    applied.push(None);
                    continue;
                };
                // Late money (for an order lapsed or cancelled) revives it only if no other
                // order of its offer holds the tree. Among this group's orders, as its
                // earlier reports left them: the database does not know of those yet.
                let rival_here = r.paid && o.state != "held" && orders.values().any(|x| {
                    x.offer_id == o.offer_id && x.id != o.id && matches!(x.state.as_str(), "held" | "paid")
                });
                let o = orders.get_mut(&order_of(r)).expect("found above");
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
                    let taken = o.state != "held" && (rival_here || {
                        let live: Vec<i64> = sqlx::query_scalar(
                            "SELECT id FROM orders WHERE offer_id = $1 AND id <> $2 AND state IN ('held', 'paid')",
                        )
                        .bind(o.offer_id).bind(o.id).fetch_all(&mut *tx).await?;
                        live.iter().any(|id| !ids.contains(id))
                    });
                    if taken {
                        o.state = "refund_due".into();
                        Applied::RefundDue
                    } else {
                        o.state = "paid".into();
                        adopted.entry(o.cooperative_id).or_default().push(i);
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

            // The right edge of each log appended to: as this thread's last commit left it
            // if the log has not grown since, else read, in one read for all.
            let mut edges: HashMap<i64, Frontier> = HashMap::new();
            let mut stale = Vec::new();
            for coop in adopted.keys() {
                match kept.get(coop).filter(|f| f.size() == logs[coop].0 as u64) {
                    Some(f) => {
                        edges.insert(*coop, f.clone());
                    }
                    None => stale.push(*coop),
                }
            }
            if !stale.is_empty() {
                let nodes: Vec<(i64, Vec<merkle::NodeId>)> =
                    stale.iter().map(|coop| (*coop, merkle::root_nodes(logs[coop].0 as u64))).collect();
                let mut q = QueryBuilder::new("WITH ");
                push_wanted(&mut q, std::iter::empty(), nodes.iter().map(|(coop, ids)| (*coop, ids.as_slice())));
                push_heads_and_edge(&mut q, " SELECT ");
                let rows: Vec<Known> = q.build_query_as().fetch_all(&mut *tx).await?;
                for (coop, ids) in &nodes {
                    edges.insert(*coop, heads_and_edge(&rows, *coop, logs[coop].0 as u64, ids)?.1);
                }
            }

            // The writes: one statement on PostgreSQL ([`write_part!`]), whose text is
            // one of a few whatever the group ([`super::bound`]). A group's rows stay below
            // SQLite's 32,766 bound values a statement (`MAX_GROUP`).
            let mut q = QueryBuilder::new("");
            let mut parts = 0;
            if !changed.is_empty() {
                // Found by their ids (the primary key).
                write_part!(q, parts, postgres, tx, {
                    q.push("UPDATE orders SET state = c.column2, paid_at = COALESCE(c.column3, orders.paid_at) FROM (");
                    Engine::push_rows(&mut q, Rows::default()
                        .int(changed.keys().copied())
                        .text(changed.values().map(|(state, _)| state.clone()))
                        .maybe_int(changed.values().map(|(_, at)| *at)));
                    q.push(") AS c WHERE orders.id = c.column1");
                });
            }
            // The adoptions, appended to each cooperative's log, all in one batch.
            let mut entries: Vec<(i64, NewEntry)> = Vec::new();
            let mut nodes = Vec::new();
            let mut sizes = Vec::new();
            let mut indexed = Vec::new();
            let mut edges_after = Vec::new();
            for (coop, confirmed) in &adopted {
                // A builder that failed fails the group here.
                let built = confirmed
                    .iter()
                    .map(|i| made[*i].take().expect("made for every payment of a found order"))
                    .collect::<Result<Vec<_>>>()?;
                let (size, code) = &logs[coop];
                // The heads of the trees' chains, read with the orders under the keys the
                // read wrote ([`TREE_SUBJECT`]): a builder whose entry has another subject
                // would start a second chain.
                let mut heads = HashMap::new();
                for (i, (subject, _)) in confirmed.iter().zip(&built) {
                    let order = &orders[&order_of(&group[*i].report)];
                    match &chains[&order.id] {
                        (read, head) if read == subject => {
                            heads.extend(head.map(|h| (subject.clone(), h)));
                        }
                        _ => return Err(Error::Internal(format!("an adoption's subject {subject} is not its tree's chain"))),
                    }
                }
                let frontier = edges.remove(coop).expect("an edge for every log appended to");
                let mut appended = Appended::new(heads, frontier);
                for (subject, make) in built {
                    let entry = make(code, appended.size(), appended.head(&subject))?;
                    appended.push(subject, &entry);
                }
                let Appended { entries: mine, nodes: its_nodes, facts, withdrawn, frontier, .. } = appended;
                edges_after.push((*coop, frontier));
                sizes.push((*coop, size + mine.len() as i64));
                entries.extend(mine.into_iter().map(|e| (*coop, e)));
                nodes.extend(its_nodes.into_iter().map(|n| (*coop, n)));
                indexed.push((*coop, facts, withdrawn));
            }
            if !entries.is_empty() {
                write_part!(q, parts, postgres, tx, { push_entries(&mut q, entries.iter().map(|(c, e)| (*c, e))); });
                if !nodes.is_empty() {
                    write_part!(q, parts, postgres, tx, { push_nodes(&mut q, nodes.iter().map(|(c, n)| (*c, n))); });
                }
                write_part!(q, parts, postgres, tx, {
                    q.push("UPDATE cooperatives SET log_size = c.column2 FROM (");
                    Engine::push_rows(&mut q, Rows::default()
                        .int(sizes.iter().map(|s| s.0))
                        .int(sizes.iter().map(|s| s.1)));
                    q.push(") AS c WHERE cooperatives.id = c.column1");
                });
            }
            for (coop, facts, withdrawn) in &indexed {
                if !facts.is_empty() {
                    write_part!(q, parts, postgres, tx, { super::trace::push_facts!(q, *coop, facts); });
                }
                if !withdrawn.is_empty() {
                    write_part!(q, parts, postgres, tx, { super::trace::push_withdrawn!(q, *coop, withdrawn); });
                }
            }

            // Every call on record, with what it did: on PostgreSQL the statement itself,
            // after its WITH clauses.
            if parts > 0 && postgres {
                q.push(" ");
            }
            q.push("INSERT INTO payment_events (provider, provider_ref, order_id, amount_vnd, outcome, raw, received_at) ");
            let reports = || group.iter().map(|w| &w.report);
            let outcomes = applied.iter().map(|a| {
                match a {
                    Some(Applied::Confirmed | Applied::RefundDue) => "paid",
                    Some(Applied::Failed) => "failed",
                    Some(Applied::Replayed) => "replayed",
                    Some(Applied::AlreadySettled) => "already_settled",
                    Some(Applied::WrongAmount) => "wrong_amount",
                    None => "unknown_order",
                }
                .to_owned()
            });
            Engine::push_rows(&mut q, Rows::default()
                .text(reports().map(|r| r.provider.to_owned()))
                .text(reports().map(|r| r.provider_ref.clone()))
                .maybe_int(reports().map(|r| orders.get(&order_of(r)).map(|o| o.id)))
                .int(reports().map(|r| r.amount_vnd))
                .text(outcomes)
                .text(reports().map(|r| r.raw.clone()))
                .int(reports().map(|r| r.at)));
            q.build().execute(&mut *tx).await?;
            tx.commit().await?;
            Ok((applied, edges_after))
        }.await)
    }
}
