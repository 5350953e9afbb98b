//! What every benchmark needs: services on a fresh database of either engine, with
//! predictable keys, and a scratch directory.

use std::path::{Path, PathBuf};

use secrecy::SecretString;
use server::{Config, Services};

/// The server's services on `url`, keys seeded from `name`.
pub async fn services(url: &str, name: &str, dir: &Path) -> Services {
    Services::start(&Config {
        database_url: url.to_owned(),
        base_url: "https://goc.example".into(),
        secret: SecretString::from("bench-secret-".repeat(4)),
        insecure_key_seed: Some(server::config::key_seed(name)),
        photos: dir.join("photos").display().to_string(),
        smtp_url: None,
        mail_from: "Gốc <no-reply@goc.example>".into(),
    })
    .await
    .unwrap()
}

/// An empty scratch directory for this run.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("goc-bench-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// PostgreSQL database `name` (at GOC_TEST_POSTGRES or the local server), made afresh, or
/// with `keep` created only if missing and otherwise left as it is; its URL.
pub fn postgres(name: &str, keep: bool) -> String {
    let exists = keep
        && psql(&[&format!(
            "SELECT 1 FROM pg_database WHERE datname = '{name}'"
        )])
        .contains('1');
    if !exists {
        psql(&[
            &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            &format!("CREATE DATABASE {name}"),
        ]);
    }
    format!("{}/{name}", postgres_server())
}

fn postgres_server() -> String {
    std::env::var("GOC_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

/// Runs these statements on the server's `postgres` database; what they printed.
fn psql(statements: &[&str]) -> String {
    let mut cmd = std::process::Command::new("psql");
    cmd.arg(format!("{}/postgres", postgres_server()))
        .arg("-tA");
    for s in statements {
        cmd.args(["-c", s]);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
