//! Casso's bank-account feed, webhook v2: Casso watches the cooperative's own bank account
//! and reports each incoming transfer, which is how a VietQR transfer (which carries no
//! gateway signature) gets confirmed. Facts and vector: ../shared/research/payments.md §3.2.
//!
//! `X-Casso-Signature: t=<unix ms>,v1=<hex>`; the signed message is `t` + `.` + the whole
//! body as compact JSON with every object's keys sorted, HMAC-SHA512 with the webhook's
//! secure key. Casso signs a send time, so a stale call is refused.

use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use sha2::Sha512;

/// How old a signed call may be. Casso publishes no figure (research §6.2); this is
/// Stripe's and SePay's, and the one place to change it.
pub const TOLERANCE_MS: i64 = 5 * 60 * 1000;

/// An incoming transfer Casso reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer {
    /// Casso's id for the transaction: what makes a report unique.
    pub id: String,
    /// The bank's reference.
    pub reference: String,
    /// The memo, where the payer's bank put the payment code.
    pub description: String,
    /// VND, an integer (never read through a float).
    pub amount: i64,
    pub account_number: String,
}

/// Why a call was refused (logged; Casso only sees the status).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Malformed,
    Signature,
    Stale,
}

/// `value` as compact JSON with sorted keys; `ascii` escapes non-ASCII as `\uXXXX` (what
/// Python's and PHP's encoders do by default; Casso does not say which form it signs).
fn canonical(value: &Value, ascii: bool, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                string(k, ascii, out);
                out.push(':');
                canonical(&map[k], ascii, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical(v, ascii, out);
            }
            out.push(']');
        }
        Value::String(s) => string(s, ascii, out),
        other => out.push_str(&other.to_string()),
    }
}

fn string(s: &str, ascii: bool, out: &mut String) {
    let json = Value::String(s.to_owned()).to_string();
    if !ascii {
        out.push_str(&json);
        return;
    }
    for c in json.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{u:04x}"));
            }
        }
    }
}

fn mac(secret: &SecretString, t: &str, body: &str) -> Hmac<Sha512> {
    let mut m = Hmac::<Sha512>::new_from_slice(secret.expose_secret().as_bytes())
        .expect("HMAC takes keys of any length");
    m.update(t.as_bytes());
    m.update(b".");
    m.update(body.as_bytes());
    m
}

/// The header a correct sender would attach (the sandbox and tests send it).
pub fn signature_header(secret: &SecretString, t_ms: i64, body: &Value) -> String {
    let mut json = String::new();
    canonical(body, false, &mut json);
    let tag = mac(secret, &t_ms.to_string(), &json)
        .finalize()
        .into_bytes();
    format!("t={t_ms},v1={}", data_encoding::HEXLOWER.encode(&tag))
}

/// Checks a call and reads its transfer.
pub fn verify(
    secret: &SecretString,
    header: &str,
    body: &[u8],
    now_ms: i64,
) -> Result<Transfer, Refusal> {
    let mut t = None;
    let mut v1 = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) => t = Some(value.to_owned()),
            Some(("v1", value)) => v1.push(value.to_owned()),
            _ => {}
        }
    }
    let t = t.ok_or(Refusal::Malformed)?;
    let sent: i64 = t.parse().map_err(|_| Refusal::Malformed)?;
    let value: Value = serde_json::from_slice(body).map_err(|_| Refusal::Malformed)?;
    let signed = [false, true].iter().any(|&ascii| {
        let mut json = String::new();
        canonical(&value, ascii, &mut json);
        v1.iter().any(|hex| {
            data_encoding::HEXLOWER_PERMISSIVE
                .decode(hex.as_bytes())
                .is_ok_and(|tag| mac(secret, &t, &json).verify_slice(&tag).is_ok())
        })
    });
    if !signed {
        return Err(Refusal::Signature);
    }
    // After the signature: an unsigned time says nothing.
    if (now_ms - sent).abs() > TOLERANCE_MS {
        return Err(Refusal::Stale);
    }
    let data = &value["data"];
    let text = |k: &str| data[k].as_str().map(str::to_owned);
    let id = match &data["id"] {
        Value::Number(n) => n.as_i64().map(|n| n.to_string()),
        Value::String(s) => Some(s.clone()),
        _ => None,
    };
    Ok(Transfer {
        id: id.ok_or(Refusal::Malformed)?,
        reference: text("reference").unwrap_or_default(),
        description: text("description").ok_or(Refusal::Malformed)?,
        amount: data["amount"].as_i64().ok_or(Refusal::Malformed)?,
        account_number: text("accountNumber").unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Research vector 9: CassoHQ/casso-webhook-v2-verify-signature, `python.py`.
    const BODY: &str = r#"{"error":0,"data":{"id":0,"reference":"MA_GIAO_DICH_THU_NGHIEM","description":"giao dich thu nghiem","amount":599000,"runningBalance":25000000,"transactionDateTime":"2024-10-03 15:06:37","accountNumber":"88888888","bankName":"VPBank","bankAbbreviation":"VPB","virtualAccountNumber":"","virtualAccountName":"","counterAccountName":"NGUYEN VAN A","counterAccountNumber":"8888888888","counterAccountBankId":"970415","counterAccountBankName":"VietinBank"}}"#;
    const HEADER: &str = "t=1727948258788,v1=ed0a4bd2e826d5cb69988cdb141e6c1a080e21f3b57eb72cd78192220042b9e7dde0868fc667faea8e224900fa7904e7c88dfa098032fb2d6b6996856e8b7ff3";
    const T: i64 = 1_727_948_258_788;

    fn key() -> SecretString {
        SecretString::from(
            "mgExMrjj4i7a1p8Cs6LmFbpCd8lbw4sSX4LZXPag7TKazeIogtR90tvWYTkwQbvs".to_owned(),
        )
    }

    #[test]
    fn the_published_vector_verifies_and_reads() {
        let t = verify(&key(), HEADER, BODY.as_bytes(), T + 1_000).unwrap();
        assert_eq!(
            (t.id.as_str(), t.amount, t.description.as_str()),
            ("0", 599_000, "giao dich thu nghiem")
        );
        let value: Value = serde_json::from_str(BODY).unwrap();
        assert_eq!(signature_header(&key(), T, &value), HEADER);
    }

    #[test]
    fn forged_changed_stale_and_malformed_calls_are_refused() {
        let richer = BODY.replace("599000", "5990000");
        assert_eq!(
            verify(&key(), HEADER, richer.as_bytes(), T),
            Err(Refusal::Signature)
        );
        let other = SecretString::from("another key".to_owned());
        assert_eq!(
            verify(&other, HEADER, BODY.as_bytes(), T),
            Err(Refusal::Signature)
        );
        assert_eq!(
            verify(&key(), HEADER, BODY.as_bytes(), T + TOLERANCE_MS + 1),
            Err(Refusal::Stale)
        );
        assert_eq!(
            verify(&key(), "v1=00", BODY.as_bytes(), T),
            Err(Refusal::Malformed)
        );
        assert_eq!(
            verify(&key(), HEADER, b"not json", T),
            Err(Refusal::Malformed)
        );
        // Key order and spacing on the wire do not matter: the signature is over the sorted form.
        let spaced = BODY.replace(",\"", ", \"");
        assert!(verify(&key(), HEADER, spaced.as_bytes(), T).is_ok());
    }

    #[test]
    fn non_ascii_is_signed_either_way_casso_might_encode_it() {
        let body = serde_json::json!({"error": 0, "data": {"id": 7, "description": "GOC12345 nhận nuôi", "amount": 5_500_000}});
        let raw = signature_header(&key(), T, &body);
        assert!(verify(&key(), &raw, body.to_string().as_bytes(), T).is_ok());
        let mut ascii = String::new();
        canonical(&body, true, &mut ascii);
        assert!(ascii.contains("nh\\u1eadn nu\\u00f4i"));
        let tag = mac(&key(), &T.to_string(), &ascii).finalize().into_bytes();
        let escaped = format!("t={T},v1={}", data_encoding::HEXLOWER.encode(&tag));
        assert_eq!(
            verify(&key(), &escaped, body.to_string().as_bytes(), T)
                .unwrap()
                .amount,
            5_500_000
        );
    }
}
