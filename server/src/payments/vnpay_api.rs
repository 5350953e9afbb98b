//! VNPay's merchant API (research §1.6): `querydr` asks what became of a payment (to
//! reconcile an order whose IPN never came), `refund` gives money back. Both are JSON
//! POSTs whose `vnp_SecureHash` is HMAC-SHA512 over the fields joined by `|` in a fixed
//! order, and whose answers are signed the same way. The field orders are the official
//! Node demo's; the answers' orders come from one library only (marked unverified in the
//! research), so each lives in exactly one constant here.

use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Map, Value};
use sha2::Sha512;

use super::vnpay::{vn_time, Terminal, VERSION};
use crate::error::{Error, Result};

/// The fields a querydr request signs, in order.
pub const QUERY_REQUEST: [&str; 9] = [
    "vnp_RequestId",
    "vnp_Version",
    "vnp_Command",
    "vnp_TmnCode",
    "vnp_TxnRef",
    "vnp_TransactionDate",
    "vnp_CreateDate",
    "vnp_IpAddr",
    "vnp_OrderInfo",
];
/// The fields a refund request signs, in order.
pub const REFUND_REQUEST: [&str; 13] = [
    "vnp_RequestId",
    "vnp_Version",
    "vnp_Command",
    "vnp_TmnCode",
    "vnp_TransactionType",
    "vnp_TxnRef",
    "vnp_Amount",
    "vnp_TransactionNo",
    "vnp_TransactionDate",
    "vnp_CreateBy",
    "vnp_CreateDate",
    "vnp_IpAddr",
    "vnp_OrderInfo",
];
/// The fields a querydr answer signs, in order (unverified: one library's reading).
pub const QUERY_RESPONSE: [&str; 15] = [
    "vnp_ResponseId",
    "vnp_Command",
    "vnp_ResponseCode",
    "vnp_Message",
    "vnp_TmnCode",
    "vnp_TxnRef",
    "vnp_Amount",
    "vnp_BankCode",
    "vnp_PayDate",
    "vnp_TransactionNo",
    "vnp_TransactionType",
    "vnp_TransactionStatus",
    "vnp_OrderInfo",
    "vnp_PromotionCode",
    "vnp_PromotionAmount",
];
/// The fields a refund answer signs: the querydr answer's without the promotion.
pub const REFUND_RESPONSE: &[&str] = QUERY_RESPONSE.split_at(13).0;

fn field(v: &Map<String, Value>, k: &str) -> String {
    match v.get(k) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

fn mac(secret: &SecretString, v: &Map<String, Value>, fields: &[&str]) -> Hmac<Sha512> {
    let data = fields
        .iter()
        .map(|k| field(v, k))
        .collect::<Vec<_>>()
        .join("|");
    let mut m = Hmac::<Sha512>::new_from_slice(secret.expose_secret().as_bytes())
        .expect("HMAC takes keys of any length");
    m.update(data.as_bytes());
    m
}

/// Signs `v` over `fields` into its `vnp_SecureHash`.
pub fn sign(secret: &SecretString, v: &mut Map<String, Value>, fields: &[&str]) {
    let hash = data_encoding::HEXLOWER.encode(&mac(secret, v, fields).finalize().into_bytes());
    v.insert("vnp_SecureHash".into(), Value::String(hash));
}

/// Whether `v`'s `vnp_SecureHash` is the HMAC over `fields`, compared in constant time.
pub fn verify(secret: &SecretString, v: &Map<String, Value>, fields: &[&str]) -> bool {
    let given = field(v, "vnp_SecureHash");
    let Ok(given) = data_encoding::HEXLOWER_PERMISSIVE.decode(given.as_bytes()) else {
        return false;
    };
    mac(secret, v, fields).verify_slice(&given).is_ok()
}

/// A request id: alphanumeric, at most 32, unique within the day.
fn request_id() -> String {
    let mut b = [0u8; 12];
    getrandom::getrandom(&mut b).expect("the operating system's randomness");
    data_encoding::HEXUPPER.encode(&b)
}

fn object(pairs: &[(&str, String)]) -> Map<String, Value> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), Value::String(v.clone())))
        .collect()
}

/// A querydr request for our order `txn_ref`, first offered for payment at `created_ms`.
pub fn query_request(
    t: &Terminal,
    txn_ref: &str,
    created_ms: i64,
    now_ms: i64,
) -> Map<String, Value> {
    let mut v = object(&[
        ("vnp_RequestId", request_id()),
        ("vnp_Version", VERSION.into()),
        ("vnp_Command", "querydr".into()),
        ("vnp_TmnCode", t.tmn_code.clone()),
        ("vnp_TxnRef", txn_ref.into()),
        ("vnp_OrderInfo", format!("Doi soat {txn_ref}")),
        ("vnp_TransactionDate", vn_time(created_ms)),
        ("vnp_CreateDate", vn_time(now_ms)),
        ("vnp_IpAddr", "127.0.0.1".into()),
    ]);
    sign(&t.secret, &mut v, &QUERY_REQUEST);
    v
}

/// A refund of `amount_vnd` of our paid order `txn_ref` (VNPay's transaction
/// `transaction_no`), whole (`02`) or partial (`03`), asked by `by`.
#[allow(clippy::too_many_arguments)]
pub fn refund_request(
    t: &Terminal,
    request_id: &str,
    txn_ref: &str,
    amount_vnd: i64,
    whole: bool,
    transaction_no: &str,
    created_ms: i64,
    by: &str,
    now_ms: i64,
) -> Map<String, Value> {
    let mut v = object(&[
        ("vnp_RequestId", request_id.into()),
        ("vnp_Version", VERSION.into()),
        ("vnp_Command", "refund".into()),
        ("vnp_TmnCode", t.tmn_code.clone()),
        (
            "vnp_TransactionType",
            if whole { "02" } else { "03" }.into(),
        ),
        ("vnp_TxnRef", txn_ref.into()),
        ("vnp_Amount", (amount_vnd * 100).to_string()),
        ("vnp_TransactionNo", transaction_no.into()),
        ("vnp_TransactionDate", vn_time(created_ms)),
        ("vnp_CreateBy", by.into()),
        ("vnp_CreateDate", vn_time(now_ms)),
        ("vnp_IpAddr", "127.0.0.1".into()),
        ("vnp_OrderInfo", format!("Hoan tien {txn_ref}")),
    ]);
    sign(&t.secret, &mut v, &REFUND_REQUEST);
    v
}

/// A new refund request id, kept with the refund so a retry is recognised.
pub fn new_request_id() -> String {
    request_id()
}

/// An answer of the merchant API, signature checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub response_code: String,
    pub transaction_status: String,
    pub transaction_no: String,
    pub amount_vnd: i64,
    /// The answer as received, for the record.
    pub raw: String,
}

impl Answer {
    /// A querydr answer that says the payment went through.
    pub fn paid(&self) -> bool {
        self.response_code == "00" && self.transaction_status == "00"
    }
}

/// Posts `request` to the merchant API at `url` and checks the signed answer against
/// `fields`.
pub async fn call(
    url: &str,
    secret: &SecretString,
    request: &Map<String, Value>,
    fields: &[&str],
) -> Result<Answer> {
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .map_err(|e| Error::Internal(format!("VNPay client: {e}")))?;
    let raw = client
        .post(url)
        .header("content-type", "application/json")
        .body(Value::Object(request.clone()).to_string())
        .send()
        .await
        .map_err(|e| Error::Internal(format!("VNPay merchant API: {e}")))?
        .text()
        .await
        .map_err(|e| Error::Internal(format!("VNPay merchant API: {e}")))?;
    let v: Map<String, Value> = serde_json::from_str(&raw)
        .map_err(|_| Error::Internal("VNPay answered something that is not JSON".into()))?;
    if !verify(secret, &v, fields) {
        return Err(Error::Internal("VNPay's answer has a bad signature".into()));
    }
    let amount: i64 = field(&v, "vnp_Amount").parse().unwrap_or(0);
    Ok(Answer {
        response_code: field(&v, "vnp_ResponseCode"),
        transaction_status: field(&v, "vnp_TransactionStatus"),
        transaction_no: field(&v, "vnp_TransactionNo"),
        amount_vnd: amount / 100,
        raw,
    })
}

/// A signed answer, as VNPay (or its stand-in) builds one.
pub fn answer(secret: &SecretString, pairs: &[(&str, String)], fields: &[&str]) -> Value {
    let mut v = object(pairs);
    sign(secret, &mut v, fields);
    json!(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_sign_their_fields_in_the_documented_order_and_tampering_shows() {
        let t = Terminal {
            tmn_code: "SBX00001".into(),
            secret: SecretString::from("SECRETSECRETSECRET".to_owned()),
            pay_url: String::new(),
        };
        let mut r = refund_request(
            &t,
            "R1",
            "GOC23456789",
            60_000,
            false,
            "14226112",
            0,
            "manager",
            0,
        );
        assert!(verify(&t.secret, &r, &REFUND_REQUEST));
        // The pipe string is what the demo builds: the fields in order, amount × 100.
        let data = REFUND_REQUEST
            .iter()
            .map(|k| field(&r, k))
            .collect::<Vec<_>>()
            .join("|");
        assert!(
            data.starts_with("R1|2.1.0|refund|SBX00001|03|GOC23456789|6000000|14226112|"),
            "{data}"
        );
        r.insert("vnp_Amount".into(), Value::String("600000000".into()));
        assert!(!verify(&t.secret, &r, &REFUND_REQUEST));
        let q = query_request(&t, "GOC23456789", 0, 0);
        assert!(verify(&t.secret, &q, &QUERY_REQUEST));
        assert!(!verify(&t.secret, &q, &REFUND_REQUEST));
    }
}
