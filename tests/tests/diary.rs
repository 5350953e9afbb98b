//! The diary end to end: the sync API over HTTP as a phone calls it, the verified
//! timeline on the tree page, `goc verify` on tampered databases, durability under
//! SIGKILL, and the farmer's offline journey in Chromium.

use reqwest::Method;
use serde_json::{json, Value};
use sha2::Digest as _;

use crate::support::{farmer, goc_command, scratch, sqlite_url, tamper, Agent, Goc, PgDatabase};

/// Deterministic UUIDv7 ids.
fn id(n: u32) -> String {
    format!("0193a5c4-8f1e-7cc2-9d3a-5b0f{n:08x}")
}

fn entry(n: u32, tree: &str, action: Value) -> Value {
    json!({"id": id(n), "tree": tree, "recorded_at": 1_764_000_000_000i64 + i64::from(n), "action": action})
}

async fn sync(who: &Agent, token: &str, body: &Value) -> reqwest::Response {
    who.request(Method::POST, "/api/v1/diary/sync")
        .header("x-csrf-token", token)
        .json(body)
        .send()
        .await
        .unwrap()
}

fn statuses(reply: &Value) -> Vec<String> {
    reply["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap().to_owned())
        .collect()
}

fn sha256_hex(b: &[u8]) -> String {
    sha2::Sha256::digest(b)
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect()
}

#[tokio::test]
async fn a_phone_syncs_photos_and_entries_once_and_the_tree_page_shows_the_verified_diary() {
    let goc = Goc::start().await;
    let admin = goc.admin().await;
    let lan = farmer(&goc, &admin, "NA-LH", "0911222333").await;
    let page = lan.get("/farm/NA-LH").await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("id=\"log\"") && html.contains("CC001"),
        "the farmer's page lists the trees"
    );
    assert!(!html.contains(".wasm"), "the farmer's page ships no wasm");
    assert!(html.contains("/pkg/farm.js") && html.contains("rel=\"manifest\""));
    let token = lan.token("/farm/NA-LH").await;

    // Photos first, by their SHA-256; a damaged upload and a missing token are refused.
    let photo = {
        let mut jpeg = Vec::new();
        image::DynamicImage::ImageRgb8(image::RgbImage::from_fn(800, 600, |x, y| {
            image::Rgb([(x % 250) as u8, (y % 250) as u8, 60])
        }))
        .write_to(
            &mut std::io::Cursor::new(&mut jpeg),
            image::ImageFormat::Jpeg,
        )
        .unwrap();
        jpeg
    };
    let name = sha256_hex(&photo);
    let at = format!("/api/v1/photos/{name}?coop=NA-LH");
    assert_eq!(
        lan.request(Method::HEAD, &at)
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let put = |body: Vec<u8>, token: Option<&str>| {
        let mut r = lan.request(Method::PUT, &at).body(body);
        if let Some(t) = token {
            r = r.header("x-csrf-token", t);
        }
        r.send()
    };
    assert_eq!(
        put(photo.clone(), None).await.unwrap().status(),
        403,
        "no CSRF token"
    );
    let mut damaged = photo.clone();
    damaged[100] ^= 1;
    let r = put(damaged, Some(&token)).await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("SHA-256"));
    let r = put(photo.clone(), Some(&token)).await.unwrap();
    assert_eq!(r.status(), 201);
    let stored: Value = r.json().await.unwrap();
    assert_eq!(
        put(photo.clone(), Some(&token)).await.unwrap().status(),
        200,
        "skipped: already there"
    );
    assert_eq!(
        lan.request(Method::HEAD, &at)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let not_an_image = b"GIF89a not really".to_vec();
    let odd = format!("/api/v1/photos/{}?coop=NA-LH", sha256_hex(&not_an_image));
    let r = lan
        .request(Method::PUT, &odd)
        .header("x-csrf-token", &token)
        .body(not_an_image)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);

    let mut sprayed = entry(
        1,
        "CC001",
        json!({"kind": "sprayed", "product": "Abamectin 1.8EC",
        "active_ingredient": "abamectin", "dose": "10 ml/8 l", "lot": "AB-2411-07", "phi_days": 7}),
    );
    sprayed["photos"] = json!([name]);
    sprayed["location"] = json!({"lat": 21.6321, "lon": 105.8441});
    let body = json!({"coop": "NA-LH", "entries": [
        sprayed,
        entry(2, "CC001", json!({"kind": "harvested", "kg": 2.5, "grade": "loại 1"})),
        entry(3, "CC002", json!({"kind": "watered", "litres": 40})),
    ]});
    let r = sync(&lan, &token, &body).await;
    assert_eq!(r.status(), 200);
    let first: Value = r.json().await.unwrap();
    assert_eq!(statuses(&first), ["stored", "stored", "stored"]);
    // A retry after a lost reply: the original acknowledgement, nothing appended.
    let again: Value = sync(&lan, &token, &body).await.json().await.unwrap();
    assert_eq!(statuses(&again), ["duplicate", "duplicate", "duplicate"]);
    assert_eq!(again["results"][0]["seq"], first["results"][0]["seq"]);

    // Whole requests refused: no token, a visitor, a farmer of another cooperative,
    // malformed JSON, too large.
    let r = lan
        .request(Method::POST, "/api/v1/diary/sync")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let visitor = Agent::new(&goc);
    let vt = visitor.token("/login").await;
    assert_eq!(sync(&visitor, &vt, &body).await.status(), 401);
    let other = farmer(&goc, &admin, "XOAI-MX", "0911222444").await;
    let ot = other.token("/farm/XOAI-MX").await;
    assert_eq!(sync(&other, &ot, &body).await.status(), 403);
    assert_eq!(other.get("/farm/NA-LH").await.status(), 403);
    let r = lan
        .request(Method::POST, "/api/v1/diary/sync")
        .header("x-csrf-token", &token)
        .header("content-type", "application/json")
        .body("{\"coop\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(
        r.text().await.unwrap().contains("không đúng định dạng"),
        "in the farmer's language"
    );
    let huge = json!({"coop": "NA-LH", "entries": [entry(9, "CC001", json!({"kind": "note", "text": "x".repeat(2 << 20)}))]});
    assert_eq!(sync(&lan, &token, &huge).await.status(), 413);

    // The buyer's page: the diary, the lot, the flagged harvest, the photo; verified.
    let tree = goc.text("/t/NA-LH/CC001").await;
    for want in [
        "Nhật ký chăm sóc",
        "Phun thuốc",
        "AB-2411-07",
        "Thu hoạch",
        "2,5 kg",
        "thời gian cách ly",
    ] {
        assert!(tree.contains(want), "the tree page lacks {want:?}");
    }
    let photo_hash = stored["hash"].as_str().unwrap();
    assert!(tree.contains(&format!("/photos/{photo_hash}/thumb.jpg")));
    assert_eq!(
        goc.get(&format!("/photos/{photo_hash}/full.jpg"))
            .await
            .status(),
        200
    );
    let history =
        ledger::TreeHistory::from_json(&goc.text("/api/trees/NA-LH/CC001/history").await).unwrap();
    let summary = history.verify().unwrap();
    assert!(summary
        .entries
        .iter()
        .any(|e| matches!(&e.kind, ledger::Kind::SprayedLot { lot, .. } if lot == "AB-2411-07")));
    // No phone number and no account id in the public log: a pseudonym.
    let last = summary.entries.last().unwrap();
    assert!(last.author.starts_with("member:"), "{}", last.author);

    // A correction from the farmer's page without JavaScript: the old value stays, struck.
    let harvest_hash = first["results"][1]["hash"].as_str().unwrap().to_owned();
    let here = "/farm/NA-LH/t/CC001";
    let form = reqwest::multipart::Form::new()
        .text("csrf", token.clone())
        .text("form", "log")
        .text("form_id", form_id(&lan, here).await)
        .text("page", here)
        .text("tree", "CC001")
        .text("corrects", harvest_hash.clone())
        .text("reason", "cân nhầm")
        .text("kind", "harvested")
        .text("kg", "1,5")
        .text("grade", "loại 1");
    let r = lan
        .post_multipart(&format!("/farm/NA-LH/log?csrf={token}"), form)
        .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    assert_eq!(r.headers()["location"], format!("{here}?done=logged"));
    let mine = lan
        .get(&format!("{here}?done=logged"))
        .await
        .text()
        .await
        .unwrap();
    assert!(mine.contains("Đã lưu vào nhật ký"));
    assert!(
        mine.contains("1,5 kg") && mine.contains("<s>") && mine.contains("cân nhầm"),
        "corrected value with the correction visible"
    );
    // A bad value through the same form: refused in Vietnamese, nothing stored.
    let before = goc.text("/api/trees/NA-LH/CC002/history").await;
    let form = reqwest::multipart::Form::new()
        .text("csrf", token.clone())
        .text("form", "log")
        .text("form_id", form_id(&lan, "/farm/NA-LH").await)
        .text("page", "/farm/NA-LH")
        .text("tree", "CC002")
        .text("kind", "pest")
        .text("pest", "rệp sáp")
        .text("severity", "7");
    let r = lan
        .post_multipart(&format!("/farm/NA-LH/log?csrf={token}"), form)
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Mức độ phải từ 1 đến 3"));
    assert_eq!(goc.text("/api/trees/NA-LH/CC002/history").await, before);

    // Found by an outside probe: a form naming one good tree and one of another
    // cooperative stored the good one and said it failed. All of it or nothing.
    let log_at = format!("/farm/NA-LH/log?csrf={token}");
    let posted = |trees: &'static [&'static str], id: String, text: &'static str| {
        let mut form = reqwest::multipart::Form::new()
            .text("csrf", token.clone())
            .text("form", "log")
            .text("form_id", id)
            .text("page", "/farm/NA-LH")
            .text("kind", "note")
            .text("text", text);
        for t in trees {
            form = form.text("tree", *t);
        }
        lan.post_multipart(&log_at, form)
    };
    let r = posted(
        &["CC012", "XM001"],
        form_id(&lan, "/farm/NA-LH").await,
        "một phần",
    )
    .await;
    assert_eq!(r.status(), 422);
    assert_eq!(
        count_kind(&goc, "CC012", 18).await,
        0,
        "nothing of a refused form is stored"
    );
    // The same form sent twice (a double tap, a retry): stored once.
    let id = form_id(&lan, "/farm/NA-LH").await;
    for _ in 0..2 {
        assert_eq!(
            posted(&["CC012", "CC013"], id.clone(), "hai lần")
                .await
                .status(),
            303
        );
    }
    assert_eq!(count_kind(&goc, "CC012", 18).await, 1);
    assert_eq!(count_kind(&goc, "CC013", 18).await, 1);
    // A photo far larger than any phone sends is refused before it is decoded.
    let mut big = Vec::new();
    image::DynamicImage::ImageLuma8(image::GrayImage::new(4100, 4100))
        .write_to(&mut std::io::Cursor::new(&mut big), image::ImageFormat::Png)
        .unwrap();
    let r = lan
        .request(
            Method::PUT,
            &format!("/api/v1/photos/{}?coop=NA-LH", sha256_hex(&big)),
        )
        .header("x-csrf-token", &token)
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    // Care is recorded by members: a platform administrator who is not one may not.
    let at = admin.token("/manage/NA-LH").await;
    let r = sync(
        &admin,
        &at,
        &json!({"coop": "NA-LH", "entries": [entry(50, "CC001", json!({"kind": "watered"}))]}),
    )
    .await;
    assert_eq!(r.status(), 403);

    // The managers' view: by tree, recorder and week, the flagged harvest, quiet trees.
    let report = admin
        .get("/manage/NA-LH/diary?tree=CC001&week=2025-W48")
        .await;
    assert_eq!(report.status(), 200);
    let report = report.text().await.unwrap();
    for want in [
        "Tuần 2025-W48",
        "Phun thuốc",
        "AB-2411-07",
        "Nông dân Lan",
        "Thu hoạch trong thời gian cách ly",
    ] {
        assert!(report.contains(want), "the diary report lacks {want:?}");
    }
    assert!(
        !report.contains("Tưới nước · 40 l"),
        "CC002's watering is filtered out"
    );
    let other_week = admin
        .get("/manage/NA-LH/diary?week=2025-W40")
        .await
        .text()
        .await
        .unwrap();
    assert!(other_week.contains("Không có mục nào khớp"));
    let quiet = admin
        .get("/manage/NA-LH/diary?quiet=1")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        quiet.contains("CC024") && quiet.contains("chưa được chăm sóc lần nào"),
        "a tree never cared for is listed"
    );
    assert_eq!(other.get("/manage/NA-LH/diary").await.status(), 403);

    let out = goc.command(&["verify"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("NA-LH:"));
}

async fn a_tampered_row_is_caught_everywhere(database_url: &str) {
    let goc = Goc::start_on(database_url).await;
    assert!(goc
        .text("/t/NA-LH/CC001")
        .await
        .contains("Nhật ký chăm sóc"));
    let clean = goc.command(&["verify", "--coop", "NA-LH"]);
    assert!(
        clean.status.success(),
        "{}",
        String::from_utf8_lossy(&clean.stdout)
    );
    // The demo's CC001: its first diary entry's bytes replaced by another tree's.
    let history =
        ledger::TreeHistory::from_json(&goc.text("/api/trees/NA-LH/CC001/history").await).unwrap();
    let seq = history.verify().unwrap().entries[1].seq;
    tamper(database_url, &[&format!(
        "UPDATE ledger_entries SET bytes = (SELECT bytes FROM ledger_entries e WHERE e.cooperative_id = ledger_entries.cooperative_id AND e.seq = 0) \
         WHERE seq = {seq} AND cooperative_id = (SELECT id FROM cooperatives WHERE code = 'NA-LH')"
    )]).await;
    let out = goc.command(&["verify"]);
    let said = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(
        said.contains(&format!("NA-LH entry #{seq}: its bytes do not match")),
        "{said}"
    );
    assert!(
        said.contains("XOAI-MX:") && said.contains("ok"),
        "the other cooperative is fine: {said}"
    );
    let page = goc.text("/t/NA-LH/CC001").await;
    assert!(
        page.contains("badge bad") && page.contains("không còn khớp"),
        "no green badge over a damaged history"
    );
    assert!(!page.contains("badge ok"));
    assert_eq!(
        goc.get("/api/trees/NA-LH/CC001/history").await.status(),
        500,
        "not exported as if nothing happened"
    );
}

#[tokio::test]
async fn goc_verify_the_export_and_the_page_catch_a_row_edited_in_sqlite() {
    a_tampered_row_is_caught_everywhere(&sqlite_url("tamper")).await;
}

#[tokio::test]
async fn goc_verify_the_export_and_the_page_catch_a_row_edited_in_postgresql() {
    let db = PgDatabase::create();
    a_tampered_row_is_caught_everywhere(&db.url()).await;
}

/// Appends from a phone that keeps syncing while the server is killed: every entry the
/// server acknowledged is there after the restart, and the log verifies.
async fn acknowledged_entries_survive_sigkill(database_url: &str) {
    let goc = Goc::start_on(database_url).await;
    let lan = farmer(&goc, &goc.admin().await, "NA-LH", "0911222555").await;
    let token = lan.token("/farm/NA-LH").await;
    let listen = goc.listen();
    let writer = {
        let lan_req = lan
            .request(Method::POST, "/api/v1/diary/sync")
            .header("x-csrf-token", &token);
        let template = lan_req.try_clone().unwrap();
        tokio::spawn(async move {
            let mut acked = Vec::new();
            for batch in 0u32.. {
                let entries: Vec<Value> = (0..5)
                    .map(|i| {
                        entry(
                            batch * 5 + i,
                            ["CC001", "CC002", "CC003"][i as usize % 3],
                            json!({"kind": "bagged", "fruits": batch * 5 + i + 1}),
                        )
                    })
                    .collect();
                let sent = template
                    .try_clone()
                    .unwrap()
                    .json(&json!({"coop": "NA-LH", "entries": entries}))
                    .send()
                    .await;
                match sent {
                    Ok(r) if r.status() == 200 => {
                        let v: Value = match r.json().await {
                            Ok(v) => v,
                            Err(_) => break,
                        };
                        for res in v["results"].as_array().unwrap() {
                            assert_eq!(res["status"], "stored");
                            acked.push(res["id"].as_str().unwrap().to_owned());
                        }
                    }
                    _ => break,
                }
            }
            acked
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    goc.kill().await;
    let acked = writer.await.unwrap();
    assert!(
        acked.len() >= 10,
        "the stream ran before the kill ({} acknowledged)",
        acked.len()
    );
    let goc = Goc::start_at(database_url, &listen).await;
    // Each acknowledged id, sent again, is a duplicate: it is stored.
    let again: Vec<Value> = acked
        .iter()
        .map(|i| {
            let n = u32::from_str_radix(&i[i.len() - 8..], 16).unwrap();
            entry(
                n,
                ["CC001", "CC002", "CC003"][n as usize % 5 % 3],
                json!({"kind": "bagged", "fruits": n + 1}),
            )
        })
        .collect();
    let lan = lan.at(&goc);
    for chunk in again.chunks(400) {
        let r: Value = sync(&lan, &token, &json!({"coop": "NA-LH", "entries": chunk}))
            .await
            .json()
            .await
            .unwrap();
        assert!(statuses(&r).iter().all(|s| s == "duplicate"), "{r}");
    }
    let out = goc_command(database_url, &["verify"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[tokio::test]
async fn acknowledged_entries_survive_sigkill_on_sqlite() {
    acknowledged_entries_survive_sigkill(&sqlite_url("kill")).await;
}

#[tokio::test]
async fn acknowledged_entries_survive_sigkill_on_postgresql() {
    let db = PgDatabase::create();
    acknowledged_entries_survive_sigkill(&db.url()).await;
}

/// The id the farmer's form at `page` gives its entries.
async fn form_id(who: &Agent, page: &str) -> String {
    let html = who.get(page).await.text().await.unwrap();
    let at = html.find("name=\"form_id\" value=\"").expect("a form id") + 22;
    html[at..at + 36].to_owned()
}

/// How many entries of `kind` (tag) a tree's exported history holds.
async fn count_kind(goc: &Goc, tree: &str, tag: u16) -> usize {
    let h = ledger::TreeHistory::from_json(
        &goc.text(&format!("/api/trees/NA-LH/{tree}/history")).await,
    )
    .unwrap();
    h.verify()
        .unwrap()
        .entries
        .iter()
        .filter(|e| e.kind.tag() == tag)
        .count()
}

#[tokio::test]
async fn in_chromium_a_farmer_logs_care_offline_and_it_lands_exactly_once() {
    use crate::support::Browser;
    let dir = scratch("offline");
    let db = format!("sqlite://{}/goc.db", dir.display());
    let goc = Goc::start_on(&db).await;
    farmer(&goc, &goc.admin().await, "NA-LH", "0911222666").await;
    let listen = goc.listen();
    let b = Browser::start().await;
    b.open(&format!("{}/login?next=/farm/NA-LH", goc.base))
        .await;
    b.fill("#login-identifier", "0911222666").await;
    b.fill("#login-password", "farmer password").await;
    b.click("#login button[type=submit]").await;
    b.wait_for_text("h1", "Vườn của tôi").await;
    // Installable: the manifest and a worker that controls the page.
    b.eval("return navigator.serviceWorker.ready.then(() => 'ready')")
        .await;
    b.open(&format!("{}/farm/NA-LH", goc.base)).await;
    b.find_css("#outbox[data-pending='0']").await;
    assert_eq!(
        b.eval("return String(!!navigator.serviceWorker.controller)")
            .await,
        "true"
    );
    let errors = b.cdp("Page.getInstallabilityErrors", json!({})).await;
    assert_eq!(errors["installabilityErrors"], json!([]), "{errors}");
    b.screenshot_page("farm-home").await;

    // Online, with a photo: queued, then synced at once.
    let photo = dir.join("la.jpg");
    let mut jpeg = Vec::new();
    image::DynamicImage::ImageRgb8(image::RgbImage::from_fn(2400, 1800, |x, y| {
        image::Rgb([(x / 10 % 250) as u8, (y / 10 % 250) as u8, 80])
    }))
    .write_to(
        &mut std::io::Cursor::new(&mut jpeg),
        image::ImageFormat::Jpeg,
    )
    .unwrap();
    std::fs::write(&photo, jpeg).unwrap();
    let watered = count_kind(&goc, "CC001", 10).await;
    b.click("label.tree input[value='CC001']").await;
    b.click("label[for='kind-watered']").await;
    b.fill("#log-watered-litres", "20").await;
    b.upload("#log-photo", &photo).await;
    b.screenshot("farm-log-watered").await;
    b.click("#log button[type=submit]").await;
    b.wait_for_text("#log-message", "Đã lưu").await;
    b.eval("return window.gocDiary.syncNow().then(() => 'done')")
        .await;
    b.wait_for_text("#outbox", "Đã đồng bộ hết").await;
    assert_eq!(count_kind(&goc, "CC001", 10).await, watered + 1);
    let h =
        ledger::TreeHistory::from_json(&goc.text("/api/trees/NA-LH/CC001/history").await).unwrap();
    let last = h.verify().unwrap().entries.pop().unwrap();
    assert_eq!(last.photos.len(), 1, "the photo came with it");
    let full = goc
        .get(&format!("/photos/{}/full.jpg", last.photos[0]))
        .await
        .bytes()
        .await
        .unwrap();
    let img = image::load_from_memory(&full).unwrap();
    assert!(
        img.width().max(img.height()) <= 1600,
        "downscaled on the phone: {}×{}",
        img.width(),
        img.height()
    );

    // The server goes away (no signal in the orchard): three entries wait on the phone,
    // and survive a reload of the page.
    goc.kill().await;
    for fruits in ["10", "11", "12"] {
        b.click("label.tree input[value='CC002']").await;
        b.click("label[for='kind-bagged']").await;
        b.fill("#log-bagged-fruits", fruits).await;
        b.click("#log button[type=submit]").await;
        b.find_css("#log-message").await;
    }
    b.wait_for_text("#outbox", "3 mục chờ đồng bộ").await;
    b.open(&format!("http://{listen}/farm/NA-LH")).await;
    b.wait_for_text("#outbox", "3 mục chờ đồng bộ").await;
    b.screenshot("farm-offline-queue").await;

    // The signal returns: the same server, the same place. They land exactly once, even
    // with a second sync racing the first.
    let goc = Goc::start_at(&db, &listen).await;
    b.eval("return Promise.all([window.gocDiary.syncNow(), window.gocDiary.syncNow()]).then(() => 'done')").await;
    b.wait_for_text("#outbox", "Đã đồng bộ hết").await;
    assert_eq!(count_kind(&goc, "CC002", 14).await, 3);

    // One action for a whole zone: one entry per tree of it, and no other.
    let zone_trees: Vec<String> = b
        .eval("return [...document.querySelectorAll('label.tree[data-zone=z0] input')].map((i) => i.value).join(',')")
        .await
        .split(',')
        .map(str::to_owned)
        .collect();
    assert!(zone_trees.len() > 1, "{zone_trees:?}");
    let mut pruned = Vec::new();
    for t in &zone_trees {
        pruned.push(count_kind(&goc, t, 12).await);
    }
    b.click("details.zone summary input[data-zone=z0]").await;
    b.click("label[for='kind-pruned']").await;
    b.click("#log button[type=submit]").await;
    b.wait_for_text("#log-message", "Đã lưu").await;
    b.eval("return window.gocDiary.syncNow().then(() => 'done')")
        .await;
    b.wait_for_text("#outbox", "Đã đồng bộ hết").await;
    for (t, before) in zone_trees.iter().zip(pruned) {
        assert_eq!(count_kind(&goc, t, 12).await, before + 1, "{t}");
    }
    b.open(&format!("{}/farm/NA-LH/t/CC002", goc.base)).await;
    b.screenshot_page("farm-tree-diary").await;
    b.open(&format!("{}/t/NA-LH/CC001", goc.base)).await;
    b.screenshot_page("tree-page-diary").await;
    b.open(&format!("{}/manage/NA-LH/diary?quiet=1", goc.base))
        .await;
    b.wait_for_text("h1", "Nhật ký của hợp tác xã").await;
    b.screenshot_page("manage-diary").await;
    // Signing out on a shared phone leaves no farm page in the worker's cache.
    b.open(&format!("{}/farm/NA-LH", goc.base)).await;
    b.find_css("#outbox[data-pending='0']").await;
    let cached = "return caches.keys().then((ns) => Promise.all(ns.map((n) => caches.open(n).then((c) => c.keys()))))\
                  .then((all) => String(all.flat().filter((r) => new URL(r.url).pathname.startsWith('/farm')).length))";
    assert_ne!(b.eval(cached).await, "0", "the worker kept the farm page");
    b.sign_out().await;
    assert_eq!(
        b.eval(cached).await,
        "0",
        "nothing of the member's pages is left"
    );
    b.close().await;
}

#[tokio::test]
async fn in_chromium_the_phone_verifies_the_history_from_the_scanned_labels_key() {
    use crate::support::Browser;
    let goc = Goc::start().await;
    let url = goc.identity_url("NA-LH", "CC001").await;
    let b = Browser::start().await;
    b.open(&url).await;
    b.wait_for_text(
        "#verify-here.ok",
        "Lịch sử đã được xác minh trên máy của bạn đến mốc #",
    )
    .await;
    assert!(b.text("#verify-here").await.contains("HTX Na La Hiên"));
    b.screenshot("tree-verified-on-phone").await;
    // A label naming a key the cooperative never had: the phone says so.
    let mut parts: Vec<&str> = url.split('/').collect();
    let n = parts.len();
    parts[n - 2] = "AAAAAAAAAAAAA";
    b.open(&parts.join("/")).await;
    b.wait_for_text("#verify-here.bad", "không xác minh được")
        .await;
    assert!(b.text("#verify-here").await.contains("AAAAAAAAAAAAA"));
    b.close().await;
}

#[tokio::test]
async fn in_chromium_a_farmer_finds_a_tree_by_scanning_its_label_and_a_forged_one_is_called_out() {
    use crate::support::{qr_video, Browser};
    let goc = Goc::start().await;
    let admin = goc.admin().await;
    let lan = farmer(&goc, &admin, "NA-LH", "0911222777").await;
    let label = goc.identity_url("NA-LH", "CC003").await;
    let video = scratch("camera").join("label.y4m");
    qr_video(&label, &video);
    let b = Browser::start_with_camera(&video).await;
    b.open(&format!("{}/login?next=/farm/NA-LH", goc.base))
        .await;
    b.fill("#login-identifier", "0911222777").await;
    b.fill("#login-password", "farmer password").await;
    b.click("#login button[type=submit]").await;
    b.wait_for_text("h1", "Vườn của tôi").await;
    // No BarcodeDetector in headless Chromium: the page fetches its wasm decoder.
    b.find_css("#scan:not([hidden])").await;
    b.click("#scan").await;
    b.wait_for_text("h1", "CC003").await;
    assert!(b.current_url().await.contains("/farm/NA-LH/t/CC003?label="));
    b.wait_for_text(".notice-ok", "Tem thật của cây này").await;
    b.screenshot("farm-scanned-label").await;
    b.close().await;
    // A label copied onto another tree (CC003's signature under CC004's code) is called out.
    let forged = label.replace("/CC003/", "/CC004/");
    let path = &forged[goc.base.len()..];
    let page = lan
        .get(&format!(
            "/farm/NA-LH/t/CC004?label={}",
            path.replace('/', "%2F")
        ))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Tem này không xác thực được"),
        "a forged label is called out"
    );
}
