//! Trust without trusting the server, end to end: two instances on loopback, one
//! (PostgreSQL) the log of a cooperative, the other (SQLite) its witness. Cosigned
//! checkpoints verify under a policy, in `goc verify-file` and on the phone; the log
//! rewritten in its database and re-signed with the cooperative's own key is refused by the
//! witness and caught by `goc monitor` as a split view and as a rewritten history.

use std::process::Output;
use std::time::Duration;

use ledger::{KeyId, SignedIdentity, TreeHistory, Trust, VerifierKey, VerifyError, WitnessPolicy};
use serde_json::json;

use crate::support::{farmer, goc_command, scratch, sqlite_url, tamper, Browser, Goc, PgDatabase};

const ROUND: &[(&str, &str)] = &[("GOC_ROUND_SECS", "1")];

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Waits (bounded) until `path` on `goc` contains `text`.
async fn eventually(goc: &Goc, path: &str, text: &str) -> String {
    for _ in 0..60 {
        let body = goc.text(path).await;
        if body.contains(text) {
            return body;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    panic!("{path} never contained {text}");
}

#[tokio::test]
async fn a_second_instance_witnesses_the_log_and_a_rewritten_log_is_refused_and_caught() {
    let db = PgDatabase::create();
    let a = Goc::start_with(&db.url(), "127.0.0.1:0", ROUND).await;
    let b = Goc::start_with(&sqlite_url("witness"), "127.0.0.1:0", ROUND).await;

    // The witness's operator follows the log; the cooperative adds the witness.
    let log_vkey = a.text("/log/NA-LH/vkey").await;
    assert!(ok(&b.command(&["witness", "follow", log_vkey.trim()])).contains("/log/NA-LH"));
    let wkey = b
        .text("/.well-known/goc/witness-key")
        .await
        .trim()
        .to_owned();
    let witness_name = VerifierKey::parse(&wkey).unwrap().name;
    assert_eq!(witness_name, format!("{}/witness", b.listen()));
    let url = format!("{}/witness", b.base);
    ok(&a.command(&[
        "witness", "add", "--coop", "NA-LH", "--vkey", &wkey, "--url", &url,
    ]));
    let refused = a.command(&[
        "witness", "add", "--coop", "NA-LH", "--vkey", &log_vkey, "--url", &url,
    ]);
    assert!(!refused.status.success(), "a log key is not a witness key");

    // Within a few background rounds the served checkpoint carries the cosignature.
    let cosigned = eventually(
        &a,
        "/log/NA-LH/checkpoint",
        &format!("\u{2014} {witness_name} "),
    )
    .await;
    let policy = WitnessPolicy::new(vec![VerifierKey::parse(&wkey).unwrap()], 1).unwrap();
    assert_eq!(policy.check(&cosigned).unwrap()[0].witness, witness_name);
    assert!(ok(&a.command(&["witness", "list", "--coop", "NA-LH"])).contains("  ok"));
    assert!(ok(&b.command(&["witness", "logs"])).contains("split views 0"));

    // The history verifies under a policy naming the witness and the label's key; a
    // policy naming a witness that never cosigned, or another label's key, does not.
    let json = a.text("/api/trees/NA-LH/CC001/history").await;
    let history = TreeHistory::from_json(&json).unwrap();
    let label = SignedIdentity::parse(history.identity.as_deref().unwrap()).unwrap();
    let anchor = label.identity.key;
    let trust = Trust {
        anchor: Some(anchor),
        witnesses: Some(policy.clone()),
    };
    assert_eq!(history.verify_with(&trust).unwrap().vouches.len(), 1);
    assert_eq!(
        history.witnesses.as_ref(),
        Some(&policy),
        "the history declares the policy"
    );
    let stranger = VerifierKey::new(
        "stranger.example/witness",
        ledger::Alg::Cosignature,
        ledger::SigningKey::from_seed(&[5; 32]).public_key(),
    )
    .unwrap();
    let strict = Trust {
        anchor: Some(anchor),
        witnesses: Some(WitnessPolicy::new(vec![stranger.clone()], 1).unwrap()),
    };
    assert_eq!(
        history.verify_with(&strict).unwrap_err(),
        VerifyError::TooFewWitnesses { have: 0, need: 1 }
    );
    let other_label = Trust {
        anchor: Some(KeyId([7; 8])),
        witnesses: None,
    };
    assert!(matches!(
        history.verify_with(&other_label),
        Err(VerifyError::UnknownKey(_))
    ));
    let dir = scratch("witness-files");
    let file = dir.join("history.json");
    std::fs::write(&file, &json).unwrap();
    let anchor_text = anchor.to_string();
    let verified = ok(&goc_command(
        &db.url(),
        &[
            "verify-file",
            file.to_str().unwrap(),
            "--anchor",
            &anchor_text,
            "--witness",
            &wkey,
        ],
    ));
    assert!(
        verified.contains(&format!("1 vouched ({witness_name})")),
        "{verified}"
    );
    let refused = goc_command(
        &db.url(),
        &[
            "verify-file",
            file.to_str().unwrap(),
            "--witness",
            &stranger.to_string(),
        ],
    );
    assert!(!refused.status.success());

    // The phone shows who vouched, and so does the page without JavaScript.
    let page = a
        .text(&format!("/t/{}", label.path().trim_start_matches("/t/")))
        .await;
    assert!(page.contains("nhân chứng độc lập") && page.contains(&witness_name));
    let browser = Browser::start().await;
    browser.open(&a.identity_url("NA-LH", "CC001").await).await;
    browser
        .wait_for_text("#verify-here.ok", "Đã được 1 nhân chứng độc lập xác nhận")
        .await;
    assert!(browser.text("#verify-here").await.contains(&witness_name));
    browser.screenshot("tree-witnessed").await;
    browser.close().await;

    // A monitor outside both: the first round trusts what it checks.
    let state = dir.join("monitor.json");
    let log_url = format!("{}/log/NA-LH", a.base);
    let monitor = |extra: &[&str]| {
        let mut args = vec![
            "monitor",
            log_url.as_str(),
            "--state",
            state.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        goc_command(&db.url(), &args)
    };
    assert!(ok(&monitor(&["--witness", &wkey])).contains(&format!("cosigned by {witness_name}")));

    // Growth is fine: a farmer logs care; the monitor proves the new checkpoint extends it.
    let lan = farmer(&a, &a.admin().await, "NA-LH", "0911222666").await;
    let token = lan.token("/farm/NA-LH").await;
    let water = |n: u32| {
        json!({"coop": "NA-LH", "entries": [{
        "id": format!("0193a5c4-8f1e-7cc2-9d3a-5b0f{n:08x}"), "tree": "CC001",
        "recorded_at": 1_764_000_000_000i64 + i64::from(n), "action": {"kind": "watered", "litres": 30}}]})
    };
    let sync = |n: u32| {
        lan.request(reqwest::Method::POST, "/api/v1/diary/sync")
            .header("x-csrf-token", &token)
            .json(&water(n))
            .send()
    };
    assert_eq!(sync(1).await.unwrap().status(), 200);
    assert!(ok(&monitor(&[])).starts_with("ok: "));
    let before = a.text("/log/NA-LH/checkpoint").await;
    let size: u64 = before.lines().nth(1).unwrap().parse().unwrap();
    eventually(
        &a,
        "/log/NA-LH/checkpoint",
        &format!("\u{2014} {witness_name} "),
    )
    .await;

    // The operator of the log's server rewrites an old entry in the database, rebuilds
    // the tree and lets the server re-sign with the cooperative's key at the same size.
    let listen = a.listen();
    a.terminate().await;
    let coop = "(SELECT id FROM cooperatives WHERE code = 'NA-LH')";
    tamper(&db.url(), &[
        &format!("UPDATE ledger_entries SET hash = '\\x{}'::bytea WHERE seq = 2 AND cooperative_id = {coop}", "ab".repeat(32)),
        &format!("DELETE FROM merkle_nodes WHERE cooperative_id = {coop}"),
        &format!("DELETE FROM cosignatures WHERE cooperative_id = {coop}"),
        &format!("DELETE FROM checkpoints WHERE cooperative_id = {coop}"),
    ])
    .await;
    let a = Goc::start_with(&db.url(), &listen, ROUND).await;
    let resigned = a.text("/log/NA-LH/checkpoint").await;
    assert_eq!(
        resigned.lines().nth(1).unwrap().parse::<u64>().unwrap(),
        size
    );
    assert_ne!(
        resigned.lines().nth(2),
        before.lines().nth(2),
        "another root"
    );

    // The monitor: a second checkpoint of a size it trusted. It says so, and exits 3.
    let split = monitor(&[]);
    assert_eq!(
        split.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&split.stdout)
    );
    assert!(String::from_utf8_lossy(&split.stdout).contains(&format!(
        "SPLIT VIEW: two different checkpoints of size {size}"
    )));

    // The log grows on its rewritten past: the witness refuses (422) and does not move;
    // the cooperative's manager sees the refusal; the monitor calls
    // it a rewritten history, and still does on the next round.
    assert_eq!(sync(2).await.unwrap().status(), 200);
    for _ in 0..60 {
        if ok(&a.command(&["witness", "list", "--coop", "NA-LH"])).contains("422") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    // The witness still holds the size it cosigned before the rewrite.
    assert!(ok(&b.command(&["witness", "logs"])).contains(&format!("size {size}  split views 0")));
    let status = ok(&a.command(&["witness", "list", "--coop", "NA-LH"]));
    assert!(
        status.contains("422: the witness found the log inconsistent"),
        "{status}"
    );
    assert!(
        !a.text("/log/NA-LH/checkpoint")
            .await
            .contains(&witness_name),
        "nothing cosigned the rewrite"
    );
    for _ in 0..2 {
        let caught = monitor(&[]);
        assert_eq!(caught.status.code(), Some(3));
        assert!(String::from_utf8_lossy(&caught.stdout).contains("REWRITTEN HISTORY"));
    }
    // What the monitor saw is kept: the checkpoint it trusted and both findings' notes.
    let kept: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&state).unwrap()).unwrap();
    assert_eq!(
        kept["trusted"].as_str().unwrap().lines().nth(2),
        before.lines().nth(2)
    );
    let findings: Vec<&str> = kept["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["finding"].as_str().unwrap())
        .collect();
    assert_eq!(findings, ["split_view", "rewritten", "rewritten"]);
}

#[tokio::test]
async fn managers_choose_their_witnesses_on_the_cooperatives_page() {
    let goc = Goc::start_with(&sqlite_url("witness-page"), "127.0.0.1:0", ROUND).await;
    let admin = goc.admin().await;
    let (page, add) = ("/manage/NA-LH", "/manage/NA-LH/witnesses");
    let wkey = goc
        .text("/.well-known/goc/witness-key")
        .await
        .trim()
        .to_owned();
    let url = format!("{}/witness", goc.base);
    // Refused with the reason, in Vietnamese, nothing stored: a log's key is not a
    // witness's, and an address must be plain http(s).
    let log_vkey = goc.text("/log/NA-LH/vkey").await.trim().to_owned();
    for (vkey, address, reason) in [
        (log_vkey.as_str(), url.as_str(), "Khoá nhân chứng phải là"),
        ("nonsense", url.as_str(), "Khoá nhân chứng phải là"),
        (
            wkey.as_str(),
            "javascript:alert(1)",
            "Địa chỉ nhân chứng phải là",
        ),
        (
            wkey.as_str(),
            "https://w.example/witness?x=1",
            "Địa chỉ nhân chứng phải là",
        ),
    ] {
        let r = admin
            .submit(
                page,
                add,
                &[("form", "witness"), ("vkey", vkey), ("url", address)],
            )
            .await;
        assert_eq!(r.status(), 422, "{vkey} {address}");
        assert!(r.text().await.unwrap().contains(reason));
    }
    assert!(!ok(&goc.command(&["witness", "list", "--coop", "NA-LH"])).contains("/witness"));
    // A farmer may not choose them.
    let lan = farmer(&goc, &admin, "NA-LH", "0911222777").await;
    let theirs = lan
        .submit(
            "/farm/NA-LH",
            add,
            &[("form", "witness"), ("vkey", &wkey), ("url", &url)],
        )
        .await;
    assert_eq!(theirs.status(), 403);

    // The instance witnessing itself stands in for another's here: added, it cosigns.
    ok(&goc.command(&["witness", "follow", &log_vkey]));
    // Added once; the same witness again is a conflict.
    for expected in [200, 409] {
        let r = admin
            .submit(
                page,
                add,
                &[("form", "witness"), ("vkey", &wkey), ("url", &url)],
            )
            .await;
        assert_eq!(r.status(), expected);
    }
    admin.wait_for(page, "đã xác nhận đến mốc #").await;
    let quorum = "/manage/NA-LH/witnesses/quorum";
    for bad in ["2", "-1", "một"] {
        let r = admin
            .submit(page, quorum, &[("form", "witness-quorum"), ("quorum", bad)])
            .await;
        assert_eq!(r.status(), 422, "quorum {bad}");
    }
    let r = admin
        .submit(page, quorum, &[("form", "witness-quorum"), ("quorum", "1")])
        .await;
    assert_eq!(r.status(), 200);

    let b = Browser::start().await;
    b.sign_in(&goc, "0999999999").await;
    b.open(&format!("{}/manage/NA-LH", goc.base)).await;
    b.click("#witnesses summary").await;
    b.wait_for_text("#witnesses", "đã xác nhận đến mốc #").await;
    b.screenshot_page("manage-witnesses").await;

    // The phone verifies the tree's history and remembers who vouched for the cooperative.
    let tree = goc.identity_url("NA-LH", "CC001").await;
    b.open(&tree).await;
    b.wait_for_text("#verify-here.ok", "Đã được 1 nhân chứng độc lập xác nhận")
        .await;

    let name = VerifierKey::parse(&wkey).unwrap().name;
    let r = admin
        .submit(
            page,
            "/manage/NA-LH/witnesses/remove",
            &[("form", "witness-remove"), ("name", &name)],
        )
        .await;
    assert_eq!(r.status(), 200);
    assert!(!admin.get(page).await.text().await.unwrap().contains(&name));

    // Without its witness, the server's next history promises none; the phone that saw
    // one vouch before still asks for it, and says the history falls short.
    let token = lan.token("/farm/NA-LH").await;
    let entry = json!({"coop": "NA-LH", "entries": [{"id": "0193a5c4-8f1e-7cc2-9d3a-5b0f000000aa",
        "tree": "CC001", "recorded_at": 1_764_000_000_000i64, "action": {"kind": "watered", "litres": 20}}]});
    let r = lan
        .request(reqwest::Method::POST, "/api/v1/diary/sync")
        .header("x-csrf-token", &token)
        .json(&entry)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    b.open(&tree).await;
    b.wait_for_text(
        "#verify-here.bad",
        "Trước đây máy của bạn đã thấy 1 nhân chứng độc lập xác nhận hợp tác xã này; lịch sử lần này chỉ có 0",
    )
    .await;
    b.screenshot("tree-witness-dropped").await;
    b.close().await;
}

#[tokio::test]
async fn the_monitor_catches_a_key_changed_without_a_signed_rotation() {
    let goc = Goc::start().await;
    let dir = scratch("monitor-keys");
    let state = dir.join("monitor.json");
    let url = format!("{}/log/NA-LH", goc.base);
    let run = || {
        goc_command(
            goc.database_url(),
            &["monitor", &url, "--state", state.to_str().unwrap()],
        )
    };
    assert!(ok(&run()).starts_with("ok: "));
    // Another address is another log: its checkpoint names this one, and is refused.
    let elsewhere = format!("{}/log/NA-LH", goc.base.replace("127.0.0.1", "localhost"));
    let other_state = dir.join("other.json");
    let wrong = goc_command(
        goc.database_url(),
        &[
            "monitor",
            &elsewhere,
            "--state",
            other_state.to_str().unwrap(),
        ],
    );
    assert_eq!(wrong.status.code(), Some(1));
    // The server now publishes another first key, with no rotation signed by the old one.
    let forged = ledger::SigningKey::from_seed(&[9; 32])
        .public_key()
        .to_hex();
    tamper(
        goc.database_url(),
        &[&format!(
            "UPDATE cooperative_keys SET public_key = X'{forged}' WHERE id = \
         (SELECT MIN(id) FROM cooperative_keys WHERE cooperative_id = \
         (SELECT id FROM cooperatives WHERE code = 'NA-LH'))"
        )],
    )
    .await;
    for _ in 0..2 {
        let caught = run();
        assert_eq!(caught.status.code(), Some(3));
        let said = String::from_utf8_lossy(&caught.stdout);
        assert!(
            said.contains(
                "UNANNOUNCED KEY CHANGE: the cooperative's first key is not the one seen before"
            ),
            "{said}"
        );
    }
}
