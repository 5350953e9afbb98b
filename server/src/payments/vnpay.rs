//! VNPay payment gateway, API 2.1.0: the signed pay URL the buyer is sent to, and the
//! signed result VNPay reports twice (to our IPN endpoint, server to server, and on the
//! buyer's return). Facts and vectors: ../shared/research/payments.md §1.
//!
//! Signing (§1.3): every `vnp_*` parameter but the hash itself, empty values dropped,
//! sorted by key, each key and value form-urlencoded (space as `+`), joined `k=v&…`,
//! HMAC-SHA512 with the terminal's secret, lower-case hex. Only values made of ASCII
//! letters, digits, spaces and `-_.:` are ever sent, where every encoder VNPay's demos use
//! agrees.

use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha512;

use crate::error::Text;
use crate::error::{Error, Result};

/// VNPay's sandbox; production's URL comes with the contract (research §1.1, unverified),
/// so it is configuration, never a constant.
pub const SANDBOX_PAY_URL: &str = "https://sandbox.vnpayment.vn/paymentv2/vpcpay.html";
pub const VERSION: &str = "2.1.0";

/// A merchant terminal: its code, its hash secret and where its pay page is.
#[derive(Clone)]
pub struct Terminal {
    pub tmn_code: String,
    pub secret: SecretString,
    pub pay_url: String,
}

impl std::fmt::Debug for Terminal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Terminal({} at {})", self.tmn_code, self.pay_url)
    }
}

fn encode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// The string VNPay signs: see the module's documentation.
pub fn hash_data(params: &[(String, String)]) -> String {
    let mut signed: Vec<&(String, String)> = params
        .iter()
        .filter(|(k, v)| k.starts_with("vnp_") && !v.is_empty())
        .filter(|(k, _)| k != "vnp_SecureHash" && k != "vnp_SecureHashType")
        .collect();
    signed.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    signed
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn mac(secret: &SecretString, data: &str) -> Hmac<Sha512> {
    let mut m = Hmac::<Sha512>::new_from_slice(secret.expose_secret().as_bytes())
        .expect("HMAC takes keys of any length");
    m.update(data.as_bytes());
    m
}

/// `vnp_SecureHash` of these parameters, lower-case hex.
pub fn sign(secret: &SecretString, params: &[(String, String)]) -> String {
    data_encoding::HEXLOWER.encode(&mac(secret, &hash_data(params)).finalize().into_bytes())
}

/// Whether VNPay could have sent these parameters: each of its keys once, and no NUL.
/// The signature skips empty values, so a key given twice, the first time empty, would
/// let anyone who saw a signed report (a return URL) make it say another thing; and NUL
/// is nothing VNPay sends, which PostgreSQL's text refuses.
pub fn well_formed(params: &[(String, String)]) -> bool {
    let mut keys = std::collections::HashSet::new();
    params.iter().all(|(k, v)| {
        !k.contains('\0') && !v.contains('\0') && (!k.starts_with("vnp_") || keys.insert(k))
    })
}

/// Whether `vnp_SecureHash` among `params` is theirs, compared in constant time (hex of
/// any case, as VNPay's own demos accept), on parameters VNPay could have sent
/// ([`well_formed`]).
pub fn verify(secret: &SecretString, params: &[(String, String)]) -> bool {
    if !well_formed(params) {
        return false;
    }
    let Some((_, given)) = params.iter().find(|(k, _)| k == "vnp_SecureHash") else {
        return false;
    };
    let Ok(given) = data_encoding::HEXLOWER_PERMISSIVE.decode(given.as_bytes()) else {
        return false;
    };
    mac(secret, &hash_data(params)).verify_slice(&given).is_ok()
}

/// `yyyyMMddHHmmss` in Vietnam's time (GMT+7, no daylight saving), as VNPay wants dates.
pub fn vn_time(unix_ms: i64) -> String {
    let offset = chrono::FixedOffset::east_opt(7 * 3600).expect("a valid offset");
    chrono::DateTime::from_timestamp_millis(unix_ms)
        .unwrap_or_default()
        .with_timezone(&offset)
        .format("%Y%m%d%H%M%S")
        .to_string()
}

/// A VNPay date (`yyyyMMddHHmmss`, Vietnam's time) as unix milliseconds.
pub fn parse_vn_time(s: &str) -> Option<i64> {
    let offset = chrono::FixedOffset::east_opt(7 * 3600)?;
    chrono::NaiveDateTime::parse_from_str(s, "%Y%m%d%H%M%S")
        .ok()?
        .and_local_timezone(offset)
        .single()
        .map(|t| t.timestamp_millis())
}

/// One payment to ask VNPay for.
#[derive(Debug, Clone)]
pub struct PayRequest<'a> {
    /// Our reference for this attempt: unique within VNPay's day.
    pub txn_ref: &'a str,
    pub amount_vnd: i64,
    /// Shown to the buyer: no diacritics.
    pub order_info: &'a str,
    pub return_url: &'a str,
    pub buyer_ip: &'a str,
    pub created_ms: i64,
    pub expires_ms: i64,
    pub english: bool,
}

/// The URL to send the buyer to.
pub fn pay_url(t: &Terminal, r: &PayRequest) -> Result<String> {
    let plain = |s: &str| {
        s.chars()
            .all(|c| c.is_ascii_alphanumeric() || " -_.:".contains(c))
    };
    if !plain(r.txn_ref) || !plain(r.order_info) || r.amount_vnd <= 0 {
        return Err(Error::Internal(format!("not a VNPay-safe request: {r:?}")));
    }
    let params: Vec<(String, String)> = [
        ("vnp_Version", VERSION.to_owned()),
        ("vnp_Command", "pay".into()),
        ("vnp_TmnCode", t.tmn_code.clone()),
        // VND × 100 on the wire.
        ("vnp_Amount", (r.amount_vnd * 100).to_string()),
        ("vnp_CurrCode", "VND".into()),
        ("vnp_TxnRef", r.txn_ref.into()),
        ("vnp_OrderInfo", r.order_info.into()),
        ("vnp_OrderType", "other".into()),
        ("vnp_Locale", if r.english { "en" } else { "vn" }.into()),
        ("vnp_ReturnUrl", r.return_url.into()),
        ("vnp_IpAddr", r.buyer_ip.into()),
        ("vnp_CreateDate", vn_time(r.created_ms)),
        ("vnp_ExpireDate", vn_time(r.expires_ms)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let hash = sign(&t.secret, &params);
    let query = hash_data(&params);
    let sep = if t.pay_url.contains('?') { '&' } else { '?' };
    Ok(format!("{}{sep}{query}&vnp_SecureHash={hash}", t.pay_url))
}

/// A payment result VNPay reported, signature checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub tmn_code: String,
    pub txn_ref: String,
    /// VND (the wire's × 100 undone, exactly).
    pub amount_vnd: i64,
    /// VNPay's transaction number: with the reference, what makes a report unique.
    pub transaction_no: String,
    pub response_code: String,
    pub transaction_status: String,
    pub bank_code: String,
    pub pay_date: String,
}

impl Outcome {
    /// Paid, and only then: both codes `00` (research §1.5).
    pub fn paid(&self) -> bool {
        self.response_code == "00" && self.transaction_status == "00"
    }

    /// What the buyer is told about a payment that did not go through.
    pub fn failure_text(&self) -> Text {
        match self.response_code.as_str() {
            "24" => Text::new("Bạn đã huỷ thanh toán", "You cancelled the payment"),
            "11" => Text::new("Hết thời gian thanh toán", "The payment timed out"),
            "51" => Text::new("Tài khoản không đủ số dư", "Insufficient funds"),
            code => Text::new(
                format!("Thanh toán không thành công (VNPay mã {code})"),
                format!("The payment did not go through (VNPay code {code})"),
            ),
        }
    }
}

/// Reads a signed report (IPN or return), or `None` if its signature is not ours or a
/// field is missing or malformed.
pub fn outcome(secret: &SecretString, params: &[(String, String)]) -> Option<Outcome> {
    if !verify(secret, params) {
        return None;
    }
    let get = |k: &str| {
        params
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    };
    let wire: i64 = get("vnp_Amount")?.parse().ok()?;
    if wire % 100 != 0 || wire <= 0 {
        return None;
    }
    Some(Outcome {
        tmn_code: get("vnp_TmnCode")?,
        txn_ref: get("vnp_TxnRef")?,
        amount_vnd: wire / 100,
        transaction_no: get("vnp_TransactionNo")?,
        response_code: get("vnp_ResponseCode")?,
        transaction_status: get("vnp_TransactionStatus")
            .unwrap_or_else(|| get("vnp_ResponseCode").unwrap_or_default()),
        bank_code: get("vnp_BankCode").unwrap_or_default(),
        pay_date: get("vnp_PayDate").unwrap_or_default(),
    })
}

/// What our IPN endpoint answers, in VNPay's order of checks (research §1.4): signature,
/// order, amount, state; then success whatever the payment's result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IpnReply {
    Confirmed,
    OrderNotFound,
    AlreadyConfirmed,
    InvalidAmount,
    InvalidSignature,
    Unknown,
}

impl IpnReply {
    pub fn rsp_code(self) -> &'static str {
        match self {
            Self::Confirmed => "00",
            Self::OrderNotFound => "01",
            Self::AlreadyConfirmed => "02",
            Self::InvalidAmount => "04",
            Self::InvalidSignature => "97",
            Self::Unknown => "99",
        }
    }

    /// The body VNPay reads: `{"RspCode":"00","Message":"Confirm Success"}`.
    pub fn body(self) -> serde_json::Value {
        let message = match self {
            Self::Confirmed => "Confirm Success",
            Self::OrderNotFound => "Order not found",
            Self::AlreadyConfirmed => "Order already confirmed",
            Self::InvalidAmount => "invalid amount",
            Self::InvalidSignature => "Invalid signature",
            Self::Unknown => "Unknow error",
        };
        serde_json::json!({"RspCode": self.rsp_code(), "Message": message})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(query: &str) -> Vec<(String, String)> {
        form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect()
    }

    const RETURN: &str = "vnp_Amount=1000000&vnp_BankCode=NCB&vnp_BankTranNo=VNP14422574&vnp_CardType=ATM&vnp_OrderInfo=Thanh+toan+don+hang+2024-05-21T02%3A17%3A31.249Z&vnp_PayDate=20240521091806&vnp_ResponseCode=00&vnp_TmnCode=TEST_TMN_CODE&vnp_TransactionNo=14422574&vnp_TransactionStatus=00&vnp_TxnRef=1716257871703";

    fn secret(s: &str) -> SecretString {
        SecretString::from(s.to_owned())
    }

    #[test]
    fn published_vectors_sign_and_verify() {
        // Research vector 1: a decoded report re-encoded gives VNPay's exact hash.
        let mut p = pairs(RETURN);
        let want = "649982421beb422556a1374713c74e58e716ecbd05007c0c0e1f7effdfaf361dbf146889ca446139afe11b9954c4d5c486e99e3b86fcfab6957f29eb0be72895";
        assert_eq!(hash_data(&p), RETURN);
        assert_eq!(sign(&secret("test_secret"), &p), want);
        p.push(("vnp_SecureHash".into(), want.to_uppercase()));
        let o = outcome(&secret("test_secret"), &p).expect("upper-case hex verifies too");
        assert_eq!(
            (o.amount_vnd, o.paid(), o.txn_ref.as_str()),
            (10_000, true, "1716257871703")
        );
        assert!(outcome(&secret("other"), &p).is_none());
        // Vector 1b: response code 99.
        let p99 = pairs(&RETURN.replace("ResponseCode=00", "ResponseCode=99"));
        assert_eq!(
            sign(&secret("test_secret"), &p99),
            "503194f6d93b57b357b2d1d09742565e67e86d771352c5dca4fc8d39df3d392c6b3809add9405f97cfb9631f445e36c80656cfbf47eac67d97fa165865c13e1b"
        );
        // Vector 2: the generic HMAC.
        let p2 = pairs(
            "vnp_Amount=10000&vnp_OrderInfo=Payment+for+order+%231234567890&vnp_TnxRef=1234567890",
        );
        assert_eq!(
            sign(&secret("YOUR_SECURE_SECRET"), &p2),
            "7bb8160a5d2085a85b3267817a40ee4f770a335282f19714726e6fc6f28a64c75a1e7e9c1aa96f3cbda5ce44095088fb4cb2af66c596d2f655b0b53966312089"
        );
    }

    #[test]
    fn a_changed_field_or_a_space_as_percent_20_fails() {
        let mut p = pairs(RETURN);
        let hash = sign(&secret("test_secret"), &p);
        p.push(("vnp_SecureHash".into(), hash));
        let mut richer = p.clone();
        richer[0].1 = "99900000".into();
        assert!(outcome(&secret("test_secret"), &richer).is_none());
        // Research vector 1c: `%20` for space is another string, another hash.
        let as_percent = RETURN.replace('+', "%20");
        let h = mac(&secret("test_secret"), &as_percent)
            .finalize()
            .into_bytes();
        assert_ne!(data_encoding::HEXLOWER.encode(&h), p.last().unwrap().1);
    }

    #[test]
    fn a_key_given_twice_or_a_nul_fails_though_the_hash_matches() {
        let p = pairs(RETURN);
        let key = secret("test_secret");
        let hash = sign(&key, &p);
        let with = |extra: &[(&str, &str)]| {
            let mut q: Vec<(String, String)> = extra
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            q.extend(p.iter().cloned());
            q.push(("vnp_SecureHash".into(), hash.clone()));
            q
        };
        assert!(verify(&key, &with(&[])));
        // An empty value is not signed: the hash still matches, and the first reading of
        // the key would be the empty one.
        assert_eq!(hash_data(&with(&[("vnp_ResponseCode", "")])), hash_data(&p));
        assert!(!verify(&key, &with(&[("vnp_ResponseCode", "")])));
        assert!(outcome(&key, &with(&[("vnp_TransactionNo", "")])).is_none());
        // Keys of others may repeat; NUL may appear nowhere.
        assert!(verify(&key, &with(&[("utm", "a"), ("utm", "b")])));
        assert!(!verify(&key, &with(&[("utm", "\0")])));
    }

    #[test]
    fn the_pay_url_matches_vector_a() {
        let t = Terminal {
            tmn_code: "TEST_TMN_CODE".into(),
            secret: secret("test_secret"),
            pay_url: SANDBOX_PAY_URL.into(),
        };
        // 2026-11-25 14:30:00 +07:00 = 07:30:00 UTC.
        let created = 1_795_591_800_000;
        assert_eq!(vn_time(created), "20261125143000");
        assert_eq!(parse_vn_time("20261125143000"), Some(created));
        assert_eq!(parse_vn_time("2026-11-25"), None);
        let url = pay_url(
            &t,
            &PayRequest {
                txn_ref: "GOC12345",
                amount_vnd: 5_500_000,
                order_info: "Thanh toan nhan nuoi cay GOC12345",
                return_url: "https://example.com/vnpay/return",
                buyer_ip: "203.0.113.7",
                created_ms: created,
                expires_ms: created + 15 * 60_000,
                english: false,
            },
        )
        .unwrap();
        assert!(url.starts_with(SANDBOX_PAY_URL));
        assert!(url.contains("vnp_Amount=550000000&"));
        assert!(url.contains("vnp_ExpireDate=20261125144500&"));
        assert!(url.ends_with("&vnp_SecureHash=71226c2c6a71f9a14e22a547c392c716dc494b3ddb19cacc7bdde4ce6dcae54c7534c07199f49461c857d57ef82918f7ab5cdb6aaed048a7ed7ab95abf1a44e2"), "{url}");
    }

    #[test]
    fn ipn_replies_carry_vnpays_codes() {
        assert_eq!(IpnReply::InvalidSignature.body()["RspCode"], "97");
        assert_eq!(IpnReply::AlreadyConfirmed.body()["RspCode"], "02");
        assert_eq!(IpnReply::Confirmed.body()["Message"], "Confirm Success");
    }
}
