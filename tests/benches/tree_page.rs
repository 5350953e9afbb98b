//! Requests per second for a tree page, against the same bytes served from memory by a
//! bare axum server in its own process (this benchmark's binary, started again in
//! `--serve-bytes` mode), and against the same bytes as a static file through goc; one
//! load generator on loopback for all three. Goal: the page at ≥ 0.5 × the bytes.
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

/// The baseline server: `bytes` from memory at `/tree.html`, nothing else.
async fn serve_bytes(file: &Path) {
    let bytes = axum::body::Bytes::from(std::fs::read(file).unwrap());
    let app = axum::Router::new().route(
        "/tree.html",
        axum::routing::get(move || {
            let b = bytes.clone();
            async move { ([("content-type", "text/html; charset=utf-8")], b) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    println!("bytes on http://{}", listener.local_addr().unwrap());
    axum::serve(listener, app).await.unwrap();
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--serve-bytes") {
        return serve_bytes(Path::new(&args[i + 1])).await;
    }
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
    let mut memory = Command::new(std::env::current_exe().unwrap())
        .args(["--serve-bytes"])
        .arg(dir.join("site/tree.html"))
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut out = BufReader::new(memory.stdout.take().unwrap()).lines();
    let bytes_base = loop {
        let line = out
            .next_line()
            .await
            .unwrap()
            .expect("baseline server exited");
        if let Some(url) = line.strip_prefix("bytes on ") {
            break url.to_owned();
        }
    };
    let in_memory = rps(&format!("{bytes_base}/tree.html")).await;
    let file = rps(&format!("{base}/tree.html")).await;
    let dynamic = rps(&page).await;
    println!(
        "same {} bytes from memory (bare axum): {in_memory:.0} requests/s",
        html.len()
    );
    println!("same bytes as a static file through goc: {file:.0} requests/s");
    println!("tree page (database, verification, rendering): {dynamic:.0} requests/s");
    println!(
        "ratio page / bytes from memory: {:.2} (goal ≥ 0.5)",
        dynamic / in_memory
    );
    println!("ratio page / static file: {:.2}", dynamic / file);
    let _ = std::fs::remove_dir_all(&dir);
}
