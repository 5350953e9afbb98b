//! Requests per second for a tree page, against the same server serving the same bytes as
//! a static file, with a load generator on loopback. Goal: the page at ≥ 0.5 × the file.
//!
//! Run: `cargo build --release -p app --bin goc && cargo bench -p e2e --bench tree_page`

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

const CONNECTIONS: usize = 32;
const WARM_UP: Duration = Duration::from_secs(1);
const MEASURE: Duration = Duration::from_secs(5);

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

/// Requests per second `CONNECTIONS` keep-alive clients get from `url`.
async fn rps(url: &str) -> f64 {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(CONNECTIONS)
        .build()
        .unwrap();
    let count = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let tasks: Vec<_> = (0..CONNECTIONS)
        .map(|_| {
            let (client, count, url) = (client.clone(), count.clone(), url.to_owned());
            tokio::spawn(async move {
                while start.elapsed() < WARM_UP + MEASURE {
                    let r = client.get(&url).send().await.unwrap();
                    assert!(r.status().is_success());
                    r.bytes().await.unwrap();
                    if start.elapsed() > WARM_UP {
                        count.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    count.load(Ordering::Relaxed) as f64 / MEASURE.as_secs_f64()
}

#[tokio::main]
async fn main() {
    let target: PathBuf = std::env::current_exe()
        .unwrap()
        .ancestors()
        .nth(3)
        .unwrap()
        .to_path_buf();
    let bin = target.join("release/goc");
    assert!(
        bin.exists(),
        "build it first: cargo build --release -p app --bin goc"
    );
    let dir = std::env::temp_dir().join(format!("goc-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy_dir(&target.join("site"), &dir.join("site"));
    let mut child = Command::new(&bin)
        .args(["serve", "--demo-if-empty"])
        .env("DATABASE_URL", format!("sqlite://{}/goc.db", dir.display()))
        .env("GOC_LISTEN", "127.0.0.1:0")
        .env("GOC_SECRET", "bench-secret-that-is-long-enough-0123456789")
        .env("LEPTOS_SITE_ROOT", dir.join("site"))
        .env("RUST_LOG", "error")
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let base = loop {
        let line = lines.next_line().await.unwrap().expect("goc exited");
        if let Some(url) = line.strip_prefix("Gốc is serving on ") {
            break url.to_owned();
        }
    };
    let page = format!("{base}/t/NA-LH/CC001");
    let html = reqwest::get(&page).await.unwrap().bytes().await.unwrap();
    std::fs::write(dir.join("site/tree.html"), &html).unwrap();
    let baseline = rps(&format!("{base}/tree.html")).await;
    let dynamic = rps(&page).await;
    println!(
        "static file (same {} bytes): {baseline:.0} requests/s",
        html.len()
    );
    println!("tree page (database, verification, rendering): {dynamic:.0} requests/s");
    println!("ratio: {:.2} (goal ≥ 0.5)", dynamic / baseline);
    let _ = std::fs::remove_dir_all(&dir);
}
