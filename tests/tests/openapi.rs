//! The JSON API against its OpenAPI document, on the real binary: schemathesis (installed
//! by `scripts/tools.sh --browser`) calls every documented operation, signed in as an
//! administrator, with the documents' examples, boundary values and fuzzed input, and
//! checks every answer's status, content type and body against the document, and that
//! none is a server error. Deterministic: a fixed seed, no time budget.

use crate::support::{Agent, Goc};

#[tokio::test]
async fn the_live_api_answers_as_its_openapi_document_says() {
    let goc = Goc::start().await;
    goc.admin().await;
    let me = Agent::new(&goc);
    let login = me
        .submit(
            "/login",
            "/login",
            &[
                ("form", "login"),
                ("identifier", "0999999999"),
                ("password", "a long password"),
            ],
        )
        .await;
    assert_eq!(login.status(), 303);
    let session = login
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("goc_sid="))
        .and_then(|v| v.split(';').next())
        .expect("a session cookie")
        .to_owned();

    // The document is served where its version says, and covers the API's routes.
    let doc: serde_json::Value = goc.get("/api/v1/openapi.json").await.json().await.unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["info"]["version"], "1.0.0");
    for path in [
        "/api/v1/coops/{coop}/recall",
        "/api/v1/coops/{coop}/report",
        "/api/v1/coops/{coop}/orders",
        "/api/trees/{coop}/{tree}/history",
        "/.well-known/goc/keys/{coop}",
    ] {
        assert!(
            doc["paths"][path]["get"].is_object(),
            "{path} is not documented"
        );
    }

    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let st = root.join(".tools/venv/bin/st");
    assert!(
        st.exists(),
        "{} missing: run scripts/tools.sh --browser",
        st.display()
    );
    let out = tokio::process::Command::new(st)
        .arg("--config-file")
        .arg(root.join("tests/schemathesis.toml"))
        .args(["run", &format!("{}/api/v1/openapi.json", goc.base)])
        .args([
            "--checks",
            "all",
            "--max-examples",
            "25",
            "--seed",
            "20261202",
        ])
        .args(["--generation-deterministic", "--workers", "1"])
        .env("GOC_SID", session.trim_start_matches("goc_sid="))
        .env("NO_COLOR", "1")
        .current_dir(std::env::temp_dir())
        .output()
        .await
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.contains("Tested: 23"), "{said}");
    // Signed in: the managers' operations were reached, not just refused.
    assert!(!said.contains("Authentication failed"), "{said}");
}

/// The first `prefix…` run of token characters in `html`.
fn find(html: &str, prefix: &str, more: impl Fn(char) -> bool) -> String {
    let at = html
        .find(prefix)
        .unwrap_or_else(|| panic!("no {prefix} in the page"));
    html[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || c == &'_' || more(*c))
        .collect()
}

#[tokio::test]
async fn an_api_token_from_the_manage_page_reads_the_api_and_changes_nothing() {
    let goc = Goc::start().await;
    let admin = goc.admin().await;
    let issued = admin
        .submit(
            "/manage/NA-LH",
            "/manage/NA-LH/api-tokens",
            &[("form", "api-token"), ("name", "Kế toán MISA")],
        )
        .await;
    assert_eq!(issued.status(), 200);
    let page = issued.text().await.unwrap();
    assert!(page.contains("khoá không hiện lại"), "{page}");
    let token = find(&page, "goc_", |_| false);
    assert!(token.len() > 50, "{token}");

    let client = reqwest::Client::new();
    let get = |path: &str, token: &str| {
        client
            .get(format!("{}{path}", goc.base))
            .bearer_auth(token)
            .send()
    };
    let recall = get("/api/v1/coops/NA-LH/recall?lot=AB-2610-07", &token)
        .await
        .unwrap();
    assert_eq!(recall.status(), 200);
    let recall: serde_json::Value = recall.json().await.unwrap();
    assert_eq!(recall["trees"].as_array().unwrap().len(), 3, "{recall}");
    assert_eq!(
        get("/api/v1/coops/NA-LH/orders.csv", &token)
            .await
            .unwrap()
            .status(),
        200
    );
    // Another cooperative's data, a wrong token: refused.
    assert_eq!(
        get("/api/v1/coops/XOAI-MX/orders", &token)
            .await
            .unwrap()
            .status(),
        403
    );
    assert_eq!(
        get("/api/v1/coops/NA-LH/orders", "goc_guess")
            .await
            .unwrap()
            .status(),
        401
    );
    // The scheme's name is case-insensitive.
    let lower = client
        .get(format!("{}/api/v1/coops/NA-LH/orders", goc.base))
        .header("authorization", format!("bearer {token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(lower.status(), 200);
    // It changes nothing, even with a CSRF pair anyone can fetch (a visitor's).
    let visitor = Agent::new(&goc);
    let csrf = visitor.token("/login").await;
    for (path, fields) in [
        (
            "/manage/NA-LH/story",
            vec![
                ("csrf", csrf.as_str()),
                ("form", "story"),
                ("story", "HACKED"),
            ],
        ),
        (
            "/manage/NA-LH/export",
            vec![
                ("csrf", csrf.as_str()),
                ("form", "export"),
                ("passphrase", "a long passphrase"),
                ("passphrase2", "a long passphrase"),
            ],
        ),
        (
            "/manage/NA-LH/api-tokens/1/revoke",
            vec![("csrf", csrf.as_str()), ("form", "revoke-token")],
        ),
    ] {
        let r = visitor
            .request(reqwest::Method::POST, path)
            .bearer_auth(&token)
            .form(&fields)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{path}");
        assert!(
            r.text().await.unwrap().contains("Khoá API chỉ dùng để đọc"),
            "{path}"
        );
    }
    let write = visitor
        .request(reqwest::Method::POST, "/api/v1/coops/NA-LH/offers")
        .bearer_auth(&token)
        .header("x-csrf-token", &csrf)
        .json(&serde_json::json!({"trees": ["CC001"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(write.status(), 403);
    assert!(!goc.text("/c/NA-LH").await.contains("HACKED"));
    // Pages never see it: with only a token, the account page is a visitor's.
    let page = client
        .get(format!("{}/account", goc.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert!(!page.text().await.unwrap().contains("API: Kế toán MISA"));

    // The page lists it as used; revoked, it stops working at once.
    let page = admin.get("/manage/NA-LH").await.text().await.unwrap();
    assert!(page.contains("Kế toán MISA") && page.contains("dùng lần cuối"));
    assert!(!page.contains(&token), "a token is shown once");
    let revoke = find(&page, "/manage/NA-LH/api-tokens/", |c| "/-".contains(c));
    let done = admin
        .submit("/manage/NA-LH", &revoke, &[("form", "revoke-token")])
        .await;
    assert_eq!(done.status(), 200);
    assert_eq!(
        get("/api/v1/coops/NA-LH/orders", &token)
            .await
            .unwrap()
            .status(),
        401
    );
}
