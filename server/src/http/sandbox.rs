//! On plain-http instances only, a stand-in for VNPay that speaks its protocol:
//! - `/sandbox/vnpay/vpcpay.html`: the pay page. It checks the pay URL's signature and
//!   expiry, offers Pay and Cancel (and "Pay, IPN lost", to exercise reconciliation), and
//!   reports to the IPN endpoint over HTTP with a signed request;
//! - `/sandbox/vnpay/merchant_webapi/api/transaction`: the merchant API (querydr, refund),
//!   signed requests in, signed answers out, from the payments it took.

use axum::extract::{RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde_json::{Map, Value};

use super::payments::{pairs, IPN_PATH};
use crate::clock::now_ms;
use crate::error::{Error, Result};
use crate::payments::providers::{self, SANDBOX_API_PATH, SANDBOX_PATH};
use crate::payments::{vnpay, vnpay_api};
use crate::services::Services;

pub fn router() -> Router<Services> {
    Router::new()
        .route(SANDBOX_PATH, get(sandbox_page).post(sandbox_pay))
        .route(SANDBOX_API_PATH, post(merchant_api))
}

fn sandbox_off() -> Response {
    (StatusCode::NOT_FOUND, "not found").into_response()
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The sandbox's pay page: what VNPay shows a buyer, reduced to an amount and two buttons.
async fn sandbox_page(State(s): State<Services>, RawQuery(query): RawQuery) -> Result<Response> {
    if !providers::sandbox_enabled(&s) {
        return Ok(sandbox_off());
    }
    let params = pairs(query.as_deref(), b"");
    let get = |k: &str| {
        params
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let terminal = providers::vnpay_terminal(&s, &get("vnp_TmnCode")).await?;
    let Some(t) = terminal.filter(|t| vnpay::verify(&t.terminal.secret, &params)) else {
        return Ok(sandbox_refusal(
            "Chữ ký không hợp lệ (mã 97) · Invalid signature (code 97)",
        ));
    };
    if expired(&get("vnp_ExpireDate")) {
        return Ok(sandbox_refusal(
            "Giao dịch đã hết hạn (mã 11) · The payment has expired (code 11)",
        ));
    }
    let amount: i64 = get("vnp_Amount").parse().unwrap_or(0) / 100;
    let hidden: String = params
        .iter()
        .map(|(k, v)| {
            format!(
                "<input type=hidden name=\"{}\" value=\"{}\">",
                escape(k),
                escape(v)
            )
        })
        .collect();
    let page = format!(
        "<!doctype html><html lang=vi><meta charset=utf-8><meta name=viewport content=\"width=device-width,initial-scale=1\">\
         <title>Cổng thanh toán thử · Sandbox gateway</title>\
         <style>body{{font:18px system-ui;margin:1rem auto;max-width:28rem;padding:0 1rem}}button{{font:inherit;min-height:48px;width:100%;margin:.4rem 0}}.pay{{background:#0a6b3d;color:#fff;border:0}}</style>\
         <h1>Cổng thanh toán thử</h1><p lang=en>Sandbox payment gateway: no money moves.</p>\
         <p>{merchant} · {tmn}</p><p><strong id=amount>{amount}</strong></p><p>{info}</p>\
         <form method=post>{hidden}\
         <button class=pay name=sandbox_action value=pay>Thanh toán · Pay</button>\
         <button name=sandbox_action value=cancel>Huỷ · Cancel</button>\
         <button name=sandbox_action value=pay_report_lost>Thanh toán, mất báo cáo IPN · Pay, IPN lost</button></form></html>",
        merchant = escape(&t.coop_name),
        tmn = escape(&t.terminal.tmn_code),
        amount = crate::text::vnd(amount, crate::error::Lang::Vi),
        info = escape(&get("vnp_OrderInfo")),
    );
    Ok(([(header::CACHE_CONTROL, "no-store")], Html(page)).into_response())
}

/// Whether a pay request's `vnp_ExpireDate` has passed (VNPay then refuses to take it).
fn expired(expire: &str) -> bool {
    vnpay::parse_vn_time(expire).is_none_or(|t| t < now_ms())
}

fn sandbox_refusal(text: &str) -> Response {
    let page = format!(
        "<!doctype html><meta charset=utf-8><title>Sandbox VNPay</title><p>{}</p>",
        escape(text)
    );
    (
        StatusCode::BAD_REQUEST,
        [(header::CACHE_CONTROL, "no-store")],
        Html(page),
    )
        .into_response()
}

/// The buyer pressed Pay or Cancel: report to the merchant's IPN endpoint over HTTP, as
/// VNPay does, then send the buyer to the return URL with the same signed result.
async fn sandbox_pay(
    State(s): State<Services>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response> {
    if !providers::sandbox_enabled(&s) {
        return Ok(sandbox_off());
    }
    let get = |k: &str| {
        form.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let request: Vec<(String, String)> = form
        .iter()
        .filter(|(k, _)| k.starts_with("vnp_"))
        .cloned()
        .collect();
    let Some(t) = providers::vnpay_terminal(&s, &get("vnp_TmnCode")).await? else {
        return Err(Error::NotFound("terminal"));
    };
    if !vnpay::verify(&t.terminal.secret, &request) {
        return Err(Error::invalid("Chữ ký không hợp lệ", "Invalid signature"));
    }
    if expired(&get("vnp_ExpireDate")) {
        return Ok(sandbox_refusal(
            "Giao dịch đã hết hạn (mã 11) · The payment has expired (code 11)",
        ));
    }
    let action = get("sandbox_action");
    let paid = match action.as_str() {
        "pay" | "pay_report_lost" => true,
        "cancel" => false,
        _ => {
            return Ok(sandbox_refusal(
                "Hãy chọn Thanh toán hoặc Huỷ · Choose Pay or Cancel",
            ))
        }
    };
    let code = if paid { "00" } else { "24" };
    let now = now_ms();
    let mut result: Vec<(String, String)> = [
        ("vnp_Amount", get("vnp_Amount")),
        ("vnp_BankCode", "NCB".to_owned()),
        ("vnp_CardType", "ATM".into()),
        ("vnp_OrderInfo", get("vnp_OrderInfo")),
        ("vnp_PayDate", vnpay::vn_time(now)),
        ("vnp_ResponseCode", code.into()),
        ("vnp_TmnCode", t.terminal.tmn_code.clone()),
        ("vnp_TransactionNo", (now % 100_000_000).to_string()),
        (
            "vnp_TransactionStatus",
            if paid { "00" } else { "02" }.into(),
        ),
        ("vnp_TxnRef", get("vnp_TxnRef")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let hash = vnpay::sign(&t.terminal.secret, &result);
    result.push(("vnp_SecureHash".into(), hash));
    s.sandbox
        .record(&t.terminal.tmn_code, &get("vnp_TxnRef"), &result);
    let query: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&result)
        .finish();
    let back = get("vnp_ReturnUrl");
    let to_return = (
        StatusCode::SEE_OTHER,
        [(header::LOCATION, format!("{back}?{query}"))],
    );
    if action == "pay_report_lost" {
        // A report lost on the way: only querydr will tell the merchant.
        return Ok(to_return.into_response());
    }
    let ipn = format!("{}{IPN_PATH}?{query}", s.base_url);
    // VNPay waits a bounded time for a merchant's answer; so does its stand-in, so a
    // stuck IPN endpoint cannot hold the buyer's page open.
    let reply = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(15))
        .build()
        .map(|c| c.get(&ipn))
        .map_err(|e| Error::Internal(format!("sandbox IPN client: {e}")))?
        .send()
        .await
        .map_err(|e| Error::Internal(format!("sandbox IPN call: {e}")))?;
    tracing::info!(status = %reply.status(), "sandbox reported to the IPN endpoint");
    Ok(to_return.into_response())
}

/// The sandbox's merchant API: checks the request's signature over its command's fields,
/// then answers from what the pay page took, signed as VNPay signs.
async fn merchant_api(State(s): State<Services>, body: axum::body::Bytes) -> Result<Response> {
    if !providers::sandbox_enabled(&s) {
        return Ok(sandbox_off());
    }
    let req: Map<String, Value> =
        serde_json::from_slice(&body).map_err(|_| Error::invalid("Không phải JSON", "Not JSON"))?;
    let get = |k: &str| req.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
    let Some(t) = providers::vnpay_terminal(&s, &get("vnp_TmnCode")).await? else {
        return Ok(Json(
            serde_json::json!({"vnp_ResponseCode": "02", "vnp_Message": "Invalid TmnCode"}),
        )
        .into_response());
    };
    let command = get("vnp_Command");
    let (request_fields, answer_fields): (&[&str], &[&str]) = match command.as_str() {
        "querydr" => (&vnpay_api::QUERY_REQUEST, &vnpay_api::QUERY_RESPONSE),
        "refund" => (&vnpay_api::REFUND_REQUEST, vnpay_api::REFUND_RESPONSE),
        _ => {
            return Ok(Json(
                serde_json::json!({"vnp_ResponseCode": "03", "vnp_Message": "Invalid command"}),
            )
            .into_response())
        }
    };
    let taken = s.sandbox.get(&t.terminal.tmn_code, &get("vnp_TxnRef"));
    let code = if !vnpay_api::verify(&t.terminal.secret, &req, request_fields) {
        "97"
    } else if taken.is_none() {
        "91"
    } else if command == "refund" {
        s.sandbox.refund(
            &t.terminal.tmn_code,
            &get("vnp_TxnRef"),
            &get("vnp_RequestId"),
            &get("vnp_Amount"),
        )
    } else {
        "00"
    };
    // A refused request learns its code and nothing of the payment, as at VNPay.
    let shown = taken.filter(|_| code == "00");
    let paid = |k: &str| {
        shown
            .as_ref()
            .and_then(|p| p.get(k).cloned())
            .unwrap_or_default()
    };
    let status = match (command.as_str(), code) {
        ("refund", "00") => "05".to_owned(),
        _ => paid("vnp_TransactionStatus"),
    };
    let answer = vnpay_api::answer(
        &t.terminal.secret,
        &[
            ("vnp_ResponseId", vnpay_api::new_request_id()),
            ("vnp_Command", command.clone()),
            ("vnp_ResponseCode", code.to_owned()),
            (
                "vnp_Message",
                if code == "00" { "Success" } else { "Refused" }.to_owned(),
            ),
            ("vnp_TmnCode", t.terminal.tmn_code.clone()),
            ("vnp_TxnRef", get("vnp_TxnRef")),
            (
                "vnp_Amount",
                if command == "refund" {
                    get("vnp_Amount")
                } else {
                    paid("vnp_Amount")
                },
            ),
            ("vnp_BankCode", paid("vnp_BankCode")),
            ("vnp_PayDate", paid("vnp_PayDate")),
            ("vnp_TransactionNo", paid("vnp_TransactionNo")),
            (
                "vnp_TransactionType",
                if command == "refund" {
                    get("vnp_TransactionType")
                } else {
                    "01".into()
                },
            ),
            ("vnp_TransactionStatus", status),
            ("vnp_OrderInfo", paid("vnp_OrderInfo")),
        ],
        answer_fields,
    );
    Ok(Json(answer).into_response())
}
