//! `goc generate`: a realistic cooperative at scale, for benchmarks and for trying the
//! recall on a big log. Deterministic from its seed: the same command makes the same
//! trees and the same diary on either engine. Everything goes through the real write
//! paths (tree import, the diary's batch append), so indexes, the stored Merkle tree and
//! checkpoints are exactly what production writes.

use std::time::Instant;

use ledger::{Digest, Entry, Kind, Quantity, Subject, TreeCode, Unit};

use crate::access::Actor;
use crate::clock::now_ms;
use crate::cooperatives::{self, NewCooperative};
use crate::error::{Error, Result};
use crate::services::Services;
use crate::store::DiaryAppend;
use crate::trees::NewTree;
use crate::zones::{self, NewZone};

/// What to make.
#[derive(Debug, Clone)]
pub struct Plan {
    pub coop: String,
    pub trees: u64,
    pub entries: u64,
    pub seed: u64,
}

/// What was made, and how fast.
#[derive(Debug, Clone)]
pub struct Made {
    pub cooperative_id: i64,
    pub trees: u64,
    pub entries: u64,
    pub seconds: f64,
}

/// Trees per zone: an orchard block as cooperatives draw them.
const TREES_PER_ZONE: u64 = 1_000;
/// Entries per append through the diary's batch path: PostgreSQL takes one statement of
/// at most 65,535 bound values, about 1,800 entries' worth.
const BATCH: u64 = 1_000;
const DAY_MS: i64 = 86_400_000;

/// Inputs Vietnamese orchards buy, with the prefix of their lot numbers.
const SPRAYS: [(&str, &str, &str, u16); 8] = [
    ("Regent 800WG", "fipronil", "RG", 14),
    ("Abamectin 1.8EC", "abamectin", "AB", 7),
    ("Radiant 60SC", "spinetoram", "RD", 7),
    ("Confidor 100SL", "imidacloprid", "CF", 14),
    ("Anvil 5SC", "hexaconazole", "AV", 7),
    ("Ridomil Gold 68WG", "metalaxyl-M", "RM", 7),
    ("Kasumin 2SL", "kasugamycin", "KS", 7),
    ("Sherpa 25EC", "cypermethrin", "SP", 10),
];
const FERTILISERS: [(&str, &str); 4] = [
    ("NPK 16-16-8 Đầu Trâu", "DT"),
    ("Phân hữu cơ vi sinh Sông Gianh", "SG"),
    ("Kali clorua Phú Mỹ", "PM"),
    ("Lân Văn Điển", "VD"),
];

/// splitmix64: a seeded, portable stream (the data set must not change when a crate's
/// generator does).
struct Stream(u64);

impl Stream {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// The code of generated tree `n`.
pub fn tree_code(n: u64) -> String {
    format!("G{n:06}")
}

/// A care action on tree `tree` at `at`, drawn from the stream. Lots are shared the way
/// real ones are: one product's lot per week and block of zones.
fn action(rng: &mut Stream, tree: u64, at: i64, start: i64) -> Kind {
    let week = (at - start) / (7 * DAY_MS);
    let block = (tree / TREES_PER_ZONE) % 8;
    match rng.below(100) {
        0..=39 => Kind::Watered {
            litres: Some(20 + rng.below(60) as u32),
        },
        40..=54 => {
            let (product, prefix) = FERTILISERS[rng.below(FERTILISERS.len() as u64) as usize];
            Kind::FertilisedLot {
                product: product.into(),
                amount: Quantity {
                    thousandths: (1 + rng.below(5)) * 1_000,
                    unit: Unit::Kg,
                },
                lot: format!("{prefix}-{week:03}-{block}"),
            }
        }
        55..=69 => {
            let (product, ingredient, prefix, phi) =
                SPRAYS[rng.below(SPRAYS.len() as u64) as usize];
            Kind::SprayedLot {
                product: product.into(),
                active_ingredient: ingredient.into(),
                dose: "10 ml/8 l".into(),
                lot: format!("{prefix}-{week:03}-{block}"),
                phi_days: phi,
            }
        }
        70..=79 => Kind::Pruned {
            note: "Tỉa cành tăm".into(),
        },
        80..=89 => Kind::HarvestedGraded {
            grams: 500 + rng.below(4_000),
            grade: ["loại 1", "loại 2"][rng.below(2) as usize].into(),
        },
        _ => Kind::Note {
            text: "Cây khoẻ, lá xanh".into(),
        },
    }
}

/// Makes the cooperative `plan.coop` with its zones, trees and diary. Refuses a code
/// that exists: generated data never mixes with real data.
pub async fn generate(s: &Services, plan: &Plan, progress: impl Fn(u64, u64)) -> Result<Made> {
    if plan.trees == 0 {
        return Err(Error::invalid(
            "Cần ít nhất một cây.",
            "At least one tree is needed.",
        ));
    }
    if s.store.cooperative_by_code(&plan.coop).await?.is_some() {
        return Err(Error::conflict(
            format!("Đã có hợp tác xã {}: chọn mã khác", plan.coop),
            format!("Cooperative {} exists: choose another code", plan.coop),
        ));
    }
    let started = Instant::now();
    let system = Actor::system();
    let new = NewCooperative::parse(
        &plan.coop,
        "HTX dữ liệu sinh",
        ("Thái Nguyên", "Võ Nhai", "La Hiên"),
        "",
        None,
    )?;
    cooperatives::create(&s.store, &s.sealer, &s.origin_prefix, &system, new).await?;
    let coop = cooperatives::by_code(&s.store, &plan.coop).await?;
    let zone_count = plan.trees.div_ceil(TREES_PER_ZONE);
    for z in 0..zone_count {
        let zone = NewZone::parse(None, &format!("Khu {}", z + 1), &["na"], 10.0, 20)?;
        zones::create(&s.store, &system, &coop, zone).await?;
    }
    let zone_ids: Vec<i64> = s
        .store
        .zones_of(coop.id)
        .await?
        .iter()
        .map(|z| z.id)
        .collect();
    let mut rng = Stream(plan.seed);
    let mut n = 0;
    while n < plan.trees {
        let upto = (n + 10_000).min(plan.trees);
        let rows = (n..upto)
            .map(|t| {
                let zone = zone_ids[(t / TREES_PER_ZONE) as usize % zone_ids.len()];
                let planted = format!(
                    "{}-{:02}-{:02}",
                    2012 + rng.below(10),
                    1 + rng.below(12),
                    1 + rng.below(28)
                );
                let at = (
                    21.70 + (t / 1_000) as f64 * 0.001,
                    105.90 + (t % 1_000) as f64 * 0.00002,
                );
                Ok((
                    zone,
                    NewTree::parse(&tree_code(t), "custard_apple", "Na dai", &planted, Some(at))?,
                ))
            })
            .collect::<Result<Vec<_>>>()?;
        crate::import::run(
            &s.store,
            &s.sealer,
            &system,
            &coop,
            rows,
            Default::default(),
        )
        .await?;
        n = upto;
        progress(n, 0);
    }

    // The diary: three seasons up to yesterday, in time order, one farmer's account.
    let session = crate::accounts::sign_up(
        &s.store,
        &format!("gen-{}@goc.invalid", plan.coop.to_lowercase()),
        "Nông dân (dữ liệu sinh)",
        &crate::accounts::random_token()?,
    )
    .await?;
    let user_id = crate::accounts::actor(&s.store, &session.token)
        .await?
        .ok_or(Error::Unauthorized)?
        .user_id;
    let end = now_ms() - DAY_MS;
    let start = end - 3 * 365 * DAY_MS;
    let step = ((end - start) / plan.entries.max(1) as i64).max(1);
    let (sealer, origin, code) = (s.sealer.clone(), coop.origin.clone(), coop.code.clone());
    let mut done = 0;
    while done < plan.entries {
        let upto = (done + BATCH).min(plan.entries);
        let mut batch = Vec::with_capacity((upto - done) as usize);
        for i in done..upto {
            let tree = rng.below(plan.trees);
            let at = start + i as i64 * step;
            let kind = action(&mut rng, tree, at, start);
            let id = format!("gen-{}-{i:010}", plan.coop);
            let content = *blake3::hash(id.as_bytes()).as_bytes();
            let subject = Subject::Tree(TreeCode::parse(&tree_code(tree))?);
            batch.push(DiaryAppend {
                id,
                user_id,
                content,
                subject: crate::zones::subject_key(&subject),
                location: None,
                make: Box::new(move |code: &str, seq: u64, prev: Option<Digest>| {
                    Ok(Entry {
                        cooperative: ledger::CoopCode::parse(code)?,
                        seq,
                        subject,
                        prev,
                        recorded_at: at,
                        received_at: at + 60_000,
                        author: "member:generated".into(),
                        photos: Vec::new(),
                        kind,
                    })
                }),
            });
        }
        let (sealer, origin, code) = (sealer.clone(), origin.clone(), code.clone());
        let sign = move |sealed: &[u8], size: u64, root: Digest| {
            let key = sealer.open(sealed, &code)?;
            Ok(ledger::Checkpoint { origin, size, root }.sign(&key))
        };
        s.store.append_diary(coop.id, batch, sign).await?;
        done = upto;
        progress(plan.trees, done);
    }
    s.store.analyze().await;
    Ok(Made {
        cooperative_id: coop.id,
        trees: plan.trees,
        entries: plan.entries,
        seconds: started.elapsed().as_secs_f64(),
    })
}
