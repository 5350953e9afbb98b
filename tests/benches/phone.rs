//! What a buyer's cheap phone sees on a slow network: Lighthouse's mobile preset (150 ms
//! round trip, 1.6 Mbps down, 750 kbps up, 4× slower CPU), applied to headless Chromium
//! through the DevTools protocol. For each page: first contentful paint and the load
//! event, against the same figures for the smallest page the server answers (`/healthz`,
//! one round trip and a few bytes) in the same run; and for a page that hydrates, the
//! time until it is interactive. The public tree page is readable, verified badge
//! included, at its first paint: its verdict is rendered on the server and it ships no
//! wasm.
//!
//! The farmer's page is measured twice: online on a cold cache, and with the server gone
//! (no signal in the orchard), served by the service worker: time until the form and the
//! queue counter are usable.
//!
//! Run: `cargo build --release -p app --bin goc && GOC_PROFILE=release cargo bench -p e2e --bench phone`

#[allow(dead_code)]
#[path = "../tests/support/mod.rs"]
mod support;

use serde_json::json;
use support::{farmer, Browser, Goc};

const RUNS: usize = 5;

/// Milliseconds from navigation start to first contentful paint, to the load event, and
/// (when `ready` is a selector) until it matches.
async fn visit(b: &Browser, url: &str, ready: Option<&str>) -> (f64, f64, Option<f64>) {
    // A fresh cache each time: the first visit, what a scanned label costs.
    b.cdp("Network.clearBrowserCache", json!({})).await;
    b.open(url).await;
    let ready_ms = match ready {
        Some(css) => {
            b.find_css(css).await;
            Some(
                b.eval("return String(performance.now())")
                    .await
                    .parse()
                    .unwrap(),
            )
        }
        None => None,
    };
    let timing = b
        .eval(
            "return JSON.stringify({fcp: (performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime || 0, \
             load: performance.getEntriesByType('navigation')[0].loadEventEnd})",
        )
        .await;
    let t: serde_json::Value = serde_json::from_str(&timing).unwrap();
    (
        t["fcp"].as_f64().unwrap(),
        t["load"].as_f64().unwrap(),
        ready_ms,
    )
}

/// When the farmer's page said it was usable (farm.js marks it), ms from navigation start.
async fn ready(b: &Browser) -> f64 {
    b.eval(
        "return new Promise((ok) => { const f = () => { const e = performance.getEntriesByName('goc-diary-ready')[0]; \
         e ? ok(String(e.startTime)) : setTimeout(f, 10); }; f(); })",
    )
        .await
        .parse()
        .unwrap()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

async fn measure(
    b: &Browser,
    name: &str,
    url: &str,
    ready: Option<&str>,
) -> (f64, f64, Option<f64>) {
    let mut fcp = Vec::new();
    let mut load = Vec::new();
    let mut ready_ms = Vec::new();
    for _ in 0..RUNS {
        let (f, l, r) = visit(b, url, ready).await;
        fcp.push(f);
        load.push(l);
        ready_ms.extend(r);
    }
    let r = (!ready_ms.is_empty()).then(|| median(ready_ms));
    let (f, l) = (median(fcp), median(load));
    println!(
        "{name:<28} first paint {f:>6.0} ms   load {l:>6.0} ms{}",
        r.map(|r| format!("   interactive {r:>6.0} ms"))
            .unwrap_or_default()
    );
    (f, l, r)
}

#[tokio::main]
async fn main() {
    let goc = Goc::start().await;
    let tree = goc.identity_url("NA-LH", "CC001").await;
    let b = Browser::start().await;
    b.cdp("Network.enable", json!({})).await;
    b.cdp(
        "Network.emulateNetworkConditions",
        json!({"offline": false, "latency": 150, "downloadThroughput": 1_600_000 / 8, "uploadThroughput": 750_000 / 8}),
    )
    .await;
    b.cdp("Emulation.setCPUThrottlingRate", json!({"rate": 4}))
        .await;
    println!("Lighthouse mobile preset: 150 ms RTT, 1.6 Mbps, 4× CPU; median of {RUNS} cold loads");
    let (base_fcp, base_load, _) = measure(
        &b,
        "baseline /healthz",
        &format!("{}/healthz", goc.base),
        None,
    )
    .await;
    // Chromium does not always report a paint for plain text: its load then stands for it.
    let base_fcp = if base_fcp > 0.0 { base_fcp } else { base_load };
    let (fcp, load, _) = measure(&b, "tree page (scanned label)", &tree, None).await;
    let (home_fcp, _, home_ready) = measure(
        &b,
        "home page (hydrates)",
        &format!("{}/", goc.base),
        Some("html[data-hydrated]"),
    )
    .await;
    println!(
        "tree page: first paint = verified = {:.2} × baseline; load {:.2} × baseline",
        fcp / base_fcp,
        load / base_load
    );
    if let Some(r) = home_ready {
        println!(
            "home page: first paint {:.2} × baseline, interactive {:.2} × baseline",
            home_fcp / base_fcp,
            r / base_fcp
        );
    }
    // The farmer: signed in, the page installed by its worker; then the server goes away.
    farmer(&goc, &goc.admin().await, "NA-LH", "0911000999").await;
    b.cdp("Emulation.setCPUThrottlingRate", json!({"rate": 1}))
        .await;
    b.open(&format!("{}/login?next=/farm/NA-LH", goc.base))
        .await;
    b.fill("#login-identifier", "0911000999").await;
    b.fill("#login-password", "farmer password").await;
    b.click("#login button[type=submit]").await;
    b.find_css("#outbox[data-pending]").await;
    b.eval("return navigator.serviceWorker.ready.then(() => 'ready')")
        .await;
    b.cdp("Emulation.setCPUThrottlingRate", json!({"rate": 4}))
        .await;
    let farm = format!("{}/farm/NA-LH", goc.base);
    let usable = "#outbox[data-pending='0'] [data-outbox-text]";
    let mut online = Vec::new();
    for _ in 0..RUNS {
        b.open(&farm).await;
        b.wait_for_text(usable, "Đã đồng bộ hết").await;
        online.push(ready(&b).await);
    }
    goc.kill().await;
    let mut cached = Vec::new();
    for _ in 0..RUNS {
        b.open(&farm).await;
        b.find_css("#outbox[data-pending='0']").await;
        cached.push(ready(&b).await);
    }
    let (online, cached) = (median(online), median(cached));
    println!(
        "farmer page usable: online {online:.0} ms, from the worker's cache with no server {cached:.0} ms ({:.2} × online)",
        cached / online
    );
    b.close().await;
}
