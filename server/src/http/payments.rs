//! Checkout and the payment providers' calls:
//! - `POST /api/v1/offers/{id}/hold`: a signed-in buyer holds a tree and gets the ways to
//!   pay (a VNPay pay URL, a VietQR payload);
//! - `GET /api/v1/orders/{code}`: the buyer's order, as it stands;
//! - `GET|POST /api/v1/payments/vnpay/ipn`: VNPay's server-to-server report (research
//!   §1.4), answered with VNPay's RspCodes;
//! - `GET /payments/vnpay/return`: the buyer back from VNPay; display only, never proof;
//! - `POST /api/v1/payments/casso/{coop}`: Casso's bank-feed webhook for VietQR transfers;
//!
//! The provider routes are exempt from CSRF (`csrf::is_webhook`): their callers are other
//! servers, authenticated by the signatures checked here.

use axum::extract::{DefaultBodyLimit, Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::access::signed_in;
use crate::clock::now_ms;
use crate::error::{Error, Result};
use crate::http::session;
use crate::market;
use crate::payments::providers;
use crate::payments::{casso, vnpay};
use crate::services::Services;
use crate::store::{Applied, Hold, OrderRow};

pub const IPN_PATH: &str = "/api/v1/payments/vnpay/ipn";
pub const RETURN_PATH: &str = "/payments/vnpay/return";

/// The most a provider's call may carry: VNPay's IPN and Casso's transfer are under a
/// kilobyte, and anyone may call these routes.
const MAX_HOOK_BODY: usize = 64 * 1024;
/// The most of a call kept on record: refused calls are recorded too, and no one must be
/// able to fill the disk with them.
const RECORD_KEPT: usize = 8 * 1024;

pub fn router() -> Router<Services> {
    Router::new()
        .route("/api/v1/trees/{coop}/{tree}/offers", get(tree_offers))
        .route(
            "/api/v1/coops/{coop}/payments/{provider}",
            put(set_provider),
        )
        .route("/api/v1/coops/{coop}/offers", post(publish_offers))
        .route("/api/v1/coops/{coop}/orders", get(sales))
        .route("/api/v1/coops/{coop}/orders.csv", get(sales_csv))
        .route(
            "/api/v1/coops/{coop}/orders/{code}/settle",
            post(settle_harvest),
        )
        .route("/api/v1/coops/{coop}/care-requests", get(care_requests))
        .route(
            "/api/v1/coops/{coop}/care-requests/{id}/answer",
            post(answer_care),
        )
        .route("/api/v1/orders/{code}/care-requests", post(request_care))
        .route("/api/v1/offers/{id}/hold", post(hold))
        .route("/api/v1/orders/{code}", get(order))
        .route("/certificates/{adoption}/pdf", get(certificate_pdf))
        .route(
            IPN_PATH,
            get(vnpay_ipn)
                .post(vnpay_ipn)
                .layer(DefaultBodyLimit::max(MAX_HOOK_BODY)),
        )
        .route(RETURN_PATH, get(vnpay_return))
        .route(
            "/api/v1/payments/casso/{coop}",
            post(casso_webhook).layer(DefaultBodyLimit::max(MAX_HOOK_BODY)),
        )
}

/// The buyer's address for VNPay's `vnp_IpAddr`: the first hop a reverse proxy names.
pub fn buyer_ip(headers: &HeaderMap) -> String {
    headers
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(|ip| ip.trim().to_owned())
        .filter(|ip| ip.parse::<std::net::IpAddr>().is_ok())
        .unwrap_or_else(|| "127.0.0.1".into())
}

/// An adoption offer as other shops show it.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct OfferView {
    pub id: i64,
    pub season: String,
    /// YYYY-MM-DD.
    pub starts_on: String,
    pub ends_on: String,
    pub price_vnd: i64,
    /// The expected harvest, kg: low and high.
    pub expected_kg: (f64, f64),
    pub guaranteed_kg: f64,
    /// What the care includes (care, photos, visit, delivery…).
    pub includes: Vec<String>,
    pub deliveries: i64,
    /// What happens below the guarantee: credit or refund.
    pub shortfall_policy: String,
    pub shortfall_vnd_per_kg: i64,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Offers {
    pub offers: Vec<OfferView>,
}

/// A tree's offers, for anyone: what the tree page and other shops show.
#[utoipa::path(get, path = "/api/v1/trees/{coop}/{tree}/offers", tag = "market",
    params(("coop" = String, Path, description = "The cooperative's code", example = "NA-LH"), ("tree" = String, Path, description = "The tree's code", example = "CC001")),
    responses((status = 200, description = "The tree's offers, newest season first", body = Offers), super::openapi::PublicRefusals))]
async fn tree_offers(
    State(s): State<Services>,
    Path((coop, tree)): Path<(String, String)>,
) -> Result<Response> {
    let coop = s
        .store
        .cooperative_by_code(&coop)
        .await?
        .ok_or(Error::NotFound("cooperative"))?;
    let offers = s.store.offers_of_tree(coop.id, &tree).await?;
    let offers = offers
        .iter()
        .map(|o| OfferView {
            id: o.id,
            season: o.season.clone(),
            starts_on: o.starts_on.clone(),
            ends_on: o.ends_on.clone(),
            price_vnd: o.price_vnd,
            expected_kg: (
                o.expected_min_g as f64 / 1000.0,
                o.expected_max_g as f64 / 1000.0,
            ),
            guaranteed_kg: o.guaranteed_g as f64 / 1000.0,
            includes: o.included(),
            deliveries: o.deliveries,
            shortfall_policy: o.shortfall_policy.clone(),
            shortfall_vnd_per_kg: o.shortfall_vnd_per_kg,
        })
        .collect();
    Ok(Json(Offers { offers }).into_response())
}

/// An offer for a selection of trees, as a manager's tool sends it. The price is given,
/// or derived from the expected harvest at a price per kg plus the care.
#[derive(serde::Deserialize)]
struct OfferForm {
    #[serde(default)]
    trees: Vec<String>,
    zone_id: Option<i64>,
    species: Option<String>,
    starts_on: String,
    ends_on: String,
    price_vnd: Option<i64>,
    vnd_per_kg: Option<i64>,
    #[serde(default)]
    care_vnd: i64,
    expected_kg: (f64, f64),
    guaranteed_kg: f64,
    includes: Vec<String>,
    deliveries: i64,
    shortfall_policy: String,
    shortfall_vnd_per_kg: i64,
}

async fn publish_offers(
    State(s): State<Services>,
    Path(coop): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response> {
    let (actor, coop) = session::coop_for(&s, &headers, &coop, crate::access::Action::Sell).await?;
    let actor = &actor;
    let f: OfferForm = json_body(&body)?;
    let price = match (f.price_vnd, f.vnd_per_kg) {
        (Some(p), _) => p,
        (None, Some(per_kg)) => market::derived_price(f.expected_kg, per_kg, f.care_vnd),
        (None, None) => {
            return Err(Error::invalid(
                "Hãy nhập giá, hoặc giá mỗi kg để tính giá",
                "Give a price, or a price per kg to derive it from",
            ))
        }
    };
    let refund = match f.shortfall_policy.as_str() {
        "refund" => true,
        "credit" => false,
        _ => {
            return Err(Error::invalid(
                "Chính sách khi thu hoạch thiếu: hoàn tiền (refund) hoặc tín dụng (credit)",
                "The short-harvest policy is refund or credit",
            ))
        }
    };
    let includes: Vec<&str> = f.includes.iter().map(String::as_str).collect();
    let offer = market::NewOffer::parse(
        &f.starts_on,
        &f.ends_on,
        price,
        f.expected_kg,
        f.guaranteed_kg,
        &includes,
        f.deliveries,
        refund,
        f.shortfall_vnd_per_kg,
    )?;
    let selection = crate::labels::Selection {
        zone_id: f.zone_id,
        species: f.species,
        codes: f.trees,
        ..Default::default()
    };
    let published = market::publish_selected(&s, actor, &coop, &selection, &offer).await?;
    Ok((StatusCode::CREATED, Json(json!(published))).into_response())
}

async fn sales_of(
    s: &Services,
    coop: &str,
    headers: &HeaderMap,
) -> Result<Vec<crate::store::SaleRow>> {
    let actor = session::actor(s, headers).await?;
    let actor = signed_in(actor.as_ref())?;
    let coop = s
        .store
        .cooperative_by_code(coop)
        .await?
        .ok_or(Error::NotFound("cooperative"))?;
    market::sales(s, actor, &coop).await
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Sales {
    /// Newest first.
    pub orders: Vec<crate::store::SaleRow>,
}

/// Every order of the cooperative, with its buyer, payment, harvest choice, kg shipped and
/// VND refunded: what its accounting reads.
#[utoipa::path(get, path = "/api/v1/coops/{coop}/orders", tag = "market",
    params(("coop" = String, Path, description = "The cooperative's code", example = "NA-LH")), security(("session" = []), ("token" = [])),
    responses((status = 200, description = "The orders", body = Sales), super::openapi::Refusals))]
async fn sales(
    State(s): State<Services>,
    Path(coop): Path<String>,
    headers: HeaderMap,
) -> Result<Response> {
    let orders = sales_of(&s, &coop, &headers).await?;
    Ok(Json(Sales { orders }).into_response())
}

/// The orders as a spreadsheet.
#[utoipa::path(get, path = "/api/v1/coops/{coop}/orders.csv", tag = "market",
    params(("coop" = String, Path, description = "The cooperative's code", example = "NA-LH")), security(("session" = []), ("token" = [])),
    responses((status = 200, description = "One row per order, UTF-8 with a byte-order mark", body = String, content_type = "text/csv"), super::openapi::Refusals))]
async fn sales_csv(
    State(s): State<Services>,
    Path(coop): Path<String>,
    headers: HeaderMap,
) -> Result<Response> {
    let rows = sales_of(&s, &coop, &headers).await?;
    Ok(super::download(
        "text/csv; charset=utf-8",
        &format!("don-nhan-nuoi-{coop}.csv"),
        market::sales_csv(&rows)?,
    ))
}

/// The season is over: settle an adoption's harvest against its guarantee.
async fn settle_harvest(
    State(s): State<Services>,
    Path((coop, code)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response> {
    let (actor, coop) = session::coop_for(&s, &headers, &coop, crate::access::Action::Sell).await?;
    let row = market::settle_harvest(&s, &actor, &coop, &code).await?;
    Ok((StatusCode::CREATED, Json(json!(row))).into_response())
}

#[derive(serde::Deserialize)]
struct TextForm {
    text: String,
}

async fn request_care(
    State(s): State<Services>,
    Path(code): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response> {
    let actor = session::actor(&s, &headers).await?;
    let actor = signed_in(actor.as_ref())?;
    let f: TextForm = json_body(&body)?;
    let id = market::request_care(&s, actor, &code, &f.text).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))).into_response())
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct CareRequests {
    pub requests: Vec<crate::store::CareRequestRow>,
}

/// What adopters asked the cooperative's farmers, and the answers.
#[utoipa::path(get, path = "/api/v1/coops/{coop}/care-requests", tag = "market",
    params(("coop" = String, Path, description = "The cooperative's code", example = "NA-LH")), security(("session" = []), ("token" = [])),
    responses((status = 200, description = "The care requests", body = CareRequests), super::openapi::Refusals))]
async fn care_requests(
    State(s): State<Services>,
    Path(coop): Path<String>,
    headers: HeaderMap,
) -> Result<Response> {
    let actor = session::actor(&s, &headers).await?;
    let actor = signed_in(actor.as_ref())?;
    let coop = s
        .store
        .cooperative_by_code(&coop)
        .await?
        .ok_or(Error::NotFound("cooperative"))?;
    let requests = market::care_requests(&s, actor, &coop).await?;
    Ok(Json(CareRequests { requests }).into_response())
}

async fn answer_care(
    State(s): State<Services>,
    Path((coop, id)): Path<(String, i64)>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response> {
    let (actor, coop) = session::coop_for(&s, &headers, &coop, crate::access::Action::Sell).await?;
    let actor = &actor;
    let f: TextForm = json_body(&body)?;
    market::answer_care(&s, actor, &coop, id, &f.text).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(serde::Deserialize)]
struct VnpayForm {
    tmn_code: String,
    secret: String,
    pay_url: String,
}

#[derive(serde::Deserialize)]
struct VietQrForm {
    bin: String,
    account: String,
    name: String,
    casso_key: String,
}

/// The signed-in person's cooperative, once they may do `action` in it: checked before a
/// request's body is read, so a refusal tells nothing about what the body should hold.
fn json_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T> {
    serde_json::from_slice(body).map_err(|e| {
        Error::BadRequest(crate::error::Text::new(
            format!("Yêu cầu không đúng định dạng: {e}"),
            format!("The request is malformed: {e}"),
        ))
    })
}

/// Sets one of the cooperative's providers: `vnpay` (terminal) or `vietqr` (bank account).
async fn set_provider(
    State(s): State<Services>,
    Path((coop, provider)): Path<(String, String)>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response> {
    let action = crate::access::Action::ManageCooperative;
    let (actor, coop) = session::coop_for(&s, &headers, &coop, action).await?;
    match provider.as_str() {
        "vnpay" => {
            let f: VnpayForm = json_body(&body)?;
            providers::set_vnpay(&s, &actor, &coop, &f.tmn_code, &f.secret, &f.pay_url).await?;
        }
        "vietqr" => {
            let f: VietQrForm = json_body(&body)?;
            providers::set_vietqr(&s, &actor, &coop, &f.bin, &f.account, &f.name, &f.casso_key)
                .await?;
        }
        _ => return Err(Error::NotFound("provider")),
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// An order as its buyer sees it.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct OrderView {
    pub code: String,
    /// held, paid, expired, cancelled or refund_due.
    pub state: String,
    pub amount_vnd: i64,
    /// Unix ms: a held order lapses then unless paid.
    pub held_until: i64,
    pub paid_at: Option<i64>,
    pub tree: String,
    pub season: String,
}

fn order_json(o: &OrderRow) -> Value {
    json!(OrderView {
        code: o.code.clone(),
        state: o.state.clone(),
        amount_vnd: o.amount_vnd,
        held_until: o.held_until,
        paid_at: o.paid_at,
        tree: o.tree_code.clone(),
        season: o.season.clone(),
    })
}

async fn hold(
    State(s): State<Services>,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> Result<Response> {
    let actor = session::actor(&s, &headers).await?;
    let actor = signed_in(actor.as_ref())?;
    let offer = s
        .store
        .offer_by_id(id)
        .await?
        .ok_or(Error::NotFound("offer"))?;
    let order = match market::hold(&s, actor, id).await? {
        Hold::Held(order) => *order,
        Hold::Taken => {
            return Err(Error::conflict(
                format!(
                    "Cây {} đã có người nhận nuôi, hoặc đang được giữ cho người đang thanh toán",
                    offer.tree_code
                ),
                format!(
                    "Tree {} is adopted, or held for a buyer who is paying, this season",
                    offer.tree_code
                ),
            ))
        }
    };
    let coop = s
        .store
        .cooperative_by_id(offer.cooperative_id)
        .await?
        .ok_or(Error::NotFound("cooperative"))?;
    let pay = crate::payments::checkout(
        &s,
        &coop,
        &order,
        &buyer_ip(&headers),
        crate::error::Lang::of(&headers),
    )
    .await?;
    let mut reply = order_json(&order);
    reply["vnpay_url"] = json!(pay.vnpay_url);
    reply["vietqr"] = json!(pay.vietqr);
    Ok((StatusCode::CREATED, Json(reply)).into_response())
}

/// The signed-in buyer's order, as it stands (another buyer's does not exist for them).
#[utoipa::path(get, path = "/api/v1/orders/{code}", tag = "market",
    params(("code" = String, Path, description = "The order's code")), security(("session" = []), ("token" = [])),
    responses((status = 200, description = "The order", body = OrderView), super::openapi::Refusals))]
async fn order(
    State(s): State<Services>,
    Path(code): Path<String>,
    headers: HeaderMap,
) -> Result<Response> {
    let actor = session::actor(&s, &headers).await?;
    let actor = signed_in(actor.as_ref())?;
    // Another buyer's order does not exist, as far as this buyer can tell.
    let order = s
        .store
        .order_by_code(&code)
        .await?
        .filter(|o| Some(o.buyer_id) == actor.account())
        .ok_or(Error::NotFound("order"))?;
    Ok(Json(order_json(&order)).into_response())
}

/// The printable certificate, for anyone with the link.
async fn certificate_pdf(
    State(s): State<Services>,
    Path(adoption): Path<String>,
) -> Result<Response> {
    let c = market::certificate(&s, &adoption).await?;
    let pdf = market::certificate_pdf(&s, &c).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"goc-{}-{}.pdf\"", c.tree_code, c.season),
            ),
        ],
        pdf,
    )
        .into_response())
}

pub(super) fn pairs(query: Option<&str>, body: &[u8]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .into_owned()
        .collect();
    out.extend(form_urlencoded::parse(body).into_owned());
    out
}

/// A call as text for the record: its first [`RECORD_KEPT`] bytes, invalid UTF-8 (a
/// character cut there too) and NUL (which PostgreSQL's text refuses) replaced.
fn record_of(call: &[u8]) -> String {
    String::from_utf8_lossy(&call[..call.len().min(RECORD_KEPT)]).replace('\0', "\u{FFFD}")
}

/// VNPay's report, in its order of checks: signature, order, amount, state.
async fn vnpay_ipn(
    State(s): State<Services>,
    RawQuery(query): RawQuery,
    body: axum::body::Bytes,
) -> Json<Value> {
    let params = pairs(query.as_deref(), &body);
    // The call as it came, for the record: its query, or its body when it was posted.
    let raw = match &query {
        Some(q) if !q.is_empty() => record_of(q.as_bytes()),
        _ => record_of(&body),
    };
    let reply = match ipn(&s, &params, &raw).await {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e, "VNPay IPN");
            vnpay::IpnReply::Unknown
        }
    };
    Json(reply.body())
}

async fn ipn(s: &Services, params: &[(String, String)], raw: &str) -> Result<vnpay::IpnReply> {
    use vnpay::IpnReply;
    let tmn = params
        .iter()
        .find(|(k, _)| k == "vnp_TmnCode")
        .map(|(_, v)| v.as_str())
        .unwrap_or("");
    // Checked before the terminal is looked up: a NUL in its code would reach the
    // database, and a code given twice names no one terminal.
    let terminal = if vnpay::well_formed(params) {
        providers::vnpay_terminal(s, tmn).await?
    } else {
        None
    };
    let outcome = terminal.as_ref().and_then(|t| {
        Some((
            t.cooperative_id,
            vnpay::outcome(&t.terminal.secret, params)?,
        ))
    });
    let Some((cooperative_id, o)) = outcome else {
        tracing::warn!(tmn, "VNPay report with a bad signature refused");
        s.store
            .record_payment_call("vnpay", "bad_signature", raw, now_ms())
            .await?;
        return Ok(IpnReply::InvalidSignature);
    };
    // VNPay's transaction number with our reference: what a retry repeats.
    let provider_ref = format!("{}:{}", o.transaction_no, o.txn_ref);
    let via = market::Channel {
        provider: "vnpay",
        cooperative_id,
    };
    let applied = market::settle(
        s,
        via,
        &provider_ref,
        &o.txn_ref,
        o.amount_vnd,
        o.paid(),
        raw,
    )
    .await?;
    Ok(match applied {
        None => IpnReply::OrderNotFound,
        Some(Applied::WrongAmount) => IpnReply::InvalidAmount,
        Some(Applied::Replayed | Applied::AlreadySettled) => IpnReply::AlreadyConfirmed,
        Some(Applied::Confirmed | Applied::Failed | Applied::RefundDue) => IpnReply::Confirmed,
    })
}

/// The buyer's browser back from VNPay: shows the order, whatever the parameters say;
/// only the IPN changes it.
async fn vnpay_return(RawQuery(query): RawQuery) -> Response {
    let params = pairs(query.as_deref(), b"");
    let code = params
        .iter()
        .find(|(k, _)| k == "vnp_TxnRef")
        .map(|(_, v)| v.clone())
        .filter(|c| c.len() <= 20 && c.bytes().all(|b| b.is_ascii_alphanumeric()));
    match code {
        Some(code) => Redirect::to(&format!("/orders/{code}")).into_response(),
        None => Redirect::to("/").into_response(),
    }
}

async fn casso_webhook(
    State(s): State<Services>,
    Path(coop): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response> {
    let raw = record_of(&body);
    let coop = s
        .store
        .cooperative_by_code(&coop)
        .await?
        .ok_or(Error::NotFound("cooperative"))?;
    let bank = providers::vietqr(&s, &coop)
        .await?
        .ok_or(Error::NotFound("provider"))?;
    let header = headers
        .get("x-casso-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let transfer = match casso::verify(&bank.casso_key, header, &body, now_ms()) {
        Ok(t) => t,
        Err(why) => {
            tracing::warn!(coop = %coop.code, ?why, "Casso call refused");
            s.store
                .record_payment_call("casso", &format!("{why:?}").to_lowercase(), &raw, now_ms())
                .await?;
            return Ok((StatusCode::UNAUTHORIZED, Json(json!({"success": false}))).into_response());
        }
    };
    // The payment code, wherever the payer's bank put it in the memo.
    // A code that names no order is recorded as such by the settlement.
    match find_code(&transfer.description) {
        Some(code) => {
            // A transfer's id is Casso's for the cooperative's account only: another
            // cooperative's hook may report the same number.
            let via = market::Channel {
                provider: "casso",
                cooperative_id: coop.id,
            };
            market::settle(
                &s,
                via,
                &format!("{}:{}", coop.code, transfer.id),
                &code,
                transfer.amount,
                true,
                &raw,
            )
            .await?;
        }
        None => {
            s.store
                .record_payment_call("casso", "no_order", &raw, now_ms())
                .await?
        }
    }
    // Casso retries anything but success; an unmatched transfer is for a person to see.
    Ok(Json(json!({"success": true})).into_response())
}

/// `GOC` and eight code characters, anywhere in a memo (banks add prefixes and may drop
/// spaces or change case).
fn find_code(memo: &str) -> Option<String> {
    const CODE: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    memo.to_ascii_uppercase()
        .as_bytes()
        .windows(11)
        .find(|w| w.starts_with(b"GOC") && w[3..].iter().all(|b| CODE.contains(b)))
        .map(|w| String::from_utf8_lossy(w).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_call_on_record_is_cut_to_what_is_kept_and_loses_its_nul() {
        assert_eq!(record_of(b"vnp_Amount=1\0"), "vnp_Amount=1\u{FFFD}");
        let huge = format!("a{}", "đ".repeat(40_000));
        let kept = record_of(huge.as_bytes());
        assert!(kept.len() <= RECORD_KEPT + 3, "{}", kept.len());
        // Cut inside a character: the rest of it replaced, the text still text.
        assert!(kept.starts_with("ađđ") && kept.ends_with('\u{FFFD}'));
    }

    #[test]
    fn payment_codes_are_found_wherever_banks_put_them() {
        assert_eq!(
            find_code("GOC2345ABCD cay CC001").as_deref(),
            Some("GOC2345ABCD")
        );
        assert_eq!(
            find_code("MBVCB.123.goc2345abcd.CT tu 0123").as_deref(),
            Some("GOC2345ABCD")
        );
        assert_eq!(find_code("GOC0000ABCD"), None, "0 is not a code character");
        assert_eq!(find_code("GOC2345ABC"), None, "too short");
        assert_eq!(find_code(""), None);
        assert_eq!(
            find_code("Nhận nuôi GOC2345ABCD ạ").as_deref(),
            Some("GOC2345ABCD")
        );
    }
}
