//! The way off the platform, with the real binary: a manager downloads the cooperative's
//! archive over HTTP, `goc import` loads it into an empty PostgreSQL server, `goc verify`
//! and the tree page there agree it is the same verified history; then back from
//! PostgreSQL into an empty SQLite file with `goc export`.

use crate::support::{self, farmer, goc_command, scratch, sqlite_url, Browser, Goc, PgDatabase};

const PASSPHRASE: &str = "cây na dai Lạng Sơn 2026";

fn said(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Checks `goc verify` and the tree page's downloadable history on `database_url`.
async fn verified_there(database_url: &str, entries: &str) {
    let out = goc_command(database_url, &["verify", "--coop", "NA-LH"]);
    assert!(out.status.success(), "{}", said(&out));
    assert!(
        said(&out).contains(&format!("NA-LH: {entries} entries")),
        "{}",
        said(&out)
    );
    let goc = Goc::start_on(database_url).await;
    assert!(goc
        .text("/t/NA-LH/CC001")
        .await
        .contains("Nhật ký chăm sóc"));
    let history =
        ledger::TreeHistory::from_json(&goc.text("/api/trees/NA-LH/CC001/history").await).unwrap();
    assert!(history.verify().is_ok());
    goc.kill().await;
}

#[tokio::test]
async fn a_managers_archive_moves_the_cooperative_to_postgresql_and_back_to_sqlite() {
    let goc = Goc::start().await;
    let admin = goc.admin().await;
    let lan = farmer(&goc, &admin, "NA-LH", "0987000111").await;
    let before = goc_command(&sqlite_from(&goc), &["verify", "--coop", "NA-LH"]);
    let entries = said(&before)
        .split("NA-LH: ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .unwrap()
        .to_owned();

    // Only managers download it; the passphrase is typed twice and long enough.
    let farmer_try = post(&lan, PASSPHRASE, PASSPHRASE).await;
    assert_eq!(farmer_try.status(), 403);
    let differ = post(&admin, PASSPHRASE, "something else entirely").await;
    assert_eq!(differ.status(), 422);
    let refused = differ.text().await.unwrap();
    assert!(refused.contains("Hai lần nhập mật khẩu bảo vệ không khớp"));
    // The refused page never carries the passphrase back (not even in hydration data).
    assert!(!refused.contains(PASSPHRASE));
    let short = post(&admin, "ngắn", "ngắn").await;
    assert_eq!(short.status(), 422);
    assert!(short.text().await.unwrap().contains("ít nhất 12 ký tự"));
    // On a phone: the form, and a refusal that keeps the section open with its reason
    // (and never the passphrase typed).
    let b = Browser::start().await;
    b.sign_in(&goc, "0999999999").await;
    b.open(&format!("{}/manage/NA-LH", goc.base)).await;
    b.click("details:has(#export) summary").await;
    b.fill("#export-pass", PASSPHRASE).await;
    b.fill("#export-pass2", "một mật khẩu khác hẳn").await;
    b.screenshot_page("archive-1-form").await;
    b.click("#export button[type=submit]").await;
    b.wait_for_text("#export .error", "không khớp").await;
    assert_eq!(
        b.eval("return document.querySelector('#export-pass').value")
            .await,
        ""
    );
    b.screenshot_page("archive-2-refused").await;
    // The API tokens beside it, one issued.
    let issued = admin
        .submit(
            "/manage/NA-LH",
            "/manage/NA-LH/api-tokens",
            &[("form", "api-token"), ("name", "Cổng truy xuất tỉnh")],
        )
        .await;
    assert_eq!(issued.status(), 200);
    b.open(&format!("{}/manage/NA-LH", goc.base)).await;
    b.click("details:has(#api-token) summary").await;
    b.wait_for_text("details:has(#api-token)", "Cổng truy xuất tỉnh")
        .await;
    b.screenshot_page("api-tokens").await;
    b.close().await;

    let res = post(&admin, PASSPHRASE, PASSPHRASE).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/gzip");
    let disposition = res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        disposition.starts_with("attachment; filename=\"NA-LH-20"),
        "{disposition}"
    );
    assert_eq!(res.headers()["cache-control"], "private, no-store");
    let archive = res.bytes().await.unwrap();
    let dir = scratch("archive");
    let (file, pass) = (dir.join("na-lh.tar.gz"), dir.join("passphrase"));
    std::fs::write(&file, &archive).unwrap();
    std::fs::write(&pass, format!("{PASSPHRASE}\n")).unwrap();
    let (file, pass) = (file.to_str().unwrap(), pass.to_str().unwrap());

    // Not into a server that already has data.
    let busy = goc_command(
        &sqlite_from(&goc),
        &["import", file, "--passphrase-file", pass],
    );
    assert!(!busy.status.success());
    assert!(said(&busy).contains("empty instance"), "{}", said(&busy));
    goc.kill().await;

    let pg = PgDatabase::create();
    let out = goc_command(&pg.url(), &["import", file, "--passphrase-file", pass]);
    assert!(out.status.success(), "{}", said(&out));
    assert!(
        said(&out).contains(&format!("NA-LH: {entries} entries")),
        "{}",
        said(&out)
    );
    verified_there(&pg.url(), &entries).await;

    // And back, by the command line, into an empty SQLite file.
    let back = dir.join("back.tar.gz");
    let back = back.to_str().unwrap();
    let out = goc_command(
        &pg.url(),
        &[
            "export",
            "--coop",
            "NA-LH",
            "--out",
            back,
            "--passphrase-file",
            pass,
        ],
    );
    assert!(out.status.success(), "{}", said(&out));
    let sqlite = sqlite_url("archive-back");
    let out = goc_command(&sqlite, &["import", back, "--passphrase-file", pass]);
    assert!(out.status.success(), "{}", said(&out));
    verified_there(&sqlite, &entries).await;
}

/// The SQLite URL a running test server uses.
fn sqlite_from(goc: &Goc) -> String {
    goc.database_url().to_owned()
}

/// The manage page's archive form, as sent.
async fn post(agent: &support::Agent, passphrase: &str, again: &str) -> reqwest::Response {
    let fields = [
        ("form", "export"),
        ("passphrase", passphrase),
        ("passphrase2", again),
    ];
    agent
        .submit("/manage/NA-LH", "/manage/NA-LH/export", &fields)
        .await
}
