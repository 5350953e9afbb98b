//! After adopting: the adopter's name for the tree, gifts, the harvest's way to the
//! adopter (choice, shipments), refunds.

use sqlx::QueryBuilder;

use super::{on_pool, Store};
use crate::error::{Error, Result};

/// How an adopter wants their harvest.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct HarvestChoiceRow {
    pub order_id: i64,
    pub method: String,
    pub address: Option<String>,
    pub pickup_on: Option<String>,
    pub chosen_at: i64,
}

/// A shipment (or hand-over) of an adoption's harvest.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct ShipmentRow {
    pub order_id: i64,
    pub sent_on: String,
    pub grams: i64,
    pub carrier: String,
    pub tracking: String,
    pub recorded_by: i64,
    pub recorded_at: i64,
}

/// An adoption given by link.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct GiftRow {
    pub id: i64,
    pub order_id: i64,
    pub giver_id: i64,
    pub giver_name: String,
    pub message: String,
    pub expires_at: i64,
    pub state: String,
    pub order_code: String,
}

/// What accepting a gift did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accepted {
    /// The adoption is the recipient's now.
    Now,
    /// The link was used, withdrawn, or expired (the adoption stayed with the giver).
    Gone,
    /// The giver opened the link: a gift is for someone else.
    OwnGift,
}

/// Money owed back on an order, and how it went.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct RefundRow {
    pub id: i64,
    pub order_id: i64,
    pub order_code: String,
    pub reason: String,
    pub amount_vnd: i64,
    pub provider: String,
    pub request_id: String,
    pub state: String,
    pub response: String,
    pub created_at: i64,
}

const GIFT: &str = "SELECT g.id, g.order_id, g.giver_id, u.name AS giver_name, g.message, \
     g.expires_at, g.state, o.code AS order_code FROM gifts g JOIN users u ON u.id = g.giver_id \
     JOIN orders o ON o.id = g.order_id";

const REFUND: &str = "SELECT r.id, r.order_id, o.code AS order_code, r.reason, r.amount_vnd, \
     r.provider, r.request_id, r.state, r.response, r.created_at FROM refunds r \
     JOIN orders o ON o.id = r.order_id";

impl Store {
    /// The adopter's name for their tree (`None` clears it).
    pub async fn name_tree(&self, order_id: i64, name: Option<&str>) -> Result<()> {
        const SQL: &str = "UPDATE orders SET tree_name = $1 WHERE id = $2";
        on_pool!(self, p => sqlx::query(SQL).bind(name).bind(order_id).execute(p).await.map(|_| ()))?;
        Ok(())
    }

    /// The name the current adopter gave a tree for a season, if any.
    pub async fn tree_name_of(&self, order_id: i64) -> Result<Option<String>> {
        const SQL: &str = "SELECT tree_name FROM orders WHERE id = $1";
        let name: Option<Option<String>> = on_pool!(self, p => sqlx::query_scalar(SQL)
            .bind(order_id).fetch_optional(p).await)?;
        Ok(name.flatten())
    }

    /// Sets (or changes) how the harvest reaches the adopter.
    pub async fn set_harvest_choice(&self, c: &HarvestChoiceRow) -> Result<()> {
        const SQL: &str =
            "INSERT INTO harvest_choices (order_id, method, address, pickup_on, chosen_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (order_id) DO UPDATE SET \
             method = excluded.method, address = excluded.address, \
             pickup_on = excluded.pickup_on, chosen_at = excluded.chosen_at";
        on_pool!(self, p => sqlx::query(SQL).bind(c.order_id).bind(&c.method).bind(&c.address)
            .bind(&c.pickup_on).bind(c.chosen_at).execute(p).await.map(|_| ()))?;
        Ok(())
    }

    pub async fn harvest_choice_of(&self, order_id: i64) -> Result<Option<HarvestChoiceRow>> {
        const SQL: &str = "SELECT order_id, method, address, pickup_on, chosen_at \
             FROM harvest_choices WHERE order_id = $1";
        Ok(on_pool!(self, p => sqlx::query_as(SQL).bind(order_id).fetch_optional(p).await)?)
    }

    pub async fn insert_shipment(&self, r: &ShipmentRow) -> Result<()> {
        const SQL: &str = "INSERT INTO shipments (order_id, sent_on, grams, carrier, tracking, \
             recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7)";
        on_pool!(self, p => sqlx::query(SQL).bind(r.order_id).bind(&r.sent_on).bind(r.grams)
            .bind(&r.carrier).bind(&r.tracking).bind(r.recorded_by).bind(r.recorded_at)
            .execute(p).await.map(|_| ()))?;
        Ok(())
    }

    /// An order's shipments, oldest first.
    pub async fn shipments_of(&self, order_id: i64) -> Result<Vec<ShipmentRow>> {
        self.shipments_of_orders(&[order_id]).await
    }

    /// These orders' shipments, each order's oldest first, in one read a thousand orders.
    pub async fn shipments_of_orders(&self, order_ids: &[i64]) -> Result<Vec<ShipmentRow>> {
        let mut out = Vec::new();
        for chunk in order_ids.chunks(1_000) {
            on_pool!(self, p => {
                let mut q = QueryBuilder::new(
                    "SELECT order_id, sent_on, grams, carrier, tracking, recorded_by, \
                     recorded_at FROM shipments WHERE order_id IN (",
                );
                let mut list = q.separated(", ");
                for id in chunk {
                    list.push_bind(*id);
                }
                q.push(") ORDER BY order_id, id");
                out.extend(q.build_query_as::<ShipmentRow>().fetch_all(p).await?);
            });
        }
        Ok(out)
    }

    /// Opens a gift of an order; an order with an open gift already is a conflict.
    pub async fn open_gift(
        &self,
        order_id: i64,
        giver_id: i64,
        token_hash: &str,
        message: &str,
        at: i64,
        expires_at: i64,
    ) -> Result<()> {
        const SQL: &str = "INSERT INTO gifts (order_id, giver_id, token_hash, message, \
             created_at, expires_at, state) VALUES ($1, $2, $3, $4, $5, $6, 'open')";
        let r: Result<()> = on_pool!(self, p => sqlx::query(SQL).bind(order_id).bind(giver_id)
            .bind(token_hash).bind(message).bind(at).bind(expires_at)
            .execute(p).await.map(|_| ()).map_err(Error::from));
        r.map_err(|e| {
            if e.is_unique_violation() {
                Error::conflict(
                    "Cây này đang được tặng: hãy thu hồi liên kết cũ trước",
                    "This tree is already being given: withdraw the earlier link first",
                )
            } else {
                e
            }
        })
    }

    pub async fn gift_by_token(&self, token_hash: &str) -> Result<Option<GiftRow>> {
        let sql = format!("{GIFT} WHERE g.token_hash = $1");
        Ok(on_pool!(self, p => sqlx::query_as(&sql).bind(token_hash).fetch_optional(p).await)?)
    }

    /// The open gift of an order, if any.
    pub async fn open_gift_of(&self, order_id: i64) -> Result<Option<GiftRow>> {
        let sql = format!("{GIFT} WHERE g.order_id = $1 AND g.state = 'open'");
        Ok(on_pool!(self, p => sqlx::query_as(&sql).bind(order_id).fetch_optional(p).await)?)
    }

    /// Accepts a gift in one transaction: only an open, unexpired gift of an adoption its
    /// giver still holds moves, once, however many people open the link at once.
    pub async fn accept_gift(
        &self,
        token_hash: &str,
        recipient: i64,
        now: i64,
    ) -> Result<Accepted> {
        on_pool!(self, p => async {
            let mut tx = p.begin().await?;
            // A write first, so two acceptances cannot both find the gift open.
            let gift: Option<(i64, i64, i64, i64)> = sqlx::query_as(
                "UPDATE gifts SET state = state WHERE token_hash = $1 AND state = 'open' \
                 RETURNING id, order_id, giver_id, expires_at",
            )
            .bind(token_hash).fetch_optional(&mut *tx).await?;
            let Some((id, order_id, giver, expires_at)) = gift else {
                return Ok(Accepted::Gone);
            };
            if giver == recipient {
                return Ok(Accepted::OwnGift);
            }
            if expires_at <= now {
                sqlx::query("UPDATE gifts SET state = 'returned', ended_at = $2 WHERE id = $1")
                    .bind(id).bind(now).execute(&mut *tx).await?;
                tx.commit().await?;
                return Ok(Accepted::Gone);
            }
            let moved = sqlx::query(
                "UPDATE orders SET buyer_id = $1, tree_name = NULL WHERE id = $2 AND buyer_id = $3 AND state = 'paid'",
            )
            .bind(recipient).bind(order_id).bind(giver).execute(&mut *tx).await?.rows_affected();
            if moved == 1 {
                // The giver's address is theirs: the recipient chooses anew.
                sqlx::query("DELETE FROM harvest_choices WHERE order_id = $1")
                    .bind(order_id).execute(&mut *tx).await?;
            }
            let state = if moved == 1 { "accepted" } else { "withdrawn" };
            sqlx::query("UPDATE gifts SET state = $2, recipient_id = $3, ended_at = $4 WHERE id = $1")
                .bind(id).bind(state).bind((moved == 1).then_some(recipient)).bind(now)
                .execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(if moved == 1 { Accepted::Now } else { Accepted::Gone })
        }.await)
    }

    /// The giver takes an open gift back.
    pub async fn withdraw_gift(&self, order_id: i64, giver: i64, now: i64) -> Result<bool> {
        const SQL: &str = "UPDATE gifts SET state = 'withdrawn', ended_at = $3 \
             WHERE order_id = $1 AND giver_id = $2 AND state = 'open'";
        let n = on_pool!(self, p => sqlx::query(SQL).bind(order_id).bind(giver).bind(now)
            .execute(p).await.map(|d| d.rows_affected()))?;
        Ok(n == 1)
    }

    /// Ends the gifts nobody accepted in time; the adoptions stay with their givers, who
    /// are returned to be told.
    pub async fn return_lapsed_gifts(&self, now: i64) -> Result<Vec<GiftRow>> {
        let sql = format!("{GIFT} WHERE g.state = 'open' AND g.expires_at <= $1");
        let lapsed: Vec<GiftRow> =
            on_pool!(self, p => sqlx::query_as(&sql).bind(now).fetch_all(p).await)?;
        let mut returned = Vec::new();
        for g in lapsed {
            const SQL: &str = "UPDATE gifts SET state = 'returned', ended_at = $2 \
                 WHERE id = $1 AND state = 'open'";
            let n = on_pool!(self, p => sqlx::query(SQL).bind(g.id).bind(now)
                .execute(p).await.map(|d| d.rows_affected()))?;
            if n == 1 {
                returned.push(GiftRow {
                    state: "returned".into(),
                    ..g
                });
            }
        }
        Ok(returned)
    }

    /// Records a refund to make; one per order and reason.
    pub async fn insert_refund(&self, r: &RefundRow) -> Result<i64> {
        const SQL: &str = "INSERT INTO refunds (order_id, reason, amount_vnd, provider, \
             request_id, state, response, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id";
        let r: Result<i64> = on_pool!(self, p => sqlx::query_scalar(SQL).bind(r.order_id)
            .bind(&r.reason).bind(r.amount_vnd).bind(&r.provider).bind(&r.request_id)
            .bind(&r.state).bind(&r.response).bind(r.created_at)
            .fetch_one(p).await.map_err(Error::from));
        r.map_err(|e| {
            if e.is_unique_violation() {
                Error::conflict(
                    "Khoản hoàn tiền này đã được ghi",
                    "This refund is already recorded",
                )
            } else {
                e
            }
        })
    }

    pub async fn update_refund(&self, id: i64, state: &str, response: &str, at: i64) -> Result<()> {
        const SQL: &str =
            "UPDATE refunds SET state = $2, response = $3, updated_at = $4 WHERE id = $1";
        on_pool!(self, p => sqlx::query(SQL).bind(id).bind(state).bind(response).bind(at)
            .execute(p).await.map(|_| ()))?;
        Ok(())
    }

    /// A cooperative's refunds, newest first.
    pub async fn refunds_of(&self, cooperative_id: i64) -> Result<Vec<RefundRow>> {
        let sql = format!(
            "{REFUND} JOIN offers f ON f.id = o.offer_id WHERE f.cooperative_id = $1 ORDER BY r.id DESC"
        );
        Ok(on_pool!(self, p => sqlx::query_as(&sql).bind(cooperative_id).fetch_all(p).await)?)
    }

    pub async fn refunds_of_order(&self, order_id: i64) -> Result<Vec<RefundRow>> {
        let sql = format!("{REFUND} WHERE r.order_id = $1 ORDER BY r.id");
        Ok(on_pool!(self, p => sqlx::query_as(&sql).bind(order_id).fetch_all(p).await)?)
    }
}
