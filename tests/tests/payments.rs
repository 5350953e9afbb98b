//! Adopting and paying over HTTP, against the real binary: holds, the sandbox gateway that
//! speaks VNPay's protocol, VNPay reports replayed, forged, for the wrong amount or an
//! unknown order, and Casso's bank feed confirming a VietQR transfer. The test signs its
//! own reports with an implementation of each scheme written here from the research,
//! independent of the server's.

use hmac::{Hmac, Mac};
use reqwest::Method;
use serde_json::{json, Value};
use sha2::Sha512;

use crate::support::{Agent, Goc};

pub(crate) const SECRET: &str = "e2e-vnpay-hash-secret-0123456789";
const CASSO_KEY: &str = "e2e-casso-secure-key-0123456789";

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// VNPay 2.1.0: sorted `vnp_*` pairs, form-urlencoded, HMAC-SHA512.
pub(crate) fn vnpay_query(params: &[(&str, String)]) -> String {
    let mut sorted: Vec<(&str, String)> = params.to_vec();
    sorted.sort();
    let data: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(sorted.iter().map(|(k, v)| (*k, v.as_str())))
        .finish();
    let mut m = Hmac::<Sha512>::new_from_slice(SECRET.as_bytes()).unwrap();
    m.update(data.as_bytes());
    format!("{data}&vnp_SecureHash={}", hex(&m.finalize().into_bytes()))
}

fn report(tmn: &str, code: &str, amount_vnd: i64, response: &str, transaction: &str) -> String {
    vnpay_query(&[
        ("vnp_Amount", (amount_vnd * 100).to_string()),
        ("vnp_BankCode", "NCB".into()),
        ("vnp_OrderInfo", format!("Nhan nuoi cay {code}")),
        ("vnp_PayDate", "20261202150000".into()),
        ("vnp_ResponseCode", response.into()),
        ("vnp_TmnCode", tmn.into()),
        ("vnp_TransactionNo", transaction.into()),
        ("vnp_TransactionStatus", response.into()),
        ("vnp_TxnRef", code.into()),
    ])
}

pub(crate) async fn ipn(goc: &Goc, query: &str) -> String {
    let r: Value = goc
        .get(&format!("/api/v1/payments/vnpay/ipn?{query}"))
        .await
        .json()
        .await
        .unwrap();
    r["RspCode"].as_str().unwrap().to_owned()
}

pub(crate) async fn offer_of(goc: &Goc, tree: &str) -> (i64, i64) {
    offer_in(goc, "NA-LH", tree).await
}

/// The first offer of `coop`'s `tree`: its id and price.
async fn offer_in(goc: &Goc, coop: &str, tree: &str) -> (i64, i64) {
    let offers: Value = goc
        .get(&format!("/api/v1/trees/{coop}/{tree}/offers"))
        .await
        .json()
        .await
        .unwrap();
    let o = &offers["offers"][0];
    (o["id"].as_i64().unwrap(), o["price_vnd"].as_i64().unwrap())
}

pub(crate) async fn buyer(goc: &Goc, phone: &str) -> (Agent, String) {
    let b = Agent::new(goc);
    b.sign_up(phone, "Người mua").await;
    let token = b.token("/account").await;
    (b, token)
}

pub(crate) async fn hold(who: &Agent, token: &str, offer: i64) -> reqwest::Response {
    who.request(Method::POST, &format!("/api/v1/offers/{offer}/hold"))
        .header("x-csrf-token", token)
        .send()
        .await
        .unwrap()
}

pub(crate) async fn state(who: &Agent, code: &str) -> String {
    let o: Value = who
        .get(&format!("/api/v1/orders/{code}"))
        .await
        .json()
        .await
        .unwrap();
    o["state"].as_str().unwrap().to_owned()
}

/// The buyer's order page as served, without a script.
async fn order_page(who: &Agent, code: &str) -> String {
    who.get(&format!("/orders/{code}"))
        .await
        .text()
        .await
        .unwrap()
}

/// The kinds of a tree's exported history, verified.
async fn kinds(goc: &Goc, tree: &str) -> Vec<ledger::Kind> {
    let json = goc.text(&format!("/api/trees/NA-LH/{tree}/history")).await;
    let summary = ledger::TreeHistory::from_json(&json)
        .unwrap()
        .verify()
        .unwrap();
    summary.entries.into_iter().map(|e| e.kind).collect()
}

async fn last_kind(goc: &Goc, tree: &str) -> ledger::Kind {
    kinds(goc, tree).await.pop().unwrap()
}

pub(crate) async fn adoptions(goc: &Goc, tree: &str) -> usize {
    let all = kinds(goc, tree).await;
    all.iter()
        .filter(|k| matches!(k, ledger::Kind::Adopted { .. }))
        .count()
}

#[tokio::test]
async fn a_buyer_pays_through_the_sandbox_gateway_once_and_a_second_buyer_is_refused() {
    let goc = Goc::start().await;
    let (offer, price) = offer_of(&goc, "CC001").await;
    assert_eq!(price, 6_000_000);
    let anonymous = Agent::new(&goc);
    let token = anonymous.token("/signup").await;
    assert_eq!(hold(&anonymous, &token, offer).await.status(), 401);

    let (lan, token) = buyer(&goc, "0987000001").await;
    let r = hold(&lan, &token, offer).await;
    assert_eq!(r.status(), 201);
    let order: Value = r.json().await.unwrap();
    let code = order["code"].as_str().unwrap().to_owned();
    assert_eq!(order["amount_vnd"], price);
    // The order page says, with no script, until when the tree is held (in Vietnam's time)
    // and how long is left; order.js counts down from the milliseconds it states.
    let page = order_page(&lan, &code).await;
    let until = order["held_until"].as_i64().unwrap();
    let minute = (until.div_euclid(60_000) + 7 * 60).rem_euclid(24 * 60);
    let clock = format!("{:02}:{:02}", minute / 60, minute % 60);
    assert!(
        page.contains("Cây được giữ cho bạn đến") && page.contains(&format!(">{clock}</time>")),
        "{clock}: {page}"
    );
    let left: u64 = page
        .split("data-hold-left=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .and_then(|ms| ms.parse().ok())
        .expect("the time left");
    assert!(0 < left && left <= 15 * 60_000, "{left}");
    let minutes = left.div_ceil(60_000);
    assert!(
        page.contains(&format!(">{minutes} phút</span>")),
        "{minutes}: {page}"
    );
    assert!(page.contains("/pkg/order.js"));
    let pay = order["vnpay_url"].as_str().unwrap().to_owned();
    let (mai, mai_token) = buyer(&goc, "0987000002").await;
    let r = hold(&mai, &mai_token, offer).await;
    assert_eq!(r.status(), 409);
    assert!(
        r.text().await.unwrap().contains("CC001"),
        "the refusal names the tree"
    );
    assert_eq!(
        mai.get(&format!("/api/v1/orders/{code}")).await.status(),
        404,
        "not Mai's order"
    );
    // Nor its page: another buyer's order reads as no order; signed out, the page asks
    // for a sign-in that comes back to it.
    let theirs = mai.get(&format!("/orders/{code}")).await;
    assert_eq!(theirs.status(), 404);
    let theirs = theirs.text().await.unwrap();
    assert!(!theirs.contains("CC001"), "{theirs}");
    let signed_out = Agent::new(&goc).get(&format!("/orders/{code}")).await;
    assert_eq!(signed_out.status(), 401);
    assert!(signed_out
        .text()
        .await
        .unwrap()
        .contains(&format!("/login?next=%2Forders%2F{code}")));

    // The sandbox's pay page, reached by the signed URL; a tampered URL is refused.
    let path = pay
        .strip_prefix(&goc.base)
        .expect("the sandbox on this server");
    assert_eq!(
        lan.get(&path.replace("vnp_Amount=600000000", "vnp_Amount=100"))
            .await
            .status(),
        400
    );
    let page = lan.get(path).await.text().await.unwrap();
    assert!(page.contains("6.000.000 đ"), "{page}");
    let query = path.split_once('?').unwrap().1;
    let mut form: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    form.push(("sandbox_action".into(), "pay".into()));
    let back = lan
        .request(Method::POST, path.split_once('?').unwrap().0)
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(back.status(), 303);
    let location = back.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with(&format!("{}/payments/vnpay/return?", goc.base)));
    // The sandbox reported to the IPN endpoint before sending the buyer back.
    assert_eq!(state(&lan, &code).await, "paid");
    let ret = lan.get(location.strip_prefix(&goc.base).unwrap()).await;
    assert_eq!(ret.status(), 303);
    assert_eq!(ret.headers()["location"], format!("/orders/{code}"));
    assert!(
        matches!(last_kind(&goc, "CC001").await, ledger::Kind::Adopted { season, .. } if season == "2027")
    );

    // The same report again, ten times: VNPay's "already confirmed", nothing changes.
    let signed = location.split_once('?').unwrap().1;
    for _ in 0..10 {
        assert_eq!(ipn(&goc, signed).await, "02");
    }
    let forged = signed.replace("vnp_Amount=600000000", "vnp_Amount=100");
    assert_eq!(ipn(&goc, &forged).await, "97");
    assert_eq!(ipn(&goc, "vnp_TxnRef=GOC2345ABCD").await, "97", "unsigned");
    assert_eq!(adoptions(&goc, "CC001").await, 1);
    assert_eq!(
        hold(&mai, &mai_token, offer).await.status(),
        409,
        "adopted for the season"
    );

    // The cooperative's managers see it, with the buyer to deliver to; buyers do not.
    let admin = goc.admin().await;
    let csv = admin.get("/api/v1/coops/NA-LH/orders.csv").await;
    assert_eq!(csv.status(), 200);
    let csv = csv.text().await.unwrap();
    let line = csv
        .lines()
        .find(|l| l.starts_with(&code))
        .expect("the order's line");
    assert!(
        line.contains(",paid,6000000,")
            && line.contains(",vnpay,")
            && line.contains("+84987000001"),
        "{line}"
    );
    assert_eq!(
        mai.get("/api/v1/coops/NA-LH/orders.csv").await.status(),
        403
    );
}

#[tokio::test]
async fn vnpay_reports_for_the_wrong_amount_an_unknown_order_or_a_cancel_are_answered_by_the_book()
{
    let goc = Goc::start().await;
    let admin = goc.admin().await;
    let admin_token = admin.token("/manage/NA-LH").await;
    let set = |tmn: &str, secret: &str, url: &str| {
        admin
            .request(Method::PUT, "/api/v1/coops/NA-LH/payments/vnpay")
            .header("x-csrf-token", &admin_token)
            .json(&json!({"tmn_code": tmn, "secret": secret, "pay_url": url}))
            .send()
    };
    assert_eq!(
        set(
            "SHORT",
            SECRET,
            "https://sandbox.vnpayment.vn/paymentv2/vpcpay.html"
        )
        .await
        .unwrap()
        .status(),
        422
    );
    assert_eq!(
        set("GOCTEST1", SECRET, "http://evil.example/pay")
            .await
            .unwrap()
            .status(),
        422
    );
    assert_eq!(
        set(
            "GOCTEST1",
            SECRET,
            "https://sandbox.vnpayment.vn/paymentv2/vpcpay.html"
        )
        .await
        .unwrap()
        .status(),
        204
    );
    let (lan, token) = buyer(&goc, "0987000003").await;
    let (farmer_offer, price) = offer_of(&goc, "CC002").await;
    let order: Value = hold(&lan, &token, farmer_offer).await.json().await.unwrap();
    let code = order["code"].as_str().unwrap().to_owned();
    assert!(order["vnpay_url"]
        .as_str()
        .unwrap()
        .starts_with("https://sandbox.vnpayment.vn/"));

    assert_eq!(
        ipn(&goc, &report("GOCTEST1", &code, price - 1, "00", "901")).await,
        "04"
    );
    assert_eq!(
        ipn(&goc, &report("GOCTEST1", "GOCZZZZZZZZ", price, "00", "902")).await,
        "01"
    );
    assert_eq!(
        ipn(&goc, &report("GOCOTHER", &code, price, "00", "903")).await,
        "97",
        "another terminal"
    );
    assert_eq!(state(&lan, &code).await, "held", "nothing changed");
    // The buyer cancels at VNPay: confirmed as received, the tree is free again.
    assert_eq!(
        ipn(&goc, &report("GOCTEST1", &code, price, "24", "904")).await,
        "00"
    );
    assert_eq!(state(&lan, &code).await, "cancelled");
    // The buyer's order page says so and leads back to the tree, free again.
    let page = order_page(&lan, &code).await;
    assert!(page.contains("Thanh toán đã huỷ"), "{page}");
    assert!(
        page.contains(&format!("href=\"/adopt/{farmer_offer}\"")),
        "{page}"
    );
    let (mai, mai_token) = buyer(&goc, "0987000004").await;
    assert_eq!(hold(&mai, &mai_token, farmer_offer).await.status(), 201);
    // The sandbox refuses what VNPay would: an expired pay request, an unknown choice.
    let sandbox = format!("{}/sandbox/vnpay/vpcpay.html", goc.base);
    assert_eq!(
        set("GOCTEST1", SECRET, &sandbox).await.unwrap().status(),
        204
    );
    let pay_request = |expire: &str| {
        vnpay_query(&[
            ("vnp_Amount", (price * 100).to_string()),
            ("vnp_Command", "pay".into()),
            ("vnp_ExpireDate", expire.into()),
            ("vnp_OrderInfo", "Nhan nuoi cay".into()),
            (
                "vnp_ReturnUrl",
                format!("{}/payments/vnpay/return", goc.base),
            ),
            ("vnp_TmnCode", "GOCTEST1".into()),
            ("vnp_TxnRef", code.clone()),
        ])
    };
    let stale = pay_request("20200101000000");
    let r = lan
        .get(&format!("/sandbox/vnpay/vpcpay.html?{stale}"))
        .await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("hết hạn"));
    let submit = |query: String, action: &'static str| {
        let mut form: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        form.push(("sandbox_action".into(), action.into()));
        lan.request(Method::POST, "/sandbox/vnpay/vpcpay.html")
            .form(&form)
            .send()
    };
    assert_eq!(submit(stale, "pay").await.unwrap().status(), 400);
    assert_eq!(
        submit(pay_request("20991231000000"), "bogus")
            .await
            .unwrap()
            .status(),
        400
    );

    // A buyer may not set the cooperative's payment accounts, and learns nothing of the
    // body such a request wants.
    let r = lan
        .request(Method::PUT, "/api/v1/coops/NA-LH/payments/vnpay")
        .header("x-csrf-token", &token)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = lan
        .request(Method::PUT, "/api/v1/coops/NA-LH/payments/vnpay")
        .header("x-csrf-token", &token)
        .json(&json!({"tmn_code": "GOCTEST2", "secret": SECRET, "pay_url": "https://x.example"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

/// Attacks found by probing the providers' hooks as an outsider: each must change nothing.
#[tokio::test]
async fn reports_through_another_cooperatives_hooks_or_with_a_repeated_field_change_nothing() {
    let goc = Goc::start().await;
    let (admin, token) = takes_vietqr(&goc).await;
    let xoai = admin.token("/manage/XOAI-MX").await;
    // NA-LH's terminal, and one that anybody could configure for a cooperative of their
    // own (here XOAI-MX), with a secret they know; and XOAI-MX's own Casso hook.
    for (coop, csrf, tmn) in [
        ("NA-LH", &token, "GOCTEST1"),
        ("XOAI-MX", &xoai, "GOCEVIL1"),
    ] {
        let body = json!({"tmn_code": tmn, "secret": SECRET, "pay_url": "https://sandbox.vnpayment.vn/paymentv2/vpcpay.html"});
        assert_eq!(set_provider(&admin, csrf, coop, "vnpay", body).await, 204);
    }
    let body = json!({"bin": "970415", "account": "999988887777", "name": "HTX XOAI", "casso_key": CASSO_KEY});
    assert_eq!(
        set_provider(&admin, &xoai, "XOAI-MX", "vietqr", body).await,
        204
    );
    let (lan, lan_token) = buyer(&goc, "0987000007").await;
    let (offer, price) = offer_of(&goc, "CC004").await;
    let order: Value = hold(&lan, &lan_token, offer).await.json().await.unwrap();
    let code = order["code"].as_str().unwrap().to_owned();

    // NA-LH's order, reported paid through XOAI-MX's terminal: no such order there.
    assert_eq!(
        ipn(&goc, &report("GOCEVIL1", &code, price, "00", "801")).await,
        "01"
    );
    // And through XOAI-MX's Casso hook.
    let r = casso_transfer(&goc, "XOAI-MX", "999988887777", price, &code, 48214).await;
    assert_eq!(r.status(), 200);
    assert_eq!(state(&lan, &code).await, "held");
    // A signed "paid" report (as a return URL shows it) with its result given twice, the
    // first time empty (which the signature skips): refused, not read as a failure.
    let signed = report("GOCTEST1", &code, price, "00", "802");
    for prefix in [
        "vnp_ResponseCode=&vnp_TransactionStatus=&",
        "vnp_TransactionNo=&",
    ] {
        assert_eq!(
            ipn(&goc, &format!("{prefix}{signed}")).await,
            "97",
            "{prefix}"
        );
    }
    // NUL, which no provider sends: refused as unsigned (the store refuses it too, on
    // both engines: see its tests).
    assert_eq!(ipn(&goc, "vnp_TmnCode=%00&vnp_SecureHash=00").await, "97");
    // A forged call is answered and recorded, but no one can fill the disk with them: a
    // body past what any provider sends is refused before it is read.
    let post = |body: String| {
        Agent::new(&goc)
            .request(Method::POST, "/api/v1/payments/vnpay/ipn")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };
    let r = post(format!("vnp_X={}", "A".repeat(60_000))).await.unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["RspCode"], "97");
    let r = post(format!("vnp_X={}", "A".repeat(1 << 20)))
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    assert_eq!(state(&lan, &code).await, "held", "nothing changed");
    // XOAI-MX's account takes transfer 48213 for an order of its own...
    let (binh, binh_token) = buyer(&goc, "0987000008").await;
    let (mango, mango_price) = offer_in(&goc, "XOAI-MX", "XM001").await;
    let theirs: Value = hold(&binh, &binh_token, mango).await.json().await.unwrap();
    let theirs = theirs["code"].as_str().unwrap().to_owned();
    let r = casso_transfer(&goc, "XOAI-MX", "999988887777", mango_price, &theirs, 48213).await;
    assert_eq!(r.status(), 200);
    assert_eq!(state(&binh, &theirs).await, "paid");
    // ...and NA-LH's account a transfer with the same number: NA-LH's, not a replay.
    let r = casso_transfer(&goc, "NA-LH", "113366668888", price, &code, 48213).await;
    assert_eq!(r.status(), 200);
    assert_eq!(state(&lan, &code).await, "paid");
    assert_eq!(ipn(&goc, &signed).await, "02", "paid once");
    assert_eq!(adoptions(&goc, "CC004").await, 1);
}

/// CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF), bit by bit as the EMVCo book gives it.
fn crc16_ccitt_false(bytes: &[u8]) -> u16 {
    let mut crc = 0xFFFFu16;
    for &b in bytes {
        crc ^= u16::from(b) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
    }
    crc
}

/// Configures `coop`'s payment `provider` (`vnpay`, `vietqr`) as `who`, with the form token
/// `csrf`; the answer's status.
pub(crate) async fn set_provider(
    who: &Agent,
    csrf: &str,
    coop: &str,
    provider: &str,
    body: Value,
) -> u16 {
    who.request(
        Method::PUT,
        &format!("/api/v1/coops/{coop}/payments/{provider}"),
    )
    .header("x-csrf-token", csrf)
    .json(&body)
    .send()
    .await
    .unwrap()
    .status()
    .as_u16()
}

/// The demo cooperative NA-LH takes VietQR transfers to a bank account, confirmed by Casso
/// with [`CASSO_KEY`]; its administrator, signed in, and their form token.
async fn takes_vietqr(goc: &Goc) -> (Agent, String) {
    let admin = goc.admin().await;
    let token = admin.token("/manage/NA-LH").await;
    let body = json!({"bin": "970415", "account": "113366668888", "name": "HTX NA LA HIEN", "casso_key": CASSO_KEY});
    assert_eq!(
        set_provider(&admin, &token, "NA-LH", "vietqr", body).await,
        204
    );
    (admin, token)
}

/// Casso v2: `t.` + the body with sorted keys (written sorted here), HMAC-SHA512.
fn casso_call(body: &str, t: i64) -> String {
    let mut m = Hmac::<Sha512>::new_from_slice(CASSO_KEY.as_bytes()).unwrap();
    m.update(format!("{t}.{body}").as_bytes());
    format!("t={t},v1={}", hex(&m.finalize().into_bytes()))
}

/// Casso's report of transfer `id` into `account`, its memo `code`, to `coop`'s hook,
/// signed now; the hook's answer.
async fn casso_transfer(
    goc: &Goc,
    coop: &str,
    account: &str,
    amount: i64,
    code: &str,
    id: i64,
) -> reqwest::Response {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let body = format!(
        r#"{{"data":{{"accountNumber":"{account}","amount":{amount},"description":"{code}","id":{id},"reference":"FT{id}"}},"error":0}}"#
    );
    Agent::new(goc)
        .request(Method::POST, &format!("/api/v1/payments/casso/{coop}"))
        .header("x-casso-signature", casso_call(&body, now))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_vietqr_transfer_is_confirmed_by_cassos_feed_once() {
    let goc = Goc::start().await;
    takes_vietqr(&goc).await;
    let (lan, token) = buyer(&goc, "0987000005").await;
    let (offer, price) = offer_of(&goc, "CC003").await;
    let order: Value = hold(&lan, &token, offer).await.json().await.unwrap();
    let code = order["code"].as_str().unwrap().to_owned();
    let payload = order["vietqr"]["payload"].as_str().unwrap();
    assert!(
        payload.contains(&format!("54{:02}{price}", price.to_string().len())),
        "{payload}"
    );
    assert!(payload.contains(&code) && payload.starts_with("000201010212"));

    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let body = format!(
        r#"{{"data":{{"accountNumber":"113366668888","amount":{price},"description":"MBVCB.3278.{} cay CC003.CT tu 0123","id":48213,"reference":"FT26336"}},"error":0}}"#,
        code.to_lowercase()
    );
    let bank = Agent::new(&goc);
    let call = |body: String, sig: String| {
        bank.request(Method::POST, "/api/v1/payments/casso/NA-LH")
            .header("x-casso-signature", sig)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let forged = body.replace(&price.to_string(), "1000");
    assert_eq!(
        call(forged, casso_call(&body, now)).await.unwrap().status(),
        401
    );
    let stale = casso_call(&body, now - 10 * 60 * 1000);
    assert_eq!(call(body.clone(), stale).await.unwrap().status(), 401);
    assert_eq!(state(&lan, &code).await, "held");
    for _ in 0..3 {
        let r = call(body.clone(), casso_call(&body, now)).await.unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.json::<Value>().await.unwrap()["success"], true);
    }
    assert_eq!(state(&lan, &code).await, "paid");
    assert_eq!(
        adoptions(&goc, "CC003").await,
        1,
        "three deliveries, one adoption"
    );
}

/// Pages a buyer walks at phone size, without typing any URL: the tree page's offer, the
/// checkout (sign in first), the order with its VNPay button, the sandbox's pay page, and
/// the order paid. Screenshots in target/screenshots/adopt-*.png.
#[tokio::test]
async fn in_chromium_a_buyer_adopts_from_the_tree_page_and_pays_through_the_sandbox() {
    let goc = Goc::start().await;
    let (admin, admin_token) = takes_vietqr(&goc).await;
    let _ = buyer(&goc, "0987000009").await;
    let b = crate::support::Browser::start().await;
    b.open(&format!("{}/t/NA-LH/CC004", goc.base)).await;
    assert!(b.text(".offer").await.contains("6.000.000 đ"));
    b.screenshot_page("adopt-1-tree").await;
    b.click(".buy-bar a.button").await;
    assert!(b.current_path().await.starts_with("/adopt/"));
    b.screenshot_page("adopt-2-signed-out").await;
    b.click("a.button.primary").await;
    b.fill("#login-identifier", "0987000009").await;
    b.fill("#login-password", "a long password").await;
    b.click("#login button[type=submit]").await;
    b.wait_for_text("h1", "Nhận nuôi cây này").await;
    b.screenshot_page("adopt-3-confirm").await;
    b.click("#adopt button[type=submit]").await;
    b.wait_for_text("h1", "Đơn nhận nuôi").await;
    assert!(b.current_path().await.starts_with("/orders/GOC"));
    // The hold counts down each second once order.js runs ("14 phút 58 giây").
    assert!(b.text("#hold").await.contains("Cây được giữ cho bạn đến"));
    b.wait_for_text("#hold [role=timer]", "giây").await;
    let shown = b.text("#hold [role=timer]").await;
    let [minutes, "phút", seconds, "giây"] = shown.split_whitespace().collect::<Vec<_>>()[..]
    else {
        panic!("{shown}")
    };
    let left = minutes.parse::<u32>().unwrap() * 60 + seconds.parse::<u32>().unwrap();
    assert!(seconds.len() == 2 && 0 < left && left <= 15 * 60, "{shown}");
    assert!(
        b.text("#hold").await.trim_end().ends_with("giây."),
        "no space before the full stop"
    );
    // The VietQR on the page decodes to a payload for this order's amount.
    assert!(b.text(".transfer").await.contains("6.000.000 đ"));
    b.find_css(".transfer .qr svg").await;
    b.screenshot_page("adopt-4-order").await;
    // What a bank app would read: the QR as the phone shows it, decoded by zbar, with a
    // CRC computed here, independently of the server's.
    let shot = crate::support::Browser::screenshot_path("adopt-4-order");
    let out = std::process::Command::new("zbarimg")
        .args(["--raw", "-q", "-Sdisable", "-Sqrcode.enable"])
        .arg(&shot)
        .output()
        .expect("zbarimg (make tools installs zbar-tools)");
    let payload = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert!(payload.starts_with("000201010212"), "{payload:?}");
    assert!(
        payload.contains("0010A000000727") && payload.contains("5407600000058"),
        "{payload}"
    );
    let (body, crc) = payload.split_at(payload.len() - 4);
    assert!(body.ends_with("6304"));
    assert_eq!(
        crc16_ccitt_false(b"123456789"),
        0x29B1,
        "the catalogue's check value"
    );
    assert_eq!(format!("{:04X}", crc16_ccitt_false(body.as_bytes())), crc);
    b.click("a.sticky-action").await;
    b.wait_for_text("#amount", "6.000.000 đ").await;
    b.screenshot_page("adopt-5-sandbox").await;
    b.click("button.pay").await;
    b.wait_for_text(".badge", "Đã thanh toán").await;
    b.screenshot_page("adopt-6-paid").await;
    assert_eq!(adoptions(&goc, "CC004").await, 1);
    // The certificate, shareable by its link, and its printable PDF.
    b.click("a.button.primary").await;
    b.wait_for_text("h1", "Giấy chứng nhận nhận nuôi cây").await;
    // It reads as a certificate: one sentence, "you" to the adopter.
    let certifies = b.text(".certifies").await;
    assert!(
        certifies.starts_with("Chứng nhận bạn đã nhận nuôi cây CC004 ("),
        "{certifies}"
    );
    b.screenshot_page("adopt-7-certificate").await;
    let certificate = b.current_path().await;
    let pdf = goc.get(&format!("{certificate}/pdf")).await;
    assert_eq!(pdf.status(), 200);
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    let bytes = pdf.bytes().await.unwrap();
    assert!(bytes.starts_with(b"%PDF"));
    std::fs::write(
        crate::support::scratch("certificate").join("certificate.pdf"),
        &bytes,
    )
    .unwrap();
    let public = goc.text(&certificate).await;
    assert!(
        public.contains("người nhận nuôi mang mã A") && !public.contains("Chứng nhận bạn"),
        "readable without signing in, naming no one: {public}"
    );
    assert_eq!(
        goc.get("/certificates/ANOSUCHADOPTION/pdf").await.status(),
        404
    );
    b.open(&format!("{}/my-trees", goc.base)).await;
    assert!(b.text(".my-trees").await.contains("CC004"));
    // A care request, answered by the cooperative.
    b.fill("#care-CC004", "Xin đừng phun thuốc hoá học cho cây của tôi")
        .await;
    b.click("#care-form-CC004 button[type=submit]").await;
    b.wait_for_text(".flash", "Đã gửi yêu cầu").await;
    // The adopter names the tree: its certificate names it too.
    b.click("details:has(#name-form-CC004) > summary").await;
    b.fill("#name-CC004", "Bé Na").await;
    b.click("#name-form-CC004 button[type=submit]").await;
    b.wait_for_text("h2", "“Bé Na”").await;
    let named = goc.text(&certificate).await;
    assert!(named.contains("cây “Bé Na” (CC004, "), "{named}");
    let list: Value = admin
        .get("/api/v1/coops/NA-LH/care-requests")
        .await
        .json()
        .await
        .unwrap();
    let request = &list["requests"][0];
    assert_eq!(request["tree_code"], "CC004");
    assert!(request["answer"].is_null());
    let answer = |text: &str| {
        admin
            .request(
                Method::POST,
                &format!("/api/v1/coops/NA-LH/care-requests/{}/answer", request["id"]),
            )
            .header("x-csrf-token", &admin_token)
            .json(&json!({ "text": text }))
            .send()
    };
    assert_eq!(
        answer("Vâng, HTX chỉ dùng chế phẩm sinh học cho cây CC004")
            .await
            .unwrap()
            .status(),
        204
    );
    assert_eq!(
        answer("a second answer").await.unwrap().status(),
        404,
        "answered once"
    );
    // The season ends with no harvest logged: the whole guarantee (25 kg) is short, made
    // good as credit at 60.000 đ per kg, as the demo's offer says.
    goc.end_seasons().await;
    let settled = admin
        .request(
            Method::POST,
            &format!(
                "/api/v1/coops/NA-LH/orders/{}/settle",
                list["requests"][0]["order_code"].as_str().unwrap()
            ),
        )
        .header("x-csrf-token", &admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(settled.status(), 201);
    let row: Value = settled.json().await.unwrap();
    assert_eq!(
        (
            row["shortfall_g"].as_i64(),
            row["compensation_vnd"].as_i64()
        ),
        (Some(25_000), Some(1_500_000))
    );
    b.open(&format!("{}/my-trees", goc.base)).await;
    assert!(b.text(".requests").await.contains("chế phẩm sinh học"));
    assert!(b.text(".my-trees").await.contains("1.500.000 đ"));
    b.screenshot_page("adopt-8-my-trees").await;
    // The manager's side: the offer form on a tree's page.
    b.sign_out().await;
    b.open(&format!("{}/login?next=/manage/NA-LH/t/CC010", goc.base))
        .await;
    b.fill("#login-identifier", "0999999999").await;
    b.fill("#login-password", "a long password").await;
    b.click("#login button[type=submit]").await;
    b.wait_for_text("#offer", "Mở bán nhận nuôi cây này").await;
    b.screenshot_page("adopt-9-manager-offer").await;
    // The sales desk: each order's state marked, the paid adoption among them.
    b.open(&format!("{}/manage/NA-LH/sales", goc.base)).await;
    assert!(b.text(".pill.state-paid").await.contains("đã trả"));
    b.screenshot_page("adopt-10-sales-desk").await;
    // Only the adopter can ask about the tree.
    let (other, other_token) = buyer(&goc, "0987000011").await;
    let code = list["requests"][0]["order_code"].as_str().unwrap();
    let r = other
        .request(
            Method::POST,
            &format!("/api/v1/orders/{code}/care-requests"),
        )
        .header("x-csrf-token", &other_token)
        .json(&json!({"text": "not mine"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

/// A hold about to end, seen at phone size: the count reaches zero, the ways to pay fold
/// away and the way to adopt again shows, before the page's next re-read says so too.
#[tokio::test]
async fn in_chromium_a_lapsing_hold_counts_down_to_an_invitation_to_adopt_again() {
    let goc = Goc::start().await;
    let (lan, token) = buyer(&goc, "0987000012").await;
    let (offer, _) = offer_of(&goc, "CC005").await;
    let order: Value = hold(&lan, &token, offer).await.json().await.unwrap();
    let code = order["code"].as_str().unwrap().to_owned();
    let b = crate::support::Browser::start().await;
    b.open(&format!("{}/login?next=/my-trees", goc.base)).await;
    b.fill("#login-identifier", "0987000012").await;
    b.fill("#login-password", "a long password").await;
    b.click("#login button[type=submit]").await;
    b.wait_for_text("h1", "Cây của tôi").await;
    // Ten seconds left (of the only order): time for the page to load held, and less than
    // its 15 s re-read.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let lapse = format!("UPDATE orders SET held_until = {}", now + 10_000);
    goc.execute(&lapse).await;
    b.open(&format!("{}/orders/{code}", goc.base)).await;
    b.wait_for_text("#hold [role=timer]", "giây").await;
    assert!(b.text("#hold [role=timer]").await.starts_with("0 phút "));
    b.screenshot_page("order-countdown").await;
    b.wait_for_text("#hold-lapsed", "Hết thời gian giữ cây")
        .await;
    let hidden = |id: &str| format!("return document.getElementById('{id}').hidden");
    assert_eq!(b.eval(&hidden("pay")).await, "true", "folded away");
    assert_eq!(b.eval(&hidden("hold")).await, "true");
    b.screenshot_page("order-lapsed").await;
    b.click("#hold-lapsed a.button").await;
    b.wait_for_text("h1", "Nhận nuôi cây này").await;
    assert_eq!(b.current_path().await, format!("/adopt/{offer}"));
}

#[tokio::test]
async fn a_manager_publishes_a_season_for_a_whole_species_and_again_skips_what_is_offered() {
    let goc = Goc::start().await;
    let admin = goc.admin().await;
    let token = admin.token("/manage/NA-LH").await;
    let publish = |who: &Agent, token: &str, body: Value| {
        who.request(Method::POST, "/api/v1/coops/NA-LH/offers")
            .header("x-csrf-token", token)
            .json(&body)
            .send()
    };
    let season = json!({
        "species": "custard_apple", "starts_on": "2028-03-01", "ends_on": "2028-10-31",
        "vnd_per_kg": 80_000, "care_vnd": 1_500_000, "expected_kg": [40, 60], "guaranteed_kg": 30,
        "includes": ["care", "pickup"], "deliveries": 0,
        "shortfall_policy": "refund", "shortfall_vnd_per_kg": 80_000,
    });
    let r = publish(&admin, &token, season.clone()).await.unwrap();
    assert_eq!(r.status(), 201);
    let done: Value = r.json().await.unwrap();
    assert_eq!(
        done["offers"].as_array().unwrap().len(),
        24,
        "every tree of the demo's NA-LH"
    );
    let offers: Value = goc
        .get("/api/v1/trees/NA-LH/CC010/offers")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        offers["offers"][0]["price_vnd"], 5_500_000,
        "50 kg × 80.000 đ + 1.500.000 đ"
    );
    let again: Value = publish(&admin, &token, season.clone())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(again["offers"].as_array().unwrap().len(), 0);
    assert_eq!(
        again["skipped"].as_array().unwrap().len(),
        24,
        "published once"
    );
    let mut odd = season.clone();
    odd["shortfall_policy"] = json!("maybe");
    assert_eq!(publish(&admin, &token, odd).await.unwrap().status(), 422);
    let mut inverted = season.clone();
    inverted["expected_kg"] = json!([60, 40]);
    let r = publish(&admin, &token, inverted).await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Sản lượng"));
    let (lan, lan_token) = buyer(&goc, "0987000010").await;
    assert_eq!(
        publish(&lan, &lan_token, season).await.unwrap().status(),
        403
    );

    // The same from the tree's page, as a form: a price from 1,5 million of care plus
    // 40–60 kg at 80.000 đ (typed the Vietnamese way), refunded when short.
    let page = "/manage/NA-LH/t/CC015";
    let form = [
        ("form", "offer"),
        ("starts_on", "2029-03-01"),
        ("ends_on", "2029-10-31"),
        ("price", ""),
        ("per_kg", "80.000"),
        ("care", "1.500.000"),
        ("min_kg", "40"),
        ("max_kg", "60"),
        ("guaranteed_kg", "30,5"),
        ("inc_care", "1"),
        ("inc_sign", "1"),
        ("deliveries", "2"),
        ("policy", "refund"),
        ("shortfall_per_kg", "80000"),
    ];
    let r = admin.submit(page, &format!("{page}/offer"), &form).await;
    assert_eq!(r.status(), 303);
    assert!(r.headers()["location"]
        .to_str()
        .unwrap()
        .ends_with("done=offer_published"));
    let offers: Value = goc
        .get("/api/v1/trees/NA-LH/CC015/offers")
        .await
        .json()
        .await
        .unwrap();
    let o = &offers["offers"][0];
    assert_eq!(
        (o["season"].as_str(), o["price_vnd"].as_i64()),
        (Some("2029"), Some(5_500_000))
    );
    assert_eq!(
        (o["guaranteed_kg"].as_f64(), o["shortfall_policy"].as_str()),
        (Some(30.5), Some("refund"))
    );
    assert_eq!(o["includes"], json!(["care", "sign"]));
    let mut bad = form.to_vec();
    bad[6] = ("min_kg", "bốn mươi");
    let r = admin.submit(page, &format!("{page}/offer"), &bad).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("hãy nhập một số"));
}

#[tokio::test]
async fn the_catalogue_lists_open_offers_by_species_province_price_and_harvest_month() {
    let goc = Goc::start().await;
    let count = |html: &str| html.matches("class=\"card\"").count();
    let all = goc.text("/adopt").await;
    // The demo offers five trees of each cooperative, seasons ending in October 2027.
    assert_eq!(count(&all), 10, "{all}");
    assert!(all.contains("6.000.000 đ") && all.contains("5.500.000 đ"));
    // An English reader gets English numbers, not only English words.
    let en = goc.text_with_cookie("/adopt", "goc_lang=en").await;
    assert!(
        en.contains("6,000,000 VND") && en.contains("35 kg – 50 kg"),
        "{en}"
    );
    assert!(!en.contains("6.000.000") && !en.contains(" đ<"), "{en}");
    let tree = goc.text_with_cookie("/t/NA-LH/CC001", "goc_lang=en").await;
    assert!(
        tree.contains("6,000,000 VND") && tree.contains("60,000 VND") && tree.contains("25 kg"),
        "{tree}"
    );
    let mango = goc.text("/adopt?species=mango").await;
    assert_eq!(count(&mango), 5);
    assert!(mango.contains("XM001") && !mango.contains("CC001"));
    let south = goc
        .text("/adopt?province=%C4%90%E1%BB%93ng+Th%C3%A1p")
        .await;
    assert_eq!(count(&south), 5, "Đồng Tháp");
    assert_eq!(
        count(&goc.text("/adopt?max_price=5.600.000").await),
        5,
        "typed the Vietnamese way"
    );
    assert_eq!(count(&goc.text("/adopt?month=10").await), 10);
    assert_eq!(count(&goc.text("/adopt?month=3").await), 0);
    for bad in ["/adopt?max_price=abc", "/adopt?month=13"] {
        let r = goc.get(bad).await;
        assert_eq!(r.status(), 422, "{bad}");
        assert!(r.text().await.unwrap().contains("role=\"alert\""), "{bad}");
    }
    // A held tree leaves the catalogue; it comes back if the hold lapses (not waited here).
    let (offer, _) = offer_of(&goc, "CC001").await;
    let (lan, token) = buyer(&goc, "0987000061").await;
    assert_eq!(hold(&lan, &token, offer).await.status(), 201);
    let now = goc.text("/adopt?species=custard_apple").await;
    assert_eq!(count(&now), 4);
    assert!(!now.contains("CC001"));
}
