//! The demo data set: two real-world-like cooperatives, their zones and a few dozen trees,
//! in Vietnamese. Loaded by `goc demo` and by the run command into an empty database.

use ledger::{Kind, Subject, TreeCode};

use crate::access::Actor;
use crate::clock::now_ms;
use crate::cooperatives::{self, NewCooperative};
use crate::error::{Error, Result};
use crate::log::entry_now;
use crate::market::{self, NewOffer};
use crate::payments::providers;
use crate::services::Services;
use crate::trees::{self, NewTree};
use crate::zones::{self, subject_key, NewZone};

struct DemoZone {
    code: Option<&'static str>,
    name: &'static str,
    area_ha: f64,
    households: u32,
    /// Centre of the zone (lat, lon), for its outline and its trees' GPS points.
    centre: (f64, f64),
    /// The farmer family caring for it, as buyers see (made-up names).
    caretaker: &'static str,
}

struct DemoCoop {
    code: &'static str,
    name: &'static str,
    place: (&'static str, &'static str, &'static str),
    contact: &'static str,
    crop: &'static str,
    species: &'static str,
    varieties: &'static [&'static str],
    tree_prefix: &'static str,
    trees: u32,
    zones: &'static [DemoZone],
    /// A season of care for sale on the first trees: price, expected kg, guaranteed kg.
    offer: (i64, (f64, f64), f64),
    /// What the cooperative tells buyers.
    story: &'static str,
}

const COOPS: &[DemoCoop] = &[
    DemoCoop {
        code: "NA-LH",
        name: "HTX Na La Hiên",
        place: ("Thái Nguyên", "Võ Nhai", "La Hiên"),
        contact: "0208 3827 123",
        crop: "na",
        species: "custard_apple",
        varieties: &["Na dai", "Na bở", "Na Thái"],
        tree_prefix: "CC",
        trees: 24,
        // CONTEXT.md: about 6 million VND a year for a custard-apple tree's care.
        offer: (6_000_000, (35.0, 50.0), 25.0),
        story: "Mười tám hộ trồng na trên sườn đồi đá vôi Khuôn Ngục. Chúng tôi bón phân chuồng ủ hoai, bao quả bằng túi giấy và không phun thuốc trong 21 ngày trước khi hái.",
        zones: &[
            DemoZone {
                code: Some("VN-TN-VNH-LHN-001-2023"),
                name: "Đồi na Khuôn Ngục",
                area_ha: 12.5,
                households: 18,
                centre: (21.7231, 105.9342),
                caretaker: "Gia đình chị Hoàng Thị Lan",
            },
            DemoZone {
                code: Some("VN-TN-VNH-CDG-002-2024"),
                name: "Vườn na Cúc Đường",
                area_ha: 6.2,
                households: 9,
                centre: (21.7512, 105.9015),
                caretaker: "Gia đình anh Triệu Văn Minh",
            },
        ],
    },
    DemoCoop {
        code: "XOAI-MX",
        name: "HTX Xoài Mỹ Xương",
        place: ("Đồng Tháp", "Cao Lãnh", "Mỹ Xương"),
        contact: "0277 3851 456",
        crop: "xoài",
        species: "mango",
        varieties: &["Xoài cát Hòa Lộc", "Xoài cát chu", "Xoài keo"],
        tree_prefix: "XM",
        trees: 20,
        // Mỹ Xương's mango trees sell at 4–7 million VND.
        offer: (5_500_000, (60.0, 90.0), 45.0),
        story: "Bốn mươi hai hộ trồng xoài cát Hòa Lộc bên sông Tiền, theo quy trình VietGAP. Mỗi cây được tỉa cành, bao trái và ghi nhật ký từ lúc ra hoa đến khi thu hoạch.",
        zones: &[
            DemoZone {
                code: Some("VN-DTOR-0017"),
                name: "Vườn xoài Mỹ Xương A",
                area_ha: 35.0,
                households: 42,
                centre: (10.4412, 105.6589),
                caretaker: "Gia đình chú Nguyễn Văn Tám",
            },
            DemoZone {
                code: None,
                name: "Vườn xoài ven sông Tiền",
                area_ha: 0.8,
                households: 3,
                centre: (10.4338, 105.6702),
                caretaker: "Gia đình cô Lê Thị Hồng",
            },
        ],
    },
];

/// A small quadrilateral around `centre`, as a GeoJSON Polygon (lon, lat order).
fn outline((lat, lon): (f64, f64), area_ha: f64) -> String {
    // Half the side of a square of this area, in degrees (1° ≈ 111 km).
    let half = (area_ha * 10_000.0).sqrt() / 2.0 / 111_000.0;
    let pts = [
        (-1.0, -0.8),
        (1.1, -1.0),
        (0.9, 1.0),
        (-1.0, 0.9),
        (-1.0, -0.8),
    ];
    let ring: Vec<String> = pts
        .iter()
        .map(|(dx, dy)| format!("[{:.6},{:.6}]", lon + dx * half, lat + dy * half))
        .collect();
    format!(
        "{{\"type\":\"Polygon\",\"coordinates\":[[{}]]}}",
        ring.join(",")
    )
}

/// Loads the demo set. Refuses a database that already holds cooperatives.
pub async fn load(s: &Services) -> Result<()> {
    if s.store.count_cooperatives().await? > 0 {
        return Err(Error::conflict(
            "Cơ sở dữ liệu đã có dữ liệu; dữ liệu mẫu chỉ nạp vào cơ sở dữ liệu trống",
            "the database is not empty; demo data goes only into an empty one",
        ));
    }
    let system = Actor::system();
    for c in COOPS {
        let new = NewCooperative::parse(c.code, c.name, c.place, c.contact, None)?;
        cooperatives::create(&s.store, &s.sealer, &s.origin_prefix, &system, new).await?;
        let coop = cooperatives::by_code(&s.store, c.code).await?;
        for z in c.zones {
            let mut zone = NewZone::parse(z.code, z.name, &[c.crop], z.area_ha, z.households)?;
            zone.boundary = Some(outline(z.centre, z.area_ha));
            zones::create(&s.store, &system, &coop, zone).await?;
        }
        cooperatives::set_story(&s.store, &system, &coop, c.story).await?;
        for (row, z) in s.store.zones_of(coop.id).await?.iter().filter_map(|row| {
            c.zones
                .iter()
                .find(|z| z.name == row.name)
                .map(|z| (row, z))
        }) {
            cooperatives::set_caretaker(&s.store, &system, &coop, row.id, z.caretaker).await?;
        }
        let zone_rows = s.store.zones_of(coop.id).await?;
        for n in 1..=c.trees {
            let zi = (n as usize) % zone_rows.len();
            let z = &c
                .zones
                .iter()
                .find(|z| z.name == zone_rows[zi].name)
                .expect("demo zone");
            let offset = f64::from(n) * 0.00011;
            let tree = NewTree::parse(
                &format!("{}{n:03}", c.tree_prefix),
                c.species,
                c.varieties[n as usize % c.varieties.len()],
                &format!("{}-{:02}-{:02}", 2015 + n % 7, 1 + n % 12, 1 + n % 28),
                Some((z.centre.0 + offset, z.centre.1 - offset)),
            )?;
            trees::create(&s.store, &s.sealer, &system, &coop, &zone_rows[zi], tree).await?;
        }
        // A few diary entries so the first trees have a story to verify, and lots a
        // manager can try a recall with.
        const DAY: i64 = 86_400_000;
        for n in 1..=3 {
            let code = TreeCode::parse(&format!("{}{n:03}", c.tree_prefix))?;
            for (days_ago, kind) in [
                (
                    100,
                    Kind::HarvestedGraded {
                        grams: 11_000 + n as u64 * 1_500,
                        grade: "loại 1".into(),
                    },
                ),
                (
                    90,
                    Kind::Pruned {
                        note: "Tỉa cành sau thu hoạch, để 3 cành khung".into(),
                    },
                ),
                (
                    75,
                    Kind::FertilisedLot {
                        product: "Phân hữu cơ vi sinh Sông Gianh".into(),
                        amount: ledger::Quantity {
                            thousandths: 5_000,
                            unit: ledger::Unit::Kg,
                        },
                        lot: "SG-2609-14".into(),
                    },
                ),
                (
                    30,
                    Kind::SprayedLot {
                        product: "Abamectin 1.8EC".into(),
                        active_ingredient: "abamectin".into(),
                        dose: "10 ml/8 l".into(),
                        lot: "AB-2610-07".into(),
                        phi_days: 7,
                    },
                ),
                (2, Kind::Watered { litres: Some(60) }),
            ] {
                let subject = Subject::Tree(code.clone());
                s.store
                    .append_entry(
                        coop.id,
                        &subject_key(&subject),
                        entry_now(
                            subject,
                            &system.author_in(0),
                            now_ms() - days_ago * DAY,
                            kind,
                        ),
                    )
                    .await?;
            }
        }
        // The first five trees are for adoption next season, paid through the sandbox
        // gateway where it runs (plain-http instances).
        let (price, expected, floor) = c.offer;
        let offer = NewOffer::parse(
            "2027-03-01",
            "2027-10-31",
            price,
            expected,
            floor,
            &["care", "delivery", "pickup", "visits", "naming"],
            2,
            false,
            60_000,
        )?;
        for n in 1..=5 {
            market::publish(
                s,
                &system,
                &coop,
                &format!("{}{n:03}", c.tree_prefix),
                &offer,
            )
            .await?;
        }
        if providers::sandbox_enabled(s) {
            let sandbox = format!("{}{}", s.base_url, providers::SANDBOX_PATH);
            let tmn = format!("SBX{:05}", coop.id);
            providers::set_vnpay(
                s,
                &system,
                &coop,
                &tmn,
                &crate::accounts::random_token()?,
                &sandbox,
            )
            .await?;
        }
    }
    Ok(())
}
