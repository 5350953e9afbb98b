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
    b.sign_in(&goc, "0999999999").await;
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

    // The season report: the demo's nine care entries this year, as figures and charts.
    let report = admin.get("/manage/NA-LH/reports?price=40000").await;
    assert_eq!(report.status(), 200);
    let html = report.text().await.unwrap();
    assert!(
        html.contains("class=\"chart\"") && html.contains("role=\"img\""),
        "{html}"
    );
    assert!(html.contains("/api/v1/coops/NA-LH/reports/zones.csv?"));
    assert_eq!(lan.get("/manage/NA-LH/reports").await.status(), 403);
    let bad = admin
        .get("/manage/NA-LH/reports?from=2026-12-31&to=2026-01-01")
        .await;
    assert_eq!(bad.status(), 422);
    assert!(bad
        .text()
        .await
        .unwrap()
        .contains("Ngày bắt đầu phải trước ngày kết thúc"));
    let json: serde_json::Value = admin
        .get("/api/v1/coops/NA-LH/report")
        .await
        .json()
        .await
        .unwrap();
    assert!(json["trees"].as_u64().unwrap() > 0, "{json}");
    let zones = admin
        .get("/api/v1/coops/NA-LH/reports/zones.csv")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        zones.starts_with("\u{feff}vung,so_cay,thu_hoach_kg"),
        "{zones}"
    );
    b.open(&format!("{}/manage/NA-LH/reports?price=40000", goc.base))
        .await;
    b.wait_for_text("h1", "Báo cáo mùa vụ").await;
    b.screenshot_page("trace-3-report").await;
}

#[tokio::test]
async fn a_gs1_prefix_gives_digital_links_that_this_server_resolves_and_labels_carry() {
    let goc = Goc::start().await;
    let admin = goc.admin().await;
    // Before a prefix: the /id/ URIs of EPCIS resolve, Digital Links do not.
    let plain = goc.get("/id/NA-LH/tree/CC001").await;
    assert_eq!(plain.status(), 307);
    assert!(plain.headers()["location"]
        .to_str()
        .unwrap()
        .contains("/t/NA-LH/CC001/"));
    assert_eq!(goc.get("/8004/8930001CC001").await.status(), 404);
    let refused = admin
        .submit(
            "/manage/NA-LH",
            "/manage/NA-LH/gs1",
            &[("form", "gs1"), ("gs1", "89300AB")],
        )
        .await;
    assert_eq!(refused.status(), 422);
    assert!(refused
        .text()
        .await
        .unwrap()
        .contains("Mã doanh nghiệp GS1 gồm 6–12 chữ số"));
    let saved = admin
        .submit(
            "/manage/NA-LH",
            "/manage/NA-LH/gs1",
            &[("form", "gs1"), ("gs1", "8930001")],
        )
        .await;
    assert_eq!(saved.status(), 200);
    // A farmer may not change it.
    let lan = farmer(&goc, &admin, "NA-LH", "0912345679").await;
    let theirs = lan
        .submit(
            "/farm/NA-LH",
            "/manage/NA-LH/gs1",
            &[("form", "gs1"), ("gs1", "8930002")],
        )
        .await;
    assert_eq!(theirs.status(), 403);

    // The tree's GIAI redirects to its signed page; the linkset lists its links.
    let r = goc.get("/8004/8930001CC001").await;
    assert_eq!(r.status(), 307);
    let page = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(page.contains("/t/NA-LH/CC001/"), "{page}");
    assert!(r.headers()["link"]
        .to_str()
        .unwrap()
        .contains("linkType=all"));
    let set = goc.get("/8004/8930001CC001?linkType=all").await;
    assert_eq!(set.headers()["content-type"], "application/linkset+json");
    let set: serde_json::Value = set.json().await.unwrap();
    let links = &set["linkset"][0];
    assert_eq!(links["anchor"], format!("{}/8004/8930001CC001", goc.base));
    assert_eq!(links["https://gs1.org/voc/pip"][0]["href"], page);
    assert!(links["https://gs1.org/voc/traceability"][0]["href"]
        .as_str()
        .unwrap()
        .ends_with("/api/trees/NA-LH/CC001/history"));
    let trace = goc
        .get("/8004/8930001CC001?linkType=gs1:traceability")
        .await;
    assert!(trace.headers()["location"]
        .to_str()
        .unwrap()
        .ends_with("/history"));
    assert_eq!(goc.get("/8004/8930001CC999").await.status(), 404);
    assert_eq!(goc.get("/8004/8930001%20X").await.status(), 422);

    // The zone (GLN + extension) and a harvest lot (GTIN + lot) resolve too.
    let gln = "8930001000001";
    let zone = goc.get(&format!("/414/{gln}/254/Z")).await;
    assert_eq!(zone.status(), 404, "no such zone extension");
    assert_eq!(
        goc.get("/414/8930001000002/254/Z").await.status(),
        422,
        "a wrong check digit"
    );
    let epcis = admin
        .get("/api/v1/coops/NA-LH/trees/CC001/epcis.json")
        .await;
    assert_eq!(epcis.headers()["content-type"], "application/ld+json");
    let epcis: serde_json::Value = epcis.json().await.unwrap();
    let events = epcis["epcisBody"]["eventList"].as_array().unwrap();
    let born = events
        .iter()
        .find(|e| e["bizStep"] == "commissioning")
        .unwrap();
    assert_eq!(
        born["epcList"][0],
        format!("{}/8004/8930001CC001", goc.base)
    );
    let zone_uri = born["bizLocation"]["id"].as_str().unwrap();
    let zone_path = zone_uri.strip_prefix(&goc.base).unwrap();
    assert!(
        zone_path.starts_with(&format!("/414/{gln}/254/")),
        "{zone_path}"
    );
    let z = goc.get(zone_path).await;
    assert_eq!(z.status(), 307);
    assert!(z.headers()["location"]
        .to_str()
        .unwrap()
        .contains("/c/NA-LH"));
    let lot = goc.get("/01/8930001000018/10/CC001-20261102").await;
    assert_eq!(lot.status(), 307);
    assert!(lot.headers()["location"]
        .to_str()
        .unwrap()
        .contains("/t/NA-LH/CC001/"));

    // A label can carry the Digital Link with its signature; scanning it opens the same
    // verified page, and a tampered signature opens the page that says so.
    let pdf = admin
        .submit(
            "/manage/NA-LH",
            "/manage/NA-LH/labels.pdf",
            &[
                ("form", "labels"),
                ("format", "a4-3x8"),
                ("trees", "CC001"),
                ("dl", "1"),
            ],
        )
        .await;
    assert_eq!(pdf.status(), 200);
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    let (key, sig) = {
        let mut tail = page.rsplit('/');
        let sig = tail.next().unwrap().to_owned();
        (tail.next().unwrap().to_owned(), sig)
    };
    let scanned = goc
        .get(&format!("/8004/8930001CC001?sig={key}.{sig}"))
        .await;
    assert_eq!(scanned.headers()["location"].to_str().unwrap(), page);
    let forged = format!("{}A", &sig[..sig.len() - 1]);
    let tampered = goc
        .get(&format!("/8004/8930001CC001?sig={key}.{forged}"))
        .await;
    let to = tampered.headers()["location"].to_str().unwrap().to_owned();
    assert!(to.ends_with(&forged));
    let genuine = goc.text(page.strip_prefix(&goc.base).unwrap()).await;
    assert!(genuine.contains("Xác thực: do"));
    let shown = goc.get(to.strip_prefix(&goc.base).unwrap()).await;
    let shown = shown.text().await.unwrap();
    assert!(
        !shown.contains("Xác thực: do"),
        "a forged signature is not verified"
    );
}
