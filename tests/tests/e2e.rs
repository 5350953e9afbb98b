//! End to end: the real `goc` binary on a free port with a fresh database, over HTTP and
//! in headless Chromium at phone size.

mod aftercare;
mod archive;
mod diary;
mod manage;
mod openapi;
mod payments;
mod photos;
mod support;
mod trace;
mod witness;

use support::{Browser, Goc};

#[tokio::test]
async fn health_answers_when_the_database_does() {
    let goc = Goc::start().await;
    let r = goc.get("/healthz").await;
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn the_home_page_lists_the_demo_cooperatives_server_rendered() {
    let goc = Goc::start().await;
    let html = goc.text("/").await;
    assert!(html.contains("<html lang=\"vi\""));
    assert!(html.contains("HTX Na La Hiên"), "{html}");
    assert!(html.contains("HTX Xoài Mỹ Xương"));
    assert!(
        !html.contains("Đang tải"),
        "the page must be complete without JavaScript"
    );
}

#[tokio::test]
async fn the_tree_page_shows_a_verified_badge_for_its_own_qr_url_and_a_warning_for_a_tampered_one()
{
    let goc = Goc::start().await;
    // A plain link is told apart from a scanned label: nothing was scanned to verify.
    let html = goc.text("/t/NA-LH/CC001").await;
    assert!(
        html.contains("Mở bằng đường dẫn, chưa quét tem") && !html.contains("badge ok"),
        "{html}"
    );
    let url = goc.identity_url("NA-LH", "CC001").await;
    assert!(url.starts_with(&goc.base));
    let scanned = goc.text(&url[goc.base.len()..]).await;
    assert!(scanned.contains("Xác thực: do HTX Na La Hiên cấp") && scanned.contains("badge ok"));
    // Same signature, another tree's code: a forged label.
    let forged = url[goc.base.len()..].replace("/CC001/", "/CC002/");
    let warned = goc.text(&forged).await;
    assert!(
        warned.contains("Cảnh báo: không xác thực được tem QR này"),
        "{warned}"
    );
    assert!(!warned.contains("Xác thực: do"));
}

#[tokio::test]
async fn an_unknown_tree_is_a_404_with_a_readable_message() {
    let goc = Goc::start().await;
    let r = goc.get("/t/NA-LH/ZZ999").await;
    assert_eq!(r.status(), 404);
    assert!(r.text().await.unwrap().contains("Không tìm thấy cây này."));
    assert_eq!(goc.get("/no/such/page").await.status(), 404);
}

#[tokio::test]
async fn the_exported_history_and_published_keys_verify_offline() {
    let goc = Goc::start().await;
    let json = goc.text("/api/trees/NA-LH/CC001/history").await;
    let summary = ledger::TreeHistory::from_json(&json)
        .unwrap()
        .verify()
        .unwrap();
    assert_eq!(
        summary.entries.len(),
        6,
        "registration and the demo's five diary entries"
    );
    let keys: ledger::KeyHistory =
        serde_json::from_str(&goc.text("/.well-known/goc/keys/NA-LH").await).unwrap();
    assert_eq!(keys, ledger::TreeHistory::from_json(&json).unwrap().keys);
    let note = goc.text("/api/cooperatives/NA-LH/checkpoint").await;
    assert!(note.contains("\n\n\u{2014} "), "{note}");
}

#[tokio::test]
async fn the_language_choice_is_remembered_and_never_redirects_off_site() {
    let goc = Goc::start().await;
    // The switch on a page with a query keeps it (a join link keeps its code).
    let join = goc.text("/join?code=ABCD-EFGH").await;
    assert!(
        join.contains("/lang/en?next=%2Fjoin%3Fcode%3DABCD-EFGH"),
        "{join}"
    );
    let r = goc.get("/lang/en?next=/t/NA-LH/CC001").await;
    assert_eq!(r.status(), 303);
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        cookie.starts_with("goc_lang=en;") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert_eq!(r.headers()["location"], "/t/NA-LH/CC001");
    let english = goc.text_with_cookie("/t/NA-LH/CC001", "goc_lang=en").await;
    assert!(
        english.contains("Opened by a link, not by scanning a label"),
        "{english}"
    );
    assert!(english.contains("<html lang=\"en\""));
    // Every spelling a browser reads as another host goes home instead.
    for next in [
        "//evil.example/",
        "/%5Cevil.example/x",
        "/%09/evil.example/x",
        "https://evil.example",
        "/%0A/evil.example",
    ] {
        let evil = goc.get(&format!("/lang/en?next={next}")).await;
        assert_eq!(evil.headers()["location"], "/", "{next}");
    }
}

#[tokio::test]
async fn in_chromium_a_visitor_reads_vietnamese_switches_to_english_and_the_page_hydrates() {
    let goc = Goc::start().await;
    let b = Browser::start().await;
    // The open redirect as Chromium followed it: a backslash or a tab after the slash.
    for next in ["/%5Cevil.example/x", "/%09/evil.example/x"] {
        b.open(&format!("{}/lang/en?next={next}", goc.base)).await;
        assert_eq!(b.current_url().await, format!("{}/", goc.base), "{next}");
    }
    b.open(&format!("{}/lang/vi?next=/", goc.base)).await;
    b.open(&format!("{}/t/NA-LH/CC001", goc.base)).await;
    assert!(b
        .text(".badge")
        .await
        .contains("Mở bằng đường dẫn, chưa quét tem"));
    b.click("a.lang").await;
    b.wait_for_text(".badge", "Opened by a link, not by scanning a label")
        .await;
    // The tree page ships no wasm; its signature panel is a native disclosure.
    assert_eq!(b.attr("#signature-details", "open").await, None);
    b.click("#signature-details summary").await;
    assert!(b.attr("#signature-details", "open").await.is_some());
    assert!(b
        .text("#signature-details")
        .await
        .contains("/t/NA-LH/CC001/"));
    // The other pages hydrate: a click on a link is then handled by the client-side
    // router, so the page (and this marker on its window) survives the navigation.
    b.open(&format!("{}/", goc.base)).await;
    b.find_css("html[data-hydrated]").await;
    b.eval("window.__goc_marker = 'still here'").await;
    b.click("a[href='/c/NA-LH']").await;
    b.wait_for_text("h1", "HTX Na La Hiên").await;
    assert_eq!(
        b.eval("return window.__goc_marker").await,
        "still here",
        "client-side navigation: hydrated"
    );
    // What a phone camera opens: the signed QR URL verifies; the same URL naming another
    // tree (a label copied onto the wrong tree) shows the red warning.
    let url = goc.identity_url("NA-LH", "CC001").await;
    b.open(&url).await;
    b.wait_for_text(".badge.ok", "Verified: issued by HTX Na La Hiên")
        .await;
    b.screenshot("tree-page-scanned").await;
    b.open(&url.replace("/CC001/", "/CC002/")).await;
    b.wait_for_text(".badge.bad", "Warning: this QR label could not be verified")
        .await;
    b.screenshot("tree-page-tampered").await;
    b.close().await;
}

/// The page a phone gets after a scan: HTML and CSS within 30 KB gzip, before photos
/// (which are lazy); and no wasm at all, only the map's scripts where there is a map,
/// within 60 KB gzip.
#[tokio::test]
async fn the_tree_page_fits_its_byte_budget_before_photos() {
    let goc = Goc::start().await;
    let gzipped = |url: String| async move {
        let r = reqwest::Client::new()
            .get(&url)
            .header("accept-encoding", "gzip")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{url}");
        assert_eq!(r.headers()["content-encoding"], "gzip", "{url}");
        r.bytes().await.unwrap().len()
    };
    let url = goc.identity_url("NA-LH", "CC001").await;
    let html = gzipped(url.clone()).await;
    let page = goc.text(&url[goc.base.len()..]).await;
    let css = gzipped(format!("{}{}", goc.base, stylesheet(&page))).await;
    println!("tree page: HTML {html} B + CSS {css} B gzip");
    assert!(html + css <= 30 * 1024, "HTML {html} B + CSS {css} B");
    assert!(
        !page.contains(".wasm")
            && page.match_indices("/pkg/goc.").all(|(i, _)| page[i..]
                .split('"')
                .next()
                .unwrap()
                .ends_with(".css")),
        "no wasm on the tree page"
    );
    assert!(page.contains("data-map"), "the demo tree has a map");
    // map.js fetches Leaflet when the page has a map.
    let mut js = 0;
    for script in ["/pkg/map.js", "/pkg/leaflet/leaflet.js", "/pkg/tree.js"] {
        js += gzipped(format!("{}{script}", goc.base)).await;
    }
    println!("tree page: JS + wasm {js} B gzip");
    assert!(js <= 60 * 1024, "JS + wasm {js} B");
    // After the first paint, the phone fetches its own verifier: the ledger alone.
    let verifier = gzipped(format!("{}/pkg/verify.js", goc.base)).await
        + gzipped(format!("{}/pkg/verify_bg.wasm", goc.base)).await;
    println!("tree page: the phone's verifier {verifier} B gzip, after first paint");
    assert!(verifier <= 80 * 1024, "verifier {verifier} B");
}

/// The stylesheet a page links (its name carries its content hash).
fn stylesheet(html: &str) -> String {
    let at = html.find("href=\"/pkg/goc.").expect("a stylesheet link") + 6;
    html[at..].split('"').next().unwrap().to_owned()
}

/// The app's own files are named by their content: cached for good, and served
/// precompressed (brotli to browsers that take it, else gzip).
#[tokio::test]
async fn built_files_are_content_hashed_immutable_and_precompressed() {
    let goc = Goc::start().await;
    let home = goc.text("/").await;
    let css = stylesheet(&home);
    let names: Vec<String> = home
        .match_indices("/pkg/goc.")
        .map(|(i, _)| home[i..].split('"').next().unwrap().to_owned())
        .collect();
    assert!(
        names.iter().any(|n| n.ends_with(".wasm")) && names.iter().any(|n| n.ends_with(".js")),
        "{names:?}"
    );
    for name in names.iter().chain([&css]) {
        let r = reqwest::Client::new()
            .get(format!("{}{name}", goc.base))
            .header("accept-encoding", "br, gzip")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{name}");
        assert_eq!(
            r.headers()["cache-control"],
            "public, max-age=31536000, immutable",
            "{name}"
        );
        assert_eq!(r.headers()["content-encoding"], "br", "{name}");
        assert!(r.headers().get("set-cookie").is_none(), "{name}");
    }
    let wasm = names.iter().find(|n| n.ends_with(".wasm")).unwrap();
    let gz = reqwest::Client::new()
        .get(format!("{}{wasm}", goc.base))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(gz.headers()["content-encoding"], "gzip");
    let br_len = reqwest::Client::new()
        .get(format!("{}{wasm}", goc.base))
        .header("accept-encoding", "br")
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .len();
    println!("whole-app wasm: {br_len} B brotli");
}

/// The public edge: anonymous pages and assets set no cookie and may be cached; pages
/// carry a Content-Security-Policy whose nonce is the one on their inline scripts;
/// private pages are never stored.
#[tokio::test]
async fn public_pages_are_cacheable_without_cookies_and_every_page_has_a_strict_policy() {
    let goc = Goc::start().await;
    for path in [
        "/t/NA-LH/CC001",
        "/",
        "/pkg/map.js",
        "/healthz",
        "/.well-known/goc/keys/NA-LH",
    ] {
        let r = goc.get(path).await;
        assert_eq!(r.status(), 200, "{path}");
        assert!(
            r.headers().get("set-cookie").is_none(),
            "{path} sets a cookie"
        );
        assert_eq!(r.headers()["x-content-type-options"], "nosniff", "{path}");
        assert!(
            r.headers()["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("frame-ancestors 'none'"),
            "{path}"
        );
    }
    assert_eq!(
        goc.get("/t/NA-LH/CC001").await.headers()["cache-control"],
        "public, max-age=60"
    );
    let page = goc.get("/").await;
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .unwrap()
        .split('\'')
        .next()
        .unwrap()
        .to_owned();
    assert!(nonce.len() >= 16 && !csp.contains("unsafe-inline"), "{csp}");
    let html = page.text().await.unwrap();
    let inline_scripts = html.matches("<script").count() - html.matches("<script src=").count();
    assert!(inline_scripts > 0);
    assert_eq!(
        html.matches(&format!("nonce=\"{nonce}\"")).count(),
        inline_scripts,
        "every inline script carries the nonce"
    );
    let again = goc.get("/t/NA-LH/CC001").await;
    assert_ne!(
        again.headers()["content-security-policy"],
        csp.as_str(),
        "a fresh nonce per page"
    );
    // Histories and keys carry a content hash: asking again with it costs nothing.
    for path in [
        "/api/trees/NA-LH/CC001/history",
        "/.well-known/goc/keys/NA-LH",
    ] {
        let first = goc.get(path).await;
        let etag = first.headers()["etag"].to_str().unwrap().to_owned();
        let again = reqwest::Client::new()
            .get(format!("{}{path}", goc.base))
            .header("if-none-match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 304, "{path}");
        assert!(again.bytes().await.unwrap().is_empty());
        let stale = reqwest::Client::new()
            .get(format!("{}{path}", goc.base))
            .header("if-none-match", "\"0000\"")
            .send()
            .await
            .unwrap();
        assert_eq!(stale.status(), 200, "{path}");
    }
    // Pages with forms set the CSRF cookie and are never cached.
    let login = goc.get("/login").await;
    assert!(login.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .starts_with("goc_csrf="));
    assert_eq!(login.headers()["cache-control"], "no-store");
    assert_eq!(
        goc.get("/manage").await.headers()["cache-control"],
        "no-store"
    );
}

/// Operators scrape /metrics from the machine itself; a client forwarded by the reverse
/// proxy is refused.
#[tokio::test]
async fn metrics_count_requests_by_route_and_are_served_to_this_machine_only() {
    let goc = Goc::start().await;
    for _ in 0..3 {
        assert_eq!(goc.get("/t/NA-LH/CC001").await.status(), 200);
    }
    let text = goc.text("/metrics").await;
    let line = text
        .lines()
        .find(|l| {
            l.starts_with("goc_http_requests_total{")
                && l.contains("route=\"/t/{coop}/{tree}\"")
                && l.contains("status=\"200\"")
        })
        .unwrap_or_else(|| panic!("{text}"));
    assert!(line.ends_with(" 3"), "{line}");
    assert!(text.contains("goc_http_request_duration_seconds_bucket{"));
    assert!(
        text.lines()
            .any(|l| l.starts_with("goc_cooperatives ") && l.ends_with(" 2")),
        "the demo's two"
    );
    assert!(text.lines().any(|l| l.starts_with("goc_ledger_entries ")));
    assert!(text.contains("goc_db_pool_connections"));
    let forwarded = reqwest::Client::new()
        .get(format!("{}/metrics", goc.base))
        .header("x-forwarded-for", "203.0.113.5")
        .send()
        .await
        .unwrap();
    assert_eq!(forwarded.status(), 403);
}

/// A scanned label opened again costs one round trip and no page: the tree page answers
/// 304 while it is unchanged (its per-page nonce aside), and a 304 carries no policy of its
/// own, so the stored page keeps the one that matches its nonce.
#[tokio::test]
async fn the_tree_page_answers_not_modified_while_it_is_unchanged() {
    let goc = Goc::start().await;
    let first = goc.get("/t/NA-LH/CC001").await;
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();
    let again = goc.get("/t/NA-LH/CC001").await;
    assert_eq!(
        again.headers()["etag"],
        etag.as_str(),
        "the nonce is not part of it"
    );
    let r = reqwest::Client::new()
        .get(format!("{}/t/NA-LH/CC001", goc.base))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 304);
    assert_eq!(r.headers()["cache-control"], "public, max-age=60");
    assert!(r.headers().get("content-security-policy").is_none());
    assert!(r.headers().get("set-cookie").is_none());
    assert!(r.bytes().await.unwrap().is_empty());
    let other = goc.get("/t/NA-LH/CC002").await;
    assert_ne!(other.headers()["etag"], etag.as_str());
    // Another language is another page: the English one does not match the Vietnamese tag.
    let english = reqwest::Client::new()
        .get(format!("{}/t/NA-LH/CC001", goc.base))
        .header("cookie", "goc_lang=en")
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(english.status(), 200);
    assert_ne!(english.headers()["etag"], etag.as_str());
    assert!(english.text().await.unwrap().contains("Care diary"));
}
