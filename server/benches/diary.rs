//! The diary's performance, on SQLite and PostgreSQL, each figure against a baseline
//! measured in the same run:
//! - durable appends per second through `diary::sync` (checks, chain, stored Merkle tree,
//!   idempotency record, signed checkpoint) against raw inserts of the same rows, one
//!   transaction (one durable commit) each (goal ≥ 0.5);
//! - one sync of 500 queued entries against 500 syncs of one (goal ≥ 10×);
//! - an inclusion proof and a checkpoint root at 1 M entries (10 M with
//!   `GOC_BENCH_BIG=1`) from the stored tree: time and rows read, against reading every
//!   leaf (goal: O(log n) rows, under 5 ms).
//!
//! Run: `cargo bench -p server --bench diary` (PostgreSQL at GOC_TEST_POSTGRES or
//! postgres://postgres@127.0.0.1:5432).

#[path = "common/mod.rs"]
mod common;

use std::time::Instant;

use ledger::merkle::{self, NodeId};
use ledger::Digest;
use serde_json::json;
use server::access::Actor;
use server::cooperatives::{self, NewCooperative};
use server::diary::{self, SyncRequest};
use server::trees::{self, NewTree};
use server::zones::{self, NewZone};
use server::{accounts, Services};

const SINGLES: u32 = 300;

async fn setup(s: &Services) -> Actor {
    // The cooperative's manager (its creator), who records care like a farmer.
    let session = accounts::sign_up(&s.store, "0900000001", "Bench", "a long password")
        .await
        .unwrap();
    let me = accounts::actor(&s.store, &session.token)
        .await
        .unwrap()
        .unwrap();
    let new = NewCooperative::parse(
        "NA-LH",
        "HTX",
        ("Thái Nguyên", "Võ Nhai", "La Hiên"),
        "",
        None,
    )
    .unwrap();
    cooperatives::create(&s.store, &s.sealer, &s.origin_prefix, &me, new)
        .await
        .unwrap();
    let c = cooperatives::by_code(&s.store, "NA-LH").await.unwrap();
    zones::create(
        &s.store,
        &Actor::system(),
        &c,
        NewZone::parse(None, "Đồi", &["na"], 2.0, 1).unwrap(),
    )
    .await
    .unwrap();
    let z = s.store.zones_of(c.id).await.unwrap().remove(0);
    for t in ["CC001", "CC002", "CC003", "CC004"] {
        let tree = NewTree::parse(t, "custard_apple", "Na dai", "2019-04-12", None).unwrap();
        trees::create(&s.store, &s.sealer, &Actor::system(), &c, &z, tree)
            .await
            .unwrap();
    }
    accounts::actor(&s.store, &session.token)
        .await
        .unwrap()
        .unwrap()
}

fn entry(n: u32) -> serde_json::Value {
    let tree = ["CC001", "CC002", "CC003", "CC004"][n as usize % 4];
    json!({"id": format!("0193a5c4-8f1e-7cc2-9d3a-5b0f{n:08x}"), "tree": tree,
           "recorded_at": 1_764_000_000_000i64 + i64::from(n), "action": {"kind": "bagged", "fruits": n % 1000 + 1}})
}

async fn sync(s: &Services, who: &Actor, entries: Vec<serde_json::Value>) {
    let acks = diary::sync(
        s,
        who,
        SyncRequest {
            coop: "NA-LH".into(),
            entries,
        },
    )
    .await
    .unwrap();
    assert!(acks.iter().all(|a| a.status == diary::Status::Stored));
}

/// The rows one diary append writes (its entry, its id record, a tree node, a checkpoint)
/// inserted as they are, one transaction (one durable commit) each.
type Rows = Vec<(i64, Vec<u8>, Vec<u8>)>;

async fn raw(db: &str, rows: &Rows) {
    use sqlx::Connection;
    let tables = [
        "CREATE TABLE raw_entries (seq BIGINT PRIMARY KEY, hash BYTEA NOT NULL, bytes BYTEA NOT NULL)",
        "CREATE TABLE raw_records (id TEXT PRIMARY KEY, content BYTEA NOT NULL, seq BIGINT NOT NULL)",
        "CREATE TABLE raw_nodes (node BIGINT PRIMARY KEY, hash BYTEA NOT NULL)",
        "CREATE TABLE raw_checkpoints (size BIGINT PRIMARY KEY, note TEXT NOT NULL)",
    ];
    macro_rules! run {
        ($c:expr) => {{
            for t in tables {
                sqlx::query(&t.replace(
                    "BYTEA",
                    if db.starts_with("postgres") {
                        "BYTEA"
                    } else {
                        "BLOB"
                    },
                ))
                .execute(&mut $c)
                .await
                .unwrap();
            }
            for (seq, h, b) in rows {
                let mut tx = $c.begin().await.unwrap();
                sqlx::query("INSERT INTO raw_entries (seq, hash, bytes) VALUES ($1, $2, $3)")
                    .bind(seq)
                    .bind(h)
                    .bind(b)
                    .execute(&mut *tx)
                    .await
                    .unwrap();
                sqlx::query("INSERT INTO raw_records (id, content, seq) VALUES ($1, $2, $3)")
                    .bind(seq.to_string())
                    .bind(h)
                    .bind(seq)
                    .execute(&mut *tx)
                    .await
                    .unwrap();
                sqlx::query("INSERT INTO raw_nodes (node, hash) VALUES ($1, $2)")
                    .bind(seq)
                    .bind(h)
                    .execute(&mut *tx)
                    .await
                    .unwrap();
                sqlx::query("INSERT INTO raw_checkpoints (size, note) VALUES ($1, $2)")
                    .bind(seq)
                    .bind("x".repeat(200))
                    .execute(&mut *tx)
                    .await
                    .unwrap();
                tx.commit().await.unwrap();
            }
        }};
    }
    if db.starts_with("postgres") {
        let mut c = sqlx::PgConnection::connect(db).await.unwrap();
        run!(c);
    } else {
        // The same durability as the store: WAL with synchronous=FULL.
        let opts: sqlx::sqlite::SqliteConnectOptions = db.parse().unwrap();
        let mut c = sqlx::SqliteConnection::connect_with(
            &opts
                .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sqlx::sqlite::SqliteSynchronous::Full),
        )
        .await
        .unwrap();
        run!(c);
    }
}

async fn appends(engine: &str, url: &str) {
    let s = common::services(url, "diary bench", &std::env::temp_dir()).await;
    let who = setup(&s).await;
    let start = Instant::now();
    for n in 0..SINGLES {
        sync(&s, &who, vec![entry(n)]).await;
    }
    let domain = f64::from(SINGLES) / start.elapsed().as_secs_f64();
    let c = cooperatives::by_code(&s.store, "NA-LH").await.unwrap();
    let rows: Rows = s
        .store
        .log_page(c.id, 0, i64::from(SINGLES) + 100)
        .await
        .unwrap()
        .into_iter()
        .rev()
        .take(SINGLES as usize)
        .map(|r| (r.seq, r.hash, r.bytes))
        .collect();
    let start = Instant::now();
    raw(url, &rows).await;
    let baseline = rows.len() as f64 / start.elapsed().as_secs_f64();
    println!("{engine}: durable appends {domain:.0}/s through the domain, the same rows inserted raw {baseline:.0}/s: ratio {:.2} (goal ≥ 0.5)", domain / baseline);

    let batch: Vec<_> = (10_000..10_500).map(entry).collect();
    let start = Instant::now();
    sync(&s, &who, batch).await;
    let one = start.elapsed().as_secs_f64();
    let start = Instant::now();
    for n in 20_000..20_500 {
        sync(&s, &who, vec![entry(n)]).await;
    }
    let many = start.elapsed().as_secs_f64();
    println!("{engine}: 500 entries in one sync {:.0} ms, in 500 syncs {:.0} ms: {:.1}× faster (goal ≥ 10×)", one * 1e3, many * 1e3, many / one);
    s.store.close().await;
}

/// A log of `size` leaves written straight into the tables (entries of a few bytes; a
/// proof reads only hashes), with its stored tree.
async fn big_log(url: &str, size: u64) -> (Services, i64) {
    use sqlx::Connection;
    let s = common::services(url, "diary bench", &std::env::temp_dir()).await;
    let new = NewCooperative::parse("BIG", "HTX", ("a", "b", "c"), "", None).unwrap();
    cooperatives::create(&s.store, &s.sealer, &s.origin_prefix, &Actor::system(), new)
        .await
        .unwrap();
    let c = cooperatives::by_code(&s.store, "BIG").await.unwrap();
    let leaf = |i: u64| Digest::leaf(&i.to_be_bytes());
    let mut rows: Vec<(i64, Vec<u8>)> = Vec::new();
    let mut nodes: Vec<(i64, Vec<u8>)> = Vec::new();
    let mut stack: Vec<Digest> = Vec::new();
    let start = c.log_size as u64;
    for i in start..size {
        let h = leaf(i);
        rows.push((i as i64, h.0.to_vec()));
        stack.push(h);
        for id in merkle::completed_by(i) {
            let r = stack.pop().unwrap();
            let l = stack.pop().unwrap();
            let n = Digest::node(&l, &r);
            nodes.push((id.key(), n.0.to_vec()));
            stack.push(n);
        }
    }
    macro_rules! load {
        ($c:expr) => {{
            let mut tx = $c.begin().await.unwrap();
            for chunk in rows.chunks(4_000) {
                let mut q = sqlx::QueryBuilder::new("INSERT INTO ledger_entries (cooperative_id, seq, subject, hash, prev, kind, bytes, received_at) ");
                q.push_values(chunk, |mut b, (seq, h)| {
                    b.push_bind(c.id).push_bind(*seq).push_bind(format!("tree:T{seq}")).push_bind(h.clone())
                        .push_bind(None::<Vec<u8>>).push_bind(18i64).push_bind(h.clone()).push_bind(0i64);
                });
                q.build().execute(&mut *tx).await.unwrap();
            }
            for chunk in nodes.chunks(10_000) {
                let mut q = sqlx::QueryBuilder::new("INSERT INTO merkle_nodes (cooperative_id, node, hash) ");
                q.push_values(chunk, |mut b, (k, h)| {
                    b.push_bind(c.id).push_bind(*k).push_bind(h.clone());
                });
                q.build().execute(&mut *tx).await.unwrap();
            }
            sqlx::query("UPDATE cooperatives SET log_size = $1 WHERE id = $2").bind(size as i64).bind(c.id).execute(&mut *tx).await.unwrap();
            tx.commit().await.unwrap();
        }};
    }
    if url.starts_with("postgres") {
        let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
        load!(conn);
    } else {
        let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
        load!(conn);
    }
    (s, c.id)
}

async fn proofs(engine: &str, url: &str, size: u64) {
    let built = Instant::now();
    let (s, coop) = big_log(url, size).await;
    let build_s = built.elapsed().as_secs_f64();
    let reps = 50u64;
    let start = Instant::now();
    let mut read = 0;
    for r in 0..reps {
        let m = (size / reps) * r + r;
        let ids = merkle::proof_nodes(size, m);
        read = read.max(ids.len());
        let nodes = s.store.merkle_nodes(coop, &ids).await.unwrap();
        let proof =
            merkle::inclusion_proof_from(size, m, |id: NodeId| nodes.get(&id).copied()).unwrap();
        let root_ids = merkle::root_nodes(size);
        let roots = s.store.merkle_nodes(coop, &root_ids).await.unwrap();
        let root = merkle::root_from(size, |id| roots.get(&id).copied()).unwrap();
        let leaf = Digest::leaf(&m.to_be_bytes());
        assert!(merkle::verify_inclusion(m, size, &leaf, &proof, &root));
    }
    let per = start.elapsed().as_secs_f64() / reps as f64;
    let start = Instant::now();
    let leaves = s.store.leaf_hashes(coop, size as i64).await.unwrap();
    let _ = merkle::inclusion_proof(&leaves, (size / 2) as usize).unwrap();
    let scan = start.elapsed().as_secs_f64();
    println!(
        "{engine}: {size} entries (written in {build_s:.0} s): proof + checkpoint root {:.2} ms reading ≤ {read} + {} rows; reading every leaf {:.0} ms: {:.0}× faster",
        per * 1e3, merkle::root_nodes(size).len(), scan * 1e3, scan / per
    );
    s.store.close().await;
}

#[tokio::main]
async fn main() {
    let dir = common::scratch("diary");
    let pg = |name: &str| common::postgres(name, false);
    appends("SQLite", &format!("sqlite://{}/a.db", dir.display())).await;
    appends("PostgreSQL", &pg("goc_bench_appends")).await;
    // GOC_BENCH_APPENDS_ONLY=1: the appends alone (building a million-entry log takes minutes).
    let mut sizes = if std::env::var("GOC_BENCH_APPENDS_ONLY").is_ok() {
        vec![]
    } else {
        vec![1_000_000u64]
    };
    if std::env::var("GOC_BENCH_BIG").is_ok() {
        sizes.push(10_000_000);
    }
    for size in sizes {
        proofs(
            "SQLite",
            &format!("sqlite://{}/p{size}.db", dir.display()),
            size,
        )
        .await;
        proofs("PostgreSQL", &pg(&format!("goc_bench_proofs_{size}")), size).await;
    }
    let _ = std::fs::remove_dir_all(&dir);
}
