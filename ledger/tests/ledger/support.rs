//! A cooperative with a real key and log, for building test data.

use std::collections::HashMap;

use ledger::*;

pub const ORIGIN: &str = "goc.example/log/NA-TN";
pub const T0: i64 = 1_740_787_200_000; // 2025-03-01 00:00 UTC

pub fn key(n: u8) -> SigningKey {
    SigningKey::from_seed(&[n; 32])
}

pub fn coop() -> CoopCode {
    CoopCode::parse("NA-TN").unwrap()
}

pub fn tree(code: &str) -> Subject {
    Subject::Tree(TreeCode::parse(code).unwrap())
}

pub fn zone() -> ZoneCode {
    ZoneCode::parse("VN-TN-DH-TP-001-2024").unwrap()
}

/// A cooperative's log, grown by appending entries.
pub struct Coop {
    pub key: SigningKey,
    pub keys: KeyHistory,
    pub encoded: Vec<Vec<u8>>,
    pub leaves: Vec<Digest>,
    heads: HashMap<Subject, Digest>,
}

impl Coop {
    pub fn new() -> Self {
        let key = key(1);
        let keys = KeyHistory::new(coop(), key.public_key());
        Self {
            key,
            keys,
            encoded: vec![],
            leaves: vec![],
            heads: HashMap::new(),
        }
    }

    pub fn entry(&self, subject: &Subject, kind: Kind) -> Entry {
        let seq = self.encoded.len() as u64;
        Entry {
            cooperative: coop(),
            seq,
            subject: subject.clone(),
            prev: self.heads.get(subject).copied(),
            recorded_at: T0 + seq as i64 * 60_000,
            received_at: T0 + seq as i64 * 60_000 + 5_000,
            author: "member-7".into(),
            photos: vec![Digest::leaf(b"photo")],
            kind,
        }
    }

    pub fn append(&mut self, subject: &Subject, kind: Kind) -> Entry {
        let e = self.entry(subject, kind);
        self.push(&e);
        e
    }

    pub fn push(&mut self, e: &Entry) {
        let bytes = e.encode();
        let h = Digest::leaf(&bytes);
        self.heads.insert(e.subject.clone(), h);
        self.leaves.push(h);
        self.encoded.push(bytes);
    }

    pub fn register(&mut self, code: &str) -> Entry {
        self.append(
            &tree(code),
            Kind::TreeRegistered {
                species: "Na (Annona squamosa)".into(),
                variety: "Na dai".into(),
                zone: Some(zone()),
                planted_on: Date::new(2019, 4, 12).unwrap(),
                location: Some(GeoPoint::from_degrees(21.5672, 105.8252).unwrap()),
            },
        )
    }

    pub fn checkpoint(&self) -> Checkpoint {
        Checkpoint {
            origin: ORIGIN.into(),
            size: self.leaves.len() as u64,
            root: merkle::root(&self.leaves),
        }
    }

    pub fn identity(&self, code: &str) -> SignedIdentity {
        Identity {
            cooperative: coop(),
            tree: TreeCode::parse(code).unwrap(),
            zone: Some(zone()),
            issued_on: Date::new(2025, 3, 1).unwrap(),
            key: self.key.key_id(),
        }
        .sign(&self.key)
    }

    pub fn of_subject(&self, subject: &Subject) -> Vec<Vec<u8>> {
        self.encoded
            .iter()
            .filter(|b| Entry::decode(b).unwrap().subject == *subject)
            .cloned()
            .collect()
    }

    pub fn history(&self, code: &str) -> TreeHistory {
        TreeHistory::build(
            ORIGIN,
            "HTX Na Thái Nguyên",
            self.keys.clone(),
            None,
            Some(self.identity(code).url("https://goc.example")),
            self.checkpoint().sign(&self.key),
            &self.leaves,
            &self.of_subject(&tree(code)),
        )
        .unwrap()
    }
}

/// A log with two trees whose diaries interleave, plus zone and cooperative entries.
pub fn orchard() -> Coop {
    let mut c = Coop::new();
    c.append(
        &Subject::Zone(zone()),
        Kind::ZoneRegistered {
            name: "Vùng na La Hiên".into(),
            area_m2: 125_000,
            crops: vec!["na".into()],
        },
    );
    c.register("CC001");
    c.register("CC002");
    c.append(&tree("CC001"), Kind::Watered { litres: Some(40) });
    c.append(
        &tree("CC002"),
        Kind::Pruned {
            note: "tỉa cành tăm".into(),
        },
    );
    c.append(
        &tree("CC001"),
        Kind::Fertilised {
            product: "NPK 16-16-8".into(),
            amount_g: 500,
        },
    );
    c.append(
        &tree("CC001"),
        Kind::Sprayed {
            product: "Radiant 60SC".into(),
            active_ingredient: "Spinetoram".into(),
            dose: "10 ml / 16 l".into(),
            phi_days: 7,
        },
    );
    c.append(&tree("CC001"), Kind::Bagged { fruits: 35 });
    c.append(
        &Subject::Cooperative,
        Kind::Note {
            text: "Họp xã viên".into(),
        },
    );
    c.append(&tree("CC001"), Kind::Harvested { grams: 18_500 });
    // The diary's kinds with lot numbers, grades and amendments (tags 19–22, 31).
    c.append(
        &tree("CC002"),
        Kind::FertilisedLot {
            product: "Phân hữu cơ vi sinh".into(),
            amount: Quantity::new(2_500, Unit::Kg).unwrap(),
            lot: "HC-2411-03".into(),
        },
    );
    c.append(
        &tree("CC002"),
        Kind::SprayedLot {
            product: "Abamectin 1.8EC".into(),
            active_ingredient: "Abamectin".into(),
            dose: "10 ml / 8 l".into(),
            lot: "AB-2411-07".into(),
            phi_days: 7,
        },
    );
    let fruit_set = c
        .append(
            &tree("CC002"),
            Kind::FruitSet {
                fruits: 120,
                note: "đậu quả đều".into(),
            },
        )
        .hash();
    let harvest = c
        .append(
            &tree("CC002"),
            Kind::HarvestedGraded {
                grams: 21_000,
                grade: "loại 1".into(),
            },
        )
        .hash();
    c.append(
        &tree("CC002"),
        Kind::Amended {
            corrects: harvest,
            reason: "cân nhầm".into(),
            replacement: Box::new(Kind::HarvestedGraded {
                grams: 12_000,
                grade: "loại 1".into(),
            }),
        },
    );
    c.append(
        &tree("CC002"),
        Kind::Correction {
            corrects: fruit_set,
            reason: "ghi nhầm cây".into(),
        },
    );
    c
}
