//! Money back, and asking VNPay what became of a payment. A refund goes through VNPay's
//! refund call when VNPay took the money; a transfer (VietQR, or confirmed by hand) is
//! returned by a person, and the refund says so.

use crate::access::{Action, Actor};
use crate::clock::now_ms;
use crate::error::{Error, Result};
use crate::payments::{providers, vnpay_api};
use crate::services::Services;
use crate::store::{Applied, CooperativeRow, OrderRow, RefundRow};

/// Refunds `amount_vnd` of a paid order for `reason` ("shortfall", "late_payment"),
/// once per order and reason. VNPay's answer decides whether it is done or failed.
pub async fn refund(
    s: &Services,
    order: &OrderRow,
    reason: &str,
    amount_vnd: i64,
) -> Result<RefundRow> {
    let paid = s.store.paid_event_of(order.id).await?;
    let coop = s
        .store
        .cooperative_by_id(order.cooperative_id)
        .await?
        .ok_or(Error::NotFound("cooperative"))?;
    let terminal = match &paid {
        Some((p, _)) if p == "vnpay" => providers::vnpay(s, &coop).await?,
        _ => None,
    };
    let now = now_ms();
    let mut row = RefundRow {
        id: 0,
        order_id: order.id,
        order_code: order.code.clone(),
        reason: reason.to_owned(),
        amount_vnd,
        provider: if terminal.is_some() {
            "vnpay"
        } else {
            "by_hand"
        }
        .into(),
        request_id: vnpay_api::new_request_id(),
        state: if terminal.is_some() {
            "requested"
        } else {
            "by_hand"
        }
        .into(),
        response: String::new(),
        created_at: now,
    };
    row.id = s.store.insert_refund(&row).await?;
    let Some(t) = terminal else {
        return Ok(row);
    };
    // VNPay's transaction number is the first part of the reference the IPN stored.
    let transaction_no = paid
        .and_then(|(_, r)| r)
        .and_then(|r| r.split(':').next().map(str::to_owned))
        .unwrap_or_else(|| "0".into());
    let request = vnpay_api::refund_request(
        &t,
        &row.request_id,
        &order.code,
        amount_vnd,
        amount_vnd == order.amount_vnd,
        &transaction_no,
        order.created_at,
        &coop.code,
        now,
    );
    let url = providers::vnpay_api_url(s, &t)?;
    let (state, response) =
        match vnpay_api::call(&url, &t.secret, &request, vnpay_api::REFUND_RESPONSE).await {
            Ok(a) if a.response_code == "00" => ("done", a.raw),
            Ok(a) => ("failed", a.raw),
            Err(e) => ("failed", e.to_string()),
        };
    s.store
        .update_refund(row.id, state, &response, now_ms())
        .await?;
    tracing::info!(order = %order.code, state, "VNPay refund");
    if state == "done" {
        let what = crate::notify::Telling::Refunded { amount_vnd };
        crate::notify::tell(s, order, what, &format!("refund:{}", row.id)).await?;
    }
    Ok(RefundRow {
        state: state.into(),
        response,
        ..row
    })
}

/// A manager refunds money that came after the tree was taken (an order `refund_due`).
pub async fn refund_late_payment(
    s: &Services,
    actor: &Actor,
    coop: &CooperativeRow,
    code: &str,
) -> Result<RefundRow> {
    actor.require(coop.id, Action::Sell)?;
    let order = s
        .store
        .order_by_code(code)
        .await?
        .filter(|o| o.cooperative_id == coop.id && o.state == "refund_due")
        .ok_or(Error::NotFound("order"))?;
    refund(s, &order, "late_payment", order.amount_vnd).await
}

/// Asks VNPay what became of a held or lapsed order whose report never came, and applies
/// the answer as the IPN would have (same transaction reference: a later IPN is a
/// replay). `None` if the cooperative has no VNPay terminal.
pub async fn reconcile(
    s: &Services,
    actor: &Actor,
    coop: &CooperativeRow,
    code: &str,
) -> Result<Option<Applied>> {
    actor.require(coop.id, Action::Sell)?;
    let order = s
        .store
        .order_by_code(code)
        .await?
        .filter(|o| o.cooperative_id == coop.id)
        .ok_or(Error::NotFound("order"))?;
    let Some(t) = providers::vnpay(s, coop).await? else {
        return Ok(None);
    };
    let request = vnpay_api::query_request(&t, &order.code, order.created_at, now_ms());
    let url = providers::vnpay_api_url(s, &t)?;
    let a = vnpay_api::call(&url, &t.secret, &request, &vnpay_api::QUERY_RESPONSE).await?;
    if a.response_code == "91" {
        // VNPay never saw this order: the buyer did not reach the pay page.
        return Ok(None);
    }
    if a.response_code != "00" {
        return Err(Error::Internal(format!(
            "VNPay querydr answered {}",
            a.response_code
        )));
    }
    if !a.paid() && order.state != "held" {
        return Ok(None);
    }
    let provider_ref = format!("{}:{}", a.transaction_no, order.code);
    super::settle(
        s,
        super::Channel {
            provider: "vnpay",
            cooperative_id: order.cooperative_id,
        },
        &provider_ref,
        &order.code,
        a.amount_vnd,
        a.paid(),
        &a.raw,
    )
    .await
}
