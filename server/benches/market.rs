//! The marketplace's performance, on SQLite and PostgreSQL, each figure against a baseline
//! measured in the same run:
//! - checkout under load: 200 buyers at once on one popular offer, round after round;
//!   hold attempts per second and the p99 latency of one attempt (each round: exactly one
//!   hold, checked);
//! - VNPay reports handled per second (signature, idempotency, state change, the adoption
//!   appended to the ledger, durable before the answer) against the signature check alone
//!   (goal ≥ 0.3): one report at a time, then from many callers at once (reports waiting
//!   share a commit), in process and over HTTP on a real port, where the baseline is a
//!   route that only checks the signature behind the same HTTP stack; replays (signature
//!   and idempotency, nothing written but the record).
//!
//! Run: `cargo bench -p server --bench market` (PostgreSQL at GOC_TEST_POSTGRES or
//! postgres://postgres@127.0.0.1:5432); `GOC_BENCH_ENGINES=sqlite` or `postgres` runs one
//! engine.

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
const REPORTS: usize = 600;
/// Reports over HTTP: more, so that the last commit's tail weighs little in the figure.
const HTTP_REPORTS: usize = 2_000;
/// Callers at once: VNPay and the bank feed retry in parallel.
const CALLERS: usize = 64;

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
                    // A buyer who won three rounds is refused a fourth hold (Conflict).
                    let won = match market::hold(&s, &b, offer).await {
                        Ok(h) => matches!(h, Hold::Held(_)),
                        Err(server::Error::Conflict(_)) => false,
                        Err(e) => panic!("{e}"),
                    };
                    (t.elapsed(), won)
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

/// Orders held on these offers, one each, to be paid; the `first`th hold of the run first
/// (each buyer holds at most three: one in each pass over the crowd).
async fn held(s: &Services, offers: &[i64], crowd: &[Actor], first: usize) -> Vec<String> {
    let mut codes = Vec::new();
    for (i, &offer) in offers.iter().enumerate() {
        match market::hold(s, &crowd[(first + i) % crowd.len()], offer)
            .await
            .unwrap()
        {
            Hold::Held(o) => codes.push(o.code),
            Hold::Taken => unreachable!(),
        }
    }
    codes
}

/// As the IPN endpoint does: the terminal (and its sealed secret) by its code, the
/// signature, then the report applied.
async fn handle(s: Services, p: Vec<(String, String)>) -> Applied {
    let t = providers::vnpay_terminal(&s, "GOCBENCH")
        .await
        .unwrap()
        .unwrap();
    let o = vnpay::outcome(&t.terminal.secret, &p).expect("signed");
    let reference = format!("{}:{}", o.transaction_no, o.txn_ref);
    let via = market::Channel {
        provider: "vnpay",
        cooperative_id: t.cooperative_id,
    };
    market::settle(
        &s,
        via,
        &reference,
        &o.txn_ref,
        o.amount_vnd,
        o.paid(),
        "bench",
    )
    .await
    .unwrap()
    .unwrap()
}

/// Runs `call` on every item from `CALLERS` callers at once (each takes the next item
/// when it is done, as a provider's retrying senders do); items per second.
async fn at_once<T, F, Fut>(items: Vec<T>, call: F) -> f64
where
    T: Send + 'static,
    F: Fn(T) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let n = items.len();
    let queue = std::sync::Arc::new(std::sync::Mutex::new(items));
    let start = Instant::now();
    let callers: Vec<_> = (0..CALLERS)
        .map(|_| {
            let (queue, call) = (queue.clone(), call.clone());
            tokio::spawn(async move {
                loop {
                    let next = queue.lock().unwrap().pop();
                    match next {
                        Some(item) => call(item).await,
                        None => break,
                    }
                }
            })
        })
        .collect();
    for c in callers {
        c.await.unwrap();
    }
    n as f64 / start.elapsed().as_secs_f64()
}

/// The IPN endpoint's own server on a real port, beside a route that only checks the
/// signature (its secret in hand) behind the same HTTP stack: the baseline over HTTP.
async fn serve(s: &Services, secret: SecretString) -> String {
    let check = move |axum::extract::RawQuery(q): axum::extract::RawQuery| {
        let secret = secret.clone();
        async move {
            let p: Vec<(String, String)> = form_urlencoded::parse(q.unwrap_or_default().as_bytes())
                .into_owned()
                .collect();
            vnpay::outcome(&secret, &p).expect("signed").txn_ref
        }
    };
    let app = server::http::payments::router()
        .route("/bench/signature", axum::routing::get(check))
        .with_state(s.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

/// Each signed report's query, sent over HTTP from `CALLERS` callers at once to `path`;
/// what each answer must contain. Requests per second.
async fn over_http(
    base: &str,
    path: &str,
    signed: &[Vec<(String, String)>],
    expect: &'static str,
) -> f64 {
    let client = reqwest::Client::new();
    let urls: Vec<String> = signed
        .iter()
        .map(|p| {
            let q = form_urlencoded::Serializer::new(String::new())
                .extend_pairs(p)
                .finish();
            format!("{base}{path}?{q}")
        })
        .collect();
    at_once(urls, move |url: String| {
        let client = client.clone();
        async move {
            let body = client.get(url).send().await.unwrap().text().await.unwrap();
            assert!(body.contains(expect), "{body}");
        }
    })
    .await
}

async fn reports(engine: &str, s: &Services, offers: &[i64], crowd: &[Actor]) {
    let secret = SecretString::from("bench-vnpay-secret".to_owned());
    let coop = cooperatives::by_code(&s.store, "NA-LH").await.unwrap();
    providers::set_vnpay(
        s,
        &Actor::system(),
        &coop,
        "GOCBENCH",
        "bench-vnpay-secret",
        vnpay::SANDBOX_PAY_URL,
    )
    .await
    .unwrap();
    // Three sets of held orders: one paid a report at a time, one by callers at once in
    // process, one by callers at once over HTTP.
    let mut sets = Vec::new();
    let (mut first, mut rest) = (0, offers);
    for n in [REPORTS, REPORTS, HTTP_REPORTS] {
        let (part, after) = rest.split_at(n);
        rest = after;
        let codes = held(s, part, crowd, first).await;
        sets.push(
            codes
                .iter()
                .enumerate()
                .map(|(i, c)| report(&secret, c, first + i))
                .collect::<Vec<_>>(),
        );
        first += n;
    }
    let check = |p: &[(String, String)]| vnpay::outcome(&secret, p).expect("signed");

    let start = Instant::now();
    for p in &sets[0] {
        std::hint::black_box(check(p));
    }
    let signature_only = REPORTS as f64 / start.elapsed().as_secs_f64();
    let signature_at_once = at_once(sets[0].clone(), {
        let secret = secret.clone();
        move |p: Vec<(String, String)>| {
            std::hint::black_box(vnpay::outcome(&secret, &p).expect("signed"));
            std::future::ready(())
        }
    })
    .await;

    let start = Instant::now();
    for p in &sets[0] {
        assert_eq!(handle(s.clone(), p.clone()).await, Applied::Confirmed);
    }
    let handled = REPORTS as f64 / start.elapsed().as_secs_f64();
    let start = Instant::now();
    for p in &sets[0] {
        assert_eq!(handle(s.clone(), p.clone()).await, Applied::Replayed);
    }
    let replayed = REPORTS as f64 / start.elapsed().as_secs_f64();
    let handled_at_once = at_once(sets[1].clone(), {
        let s = s.clone();
        move |p| {
            let s = s.clone();
            async move { assert_eq!(handle(s, p).await, Applied::Confirmed) }
        }
    })
    .await;
    println!(
        "{engine}: VNPay reports one at a time: {handled:.0}/s (replays {replayed:.0}/s) against the signature check alone {signature_only:.0}/s: ratio {:.4}",
        handled / signature_only
    );
    println!(
        "{engine}: VNPay reports from {CALLERS} callers at once: {handled_at_once:.0}/s against the signature check alone {signature_at_once:.0}/s: ratio {:.4}",
        handled_at_once / signature_at_once
    );

    // The baseline over HTTP swings with the machine's other work by a third from one run
    // to the next: the two are measured in turns, on the same reports a slice at a time,
    // and each figure is the slices' sum.
    let base = serve(s, secret.clone()).await;
    let ipn = server::http::payments::IPN_PATH;
    let (mut signature_secs, mut handled_secs) = (0.0, 0.0);
    for slice in sets[2].chunks(HTTP_REPORTS / 4) {
        let n = slice.len() as f64;
        signature_secs += n / over_http(&base, "/bench/signature", slice, "GOC").await;
        handled_secs += n / over_http(&base, ipn, slice, r#""RspCode":"00""#).await;
    }
    let http_signature = HTTP_REPORTS as f64 / signature_secs;
    let http_handled = HTTP_REPORTS as f64 / handled_secs;
    let http_replayed = over_http(&base, ipn, &sets[2], r#""RspCode":"02""#).await;
    println!(
        "{engine}: over HTTP from {CALLERS} callers at once: IPN {http_handled:.0}/s (replays {http_replayed:.0}/s) against the signature check alone {http_signature:.0}/s: ratio {:.3} (goal ≥ 0.3)",
        http_handled / http_signature
    );
}

async fn run(engine: &str, url: &str, dir: &std::path::Path) {
    let s = common::services(url, "market bench", dir).await;
    let offers = setup(&s, ROUNDS + 2 * REPORTS + HTTP_REPORTS).await;
    // The checkout's crowd, then a buyer for every three orders paid (a buyer may hold
    // three unpaid trees).
    let crowd = buyers(&s, CROWD + (2 * REPORTS + HTTP_REPORTS).div_ceil(3)).await;
    checkout(engine, &s, &offers, &crowd[..CROWD]).await;
    reports(engine, &s, &offers[ROUNDS..], &crowd[CROWD..]).await;
    s.store.close().await;
}

#[tokio::main]
async fn main() {
    let dir = common::scratch("market");
    let engines = std::env::var("GOC_BENCH_ENGINES").unwrap_or_default();
    if engines != "postgres" {
        run("SQLite", &format!("sqlite://{}/m.db", dir.display()), &dir).await;
    }
    if engines != "sqlite" {
        run(
            "PostgreSQL",
            &common::postgres("goc_bench_market", false),
            &dir,
        )
        .await;
    }
    let _ = std::fs::remove_dir_all(&dir);
}
