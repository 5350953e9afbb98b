//! The recall index (`trace_facts`, `trace_withdrawn`): written with each entry, read by
//! recalls and tracebacks. See `crate::trace`.

use std::collections::HashMap;

use ledger::Entry;
use sqlx::QueryBuilder;

use super::{on_pool, Store};
use crate::error::Result;
use crate::trace::facts::{self, Fact};

pub(super) const INSERT_FACT: &str = "INSERT INTO trace_facts (cooperative_id, seq, tree, kind, \
     at, product, lot, lot_key, product_key, grams, phi_days, corrects, hash) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT DO NOTHING";
pub(super) const INSERT_WITHDRAWN: &str =
    "INSERT INTO trace_withdrawn (cooperative_id, hash, by_seq) \
     VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";

/// Indexes one entry, whose hash is `$hash`, inside the open transaction `$tx` (see
/// `log::append_in_tx`).
macro_rules! index_in_tx {
    ($tx:expr, $coop:expr, $entry:expr, $hash:expr) => {{
        let found = $crate::trace::facts::of($entry, $hash);
        if let Some(f) = &found.fact {
            sqlx::query($crate::store::trace::INSERT_FACT)
                .bind($coop)
                .bind(f.seq)
                .bind(&f.tree)
                .bind(f.kind)
                .bind(f.at)
                .bind(&f.product)
                .bind(&f.lot)
                .bind(&f.lot_key)
                .bind(&f.product_key)
                .bind(f.grams)
                .bind(f.phi_days)
                .bind(f.corrects.map(|d| d.0.to_vec()))
                .bind(f.hash.0.to_vec())
                .execute(&mut *$tx)
                .await?;
        }
        if let Some(w) = found.withdraws {
            sqlx::query($crate::store::trace::INSERT_WITHDRAWN)
                .bind($coop)
                .bind(w.0.to_vec())
                .bind($entry.seq as i64)
                .execute(&mut *$tx)
                .await?;
        }
    }};
}
pub(super) use index_in_tx;

/// Pushes one INSERT of `$rows` (facts) into the query builder `$q`.
macro_rules! push_facts {
    ($q:expr, $coop:expr, $rows:expr) => {{
        $q.push(
            "INSERT INTO trace_facts (cooperative_id, seq, tree, kind, at, product, lot, \
                 lot_key, product_key, grams, phi_days, corrects, hash) ",
        );
        $q.push_values($rows, |mut b, f: &$crate::trace::facts::Fact| {
            b.push_bind($coop)
                .push_bind(f.seq)
                .push_bind(f.tree.clone())
                .push_bind(f.kind)
                .push_bind(f.at)
                .push_bind(f.product.clone())
                .push_bind(f.lot.clone())
                .push_bind(f.lot_key.clone())
                .push_bind(f.product_key.clone())
                .push_bind(f.grams)
                .push_bind(f.phi_days)
                .push_bind(f.corrects.map(|d| d.0.to_vec()))
                .push_bind(f.hash.0.to_vec());
        });
        $q.push(" ON CONFLICT DO NOTHING");
    }};
}
pub(super) use push_facts;

/// Pushes one INSERT of `$rows` ((withdrawn hash, by seq)) into the query builder `$q`.
macro_rules! push_withdrawn {
    ($q:expr, $coop:expr, $rows:expr) => {{
        $q.push("INSERT INTO trace_withdrawn (cooperative_id, hash, by_seq) ");
        $q.push_values($rows, |mut b, (h, seq): &(ledger::Digest, i64)| {
            b.push_bind($coop).push_bind(h.0.to_vec()).push_bind(*seq);
        });
        $q.push(" ON CONFLICT DO NOTHING");
    }};
}
pub(super) use push_withdrawn;

/// What a batch of entries (each with its hash) adds to the index: facts, and (hash, seq)
/// of withdrawals.
pub(super) fn index_rows<'a>(
    entries: impl IntoIterator<Item = (&'a Entry, ledger::Digest)>,
) -> (Vec<Fact>, Vec<(ledger::Digest, i64)>) {
    let (mut found, mut withdrawn) = (Vec::new(), Vec::new());
    for (e, hash) in entries {
        let f = facts::of(e, hash);
        found.extend(f.fact);
        withdrawn.extend(f.withdraws.map(|h| (h, e.seq as i64)));
    }
    (found, withdrawn)
}

/// A fact as a recall reads it, with its entry's hash and whether a later entry withdrew
/// or replaced it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TraceRow {
    pub seq: i64,
    pub tree: String,
    pub zone: Option<String>,
    pub kind: i64,
    pub at: i64,
    pub product: String,
    pub lot: String,
    pub grams: Option<i64>,
    pub phi_days: Option<i64>,
    pub corrects: Option<Vec<u8>>,
    pub hash: Vec<u8>,
    pub withdrawn: i64,
}

/// A paid adoption of one of the trees a recall reached.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ReachedAdoptionRow {
    pub order_id: i64,
    pub code: String,
    pub tree_code: String,
    pub season: String,
    pub starts_on: String,
    pub ends_on: String,
    pub buyer_id: i64,
    pub buyer_name: String,
    pub buyer_phone: Option<String>,
    pub buyer_email: Option<String>,
}

/// A fact as [`TraceRow`] reads it, with its zone from `$zone` after the joins `$joins`.
macro_rules! trace_row {
    ($zone:literal, $joins:literal) => {
        concat!(
            "SELECT f.seq, f.tree, ",
            $zone,
            " AS zone, f.kind, f.at, f.product, f.lot, f.grams, f.phi_days, f.corrects, \
             f.hash, CAST(CASE WHEN w.by_seq IS NULL THEN 0 ELSE 1 END AS BIGINT) AS withdrawn \
             FROM trace_facts f \
             LEFT JOIN trace_withdrawn w ON w.cooperative_id = f.cooperative_id AND w.hash = f.hash",
            $joins
        )
    };
}

const TRACE_ROW: &str = trace_row!(
    "z.code",
    " LEFT JOIN trees t ON t.cooperative_id = f.cooperative_id AND t.code = f.tree \
     LEFT JOIN zones z ON z.id = t.zone_id"
);

/// The same without the zone: a recall knows each reached tree's zone from the lot's
/// facts already, and the join cost two page reads a harvest at scale.
const TREE_FACT_ROW: &str = trace_row!("CAST(NULL AS TEXT)", "");

/// SQLite takes at most 32,766 bound values in a statement.
const IN_CHUNK: usize = 5_000;

/// `column IN (values)` as each engine plans it best. PostgreSQL gets one array parameter,
/// so the statement's text, and with it the prepared statement and its plan, stay the same
/// whatever the number of values: one parameter a value made each count a new statement,
/// planned anew, a few milliseconds of every recall at scale. SQLite has no arrays and
/// plans in microseconds: one parameter a value.
pub(super) trait AnyOf: sqlx::Database {
    fn push_any_of(q: &mut QueryBuilder<'_, Self>, column: &str, values: &[String]);
}

impl AnyOf for sqlx::Sqlite {
    fn push_any_of(q: &mut QueryBuilder<'_, Self>, column: &str, values: &[String]) {
        q.push(column).push(" IN (");
        let mut list = q.separated(", ");
        for v in values {
            list.push_bind(v.clone());
        }
        q.push(")");
    }
}

impl AnyOf for sqlx::Postgres {
    fn push_any_of(q: &mut QueryBuilder<'_, Self>, column: &str, values: &[String]) {
        q.push(column)
            .push(" = ANY(")
            .push_bind(values.to_vec())
            .push(")");
    }
}

fn any_of<DB: AnyOf>(q: &mut QueryBuilder<'_, DB>, column: &str, values: &[String]) {
    DB::push_any_of(q, column, values);
}

impl Store {
    /// Every input the index holds with this lot key, in the order applied.
    pub async fn facts_of_lot(&self, cooperative_id: i64, lot_key: &str) -> Result<Vec<TraceRow>> {
        let sql = format!(
            "{TRACE_ROW} WHERE f.cooperative_id = $1 AND f.lot_key = $2 ORDER BY f.at, f.seq"
        );
        Ok(on_pool!(self, p => sqlx::query_as(&sql)
            .bind(cooperative_id).bind(lot_key).fetch_all(p).await)?)
    }

    /// The facts of these kinds on these trees, recorded from `from_at` to `to_at`, and
    /// their amendments whatever their time; without their zone.
    pub async fn facts_of_trees(
        &self,
        cooperative_id: i64,
        trees: &[String],
        kinds: &[i64],
        (from_at, to_at): (i64, i64),
    ) -> Result<Vec<TraceRow>> {
        let mut out: Vec<TraceRow> = Vec::new();
        for chunk in trees.chunks(IN_CHUNK) {
            // Two index-friendly reads instead of one `OR`, which kept the time range from
            // narrowing the (tree, at) index: the facts in the span, then the amendments
            // (few, with their own partial index), dated by what they amend, which the
            // caller learns after reading and filters by.
            for in_span in [true, false] {
                on_pool!(self, p => {
                    let mut q = QueryBuilder::new(TREE_FACT_ROW);
                    q.push(" WHERE f.cooperative_id = ").push_bind(cooperative_id);
                    if in_span {
                        q.push(" AND f.at >= ").push_bind(from_at);
                        q.push(" AND f.at <= ").push_bind(to_at);
                    } else {
                        q.push(" AND f.corrects IS NOT NULL");
                    }
                    q.push(" AND f.kind IN (");
                    let mut list = q.separated(", ");
                    for k in kinds {
                        list.push_bind(*k);
                    }
                    q.push(")");
                    any_of(&mut q, " AND f.tree", chunk);
                    out.extend(q.build_query_as::<TraceRow>().fetch_all(p).await?);
                });
            }
        }
        // An amendment inside the span was read twice.
        out.sort_by_key(|r| (r.at, r.seq));
        out.dedup_by_key(|r| r.seq);
        Ok(out)
    }

    /// The recorded times of the entries with these hashes (for amendments' facts, the
    /// times of what they amend), by hash.
    pub async fn recorded_at_of(
        &self,
        cooperative_id: i64,
        hashes: &[Vec<u8>],
    ) -> Result<HashMap<Vec<u8>, i64>> {
        let mut out = HashMap::new();
        for chunk in hashes.chunks(IN_CHUNK) {
            let rows: Vec<(Vec<u8>, Vec<u8>)> = on_pool!(self, p => {
                let mut q =
                    QueryBuilder::new("SELECT hash, bytes FROM ledger_entries WHERE cooperative_id = ");
                q.push_bind(cooperative_id).push(" AND hash IN (");
                let mut list = q.separated(", ");
                for h in chunk {
                    list.push_bind(h.clone());
                }
                q.push(")");
                q.build_query_as().fetch_all(p).await?
            });
            out.extend(rows.into_iter().filter_map(|(hash, bytes)| {
                Some((hash, ledger::EntryView::parse(&bytes).ok()?.recorded_at))
            }));
        }
        Ok(out)
    }

    /// The paid adoptions of these trees, whichever season.
    pub async fn adoptions_of_trees(
        &self,
        cooperative_id: i64,
        trees: &[String],
    ) -> Result<Vec<ReachedAdoptionRow>> {
        let mut out = Vec::new();
        for chunk in trees.chunks(IN_CHUNK) {
            on_pool!(self, p => {
                let mut q = QueryBuilder::new(
                    "SELECT o.id AS order_id, o.code, t.code AS tree_code, f.season, f.starts_on, \
                     f.ends_on, o.buyer_id, u.name AS buyer_name, u.phone AS buyer_phone, \
                     u.email AS buyer_email FROM orders o JOIN offers f ON f.id = o.offer_id \
                     JOIN trees t ON t.id = f.tree_id JOIN users u ON u.id = o.buyer_id \
                     WHERE o.state = 'paid' AND f.cooperative_id = ",
                );
                q.push_bind(cooperative_id);
                any_of(&mut q, " AND t.code", chunk);
                q.push(" ORDER BY t.code, f.starts_on");
                out.extend(q.build_query_as::<ReachedAdoptionRow>().fetch_all(p).await?);
            });
        }
        Ok(out)
    }

    /// The codes of the trees in a zone.
    pub async fn tree_codes_in_zone(
        &self,
        cooperative_id: i64,
        zone_id: i64,
    ) -> Result<Vec<String>> {
        const SQL: &str =
            "SELECT code FROM trees WHERE cooperative_id = $1 AND zone_id = $2 ORDER BY code";
        Ok(
            on_pool!(self, p => sqlx::query_scalar(SQL).bind(cooperative_id).bind(zone_id).fetch_all(p).await)?,
        )
    }

    /// Cooperatives whose log predates the index.
    pub async fn trace_backfill_pending(&self) -> Result<Vec<i64>> {
        const SQL: &str = "SELECT cooperative_id FROM trace_backfill ORDER BY cooperative_id";
        Ok(on_pool!(self, p => sqlx::query_scalar(SQL).fetch_all(p).await)?)
    }

    /// Indexes these entries of the cooperative's log (again: what is indexed stays) and,
    /// with `done`, marks its backfill finished, in one transaction.
    pub async fn index_entries(
        &self,
        cooperative_id: i64,
        entries: &[Entry],
        done: bool,
    ) -> Result<()> {
        let (found, withdrawn) = index_rows(entries.iter().map(|e| (e, e.hash())));
        on_pool!(self, p => {
            let mut tx = p.begin().await?;
            for chunk in found.chunks(1_000) {
                let mut q = QueryBuilder::new("");
                push_facts!(q, cooperative_id, chunk);
                q.build().execute(&mut *tx).await?;
            }
            for chunk in withdrawn.chunks(5_000) {
                let mut q = QueryBuilder::new("");
                push_withdrawn!(q, cooperative_id, chunk);
                q.build().execute(&mut *tx).await?;
            }
            if done {
                sqlx::query("DELETE FROM trace_backfill WHERE cooperative_id = $1")
                    .bind(cooperative_id).execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }
}
