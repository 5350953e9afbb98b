//! What one ledger entry tells the recall index: an input used on a tree (a product and
//! its lot), a harvest, or that an earlier entry was withdrawn. Pure: the same entry
//! always gives the same facts, so the index can be rebuilt from the log at any time.

use ledger::{Digest, Entry, Kind, Subject};

/// A row of `trace_facts`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fact {
    pub seq: i64,
    pub tree: String,
    pub kind: i64,
    pub at: i64,
    pub product: String,
    pub lot: String,
    pub lot_key: String,
    pub product_key: String,
    pub grams: Option<i64>,
    pub phi_days: Option<i64>,
    pub corrects: Option<Digest>,
    /// The entry's hash: a recall answers with it, and checks withdrawals by it, without
    /// reading the entry.
    pub hash: Digest,
}

/// Everything the index learns from one entry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    pub fact: Option<Fact>,
    /// The entry this one withdraws or replaces (kinds 30 and 31).
    pub withdraws: Option<Digest>,
}

/// Input kinds (fertiliser and spray, with or without a lot) and harvest kinds.
pub const INPUT_KINDS: [i64; 4] = [11, 13, 19, 20];
pub const HARVEST_KINDS: [i64; 2] = [17, 22];

/// A lot number or product name as a recall compares them: letters and digits only, in
/// one case. What farmers type varies ("L-2025/01", "l2025 01"); a recall must find
/// them all, and finding one too many is safer than missing one.
pub fn key(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    // NFKC first: a full-width "ＡＢ" typed on a phone keyboard is "AB".
    s.nfkc()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_uppercase)
        .collect()
}

/// The longest product name and lot number the index keeps, in characters: what the diary
/// accepts (`diary::action`). Longer ones only come from elsewhere (an imported log); they
/// are cut, because the index rows carry them and PostgreSQL refuses an index row over
/// about 2.7 kB, which would stop the index from being built at all.
const MAX_PRODUCT: usize = 200;
const MAX_LOT: usize = 60;

fn capped(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// The facts of an entry whose hash is `hash` (none for anything but a tree's care).
pub fn of(entry: &Entry, hash: Digest) -> Facts {
    let Subject::Tree(tree) = &entry.subject else {
        return Facts::default();
    };
    let (kind, corrects, withdraws) = match &entry.kind {
        Kind::Correction { corrects, .. } => {
            return Facts {
                fact: None,
                withdraws: Some(*corrects),
            }
        }
        Kind::Amended {
            corrects,
            replacement,
            ..
        } => (replacement.as_ref(), Some(*corrects), Some(*corrects)),
        k => (k, None, None),
    };
    let fact = |product: &str, lot: &str, grams: Option<u64>, phi: Option<u16>| {
        let (product, lot) = (capped(product, MAX_PRODUCT), capped(lot, MAX_LOT));
        Fact {
            seq: entry.seq as i64,
            tree: tree.as_str().to_owned(),
            kind: i64::from(kind.tag()),
            at: entry.recorded_at,
            lot_key: key(&lot),
            product_key: key(&product),
            product,
            lot,
            grams: grams.map(|g| g as i64),
            phi_days: phi.map(i64::from),
            corrects,
            hash,
        }
    };
    let fact = match kind {
        Kind::Fertilised { product, .. } => Some(fact(product, "", None, None)),
        Kind::Sprayed {
            product, phi_days, ..
        } => Some(fact(product, "", None, Some(*phi_days))),
        Kind::FertilisedLot { product, lot, .. } => Some(fact(product, lot, None, None)),
        Kind::SprayedLot {
            product,
            lot,
            phi_days,
            ..
        } => Some(fact(product, lot, None, Some(*phi_days))),
        Kind::Harvested { grams } | Kind::HarvestedGraded { grams, .. } => {
            Some(fact("", "", Some(*grams), None))
        }
        _ => None,
    };
    Facts { fact, withdraws }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ledger::{CoopCode, Quantity, TreeCode, Unit};

    fn of(e: &Entry) -> Facts {
        super::of(e, e.hash())
    }

    fn entry(kind: Kind) -> Entry {
        Entry {
            cooperative: CoopCode::parse("NA-LH").unwrap(),
            seq: 7,
            subject: Subject::Tree(TreeCode::parse("CC001").unwrap()),
            prev: None,
            recorded_at: 1_750_000_000_000,
            received_at: 1_750_000_100_000,
            author: "m1".into(),
            photos: vec![],
            kind,
        }
    }

    #[test]
    fn keys_ignore_case_spacing_and_punctuation() {
        assert_eq!(key(" L-2025/01 "), "L202501");
        assert_eq!(key("l2025 01"), "L202501");
        assert_eq!(key("Phân hữu cơ"), "PHÂNHỮUCƠ");
        assert_ne!(key("L202501"), key("L202510"));
        assert_eq!(key("ＡＢ－２６１０"), "AB2610");
    }

    #[test]
    fn a_spray_with_its_lot_is_an_input() {
        let sprayed = entry(Kind::SprayedLot {
            product: "Regent 800WG".into(),
            active_ingredient: "Fipronil".into(),
            dose: "1 g/l".into(),
            lot: "RG-2401".into(),
            phi_days: 14,
        });
        let f = of(&sprayed);
        let fact = f.fact.unwrap();
        assert_eq!((fact.kind, fact.seq, fact.tree.as_str()), (20, 7, "CC001"));
        assert_eq!(
            (fact.lot_key.as_str(), fact.product_key.as_str()),
            ("RG2401", "REGENT800WG")
        );
        assert_eq!(fact.phi_days, Some(14));
        assert_eq!(f.withdraws, None);
        assert_eq!(fact.hash, sprayed.hash());
    }

    #[test]
    fn an_amendment_states_its_replacement_and_withdraws_the_original() {
        let wrong = entry(Kind::FertilisedLot {
            product: "NPK".into(),
            amount: Quantity {
                thousandths: 2_000,
                unit: Unit::Kg,
            },
            lot: "A1".into(),
        });
        let amended = entry(Kind::Amended {
            corrects: wrong.hash(),
            reason: "lot".into(),
            replacement: Box::new(Kind::FertilisedLot {
                product: "NPK".into(),
                amount: Quantity {
                    thousandths: 2_000,
                    unit: Unit::Kg,
                },
                lot: "A7".into(),
            }),
        });
        let f = of(&amended);
        assert_eq!(f.withdraws, Some(wrong.hash()));
        let fact = f.fact.unwrap();
        assert_eq!((fact.kind, fact.lot_key.as_str()), (19, "A7"));
        assert_eq!(fact.corrects, Some(wrong.hash()));
        let withdrawn = of(&entry(Kind::Correction {
            corrects: wrong.hash(),
            reason: "no".into(),
        }));
        assert_eq!(
            (withdrawn.fact, withdrawn.withdraws),
            (None, Some(wrong.hash()))
        );
    }

    #[test]
    fn overlong_names_are_cut_to_what_the_diary_accepts() {
        let fact = of(&entry(Kind::FertilisedLot {
            product: "N".repeat(5_000),
            amount: Quantity {
                thousandths: 1_000,
                unit: Unit::Kg,
            },
            lot: "Lô".repeat(1_000),
        }))
        .fact
        .unwrap();
        assert_eq!(fact.product.chars().count(), 200);
        assert_eq!(fact.lot.chars().count(), 60);
        assert_eq!(fact.lot_key, key(&"Lô".repeat(30)));
    }

    #[test]
    fn watering_and_registrations_state_nothing() {
        assert_eq!(
            of(&entry(Kind::Watered { litres: Some(20) })),
            Facts::default()
        );
        let harvest = of(&entry(Kind::Harvested { grams: 12_500 })).fact.unwrap();
        assert_eq!((harvest.kind, harvest.grams), (17, Some(12_500)));
    }
}
