//! The recall at scale, on SQLite and PostgreSQL: a cooperative made by `goc generate`
//! (1 M diary entries on 10 k trees; `GOC_BENCH_TRACE_ENTRIES=10000000` for the issue's
//! 10 M on 100 k trees), then recalls of twenty lots through the index written at append
//! time, against the baseline measured in the same run: a full scan that decodes every
//! entry of the log looking for the lot. Goals: a recall under 50 ms, ≥ 1000× the scan.
//! The two must find the same trees.
//!
//! Run: `cargo bench -p server --bench trace` (PostgreSQL at GOC_TEST_POSTGRES or
//! postgres://postgres@127.0.0.1:5432). Making 10 M entries takes about 40 minutes an
//! engine, so `GOC_BENCH_TRACE_KEEP=DIR` keeps the data sets (SQLite in DIR, PostgreSQL as
//! `goc_bench_trace_<entries>`) and a later run with the same size measures on them again;
//! `GOC_BENCH_ENGINES=sqlite` or `postgres` runs one engine.

#[path = "common/mod.rs"]
mod common;

use std::collections::BTreeSet;
use std::time::Instant;

use ledger::{Entry, Kind};
use server::access::Actor;
use server::generate::{self, Plan};
use server::reports::{self, ReportQuery};
use server::trace::{self, facts::key, RecallQuery};
use server::Services;

/// Lots the generator certainly used: a product's lot of a week and block.
fn lots() -> Vec<String> {
    let prefixes = ["RG", "AB", "RD", "CF", "DT", "SG", "PM", "VD"];
    (0..20)
        .map(|i| format!("{}-{:03}-{}", prefixes[i % 8], 10 + i * 7, i % 8))
        .collect()
}

/// Every tree the lot touched, found by decoding the whole log.
async fn scan(s: &Services, coop: i64, lot: &str) -> BTreeSet<String> {
    let want = key(lot);
    let mut trees = BTreeSet::new();
    let mut from = 0;
    loop {
        let page = s.store.log_page(coop, from, 50_000).await.unwrap();
        for row in &page {
            let e = Entry::decode(&row.bytes).unwrap();
            if let Kind::SprayedLot { lot, .. } | Kind::FertilisedLot { lot, .. } = &e.kind {
                if let (true, ledger::Subject::Tree(t)) = (key(lot) == want, &e.subject) {
                    trees.insert(t.as_str().to_owned());
                }
            }
        }
        if page.len() < 50_000 {
            return trees;
        }
        from += 50_000;
    }
}

async fn run(engine: &str, url: &str, entries: u64, dir: &std::path::Path) {
    let s = common::services(url, "trace bench", dir).await;
    let plan = Plan {
        coop: "GEN-01".into(),
        trees: entries / 100,
        entries,
        seed: 7,
    };
    let made = if let Some(c) = s.store.cooperative_by_code(&plan.coop).await.unwrap() {
        // Kept from an earlier run (GOC_BENCH_TRACE_KEEP): the same plan and seed, unless
        // that run was cut short.
        let size = s
            .store
            .latest_checkpoint(c.id)
            .await
            .unwrap()
            .map_or(0, |c| c.size);
        assert!(
            size >= (plan.entries + plan.trees) as i64,
            "{engine}: the kept data set is incomplete ({size} entries): remove it"
        );
        // Made by a binary that did not refresh the planner's statistics afterwards.
        s.store.analyze().await;
        None
    } else {
        Some(generate::generate(&s, &plan, |_, _| {}).await.unwrap())
    };
    let coop = server::cooperatives::by_code(&s.store, "GEN-01")
        .await
        .unwrap();
    let admin = Actor::system();
    let mut times = Vec::new();
    let mut found = Vec::new();
    for lot in lots() {
        let q = RecallQuery::parse(&lot, "", "").unwrap();
        let t = Instant::now();
        let r = trace::recall(&s, &admin, &coop, q).await.unwrap();
        times.push(t.elapsed().as_secs_f64());
        found.push(
            r.trees()
                .into_iter()
                .map(str::to_owned)
                .collect::<BTreeSet<_>>(),
        );
    }
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    let worst = times[times.len() - 1];
    // The scan takes long at scale: three lots, each checked against the index's answer.
    let mut scans = Vec::new();
    for (lot, trees) in lots().iter().zip(&found).take(3) {
        let t = Instant::now();
        let by_scan = scan(&s, coop.id, lot).await;
        scans.push(t.elapsed().as_secs_f64());
        assert_eq!(&by_scan, trees, "the scan and the index disagree on {lot}");
    }
    scans.sort_by(f64::total_cmp);
    let scan_median = scans[scans.len() / 2];
    let touched: usize = found.iter().map(BTreeSet::len).sum::<usize>() / found.len();
    let made = match made {
        Some(m) => format!(
            "generated in {:.0} s, {:.0} entries/s",
            m.seconds,
            m.entries as f64 / m.seconds
        ),
        None => "kept from an earlier run".into(),
    };
    println!(
        "{engine}: {} entries on {} trees ({made}); recall of a lot \
         (≈{touched} trees, with harvests and adoptions): median {:.2} ms, worst {:.2} ms; \
         full scan {:.0} ms: {:.0}× faster",
        plan.entries,
        plan.trees,
        median * 1e3,
        worst * 1e3,
        scan_median * 1e3,
        scan_median / median
    );
    // The manager's season report (this year so far, every zone, 14 idle days): not a
    // recall, but it reads the same index and log at the same scale.
    let q = ReportQuery::parse("", "", "", "", "").unwrap();
    let t = Instant::now();
    let r = reports::season(&s, &admin, &coop, &q).await.unwrap();
    assert_eq!(r.trees as u64, plan.trees);
    println!(
        "{engine}: the season report of {} trees, this year so far: {:.0} ms",
        r.trees,
        t.elapsed().as_secs_f64() * 1e3
    );
    s.store.close().await;
}

#[tokio::main]
async fn main() {
    let entries = std::env::var("GOC_BENCH_TRACE_ENTRIES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000);
    let engines = std::env::var("GOC_BENCH_ENGINES").unwrap_or_default();
    let kept = std::env::var_os("GOC_BENCH_TRACE_KEEP").map(std::path::PathBuf::from);
    let dir = match &kept {
        Some(d) => {
            std::fs::create_dir_all(d).unwrap();
            d.clone()
        }
        None => common::scratch("trace"),
    };
    if engines != "postgres" {
        let url = format!("sqlite://{}/trace-{entries}.db", dir.display());
        run("SQLite", &url, entries, &dir).await;
    }
    if engines != "sqlite" {
        let url = common::postgres(&format!("goc_bench_trace_{entries}"), kept.is_some());
        run("PostgreSQL", &url, entries, &dir).await;
    }
    if kept.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
}
