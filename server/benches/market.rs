//! The marketplace's performance, on SQLite and PostgreSQL, each figure against a baseline
//! measured in the same run:
//! - checkout under load: 200 buyers at once on one popular offer, round after round;
//!   hold attempts per second and the p99 latency of one attempt (each round: exactly one
//!   hold, checked);
//! - VNPay reports handled per second (signature, idempotency, state change, the adoption
//!   appended to the ledger, one durable commit each) against the signature check alone
//!   (goal ≥ 0.3), and replays (signature and idempotency, nothing written but the record).
//!
//! Run: `cargo bench -p server --bench market` (PostgreSQL at GOC_TEST_POSTGRES or
//! postgres://postgres@127.0.0.1:5432).

#[path = "common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use secrecy::SecretString;
use server::access::Actor;
use server::cooperatives::{self, NewCooperative};
use server::market::{self, NewOffer};
use server::payments::{providers, vnpay};
use server::store::{Applied, Hold, UserInsert};
use server::trees::{self, NewTree};
use server::zones::{self, NewZone};
use server::Services;

const CROWD: usize = 200;
const ROUNDS: usize = 10;
const REPORTS: usize = 300;

/// A cooperative with `trees` trees, each with an offer; the offers' ids.
async fn setup(s: &Services, trees: usize) -> Vec<i64> {
    let system = Actor::system();
    let new = NewCooperative::parse(
        "NA-LH",
        "HTX",
        ("Thái Nguyên", "Võ Nhai", "La Hiên"),
        "",
        None,
    )
    .unwrap();
    cooperatives::create(&s.store, &s.sealer, &s.origin_prefix, &system, new)
        .await
        .unwrap();
    let c = cooperatives::by_code(&s.store, "NA-LH").await.unwrap();
    zones::create(
        &s.store,
        &system,
        &c,
        NewZone::parse(None, "Đồi", &["na"], 2.0, 1).unwrap(),
    )
    .await
    .unwrap();
    let z = s.store.zones_of(c.id).await.unwrap().remove(0);
    let offer = NewOffer::parse(
        "2027-03-01",
        "2027-10-31",
        6_000_000,
        (35.0, 50.0),
        25.0,
        &["care"],
        1,
        false,
        0,
    )
    .unwrap();
    let mut ids = Vec::new();
    for n in 0..trees {
        let code = format!("CC{n:04}");
        let tree = NewTree::parse(&code, "custard_apple", "Na dai", "2019-04-12", None).unwrap();
        trees::create(&s.store, &s.sealer, &system, &c, &z, tree)
            .await
            .unwrap();
        ids.push(
            market::publish(s, &system, &c, &code, &offer)
                .await
                .unwrap(),
        );
    }
    ids
}

async fn buyers(s: &Services, n: usize) -> Vec<Actor> {
    let mut out = Vec::new();
    for i in 0..n {
        let id = s
            .store
            .insert_user(&UserInsert {
                phone: Some(format!("+8491{i:07}")),
                email: None,
                name: format!("Người mua {i}"),
                password_hash: "not used".into(),
                created_at: 0,
            })
            .await
            .unwrap();
        out.push(Actor {
            user_id: id,
            name: String::new(),
            is_admin: false,
            memberships: Vec::new(),
        });
    }
    out
}

fn p99(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[(v.len() * 99).div_ceil(100).saturating_sub(1)]
}

async fn checkout(engine: &str, s: &Services, offers: &[i64], crowd: &[Actor]) {
    let mut latencies = Vec::new();
    let start = Instant::now();
    for &offer in &offers[..ROUNDS] {
        let tasks: Vec<_> = crowd
            .iter()
            .cloned()
            .map(|b| {
                let s = s.clone();
                tokio::spawn(async move {
                    let t = Instant::now();
                    let h = market::hold(&s, &b, offer).await.unwrap();
                    (t.elapsed(), matches!(h, Hold::Held(_)))
                })
            })
            .collect();
        let mut held = 0;
        for t in tasks {
            let (d, won) = t.await.unwrap();
            latencies.push(d);
            held += usize::from(won);
        }
        assert_eq!(held, 1, "one hold per offer");
    }
    let attempts = latencies.len() as f64;
    println!(
        "{engine}: checkout, {CROWD} buyers at once × {ROUNDS} offers: {:.0} hold attempts/s, p99 {:.1} ms (one hold per offer)",
        attempts / start.elapsed().as_secs_f64(),
        p99(latencies).as_secs_f64() * 1e3
    );
}

/// A VNPay report for `code`, signed with `secret`.
fn report(secret: &SecretString, code: &str, transaction: usize) -> Vec<(String, String)> {
    let mut p: Vec<(String, String)> = [
        ("vnp_Amount", "600000000".to_owned()),
        ("vnp_BankCode", "NCB".into()),
        ("vnp_OrderInfo", format!("Nhan nuoi cay {code}")),
        ("vnp_PayDate", "20261202150000".into()),
        ("vnp_ResponseCode", "00".into()),
        ("vnp_TmnCode", "GOCBENCH".into()),
        ("vnp_TransactionNo", transaction.to_string()),
        ("vnp_TransactionStatus", "00".into()),
        ("vnp_TxnRef", code.into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let hash = vnpay::sign(secret, &p);
    p.push(("vnp_SecureHash".into(), hash));
    p
}

async fn reports(engine: &str, s: &Services, offers: &[i64], crowd: &[Actor]) {
    let secret = SecretString::from("bench-vnpay-secret".to_owned());
    // One held order per offer, to be paid.
    let mut codes = Vec::new();
    for (i, &offer) in offers[ROUNDS..ROUNDS + REPORTS].iter().enumerate() {
        match market::hold(s, &crowd[i % crowd.len()], offer)
            .await
            .unwrap()
        {
            Hold::Held(o) => codes.push(o.code),
            Hold::Taken => unreachable!(),
        }
    }
    let coop = cooperatives::by_code(&s.store, "NA-LH").await.unwrap();
    let gateway = vnpay::SANDBOX_PAY_URL;
    providers::set_vnpay(
        s,
        &Actor::system(),
        &coop,
        "GOCBENCH",
        "bench-vnpay-secret",
        gateway,
    )
    .await
    .unwrap();
    let signed: Vec<_> = codes
        .iter()
        .enumerate()
        .map(|(i, c)| report(&secret, c, i))
        .collect();
    let check = |p: &[(String, String)]| vnpay::outcome(&secret, p).expect("signed");

    let start = Instant::now();
    for p in &signed {
        std::hint::black_box(check(p));
    }
    let signature_only = REPORTS as f64 / start.elapsed().as_secs_f64();

    // As the IPN endpoint does: the terminal (and its sealed secret) by its code first.
    let handle = |p: Vec<(String, String)>| async move {
        let (_, t) = providers::vnpay_terminal(s, "GOCBENCH")
            .await
            .unwrap()
            .unwrap();
        let o = vnpay::outcome(&t.secret, &p).expect("signed");
        let reference = format!("{}:{}", o.transaction_no, o.txn_ref);
        market::settle(
            s,
            "vnpay",
            &reference,
            &o.txn_ref,
            o.amount_vnd,
            o.paid(),
            "bench",
        )
        .await
        .unwrap()
    };
    let start = Instant::now();
    for p in &signed {
        assert_eq!(handle(p.clone()).await, Some(Applied::Confirmed));
    }
    let handled = REPORTS as f64 / start.elapsed().as_secs_f64();
    let start = Instant::now();
    for p in &signed {
        assert_eq!(handle(p.clone()).await, Some(Applied::Replayed));
    }
    let replayed = REPORTS as f64 / start.elapsed().as_secs_f64();
    println!(
        "{engine}: VNPay reports handled {handled:.0}/s (replays {replayed:.0}/s), the signature check alone {signature_only:.0}/s: ratio {:.4} (goal ≥ 0.3)",
        handled / signature_only
    );
}

async fn run(engine: &str, url: &str, dir: &std::path::Path) {
    let s = common::services(url, "market bench", dir).await;
    let offers = setup(&s, ROUNDS + REPORTS).await;
    let crowd = buyers(&s, CROWD).await;
    checkout(engine, &s, &offers, &crowd).await;
    reports(engine, &s, &offers, &crowd).await;
    s.store.close().await;
}

#[tokio::main]
async fn main() {
    let dir = common::scratch("market");
    run("SQLite", &format!("sqlite://{}/m.db", dir.display()), &dir).await;
    run(
        "PostgreSQL",
        &common::postgres("goc_bench_market", false),
        &dir,
    )
    .await;
    let _ = std::fs::remove_dir_all(&dir);
}
