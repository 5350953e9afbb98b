//! Adoption offers, buyers' orders and payment provider calls.

use super::cooperatives::COOPERATIVE_COLUMNS;
use super::{on_pool, CooperativeRow, Store};
use crate::error::{Error, Result};

/// An offer to store (validated by `market::offers`).
#[derive(Debug, Clone)]
pub struct OfferInsert {
    pub cooperative_id: i64,
    pub tree_id: i64,
    pub season: String,
    pub starts_on: String,
    pub ends_on: String,
    pub price_vnd: i64,
    pub expected_min_g: i64,
    pub expected_max_g: i64,
    pub guaranteed_g: i64,
    pub includes: String,
    pub deliveries: i64,
    pub shortfall_policy: String,
    pub shortfall_vnd_per_kg: i64,
    pub created_at: i64,
}

/// An order as stored, with what the payment side needs of its offer and tree.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OrderRow {
    pub id: i64,
    pub offer_id: i64,
    pub buyer_id: i64,
    pub code: String,
    pub adoption: String,
    pub amount_vnd: i64,
    pub state: String,
    pub held_until: i64,
    pub created_at: i64,
    pub paid_at: Option<i64>,
    pub cooperative_id: i64,
    pub tree_code: String,
    pub season: String,
    /// The adopter's name for the tree.
    pub tree_name: Option<String>,
}

/// What a buyer's click on "adopt" became.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hold {
    /// Held for this buyer (just now, or earlier and still running).
    Held(Box<OrderRow>),
    /// Another buyer holds or has adopted the tree for this season.
    Taken,
}

/// A provider's report about an order, signature already checked.
#[derive(Debug, Clone)]
pub struct PaymentReport {
    pub provider: &'static str,
    /// The cooperative whose terminal, webhook or desk took the report: it settles that
    /// cooperative's orders only (a code of another's is an unknown order to it).
    pub cooperative_id: i64,
    /// The provider's transaction id: a replay carries the same.
    pub provider_ref: String,
    /// The order's payment code, as the provider echoes it.
    pub order_code: String,
    pub amount_vnd: i64,
    pub paid: bool,
    /// The call as received (query or body), for the record.
    pub raw: String,
    pub at: i64,
}

/// What applying a report did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// Paid now: the order is paid and the adoption is in the ledger.
    Confirmed,
    /// The payment failed or was cancelled: the order is cancelled, the tree free again.
    Failed,
    /// This very report was applied before (a retry); nothing changed.
    Replayed,
    /// The order was settled before by another report; nothing changed.
    AlreadySettled,
    /// The amount is not the order's; nothing changed.
    WrongAmount,
    /// Paid after the hold expired and another buyer took the tree: the money is owed back.
    RefundDue,
}

pub(super) const ORDER: &str =
    "SELECT o.id, o.offer_id, o.buyer_id, o.code, o.adoption, o.amount_vnd, o.state, o.held_until, \
     o.created_at, o.paid_at, f.cooperative_id, t.code AS tree_code, f.season, o.tree_name \
     FROM orders o JOIN offers f ON f.id = o.offer_id JOIN trees t ON t.id = f.tree_id";

impl Store {
    /// Stores an offer; a second offer for the same tree and season is a conflict.
    pub async fn insert_offer(&self, o: &OfferInsert) -> Result<i64> {
        const SQL: &str =
            "INSERT INTO offers (cooperative_id, tree_id, season, starts_on, ends_on, \
             price_vnd, expected_min_g, expected_max_g, guaranteed_g, includes, deliveries, \
             shortfall_policy, shortfall_vnd_per_kg, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id";
        let r: Result<i64> = on_pool!(self, p => sqlx::query_scalar(SQL)
            .bind(o.cooperative_id).bind(o.tree_id).bind(&o.season).bind(&o.starts_on)
            .bind(&o.ends_on).bind(o.price_vnd).bind(o.expected_min_g).bind(o.expected_max_g)
            .bind(o.guaranteed_g).bind(&o.includes).bind(o.deliveries).bind(&o.shortfall_policy)
            .bind(o.shortfall_vnd_per_kg).bind(o.created_at)
            .fetch_one(p).await.map_err(Error::from));
        r.map_err(|e| {
            if e.is_unique_violation() {
                Error::conflict(
                    "Cây này đã có đề nghị nhận nuôi cho mùa vụ này",
                    "This tree already has an adoption offer for this season",
                )
            } else {
                e
            }
        })
    }

    /// Holds an offer for a buyer until `until`, at the offer's price: expires a lapsed
    /// hold first, then claims the offer; the unique index on live orders lets exactly one
    /// claim through however many arrive at once. A buyer clicking again gets their
    /// running hold back; a buyer already holding `max_open` other unpaid trees gets a
    /// conflict (one account cannot block a catalogue).
    #[allow(clippy::too_many_arguments)]
    pub async fn hold(
        &self,
        offer_id: i64,
        buyer_id: i64,
        code: &str,
        adoption: &str,
        now: i64,
        until: i64,
        max_open: i64,
    ) -> Result<Hold> {
        let claimed: Result<()> = on_pool!(self, p => async {
            let mut tx = p.begin().await?;
            // The buyer's row first: one buyer's holds are counted and placed one at a time.
            sqlx::query("UPDATE users SET name = name WHERE id = $1")
                .bind(buyer_id).execute(&mut *tx).await?;
            sqlx::query("UPDATE orders SET state = 'expired' WHERE offer_id = $1 AND state = 'held' AND held_until <= $2")
                .bind(offer_id).bind(now).execute(&mut *tx).await?;
            let open: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM orders WHERE buyer_id = $1 \
                 AND state = 'held' AND held_until > $2 AND offer_id <> $3")
                .bind(buyer_id).bind(now).bind(offer_id).fetch_one(&mut *tx).await?;
            if open >= max_open {
                return Err(Error::conflict(
                    format!("Bạn đang giữ {open} cây chưa thanh toán: hãy thanh toán hoặc đợi hết giờ giữ trước khi giữ thêm"),
                    format!("You are holding {open} unpaid trees: pay for them or let the holds end before holding more"),
                ));
            }
            let inserted = sqlx::query("INSERT INTO orders (offer_id, buyer_id, code, adoption, amount_vnd, state, held_until, created_at) \
                 SELECT id, $2, $3, $4, price_vnd, 'held', $5, $6 FROM offers WHERE id = $1")
                .bind(offer_id).bind(buyer_id).bind(code).bind(adoption).bind(until).bind(now)
                .execute(&mut *tx).await?;
            if inserted.rows_affected() == 0 {
                return Err(Error::NotFound("offer"));
            }
            tx.commit().await?;
            Ok(())
        }.await);
        match claimed {
            Ok(()) => Ok(Hold::Held(Box::new(
                self.order_by_code(code)
                    .await?
                    .ok_or(Error::NotFound("order"))?,
            ))),
            Err(e) if e.is_unique_violation() => {
                let live = self.live_order(offer_id).await?;
                Ok(match live {
                    Some(o)
                        if o.buyer_id == buyer_id && o.state == "held" && o.held_until > now =>
                    {
                        Hold::Held(Box::new(o))
                    }
                    _ => Hold::Taken,
                })
            }
            Err(e) => Err(e),
        }
    }

    async fn live_order(&self, offer_id: i64) -> Result<Option<OrderRow>> {
        let sql = format!("{ORDER} WHERE o.offer_id = $1 AND o.state IN ('held', 'paid')");
        Ok(on_pool!(self, p => sqlx::query_as(&sql).bind(offer_id).fetch_optional(p).await)?)
    }

    /// A paid (or refund-due) order by its adoption's pseudonym.
    pub async fn order_by_adoption(&self, adoption: &str) -> Result<Option<OrderRow>> {
        let sql = format!("{ORDER} WHERE o.adoption = $1 AND o.state = 'paid'");
        Ok(on_pool!(self, p => sqlx::query_as(&sql).bind(adoption).fetch_optional(p).await)?)
    }

    /// A buyer's adoptions (paid orders), latest first.
    pub async fn adoptions_of(&self, buyer_id: i64) -> Result<Vec<OrderRow>> {
        let sql =
            format!("{ORDER} WHERE o.buyer_id = $1 AND o.state = 'paid' ORDER BY o.paid_at DESC");
        Ok(on_pool!(self, p => sqlx::query_as(&sql).bind(buyer_id).fetch_all(p).await)?)
    }

    pub async fn order_by_id(&self, id: i64) -> Result<Option<OrderRow>> {
        let sql = format!("{ORDER} WHERE o.id = $1");
        Ok(on_pool!(self, p => sqlx::query_as(&sql).bind(id).fetch_optional(p).await)?)
    }

    /// An order by its payment code.
    pub async fn order_by_code(&self, code: &str) -> Result<Option<OrderRow>> {
        let sql = format!("{ORDER} WHERE o.code = $1");
        Ok(on_pool!(self, p => sqlx::query_as(&sql).bind(code).fetch_optional(p).await)?)
    }

    /// Records a provider call that was not applied (forged, malformed, unknown order),
    /// with why.
    pub async fn record_payment_call(
        &self,
        provider: &str,
        outcome: &str,
        raw: &str,
        at: i64,
    ) -> Result<()> {
        const SQL: &str = "INSERT INTO payment_events (provider, outcome, raw, received_at) VALUES ($1, $2, $3, $4)";
        on_pool!(self, p => sqlx::query(SQL).bind(provider).bind(outcome).bind(raw).bind(at)
            .execute(p).await.map(|_| ()))?;
        Ok(())
    }

    /// Orders of an offer by state, for managers and tests.
    pub async fn orders_of_offer(&self, offer_id: i64) -> Result<Vec<OrderRow>> {
        let sql = format!("{ORDER} WHERE o.offer_id = $1 ORDER BY o.id");
        Ok(on_pool!(self, p => sqlx::query_as(&sql).bind(offer_id).fetch_all(p).await)?)
    }

    /// The provider and its transaction reference of the report that paid an order.
    pub async fn paid_event_of(&self, order_id: i64) -> Result<Option<(String, Option<String>)>> {
        const SQL: &str = "SELECT provider, provider_ref FROM payment_events \
             WHERE order_id = $1 AND outcome = 'paid' ORDER BY id LIMIT 1";
        Ok(on_pool!(self, p => sqlx::query_as(SQL).bind(order_id).fetch_optional(p).await)?)
    }

    /// The provider calls about an order, oldest first: (outcome, provider_ref).
    pub async fn payment_events_of(&self, order_id: i64) -> Result<Vec<(String, Option<String>)>> {
        const SQL: &str =
            "SELECT outcome, provider_ref FROM payment_events WHERE order_id = $1 ORDER BY id";
        Ok(on_pool!(self, p => sqlx::query_as(SQL).bind(order_id).fetch_all(p).await)?)
    }
}

/// A payment provider a cooperative configured, its secret still sealed.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ProviderRow {
    pub cooperative_id: i64,
    pub provider: String,
    pub account: String,
    pub settings: String,
    pub secret_sealed: Vec<u8>,
}

/// A provider with its cooperative, read together.
#[derive(sqlx::FromRow)]
struct ProviderOf {
    #[sqlx(flatten)]
    provider: ProviderRow,
    #[sqlx(flatten)]
    cooperative: CooperativeRow,
}

impl Store {
    /// Sets (or replaces) a cooperative's provider; an account another cooperative
    /// configured is a conflict.
    pub async fn set_provider(&self, row: &ProviderRow, at: i64) -> Result<()> {
        const SQL: &str = "INSERT INTO payment_providers \
             (cooperative_id, provider, account, settings, secret_sealed, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (cooperative_id, provider) DO UPDATE SET \
             account = excluded.account, settings = excluded.settings, \
             secret_sealed = excluded.secret_sealed, updated_at = excluded.updated_at";
        let r: Result<()> = on_pool!(self, p => sqlx::query(SQL)
            .bind(row.cooperative_id).bind(&row.provider).bind(&row.account).bind(&row.settings)
            .bind(&row.secret_sealed).bind(at)
            .execute(p).await.map(|_| ()).map_err(Error::from));
        r.map_err(|e| {
            if e.is_unique_violation() {
                Error::conflict(
                    "Tài khoản thanh toán này đã thuộc một hợp tác xã khác",
                    "This payment account belongs to another cooperative",
                )
            } else {
                e
            }
        })
    }

    /// A cooperative's provider of this kind.
    pub async fn provider_of(
        &self,
        cooperative_id: i64,
        provider: &str,
    ) -> Result<Option<ProviderRow>> {
        const SQL: &str = "SELECT cooperative_id, provider, account, settings, secret_sealed \
             FROM payment_providers WHERE cooperative_id = $1 AND provider = $2";
        Ok(
            on_pool!(self, p => sqlx::query_as(SQL).bind(cooperative_id).bind(provider).fetch_optional(p).await)?,
        )
    }

    /// The provider with this account (a VNPay terminal code), whichever cooperative's.
    pub async fn provider_by_account(
        &self,
        provider: &str,
        account: &str,
    ) -> Result<Option<(ProviderRow, CooperativeRow)>> {
        // One read: every payment report starts here.
        let sql = format!(
            "SELECT p.cooperative_id, p.provider, p.account, p.settings, p.secret_sealed, {COOPERATIVE_COLUMNS} \
             FROM payment_providers p JOIN cooperatives ON cooperatives.id = p.cooperative_id \
             WHERE p.provider = $1 AND p.account = $2"
        );
        let row: Option<ProviderOf> = on_pool!(self, p => sqlx::query_as(&sql).bind(provider).bind(account).fetch_optional(p).await)?;
        Ok(row.map(|r| (r.provider, r.cooperative)))
    }
}

/// An offer with its tree and cooperative, as checkout and the tree page need it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OfferRow {
    pub id: i64,
    pub cooperative_id: i64,
    pub coop_code: String,
    pub tree_code: String,
    pub season: String,
    pub starts_on: String,
    pub ends_on: String,
    pub price_vnd: i64,
    pub expected_min_g: i64,
    pub expected_max_g: i64,
    pub guaranteed_g: i64,
    pub includes: String,
    pub deliveries: i64,
    pub shortfall_policy: String,
    pub shortfall_vnd_per_kg: i64,
}

impl OfferRow {
    /// What the care includes, as stored comma-separated (`care,photos,delivery`).
    pub fn included(&self) -> Vec<String> {
        self.includes
            .split(',')
            .filter(|i| !i.is_empty())
            .map(str::to_owned)
            .collect()
    }
}

const OFFER: &str =
    "SELECT f.id, f.cooperative_id, c.code AS coop_code, t.code AS tree_code, f.season, \
     f.starts_on, f.ends_on, f.price_vnd, f.expected_min_g, f.expected_max_g, f.guaranteed_g, \
     f.includes, f.deliveries, f.shortfall_policy, f.shortfall_vnd_per_kg \
     FROM offers f JOIN trees t ON t.id = f.tree_id JOIN cooperatives c ON c.id = f.cooperative_id";

impl Store {
    pub async fn offer_by_id(&self, id: i64) -> Result<Option<OfferRow>> {
        let sql = format!("{OFFER} WHERE f.id = $1");
        Ok(on_pool!(self, p => sqlx::query_as(&sql).bind(id).fetch_optional(p).await)?)
    }

    /// A tree's offers, latest season first.
    pub async fn offers_of_tree(
        &self,
        cooperative_id: i64,
        tree_code: &str,
    ) -> Result<Vec<OfferRow>> {
        let sql = format!(
            "{OFFER} WHERE f.cooperative_id = $1 AND t.code = $2 ORDER BY f.starts_on DESC"
        );
        Ok(
            on_pool!(self, p => sqlx::query_as(&sql).bind(cooperative_id).bind(tree_code).fetch_all(p).await)?,
        )
    }
}

impl Store {
    /// Whether a buyer holds (and the hold runs at `now`) or has adopted the offer.
    pub async fn offer_taken(&self, offer_id: i64, now: i64) -> Result<bool> {
        const SQL: &str = "SELECT COUNT(*) FROM orders WHERE offer_id = $1 \
             AND (state = 'paid' OR (state = 'held' AND held_until > $2))";
        let n: i64 = on_pool!(self, p => sqlx::query_scalar(SQL).bind(offer_id).bind(now).fetch_one(p).await)?;
        Ok(n > 0)
    }
}

/// An order as the cooperative's managers see it: with the buyer, for delivery.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct SaleRow {
    pub order_id: i64,
    pub code: String,
    pub tree_code: String,
    pub season: String,
    pub state: String,
    pub amount_vnd: i64,
    pub created_at: i64,
    pub held_until: i64,
    pub paid_at: Option<i64>,
    pub buyer_name: String,
    pub buyer_phone: Option<String>,
    pub buyer_email: Option<String>,
    /// Provider calls about the order, and the provider of the one that paid it.
    pub payment_calls: i64,
    pub paid_by: Option<String>,
    /// How the harvest goes to the adopter, what was sent, what was refunded.
    pub harvest_method: Option<String>,
    pub harvest_address: Option<String>,
    pub shipped_g: i64,
    pub refunded_vnd: i64,
}

impl Store {
    /// Every order of a cooperative, newest first.
    pub async fn sales_of(&self, cooperative_id: i64) -> Result<Vec<SaleRow>> {
        const SQL: &str = "SELECT o.id AS order_id, o.code, t.code AS tree_code, f.season, o.state, o.amount_vnd, \
             o.created_at, o.held_until, o.paid_at, u.name AS buyer_name, u.phone AS buyer_phone, \
             u.email AS buyer_email, \
             (SELECT COUNT(*) FROM payment_events e WHERE e.order_id = o.id) AS payment_calls, \
             (SELECT e.provider FROM payment_events e WHERE e.order_id = o.id AND e.outcome = 'paid' LIMIT 1) AS paid_by, \
             h.method AS harvest_method, COALESCE(h.address, h.pickup_on) AS harvest_address, \
             (SELECT CAST(COALESCE(SUM(x.grams), 0) AS BIGINT) FROM shipments x WHERE x.order_id = o.id) AS shipped_g, \
             (SELECT CAST(COALESCE(SUM(r.amount_vnd), 0) AS BIGINT) FROM refunds r WHERE r.order_id = o.id \
                AND r.state IN ('done', 'by_hand')) AS refunded_vnd \
             FROM orders o JOIN offers f ON f.id = o.offer_id JOIN trees t ON t.id = f.tree_id \
             JOIN users u ON u.id = o.buyer_id LEFT JOIN harvest_choices h ON h.order_id = o.id \
             WHERE f.cooperative_id = $1 ORDER BY o.id DESC";
        Ok(on_pool!(self, p => sqlx::query_as(SQL).bind(cooperative_id).fetch_all(p).await)?)
    }
}

/// An open offer as the catalogue lists it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct CatalogRow {
    pub offer_id: i64,
    pub price_vnd: i64,
    pub starts_on: String,
    pub ends_on: String,
    pub expected_min_g: i64,
    pub expected_max_g: i64,
    pub guaranteed_g: i64,
    pub includes: String,
    pub tree_code: String,
    pub species: String,
    pub species_vi: Option<String>,
    pub species_en: Option<String>,
    pub variety: String,
    pub coop_code: String,
    pub coop_name: String,
    pub province: String,
    /// The tree's newest photo.
    pub photo: Option<Vec<u8>>,
}

impl Store {
    /// Offers anyone may adopt now: seasons not over, nobody paying for or holding the
    /// tree, active trees of approved cooperatives; cheapest first.
    pub async fn open_offers(&self, today: &str, now: i64, limit: i64) -> Result<Vec<CatalogRow>> {
        const SQL: &str = "SELECT f.id AS offer_id, f.price_vnd, f.starts_on, f.ends_on, \
             f.expected_min_g, f.expected_max_g, f.guaranteed_g, f.includes, t.code AS tree_code, \
             t.species, s.name_vi AS species_vi, s.name_en AS species_en, t.variety, \
             c.code AS coop_code, c.name AS coop_name, c.province, \
             (SELECT p.hash FROM tree_photos p WHERE p.tree_id = t.id ORDER BY p.id DESC LIMIT 1) AS photo \
             FROM offers f JOIN trees t ON t.id = f.tree_id JOIN cooperatives c ON c.id = f.cooperative_id \
             LEFT JOIN species s ON s.key = t.species \
             WHERE f.ends_on >= $1 AND t.status = 'active' AND c.approved_at IS NOT NULL \
             AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.offer_id = f.id \
                 AND (o.state = 'paid' OR (o.state = 'held' AND o.held_until > $2))) \
             ORDER BY f.price_vnd, f.ends_on, c.code, t.code LIMIT $3";
        Ok(
            on_pool!(self, p => sqlx::query_as(SQL).bind(today).bind(now).bind(limit).fetch_all(p).await)?,
        )
    }
}

/// A care request with its tree, as buyers and managers see it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct CareRequestRow {
    pub id: i64,
    pub order_code: String,
    pub tree_code: String,
    pub text: String,
    pub created_at: i64,
    pub answer: Option<String>,
    pub answered_at: Option<i64>,
}

const REQUEST: &str =
    "SELECT r.id, o.code AS order_code, t.code AS tree_code, r.text, r.created_at, \
     r.answer, r.answered_at FROM care_requests r JOIN orders o ON o.id = r.order_id \
     JOIN offers f ON f.id = o.offer_id JOIN trees t ON t.id = f.tree_id";

impl Store {
    pub async fn insert_care_request(&self, order_id: i64, text: &str, at: i64) -> Result<i64> {
        const SQL: &str = "INSERT INTO care_requests (order_id, text, created_at) VALUES ($1, $2, $3) RETURNING id";
        Ok(
            on_pool!(self, p => sqlx::query_scalar(SQL).bind(order_id).bind(text).bind(at).fetch_one(p).await)?,
        )
    }

    /// Answers a request of this cooperative once: the order it was about, or `None` if
    /// there is no such unanswered request.
    pub async fn answer_care_request(
        &self,
        cooperative_id: i64,
        id: i64,
        answer: &str,
        by: i64,
        at: i64,
    ) -> Result<Option<i64>> {
        const SQL: &str =
            "UPDATE care_requests SET answer = $1, answered_by = $2, answered_at = $3 \
             WHERE id = $4 AND answer IS NULL AND order_id IN (SELECT o.id FROM orders o \
             JOIN offers f ON f.id = o.offer_id WHERE f.cooperative_id = $5) RETURNING order_id";
        Ok(
            on_pool!(self, p => sqlx::query_scalar(SQL).bind(answer).bind(by).bind(at).bind(id)
            .bind(cooperative_id).fetch_optional(p).await)?,
        )
    }

    /// A cooperative's care requests, unanswered first, then newest first.
    pub async fn care_requests_of_cooperative(
        &self,
        cooperative_id: i64,
    ) -> Result<Vec<CareRequestRow>> {
        let sql = format!(
            "{REQUEST} WHERE f.cooperative_id = $1 ORDER BY (r.answer IS NULL) DESC, r.id DESC"
        );
        Ok(on_pool!(self, p => sqlx::query_as(&sql).bind(cooperative_id).fetch_all(p).await)?)
    }

    /// A buyer's care requests, newest first.
    pub async fn care_requests_of_buyer(&self, buyer_id: i64) -> Result<Vec<CareRequestRow>> {
        // Only what they asked themselves: not what a giver asked before the gift.
        let sql = format!(
            "{REQUEST} WHERE o.buyer_id = $1 AND r.created_at >= COALESCE((SELECT MAX(g.ended_at) \
             FROM gifts g WHERE g.order_id = o.id AND g.state = 'accepted'), 0) ORDER BY r.id DESC"
        );
        Ok(on_pool!(self, p => sqlx::query_as(&sql).bind(buyer_id).fetch_all(p).await)?)
    }
}

/// An adoption's harvest settled against its guarantee.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct SettlementRow {
    pub order_id: i64,
    pub harvested_g: i64,
    pub guaranteed_g: i64,
    pub shortfall_g: i64,
    pub compensation_vnd: i64,
    pub policy: String,
    pub settled_by: i64,
    pub settled_at: i64,
}

impl Store {
    /// Records a settlement; a second one for the same order is a conflict.
    pub async fn insert_settlement(&self, r: &SettlementRow) -> Result<()> {
        const SQL: &str = "INSERT INTO harvest_settlements (order_id, harvested_g, guaranteed_g, \
             shortfall_g, compensation_vnd, policy, settled_by, settled_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
        let done: Result<()> = on_pool!(self, p => sqlx::query(SQL)
            .bind(r.order_id).bind(r.harvested_g).bind(r.guaranteed_g).bind(r.shortfall_g)
            .bind(r.compensation_vnd).bind(&r.policy).bind(r.settled_by).bind(r.settled_at)
            .execute(p).await.map(|_| ()).map_err(Error::from));
        done.map_err(|e| {
            if e.is_unique_violation() {
                Error::conflict(
                    "Vụ thu hoạch của đơn này đã được quyết toán",
                    "This adoption's harvest is already settled",
                )
            } else {
                e
            }
        })
    }

    pub async fn settlement_of(&self, order_id: i64) -> Result<Option<SettlementRow>> {
        const SQL: &str =
            "SELECT order_id, harvested_g, guaranteed_g, shortfall_g, compensation_vnd, \
             policy, settled_by, settled_at FROM harvest_settlements WHERE order_id = $1";
        Ok(on_pool!(self, p => sqlx::query_as(SQL).bind(order_id).fetch_optional(p).await)?)
    }
}
