//! Recall and traceback against the real binary: the demo's lots traced over HTTP (JSON,
//! CSV and the page), refused to visitors and farmers, bad questions answered in words,
//! and a manager running both in Chromium at phone size.

use crate::support::{farmer, Browser, Goc};

#[tokio::test]
async fn a_manager_traces_a_lot_and_a_tree_and_nobody_else_may() {
    let goc = Goc::start().await;
    let admin = goc.admin().await;
    let api = "/api/v1/coops/NA-LH/recall?lot=ab%202610%2007&product=abamectin%201.8ec";

    // Who may ask: not a visitor, not a farmer (the answer lists buyers).
    assert_eq!(goc.get(api).await.status(), 401);
    let lan = farmer(&goc, &admin, "NA-LH", "0912345678").await;
    assert_eq!(lan.get(api).await.status(), 403);
    let page = lan.get("/manage/NA-LH/trace?lot=AB-2610-07").await;
    assert_eq!(page.status(), 403);
    assert!(!page.text().await.unwrap().contains("CC001"));

    // The demo sprayed lot AB-2610-07 on its first three trees, typed here another way.
    let r = admin.get(api).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "private, no-store");
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        v["trees"],
        serde_json::json!(["CC001", "CC002", "CC003"]),
        "{v}"
    );
    assert_eq!(v["recall"]["touches"][0]["lot"], "AB-2610-07");
    assert_eq!(
        v["recall"]["touches"][0]["hash"].as_str().unwrap().len(),
        64
    );
    let other = admin
        .get("/api/v1/coops/NA-LH/recall?lot=AB-2610-07&product=Regent")
        .await;
    let other: serde_json::Value = other.json().await.unwrap();
    assert_eq!(
        other["trees"],
        serde_json::json!([]),
        "another product, same lot number"
    );

    let csv = admin
        .get("/api/v1/coops/NA-LH/recall.csv?lot=SG-2609-14")
        .await;
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = csv.text().await.unwrap();
    assert!(csv.starts_with('\u{feff}'));
    assert_eq!(
        csv.lines()
            .filter(|l| l.starts_with("su_dung,CC00"))
            .count(),
        3,
        "{csv}"
    );

    // Bad questions: the status and the words.
    let blank = admin.get("/api/v1/coops/NA-LH/recall?lot=%20-%20").await;
    assert_eq!(blank.status(), 422);
    assert!(blank.text().await.unwrap().contains("Nhập số lô"));
    let long = admin
        .get("/manage/NA-LH/trace?lot=AB-2610-07&days=999")
        .await;
    assert_eq!(long.status(), 422);
    assert!(long
        .text()
        .await
        .unwrap()
        .contains("Số ngày rủi ro phải từ 1 đến 365"));
    let nowhere = admin.get("/manage/NA-LH/trace?tree=CC999").await;
    assert_eq!(nowhere.status(), 404);
    let elsewhere = admin.get("/api/v1/coops/ZZ-ZZ/recall?lot=A1").await;
    assert_eq!(elsewhere.status(), 404);

    // The page: the lot's trees, and the traceback of one with both lots upstream.
    let html = admin
        .get("/manage/NA-LH/trace?lot=AB-2610-07")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("3 cây đã dùng"), "{html}");
    assert!(html.contains("/api/v1/coops/NA-LH/recall.csv?lot=AB-2610-07"));
    let back = admin
        .get("/api/v1/coops/NA-LH/trees/CC002/traceback?days=120")
        .await;
    let back: serde_json::Value = back.json().await.unwrap();
    let lots: Vec<&str> = back["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["lot"].as_str().unwrap())
        .collect();
    assert_eq!(lots, ["SG-2609-14", "AB-2610-07"]);

    // In a phone's browser.
    let b = Browser::start().await;
    sign_in(&b, &goc, "0999999999").await;
    b.open(&format!("{}/manage/NA-LH/trace", goc.base)).await;
    b.wait_for_text("h1", "Truy xuất và thu hồi").await;
    b.fill("#r-lot", "ab-2610-07").await;
    b.click("form:has(#r-lot) button[type=submit]").await;
    b.wait_for_text(".summary", "3 cây đã dùng").await;
    b.screenshot_page("trace-1-recall").await;
    b.fill("#t-tree", "CC001").await;
    b.click("form:has(#t-tree) button[type=submit]").await;
    b.wait_for_text("#traceback ~ section .summary", "CC001")
        .await;
    assert!(b
        .text("#traceback ~ section")
        .await
        .contains("Phân hữu cơ vi sinh Sông Gianh"));
    b.screenshot_page("trace-2-traceback").await;
}

async fn sign_in(b: &Browser, goc: &Goc, phone: &str) {
    b.open(&format!("{}/login?next=/manage", goc.base)).await;
    b.fill("#login-identifier", phone).await;
    b.fill("#login-password", "a long password").await;
    b.click("#login button[type=submit]").await;
    b.wait_for_text("h1", "").await;
}
