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
    assert!(said.contains("Tested: 18"), "{said}");
    // Signed in: the managers' operations were reached, not just refused.
    assert!(!said.contains("Authentication failed"), "{said}");
}
