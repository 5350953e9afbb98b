//! After adopting, against the real binary: a VNPay report that never came, found by
//! querydr from the sales desk; a short harvest refunded through VNPay's refund call; the
//! adopter told in the app and by mail through a local SMTP server; a gift accepted in
//! Chromium by its recipient.

use reqwest::Method;
use serde_json::{json, Value};

use crate::payments::{
    adoptions, buyer, hold, ipn, offer_of, set_provider, state, vnpay_query, SECRET,
};
use crate::support::smtp::Smtp;
use crate::support::{sqlite_url, Agent, Browser, Goc};

/// Pays the order's VNPay URL on the sandbox's page with `action`; returns where the
/// buyer is sent back to (the return URL with the signed result).
async fn pay(goc: &Goc, who: &Agent, pay_url: &str, action: &str) -> String {
    let path = pay_url
        .strip_prefix(&goc.base)
        .expect("the sandbox on this server");
    let (page, query) = path.split_once('?').unwrap();
    let mut form: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    form.push(("sandbox_action".into(), action.into()));
    let back = who
        .request(Method::POST, page)
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(back.status(), 303);
    back.headers()["location"].to_str().unwrap().to_owned()
}

/// Offers a tree whose short harvest is refunded at 80.000 đ a kg below 30 kg.
async fn refund_offer(goc: &Goc, admin: &Agent, tree: &str) -> i64 {
    let token = admin.token("/manage/NA-LH").await;
    let r = admin
        .request(Method::POST, "/api/v1/coops/NA-LH/offers")
        .header("x-csrf-token", token)
        .json(&json!({
            "trees": [tree], "starts_on": "2026-01-01", "ends_on": "2026-12-31",
            "price_vnd": 5_000_000, "expected_kg": [40, 60], "guaranteed_kg": 30,
            "includes": ["care", "delivery", "pickup"], "deliveries": 1,
            "shortfall_policy": "refund", "shortfall_vnd_per_kg": 80_000,
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    offer_of(goc, tree).await.0
}

#[tokio::test]
async fn a_lost_report_is_found_by_querydr_a_short_harvest_is_refunded_through_vnpay_and_mail_goes_out(
) {
    let smtp = Smtp::start().await;
    let db = sqlite_url("aftercare");
    let goc = Goc::start_with(
        &db,
        "127.0.0.1:0",
        &[
            ("GOC_SMTP_URL", smtp.url().as_str()),
            ("GOC_MAIL_FROM", "Gốc <no-reply@goc.test>"),
            ("GOC_ROUND_SECS", "1"),
        ],
    )
    .await;
    let admin = goc.admin().await;
    let offer = refund_offer(&goc, &admin, "CC020").await;
    let (lan, token) = buyer(&goc, "lan@example.vn").await;
    let order: Value = hold(&lan, &token, offer).await.json().await.unwrap();
    let code = order["code"].as_str().unwrap().to_owned();

    // Paid at the gateway, but its report to us is lost; the return is display only.
    let back = pay(
        &goc,
        &lan,
        order["vnpay_url"].as_str().unwrap(),
        "pay_report_lost",
    )
    .await;
    let shown = lan.get(back.strip_prefix(&goc.base).unwrap()).await;
    assert_eq!(shown.headers()["location"], format!("/orders/{code}"));
    assert_eq!(
        state(&lan, &code).await,
        "held",
        "a return is no proof of payment"
    );

    // Someone with a terminal of their own (any cooperative's: here XOAI-MX's) reports
    // the order cancelled at the sandbox: NA-LH's querydr still hears of its own payment.
    let xoai = admin.token("/manage/XOAI-MX").await;
    let sandbox = format!("{}/sandbox/vnpay/vpcpay.html", goc.base);
    let body = json!({"tmn_code": "GOCEVIL1", "secret": SECRET, "pay_url": sandbox});
    assert_eq!(
        set_provider(&admin, &xoai, "XOAI-MX", "vnpay", body).await,
        204
    );
    let mut form: Vec<(String, String)> = url::form_urlencoded::parse(
        vnpay_query(&[
            ("vnp_Amount", "500000000".into()),
            ("vnp_Command", "pay".into()),
            ("vnp_ExpireDate", "20991231000000".into()),
            ("vnp_OrderInfo", "Nhan nuoi cay".into()),
            (
                "vnp_ReturnUrl",
                format!("{}/payments/vnpay/return", goc.base),
            ),
            ("vnp_TmnCode", "GOCEVIL1".into()),
            ("vnp_TxnRef", code.clone()),
        ])
        .as_bytes(),
    )
    .into_owned()
    .collect();
    form.push(("sandbox_action".into(), "cancel".into()));
    let r = Agent::new(&goc)
        .request(Method::POST, "/sandbox/vnpay/vpcpay.html")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(state(&lan, &code).await, "held", "not XOAI-MX's order");

    // The sales desk asks VNPay (querydr): paid, applied as the IPN would have been.
    let desk = "/manage/NA-LH/sales";
    let page = admin.get(desk).await.text().await.unwrap();
    assert!(page.contains(&code) && page.contains("Hỏi VNPay"), "{page}");
    assert_eq!(lan.get(desk).await.status(), 403, "not a buyer's page");
    let r = lan
        .submit(
            "/my-trees",
            &format!("{desk}/{code}/reconcile"),
            &[("form", "x")],
        )
        .await;
    assert_eq!(r.status(), 403, "a buyer cannot reconcile");
    let r = admin
        .submit(
            desk,
            &format!("{desk}/{code}/reconcile"),
            &[("form", &format!("reconcile-{code}"))],
        )
        .await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("Đã ghi nhận thanh toán"));
    assert_eq!(state(&lan, &code).await, "paid");
    // The lost report arrives after all: a replay, nothing changes.
    assert_eq!(ipn(&goc, back.split_once('?').unwrap().1).await, "02");
    assert_eq!(adoptions(&goc, "CC020").await, 1);
    // No care logged yet: My trees has no "latest care" (the adoption is not care).
    let mine = lan.get("/my-trees").await.text().await.unwrap();
    assert!(
        mine.contains("CC020") && !mine.contains("Chăm sóc gần nhất"),
        "{mine}"
    );

    // The adopter chooses delivery; a pickup day outside the season is refused.
    let r = lan
        .submit(
            "/my-trees",
            &format!("/my-trees/{code}/harvest"),
            &[
                ("form", "harvest-form-CC020"),
                ("method", "pickup"),
                ("pickup_on", "2030-01-01"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("trong mùa vụ"));
    let r = lan
        .submit(
            "/my-trees",
            &format!("/my-trees/{code}/harvest"),
            &[
                ("form", "harvest-form-CC020"),
                ("method", "delivery"),
                ("address", "12 Hàng Bạc, Hà Nội"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert!(admin
        .get(desk)
        .await
        .text()
        .await
        .unwrap()
        .contains("12 Hàng Bạc, Hà Nội"));

    // Not before the season ends.
    let early = admin
        .submit(
            desk,
            &format!("{desk}/{code}/settle"),
            &[("form", &format!("settle-{code}"))],
        )
        .await;
    assert_eq!(early.status(), 422);
    assert!(early
        .text()
        .await
        .unwrap()
        .contains("quyết toán sau ngày đó"));
    // The season ends (its last day moved into the past) with nothing harvested: 30 kg
    // short × 80.000 đ = 2.400.000 đ, refunded through VNPay's refund call (the sandbox
    // checks its signature).
    goc.end_seasons().await;
    let r = admin
        .submit(
            desk,
            &format!("{desk}/{code}/settle"),
            &[("form", &format!("settle-{code}"))],
        )
        .await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("2.400.000 đ"));
    let mine = lan.get("/my-trees").await.text().await.unwrap();
    assert!(mine.contains("2.400.000 đ · đã hoàn qua VNPay"), "{mine}");
    let again = admin
        .submit(
            desk,
            &format!("{desk}/{code}/settle"),
            &[("form", &format!("settle-{code}"))],
        )
        .await;
    assert_eq!(again.status(), 409, "settled once, refunded once");

    // Told in the app, and by mail through the SMTP server: settled, then refunded.
    let mails = smtp.wait_for(2).await;
    assert!(mails
        .iter()
        .all(|m| m.to == ["lan@example.vn"] && m.from == "no-reply@goc.test"));
    let bodies: Vec<String> = mails.iter().map(|m| m.body()).collect();
    assert!(
        bodies
            .iter()
            .any(|b| b.contains("Đã hoàn 2.400.000 đ cho cây CC020")),
        "{bodies:?}"
    );
    assert!(
        bodies
            .iter()
            .all(|b| b.contains(&format!("{}/my-trees", goc.base))),
        "{bodies:?}"
    );
    let notices = lan.get("/notifications").await.text().await.unwrap();
    assert!(
        notices.contains("Mùa vụ của cây CC020 đã quyết toán"),
        "{notices}"
    );
    let outbox = admin.get("/admin/outbox").await.text().await.unwrap();
    assert!(
        outbox.contains("lan@example.vn") && outbox.contains("Đã gửi"),
        "{outbox}"
    );
    assert!(
        !lan.get("/admin/outbox")
            .await
            .text()
            .await
            .unwrap()
            .contains("lan@example.vn"),
        "admins only"
    );
}

#[tokio::test]
async fn a_transfer_seen_on_the_statement_is_confirmed_by_hand_once() {
    let goc = Goc::start().await;
    let admin = goc.admin().await;
    let offer = refund_offer(&goc, &admin, "CC021").await;
    let (lan, token) = buyer(&goc, "0987000041").await;
    let order: Value = hold(&lan, &token, offer).await.json().await.unwrap();
    let code = order["code"].as_str().unwrap().to_owned();
    let desk = "/manage/NA-LH/sales";
    let (form, action) = (format!("confirm-{code}"), format!("{desk}/{code}/confirm"));
    let confirm = |note: &'static str| {
        let fields = [("form", form.clone()), ("note", note.to_owned())];
        let (admin, action) = (&admin, action.clone());
        async move {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            admin.submit(desk, &action, &fields).await
        }
    };
    assert_eq!(confirm("").await.status(), 422);
    assert_eq!(state(&lan, &code).await, "held");
    assert_eq!(confirm("FT26336123456").await.status(), 200);
    assert_eq!(state(&lan, &code).await, "paid");
    let r = confirm("FT26336123456").await;
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("đã được xác nhận trước đó"));
    assert_eq!(adoptions(&goc, "CC021").await, 1);
    let line = csv_line(&admin, &code).await;
    assert!(line.contains(",manual,"), "{line}");
}

/// The line of order `code` in the orders CSV its cooperative's managers download.
async fn csv_line(manager: &Agent, code: &str) -> String {
    let csv = manager
        .get("/api/v1/coops/NA-LH/orders.csv")
        .await
        .text()
        .await
        .unwrap();
    match csv.lines().find(|l| l.starts_with(code)) {
        Some(line) => line.to_owned(),
        None => panic!("no line for {code}: {csv}"),
    }
}

#[tokio::test]
async fn the_sales_desk_shows_one_state_at_a_time_with_counts_and_refuses_an_unknown_one() {
    let goc = Goc::start().await;
    let admin = goc.admin().await;
    let (lan, token) = buyer(&goc, "0987000045").await;
    let (offer, _) = offer_of(&goc, "CC001").await;
    let first: Value = hold(&lan, &token, offer).await.json().await.unwrap();
    let paid = first["code"].as_str().unwrap().to_owned();
    pay(&goc, &lan, first["vnpay_url"].as_str().unwrap(), "pay").await;
    assert_eq!(state(&lan, &paid).await, "paid");
    let (offer, _) = offer_of(&goc, "CC002").await;
    let second: Value = hold(&lan, &token, offer).await.json().await.unwrap();
    let held = second["code"].as_str().unwrap().to_owned();

    let desk = "/manage/NA-LH/sales";
    let all = admin.get(desk).await.text().await.unwrap();
    assert!(all.contains(&paid) && all.contains(&held), "{all}");
    for count in [
        "Tất cả (2)",
        "đang giữ (1)",
        "đã trả (1)",
        "hết hạn (0)",
        "đã huỷ (0)",
    ] {
        assert!(all.contains(count), "{count}: {all}");
    }
    let only = |which: &'static str| {
        let admin = &admin;
        async move {
            let r = admin.get(&format!("{desk}?state={which}")).await;
            assert_eq!(r.status(), 200, "{which}");
            let page = r.text().await.unwrap();
            let chosen = format!("?state={which}#orders\" aria-current=\"page\"");
            assert!(page.contains(&chosen), "{which} is marked: {page}");
            page
        }
    };
    let page = only("paid").await;
    assert!(page.contains(&paid) && !page.contains(&held), "{page}");
    let page = only("held").await;
    assert!(page.contains(&held) && !page.contains(&paid), "{page}");
    let page = only("refund_due").await;
    assert!(!page.contains(&held) && !page.contains(&paid), "{page}");
    assert!(
        page.contains("Không có đơn nào ở trạng thái này."),
        "{page}"
    );

    // The hold lapses: its row still says held; the desk and the CSV say expired.
    let lapse = format!("UPDATE orders SET held_until = 1 WHERE code = '{held}'");
    goc.execute(&lapse).await;
    let page = only("expired").await;
    assert!(
        page.contains(&held) && page.contains("hết hạn (1)"),
        "{page}"
    );
    // Confirming money for a lapsed order says what will happen.
    assert!(
        page.contains("Chỉ xác nhận khi tiền đã về tài khoản"),
        "{page}"
    );
    assert!(page.contains(r#"class="pill state-expired""#), "{page}");
    assert!(!only("held").await.contains(&held));
    let line = csv_line(&admin, &held).await;
    assert!(line.contains(",expired,"), "{line}");
    // The CSV keeps every order, whatever the desk shows.
    assert!(csv_line(&admin, &paid).await.contains(",paid,"));

    // A state the desk does not know is refused in the reader's language, not guessed.
    for bad in ["bogus", "PAID", "paid%20", "paid&state=held"] {
        let r = admin.get(&format!("{desk}?state={bad}")).await;
        assert_eq!(r.status(), 422, "{bad}");
        let page = r.text().await.unwrap();
        assert!(
            page.contains("role=\"alert\"") && page.contains("Không có trạng thái đơn này"),
            "{bad}: {page}"
        );
    }
    admin.get("/lang/en?next=/").await;
    let r = admin.get(&format!("{desk}?state=bogus")).await;
    assert_eq!(r.status(), 422);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("There is no such order state"));
    assert_eq!(lan.get(&format!("{desk}?state=paid")).await.status(), 403);
}

#[tokio::test]
async fn in_chromium_an_adopter_gives_their_tree_and_the_recipient_accepts_it() {
    let goc = Goc::start().await;
    let admin = goc.admin().await;
    let offer = refund_offer(&goc, &admin, "CC022").await;
    let (lan, token) = buyer(&goc, "0987000051").await;
    let order: Value = hold(&lan, &token, offer).await.json().await.unwrap();
    let code = order["code"].as_str().unwrap().to_owned();
    pay(&goc, &lan, order["vnpay_url"].as_str().unwrap(), "pay").await;
    assert_eq!(state(&lan, &code).await, "paid");
    let _ = buyer(&goc, "0987000052").await;

    let b = Browser::start().await;
    b.open(&format!("{}/adopt?species=custard_apple", goc.base))
        .await;
    b.wait_for_text("h1", "Nhận nuôi một cây").await;
    b.screenshot_page("catalogue").await;
    let log_in = |phone: &'static str| {
        let b = &b;
        let base = goc.base.clone();
        async move {
            b.open(&format!("{base}/login?next=/my-trees")).await;
            b.fill("#login-identifier", phone).await;
            b.fill("#login-password", "a long password").await;
            b.click("#login button[type=submit]").await;
            b.wait_for_text("h1", "Cây của tôi").await;
        }
    };
    log_in("0987000051").await;
    b.screenshot_page("gift-1-my-trees").await;
    b.click("details:has(#gift-form-CC022) > summary").await;
    b.fill("#gift-message-CC022", "Chúc mừng sinh nhật mẹ!")
        .await;
    b.click("#gift-form-CC022 button[type=submit]").await;
    b.wait_for_text("#withdraw-form-CC022", "15").await;
    b.screenshot_page("gift-2-link").await;
    let link = b
        .attr("#withdraw-form-CC022 a[href*='/gifts/']", "href")
        .await
        .expect("the gift link");
    b.sign_out().await;

    // The recipient opens the link, signs in, accepts.
    b.open(&link).await;
    b.wait_for_text("h1", "Một cây được tặng cho bạn").await;
    assert!(b
        .text("blockquote")
        .await
        .contains("Chúc mừng sinh nhật mẹ!"));
    b.screenshot_page("gift-3-recipient").await;
    log_in("0987000052").await;
    b.open(&link).await;
    b.click("#accept-gift button[type=submit]").await;
    b.wait_for_text(".flash", "Cây đã là của bạn").await;
    assert!(b.text(".my-trees").await.contains("CC022"));
    b.screenshot_page("gift-4-accepted").await;
    // The link is spent, and the giver no longer has the tree.
    let spent = goc.get(link.strip_prefix(&goc.base).unwrap()).await;
    assert_eq!(spent.status(), 404);
    assert!(spent.text().await.unwrap().contains("không còn dùng được"));
    assert!(!lan
        .get("/my-trees")
        .await
        .text()
        .await
        .unwrap()
        .contains("CC022"));
    assert!(lan
        .get("/notifications")
        .await
        .text()
        .await
        .unwrap()
        .contains("Người nhận đã nhận món quà cây CC022"));

    // The new adopter names the tree: its public page says so while the season runs.
    b.click("details:has(#name-form-CC022) > summary").await;
    b.fill("#name-CC022", "Cây của mẹ").await;
    b.click("#name-form-CC022 button[type=submit]").await;
    b.wait_for_text("h2", "“Cây của mẹ”").await;
    b.open(&format!("{}/t/NA-LH/CC022", goc.base)).await;
    b.wait_for_text("h1", "“Cây của mẹ”").await;
    assert!(
        b.text(".people").await.contains("Gia đình"),
        "the zone's caretaker"
    );
    b.screenshot_page("gift-5-tree-named").await;

    // The cooperative's sales desk at phone size.
    b.sign_out().await;
    log_in("0999999999").await;
    b.open(&format!("{}/manage/NA-LH/sales", goc.base)).await;
    b.wait_for_text("h1", "Bán nhận nuôi").await;
    assert!(b.text(".sales").await.contains("CC022"));
    b.screenshot_page("sales-desk").await;
    b.click(".state-filter a[href*='state=paid']").await;
    b.wait_for_text(".state-filter [aria-current]", "đã trả (1)")
        .await;
    assert!(b.text(".sales").await.contains("CC022"));
    b.screenshot_page("sales-desk-paid").await;
}
