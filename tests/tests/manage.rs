//! Accounts, CSRF, access control and the manager's journey, over HTTP and in Chromium.

use crate::support::{Agent, Browser, Goc, PgDatabase};

const SQUARE: &str = r#"{"type":"Polygon","coordinates":[[[105.9,21.7],[105.912,21.7],[105.912,21.709],[105.9,21.709],[105.9,21.7]]]}"#;

#[tokio::test]
async fn state_changing_requests_need_the_csrf_token_and_the_same_site() {
    let goc = Goc::start().await;
    let a = Agent::new(&goc);
    let token = a.token("/login").await;
    let fields = [
        ("identifier", "0912345678"),
        ("password", "a long password"),
    ];
    let r = a.post("/login", &fields).await;
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("Biểu mẫu đã hết hạn"));
    let r = a
        .post(
            "/signup",
            &[
                ("csrf", "0".repeat(64).as_str()),
                ("identifier", "0912345678"),
            ],
        )
        .await;
    assert_eq!(r.status(), 403, "a made-up token");
    // A real token, sent from another site's page.
    let r = reqwest::Client::new()
        .post(format!("{}/logout", goc.base))
        .header("origin", "https://evil.example")
        .header("cookie", "goc_csrf=whatever")
        .form(&[("csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // And in English for an English reader.
    a.get("/lang/en?next=/").await;
    let r = a.post("/logout", &[]).await;
    assert!(r.text().await.unwrap().contains("This form expired"));
}

#[tokio::test]
async fn a_manager_registers_everything_over_plain_forms_and_others_are_kept_out() {
    let goc = Goc::start().await;
    let boss = Agent::new(&goc);
    boss.sign_up("0912345678", "Lò Văn Quản").await;
    let r = boss
        .submit(
            "/manage",
            "/manage",
            &[
                ("form", "coop"),
                ("code", "NA-YC"),
                ("name", "HTX Na Yên Châu"),
                ("province", "Sơn La"),
                ("district", "Yên Châu"),
                ("commune", "Chiềng Khoi"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/manage/NA-YC");
    // A name that would close the page's <title> and draw its own badge is refused.
    let evil = [
        ("form", "coop"),
        ("code", "FAKE"),
        ("name", "HTX</title><div class=\"badge ok\">"),
        ("province", "Sơn La"),
        ("district", ""),
        ("commune", "Chiềng Khoi"),
    ];
    let r = boss.submit("/manage", "/manage", &evil).await;
    assert_eq!(r.status(), 422);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("không được chứa ký tự &lt; hoặc &gt;"));
    let page = "/manage/NA-YC";
    // A refused zone keeps what was typed and says why, in Vietnamese.
    let zone = |code: &'static str| {
        [
            ("form", "zone"),
            ("name", "Đồi na Chiềng Khoi"),
            ("code", code),
            ("crops", "na"),
            ("area_ha", "2,5"),
            ("households", "7"),
            ("boundary", SQUARE),
        ]
    };
    let r = boss
        .submit(page, "/manage/NA-YC/zones", &zone("VN/SL/0017"))
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("chỉ được gồm chữ A–Z, số và dấu gạch ngang"),
        "{html}"
    );
    assert!(html.contains("value=\"Đồi na Chiềng Khoi\""));
    // The refused form comes back open, with the boundary drawn before.
    assert!(
        html.contains("<details open") && html.contains("[105.912,21.709]"),
        "{html}"
    );
    // An export code as GACC's lists print it; "2,5" ha is 2.5 ha, not 25.
    let r = boss
        .submit(page, "/manage/NA-YC/zones", &zone("vn - slor - 0017"))
        .await;
    assert_eq!(r.status(), 303);
    let html = boss.get(page).await.text().await.unwrap();
    assert!(
        html.contains("VN-SLOR-0017") && html.contains("<path d=\"M"),
        "the outline is drawn"
    );
    assert!(
        html.contains("· 2,5 ha ·"),
        "the area reads the Vietnamese way"
    );
    assert!(
        !html.contains("Dạng mã này chưa được đối chiếu"),
        "an export code needs no note"
    );
    let r = boss
        .submit(page, "/manage/NA-YC/zones", &zone("VN-SL-YC-CK-001-2024"))
        .await;
    assert_eq!(
        r.status(),
        303,
        "a code of another form is kept, with a note"
    );
    let html = boss.get(page).await.text().await.unwrap();
    assert!(
        html.contains("VN-SL-YC-CK-001-2024") && html.contains("Dạng mã này chưa được đối chiếu")
    );
    let zone_id = html
        .split("option value=\"")
        .map(|o| o.split('"').next().unwrap())
        .find(|v| v.parse::<i64>().is_ok())
        .unwrap()
        .to_owned();
    let tree = [
        ("form", "tree"),
        ("code", ""),
        ("species", "custard_apple"),
        ("variety", "Na dai"),
        ("planted_on", "2019-04-12"),
        ("zone", zone_id.as_str()),
        ("lat", "21.7041"),
        ("lon", "105.9063"),
    ];
    for _ in 0..2 {
        assert_eq!(
            boss.submit(page, "/manage/NA-YC/trees", &tree)
                .await
                .status(),
            303
        );
    }
    let html = boss.get(page).await.text().await.unwrap();
    assert!(
        html.contains("/manage/NA-YC/t/CC001") && html.contains("/manage/NA-YC/t/CC002"),
        "codes are generated"
    );
    // Until a platform administrator verifies the cooperative, it is not listed and its
    // labels do not read as verified.
    let scanned = goc.identity_url("NA-YC", "CC002").await;
    let tree_page = goc.text(&scanned[goc.base.len()..]).await;
    assert!(
        tree_page.contains("Hợp tác xã này chưa được Gốc xác minh")
            && !tree_page.contains("badge ok")
    );
    assert!(!goc.text("/").await.contains("HTX Na Yên Châu"));
    let admin = goc.admin().await;
    assert!(admin
        .get("/manage")
        .await
        .text()
        .await
        .unwrap()
        .contains("Hợp tác xã chờ xác minh"));
    assert_eq!(
        boss.submit(
            "/manage",
            "/admin/cooperatives/NA-YC/approve",
            &[("form", "approve")]
        )
        .await
        .status(),
        403
    );
    let r = admin
        .submit(
            "/manage",
            "/admin/cooperatives/NA-YC/approve",
            &[("form", "approve")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert!(goc.text("/").await.contains("HTX Na Yên Châu"));
    let tree_page = goc.text(&scanned[goc.base.len()..]).await;
    assert!(tree_page.contains("Xác thực: do HTX Na Yên Châu cấp"));

    let labels = [
        ("form", "labels"),
        ("format", "a4-4x10"),
        ("zone", ""),
        ("species", ""),
        ("trees", ""),
    ];
    let pdf = boss.submit(page, "/manage/NA-YC/labels.pdf", &labels).await;
    assert_eq!(pdf.status(), 200);
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    assert!(pdf.bytes().await.unwrap().starts_with(b"%PDF-"));

    // A photo, a status change, and one label as PNG and SVG.
    let token = boss.token("/manage/NA-YC/t/CC002").await;
    let form = reqwest::multipart::Form::new().part(
        "photo",
        reqwest::multipart::Part::bytes(crate::support::png(2000, 1500)).file_name("cay.png"),
    );
    let r = boss
        .post_multipart(&format!("/manage/NA-YC/t/CC002/photos?csrf={token}"), form)
        .await;
    assert_eq!(r.status(), 303);
    let public = goc.text("/t/NA-YC/CC002").await;
    let thumb = public
        .split("src=\"/photos/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    // The newest photo opens the page, loaded at once.
    assert!(thumb.ends_with("/full.jpg") && public.contains("fetchpriority=\"high\""));
    let img = goc.get(&format!("/photos/{thumb}")).await;
    assert_eq!(
        img.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert!(img.bytes().await.unwrap().starts_with(&[0xFF, 0xD8]));
    let bad = reqwest::multipart::Form::new().part(
        "photo",
        reqwest::multipart::Part::bytes(b"GIF89a nope".to_vec()),
    );
    let r = boss
        .post_multipart(&format!("/manage/NA-YC/t/CC002/photos?csrf={token}"), bad)
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Tệp không phải ảnh"));
    let removed = [
        ("form", "status"),
        ("active", "0"),
        ("reason", "Cây bị sâu đục thân"),
    ];
    assert_eq!(
        boss.submit(
            "/manage/NA-YC/t/CC002",
            "/manage/NA-YC/t/CC002/status",
            &removed
        )
        .await
        .status(),
        303
    );
    assert!(goc.text("/t/NA-YC/CC002").await.contains("Đã loại bỏ"));
    // Its label still verifies, but the badge is no longer green.
    let removed_page = goc.text(&scanned[goc.base.len()..]).await;
    assert!(
        removed_page.contains("Cây này đã bị loại khỏi sổ đăng ký")
            && !removed_page.contains("badge ok")
    );
    // A tree entered 70 km from its zone, or of a crop the zone does not grow, is refused.
    for (species, lat, lon, why) in [
        (
            "custard_apple",
            "21.028",
            "105.854",
            "km: hãy kiểm tra toạ độ",
        ),
        ("mango", "21.7041", "105.9063", "trồng na, không có Xoài"),
    ] {
        let mut far = tree.to_vec();
        far[2] = ("species", species);
        far[6] = ("lat", lat);
        far[7] = ("lon", lon);
        let r = boss.submit(page, "/manage/NA-YC/trees", &far).await;
        assert_eq!(r.status(), 422, "{why}");
        assert!(r.text().await.unwrap().contains(why), "{why}");
        let html = boss.get(page).await.text().await.unwrap();
        assert!(
            !html.contains("/manage/NA-YC/t/CC003"),
            "{why}: nothing stored"
        );
    }
    let png = boss.get("/manage/NA-YC/t/CC002/label.png").await;
    assert_eq!(png.headers()["content-type"], "image/png");
    let label = image::load_from_memory(&png.bytes().await.unwrap()).unwrap();
    assert_eq!(
        (label.width(), label.height()),
        (591, 354),
        "50 × 30 mm at 300 dpi"
    );
    let svg = boss
        .get("/manage/NA-YC/t/CC002/label.svg")
        .await
        .text()
        .await
        .unwrap();
    assert!(svg.contains("<svg") && svg.contains("CC002"));

    // Rotating the key asks for a confirmation first.
    let key_id = |html: &str| {
        html.split("<code class=\"code\">")
            .nth(1)
            .unwrap()
            .split('<')
            .next()
            .unwrap()
            .to_owned()
    };
    let before = key_id(&boss.get(page).await.text().await.unwrap());
    let r = boss
        .submit(page, "/manage/NA-YC/key", &[("form", "key")])
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Hãy đánh dấu ô xác nhận"));
    let r = boss
        .submit(
            page,
            "/manage/NA-YC/key",
            &[("form", "key"), ("confirm", "1")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_ne!(
        key_id(&boss.get(page).await.text().await.unwrap()),
        before,
        "a new key"
    );

    // A member invited by phone joins with the code from the notice, once.
    let r = boss
        .submit(
            page,
            "/manage/NA-YC/members",
            &[
                ("form", "member"),
                ("phone", "0977 123 456"),
                ("name", "Bà Tư"),
                ("role", "farmer"),
            ],
        )
        .await;
    assert_eq!(
        r.headers()["cache-control"],
        "no-store",
        "a code is never cached"
    );
    let html = r.text().await.unwrap();
    let code = html.split("/join?code=").nth(1).unwrap()[..9].to_owned();
    let farmer = Agent::new(&goc);
    let offer = farmer
        .get(&format!("/join?code={code}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        offer.contains("HTX Na Yên Châu") && offer.contains("•••456"),
        "{offer}"
    );
    let join = [
        ("form", "join"),
        ("phone", "0977123456"),
        ("name", "Bà Tư"),
        ("code", code.as_str()),
        ("password", "farmer password"),
    ];
    let r = farmer.submit("/join", "/join", &join).await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        r.headers()["location"],
        "/farm/NA-YC?done=joined",
        "a farmer lands on the trees"
    );
    assert_eq!(
        Agent::new(&goc)
            .submit("/join", "/join", &join)
            .await
            .status(),
        422,
        "single use"
    );
    let farmer_home = farmer
        .get("/farm/NA-YC?done=joined")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        farmer_home.contains("Bạn đã tham gia hợp tác xã"),
        "{farmer_home}"
    );

    // The farmer sees the cooperative but changes nothing; a stranger and a visitor
    // see and change nothing.
    assert!(farmer
        .get(page)
        .await
        .text()
        .await
        .unwrap()
        .contains("HTX Na Yên Châu"));
    let r = farmer
        .submit(page, "/manage/NA-YC/zones", &zone("VN-SL-YC-CK-002-2024"))
        .await;
    assert_eq!(r.status(), 403);
    assert_eq!(
        farmer
            .submit(page, "/manage/NA-YC/labels.pdf", &labels)
            .await
            .status(),
        403
    );
    let stranger = Agent::new(&goc);
    stranger.sign_up("lan@example.vn", "Lan").await;
    let r = stranger.get(page).await;
    assert_eq!(r.status(), 403, "a forbidden page says so in its status");
    let html = r.text().await.unwrap();
    assert!(html.contains("Bạn không có quyền xem trang này") && !html.contains("Bà Tư"));
    assert_eq!(
        stranger
            .submit(page, "/manage/NA-YC/key", &[("form", "key")])
            .await
            .status(),
        403
    );
    let visitor = Agent::new(&goc);
    assert_eq!(
        visitor.get("/manage").await.status(),
        401,
        "a sign-in prompt says so in its status"
    );
    assert_eq!(
        visitor
            .submit(page, "/manage/NA-YC/labels.pdf", &labels)
            .await
            .status(),
        401
    );
    assert!(visitor
        .get(page)
        .await
        .text()
        .await
        .unwrap()
        .contains("Vui lòng đăng nhập"));
    let r = visitor.submit(page, "/manage/NA-YC/trees", &tree).await;
    assert_eq!(r.status(), 401);
    let html = boss.get(page).await.text().await.unwrap();
    assert_eq!(
        html.matches("/manage/NA-YC/t/CC0").count(),
        2,
        "refused requests added no tree"
    );
}

#[tokio::test]
async fn logins_are_throttled_and_logout_ends_the_session() {
    let goc = Goc::start().await;
    let a = Agent::new(&goc);
    a.sign_up("0912345678", "Lan").await;
    assert_eq!(a.submit("/", "/logout", &[]).await.status(), 303);
    assert!(a
        .get("/manage")
        .await
        .text()
        .await
        .unwrap()
        .contains("Vui lòng đăng nhập"));
    let wrong = [
        ("form", "login"),
        ("identifier", "0912 345 678"),
        ("password", "not the password"),
    ];
    for _ in 0..4 {
        let r = a.submit("/login", "/login", &wrong).await;
        assert_eq!(r.status(), 422);
        assert!(r
            .text()
            .await
            .unwrap()
            .contains("Sai số điện thoại/email hoặc mật khẩu"));
    }
    let r = a.submit("/login", "/login", &wrong).await;
    assert_eq!(r.status(), 429);
    let wait: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=30).contains(&wait), "Retry-After {wait}");
    let right = [
        ("form", "login"),
        ("identifier", "0912345678"),
        ("password", "a long password"),
    ];
    let r = a.submit("/login", "/login", &right).await;
    assert_eq!(r.status(), 429, "locked even for the right password");
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("Vui lòng thử lại sau 1 phút"));
    let other = Agent::new(&goc);
    other.sign_up("0987654321", "Tư").await;
    let r = other
        .submit(
            "/login",
            "/login",
            &[
                ("form", "login"),
                ("identifier", "0987654321"),
                ("password", "a long password"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303, "one account's lock does not touch another");
}

/// The manager's journey in a phone-sized Chromium, with a screenshot of every page.
#[tokio::test]
async fn in_chromium_a_manager_signs_up_creates_a_cooperative_a_zone_and_a_tree() {
    let goc = Goc::start().await;
    let b = Browser::start().await;
    b.open(&format!("{}/signup", goc.base)).await;
    b.screenshot("signup").await;
    b.fill("#signup-identifier", "0912 345 678").await;
    b.fill("#signup-name", "Lò Văn Quản").await;
    b.fill("#signup-password", "short").await;
    b.click("#signup button[type=submit]").await;
    b.wait_for_text(".error", "Mật khẩu cần ít nhất 8 ký tự")
        .await;
    b.screenshot("signup-refused").await;
    b.fill("#signup-password", "a long password").await;
    b.click("#signup button[type=submit]").await;
    b.wait_for_text("h1", "Hợp tác xã của tôi").await;
    b.fill("#coop-code", "NA-YC").await;
    b.fill("#coop-name", "HTX Na Yên Châu").await;
    b.fill("#coop-province", "Sơn La").await;
    b.fill("#coop-district", "Yên Châu").await;
    b.fill("#coop-commune", "Chiềng Khoi").await;
    b.screenshot("manage-home").await;
    b.click("#coop button[type=submit]").await;
    b.wait_for_text("h1", "HTX Na Yên Châu").await;
    b.click("#zones ~ details summary").await;
    b.fill("#zone-name", "Đồi na").await;
    b.fill("#zone-code", "VN-SLOR-0018").await;
    b.fill("#zone-crops", "na").await;
    b.fill("#zone-area_ha", "0,8").await;
    // The boundary is drawn on the map: three taps, three corners, a polygon in the form.
    // (No tiles load here, as on a phone offline: the map still takes taps.)
    b.find_css("#zone-map[data-ready]").await;
    for (x, y) in [(-60.0, -40.0), (60.0, -40.0), (0.0, 50.0)] {
        b.tap_at("#zone-map", x, y).await;
    }
    assert_eq!(
        b.attr("#zone-map", "data-corners").await.as_deref(),
        Some("3")
    );
    let drawn = b.property("#zone-boundary", "value").await;
    assert!(
        drawn.starts_with(r#"{"type":"Polygon","coordinates":[[["#),
        "{drawn}"
    );
    b.screenshot("manage-draw-zone").await;
    b.click("#zone button[type=submit]").await;
    b.wait_for_text(".zone", "VN-SLOR-0018").await;
    assert!(b.text(".zone .warn").await.contains("Dưới 1 ha"));
    b.click("#trees ~ details summary").await;
    b.fill("#tree-variety", "Na dai").await;
    b.fill("#tree-planted_on", "04/12/2019").await;
    b.screenshot("manage-add-tree").await;
    b.click("#tree button[type=submit]").await;
    b.wait_for_text(".trees", "CC001").await;
    b.screenshot("manage-cooperative").await;
    // Fifty trees from a spreadsheet, one row of which is wrong: refused with the report,
    // then imported without it.
    let mut csv = String::from("ma_cay;loai;giong;ngay_trong;vung\n");
    for i in 0..50 {
        let date = if i == 7 { "31/02/2020" } else { "12/04/2019" };
        csv.push_str(&format!(";na;Na dai;{date};Đồi na\n"));
    }
    let file = b.downloads.join("cay.csv");
    std::fs::write(&file, csv).unwrap();
    b.click("#trees ~ details ~ details summary").await;
    b.upload("#import-file", &file).await;
    b.click("#import button[type=submit]").await;
    b.wait_for_text(".error", "1 dòng có lỗi").await;
    assert!(b.text(".report").await.contains("Dòng 9"));
    b.screenshot("import-report").await;
    b.upload("#import-file", &file).await;
    b.click("#import input[name=skip_errors]").await;
    b.click("#import button[type=submit]").await;
    b.wait_for_text(".notice-ok", "Đã nhập xong 49 cây").await;
    b.screenshot("import-done").await;
    b.click("main p:last-child a").await;
    b.wait_for_text(".trees", "CC050").await;
    b.fill("#labels-trees", "CC001, CC050").await;
    b.click("#labels button[type=submit]").await;
    let pdf = b.downloads.join("NA-YC-labels-a4-3x8.pdf");
    for _ in 0..100 {
        if pdf.exists() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        std::fs::read(&pdf).unwrap().starts_with(b"%PDF-"),
        "the labels were downloaded"
    );
    b.click(".trees a").await;
    b.wait_for_text("h1", "CC001").await;
    let photo = b.downloads.join("cay.png");
    std::fs::write(&photo, crate::support::png(1600, 1200)).unwrap();
    b.upload("#photo-file", &photo).await;
    b.click("#photo button[type=submit]").await;
    b.find_css(".photos img").await;
    b.screenshot("manage-tree").await;
    b.click("a[href='/t/NA-YC/CC001']").await;
    b.wait_for_text(".badge.warn", "Hợp tác xã này chưa được Gốc xác minh")
        .await;
    // The web map comes up; without tiles the server-drawn outline stays in view.
    b.find_css(".map[data-ready]").await;
    assert_eq!(b.attr("#zone-outline", "hidden").await, None);
    assert_eq!(b.current_path().await, "/t/NA-YC/CC001");
    b.screenshot("tree-page").await;
    b.close().await;
}

/// A manager of XOAI-CL with `n` mango trees imported from a CSV upload, as a browser
/// sends it.
async fn manager_with_trees(goc: &Goc, n: usize) -> Agent {
    let boss = Agent::new(goc);
    boss.sign_up("0912345678", "Quản").await;
    let coop = [
        ("form", "coop"),
        ("code", "XOAI-CL"),
        ("name", "HTX Xoài Cao Lãnh"),
        ("province", "Đồng Tháp"),
        ("district", "Cao Lãnh"),
        ("commune", "Mỹ Xương"),
    ];
    boss.submit("/manage", "/manage", &coop).await;
    let page = "/manage/XOAI-CL";
    let zone = [
        ("form", "zone"),
        ("name", "Vườn xoài"),
        ("code", ""),
        ("crops", "xoài"),
        ("area_ha", "12"),
    ];
    assert_eq!(
        boss.submit(page, "/manage/XOAI-CL/zones", &zone)
            .await
            .status(),
        303
    );
    let mut csv = String::from("species,variety,planted_on,zone\n");
    for _ in 0..n {
        csv.push_str("xoài,Cát Hòa Lộc,2015-06-01,Vườn xoài\n");
    }
    let token = boss.token(page).await;
    let form = reqwest::multipart::Form::new().text("form", "import").part(
        "file",
        reqwest::multipart::Part::bytes(csv.into_bytes()).file_name("xoai.csv"),
    );
    let r = boss
        .post_multipart(&format!("/manage/XOAI-CL/import?csrf={token}"), form)
        .await;
    assert_eq!(r.status(), 303);
    let job = r.headers()["location"].to_str().unwrap().to_owned();
    boss.wait_for(&job, &format!("Đã nhập xong {n} cây")).await;
    boss
}

/// SIGTERM while label sheets are being rendered: every request already received is
/// answered in full, then the process exits cleanly.
#[tokio::test]
async fn sigterm_drains_requests_in_flight_before_the_server_stops() {
    let goc = Goc::start().await;
    let boss = manager_with_trees(&goc, 300).await;
    let labels = [
        ("form", "labels"),
        ("format", "a4-4x10"),
        ("zone", ""),
        ("species", ""),
        ("trees", ""),
    ];
    let token = boss.token("/manage/XOAI-CL").await;
    let mut fields: Vec<(&str, &str)> = labels.to_vec();
    fields.push(("csrf", token.as_str()));
    let fields: Vec<(String, String)> = fields
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let pending: Vec<_> = (0..3)
        .map(|_| {
            let req = boss.post_request("/manage/XOAI-CL/labels.pdf", &fields);
            tokio::spawn(async move { req.send().await })
        })
        .collect();
    // 300 labels take a while to render: stop the server while they are.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let base = goc.base.clone();
    let status = goc.terminate().await;
    assert!(status.success(), "exit {status:?}");
    for p in pending {
        let r = p.await.unwrap().expect("an in-flight request was dropped");
        assert_eq!(r.status(), 200);
        let pdf = r.bytes().await.unwrap();
        assert!(
            pdf.starts_with(b"%PDF-") && pdf.windows(5).any(|w| w == b"%%EOF"),
            "a whole PDF"
        );
    }
    assert!(
        reqwest::get(format!("{base}/healthz")).await.is_err(),
        "stopped means stopped"
    );
}

/// A batch of more labels than a request should wait for becomes a job: a progress page,
/// then a download.
#[tokio::test]
async fn a_large_label_batch_renders_in_the_background_with_progress() {
    let goc = Goc::start().await;
    let boss = manager_with_trees(&goc, 320).await;
    let page = "/manage/XOAI-CL";
    let labels = [
        ("form", "labels"),
        ("format", "a4-3x8"),
        ("zone", ""),
        ("species", "mango"),
        ("trees", ""),
    ];
    let r = boss
        .submit(page, "/manage/XOAI-CL/labels.pdf", &labels)
        .await;
    assert_eq!(r.status(), 303, "320 labels are a job");
    let job = r.headers()["location"].to_str().unwrap().to_owned();
    let html = boss.wait_for(&job, "Tem đã sẵn sàng: 320 tem").await;
    assert!(html.contains(&format!("{job}/file")));
    let pdf = boss.get(&format!("{job}/file")).await;
    assert_eq!(pdf.status(), 200);
    let bytes = pdf.bytes().await.unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    // Nobody else can fetch it: not a farmer of the cooperative, not a stranger.
    let r = boss
        .submit(
            page,
            "/manage/XOAI-CL/members",
            &[
                ("form", "member"),
                ("phone", "0977000111"),
                ("name", "Nông dân"),
                ("role", "farmer"),
            ],
        )
        .await;
    let code = r.text().await.unwrap().split("/join?code=").nth(1).unwrap()[..9].to_owned();
    let farmer = Agent::new(&goc);
    let join = [
        ("form", "join"),
        ("phone", "0977000111"),
        ("name", "Nông dân"),
        ("code", code.as_str()),
        ("password", "farmer password"),
    ];
    assert_eq!(farmer.submit("/join", "/join", &join).await.status(), 303);
    assert_eq!(farmer.get(&format!("{job}/file")).await.status(), 403);
    let stranger = Agent::new(&goc);
    stranger.sign_up("0987654321", "Lạ").await;
    assert_eq!(stranger.get(&format!("{job}/file")).await.status(), 403);
}

/// The account takeover found by probing: manager B "adds" the phone of a person A has
/// invited as a manager, gets a code, and tries to become A's manager with it.
#[tokio::test]
async fn another_cooperatives_manager_cannot_take_over_an_invited_manager_over_http() {
    let goc = Goc::start().await;
    let coop = |code: &'static str| {
        [
            ("form", "coop"),
            ("code", code),
            ("name", "HTX"),
            ("province", "Sơn La"),
            ("district", ""),
            ("commune", "Chiềng Khoi"),
        ]
    };
    let invite = |phone: &'static str, role: &'static str| {
        [
            ("form", "member"),
            ("phone", phone),
            ("name", "Chị Hoa"),
            ("role", role),
        ]
    };
    let code_in = |html: &str| html.split("/join?code=").nth(1).unwrap()[..9].to_owned();
    let a = Agent::new(&goc);
    a.sign_up("0900000001", "Quản lý A").await;
    assert_eq!(
        a.submit("/manage", "/manage", &coop("NA-A")).await.status(),
        303
    );
    let to_a = a
        .submit(
            "/manage/NA-A",
            "/manage/NA-A/members",
            &invite("0911111111", "manager"),
        )
        .await;
    let code_a = code_in(&to_a.text().await.unwrap());

    let b = Agent::new(&goc);
    b.sign_up("0900000002", "Quản lý B").await;
    assert_eq!(
        b.submit("/manage", "/manage", &coop("NA-B")).await.status(),
        303
    );
    let to_b = b
        .submit(
            "/manage/NA-B",
            "/manage/NA-B/members",
            &invite("0911111111", "farmer"),
        )
        .await;
    let code_b = code_in(&to_b.text().await.unwrap());
    // B's own account cannot accept it (not the invited number)...
    let r = b
        .submit(
            "/join",
            "/join",
            &[("form", "join"), ("code", code_b.as_str())],
        )
        .await;
    assert_eq!(r.status(), 422);
    // ...and signing up as the number with B's code grants B's farmer role only.
    let attacker = Agent::new(&goc);
    let join = [
        ("form", "join"),
        ("phone", "0911111111"),
        ("name", "B"),
        ("code", code_b.as_str()),
        ("password", "attacker password"),
    ];
    assert_eq!(attacker.submit("/join", "/join", &join).await.status(), 303);
    let zone = [
        ("form", "zone"),
        ("name", "Đồi"),
        ("code", ""),
        ("crops", "na"),
        ("area_ha", "2"),
    ];
    let r = attacker
        .submit("/manage/NA-A", "/manage/NA-A/zones", &zone)
        .await;
    assert_eq!(r.status(), 403, "no role in A");
    // A's code cannot set the now-existing account's password either.
    let mut again = join;
    again[3] = ("code", code_a.as_str());
    again[4] = ("password", "second attacker pw");
    assert_eq!(
        Agent::new(&goc)
            .submit("/join", "/join", &again)
            .await
            .status(),
        409
    );
    // A stranger learns nothing about numbers from the invitation form: not a manager, refused.
    let stranger = Agent::new(&goc);
    stranger.sign_up("0900000009", "Lạ").await;
    let r = stranger
        .submit(
            "/manage/NA-A",
            "/manage/NA-A/members",
            &invite("0900000001", "farmer"),
        )
        .await;
    assert_eq!(r.status(), 403);
    // Signing up no longer tells whether a number was invited.
    let r = Agent::new(&goc)
        .submit(
            "/signup",
            "/signup",
            &[
                ("form", "signup"),
                ("identifier", "0911111112"),
                ("name", "X"),
                ("password", "a long password"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
}

/// Anyone can type five wrong passwords for someone's number. That locks the number for
/// browsers that never signed in to it, but the owner's own browser (its device cookie)
/// still gets in with the right password; and one client trying many accounts is locked
/// itself.
#[tokio::test]
async fn a_lockout_caused_by_others_does_not_keep_the_owner_out() {
    let goc = Goc::start().await;
    let owner = Agent::from_address(&goc, "198.51.100.2");
    owner.sign_up("0912345678", "Lan").await;
    let login = |password: &'static str| {
        [
            ("form", "login"),
            ("identifier", "0912345678"),
            ("password", password),
        ]
    };
    // Signing in once marks this browser.
    assert_eq!(owner.submit("/", "/logout", &[]).await.status(), 303);
    assert_eq!(
        owner
            .submit("/login", "/login", &login("a long password"))
            .await
            .status(),
        303
    );
    assert_eq!(owner.submit("/", "/logout", &[]).await.status(), 303);

    let attacker = Agent::from_address(&goc, "203.0.113.7");
    for _ in 0..4 {
        assert_eq!(
            attacker
                .submit("/login", "/login", &login("guess guess"))
                .await
                .status(),
            422
        );
    }
    assert_eq!(
        attacker
            .submit("/login", "/login", &login("guess guess"))
            .await
            .status(),
        429
    );
    // The number is locked for a new browser, even with the right password...
    let stranger = Agent::from_address(&goc, "192.0.2.9");
    assert_eq!(
        stranger
            .submit("/login", "/login", &login("a long password"))
            .await
            .status(),
        429
    );
    // ...but not for the owner's browser.
    assert_eq!(
        owner
            .submit("/login", "/login", &login("a long password"))
            .await
            .status(),
        303
    );

    // One client trying password after password across accounts is locked itself.
    let sprayer = Agent::from_address(&goc, "203.0.113.99");
    let mut last = 0;
    for n in 0..60 {
        let id = format!("09000{n:05}");
        let r = sprayer
            .submit(
                "/login",
                "/login",
                &[
                    ("form", "login"),
                    ("identifier", id.as_str()),
                    ("password", "spray spray"),
                ],
            )
            .await;
        last = r.status().as_u16();
        if last == 429 {
            break;
        }
    }
    assert_eq!(last, 429, "the client is locked after about fifty failures");
    let fresh = [
        ("form", "login"),
        ("identifier", "0987000001"),
        ("password", "spray spray"),
    ];
    assert_eq!(
        sprayer.submit("/login", "/login", &fresh).await.status(),
        429
    );
}

/// Two servers over one PostgreSQL database: a label batch started on one is followed and
/// downloaded on the other (jobs live in the database, not in a server's memory).
#[tokio::test]
async fn two_servers_on_one_postgresql_share_background_jobs() {
    let db = PgDatabase::create();
    let a = Goc::start_on(&db.url()).await;
    let b = Goc::start_on(&db.url()).await;
    let boss = manager_with_trees(&a, 320).await;
    let labels = [
        ("form", "labels"),
        ("format", "a4-3x8"),
        ("zone", ""),
        ("species", ""),
        ("trees", ""),
    ];
    let r = boss
        .submit("/manage/XOAI-CL", "/manage/XOAI-CL/labels.pdf", &labels)
        .await;
    assert_eq!(r.status(), 303);
    let job = r.headers()["location"].to_str().unwrap().to_owned();
    let on_b = boss.at(&b);
    let html = on_b.wait_for(&job, "Tem đã sẵn sàng: 320 tem").await;
    assert!(html.contains(&format!("{job}/file")));
    let pdf = on_b.get(&format!("{job}/file")).await;
    assert_eq!(pdf.status(), 200);
    assert!(pdf.bytes().await.unwrap().starts_with(b"%PDF-"));
}
