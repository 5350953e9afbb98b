//! What the sandbox gateway remembers of the payments it took, so its merchant API can
//! answer querydr and refund as VNPay would. In memory: the sandbox moves no money and a
//! restart forgets, as a demo may.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

#[derive(Debug, Default)]
struct Taken {
    /// The signed result the pay page reported (`vnp_*` fields).
    result: HashMap<String, String>,
    refunded_x100: i64,
    requests: HashSet<String>,
}

/// The sandbox's book of payments, by terminal and our order reference: a terminal asks
/// about and refunds only what it took, as at VNPay (anyone may configure a terminal for
/// a cooperative of their own and name another's order in it).
#[derive(Debug, Default)]
pub struct Book {
    taken: Mutex<HashMap<(String, String), Taken>>,
}

impl Book {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(String, String), Taken>> {
        // A panic elsewhere while holding the lock leaves a consistent map behind.
        self.taken.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Remembers what the pay page reported for `txn_ref` through terminal `tmn` (the
    /// last attempt counts).
    pub fn record(&self, tmn: &str, txn_ref: &str, result: &[(String, String)]) {
        self.lock().insert(
            (tmn.to_owned(), txn_ref.to_owned()),
            Taken {
                result: result.iter().cloned().collect(),
                ..Taken::default()
            },
        );
    }

    /// The reported result for `txn_ref` through terminal `tmn`, if the pay page saw it.
    pub fn get(&self, tmn: &str, txn_ref: &str) -> Option<HashMap<String, String>> {
        self.lock()
            .get(&(tmn.to_owned(), txn_ref.to_owned()))
            .map(|t| t.result.clone())
    }

    /// A refund of `amount_x100` (VND × 100): VNPay's answer code. `94` for a request id
    /// seen before, `95` when the payment did not succeed, `03` for more than is left.
    pub fn refund(
        &self,
        tmn: &str,
        txn_ref: &str,
        request_id: &str,
        amount_x100: &str,
    ) -> &'static str {
        let mut book = self.lock();
        let Some(t) = book.get_mut(&(tmn.to_owned(), txn_ref.to_owned())) else {
            return "91";
        };
        if !t.requests.insert(request_id.to_owned()) {
            return "94";
        }
        if t.result.get("vnp_ResponseCode").map(String::as_str) != Some("00") {
            return "95";
        }
        let paid: i64 = t
            .result
            .get("vnp_Amount")
            .and_then(|a| a.parse().ok())
            .unwrap_or(0);
        match amount_x100.parse::<i64>() {
            Ok(a) if a > 0 && t.refunded_x100 + a <= paid => {
                t.refunded_x100 += a;
                "00"
            }
            _ => "03",
        }
    }
}
