//! A tree's diary as people read it: entries in log order, each correction shown beside the
//! entry it corrects (never in its place), and harvests inside a spray's pre-harvest
//! interval flagged. Read from the stored chain only after checking it.

use ledger::{Digest, Entry, Kind};

use crate::store::EntryRow;

/// What is wrong with a stored chain: the first entry that does not check, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Damage {
    pub seq: i64,
    pub what: String,
}

impl std::fmt::Display for Damage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "entry #{}: {}", self.seq, self.what)
    }
}

/// Decodes a subject's stored entries and checks them as a verifier would: each row's
/// bytes hash to its stored hash and carry its position, and the rows form one unbroken
/// chain. A row edited, deleted or reordered in the database fails here.
pub fn check_chain(rows: &[EntryRow]) -> Result<Vec<(Entry, Digest)>, Damage> {
    let mut out: Vec<(Entry, Digest)> = Vec::with_capacity(rows.len());
    for row in rows {
        let damage = |what: String| Damage { seq: row.seq, what };
        let hash = Digest::leaf(&row.bytes);
        if hash.0.as_slice() != row.hash.as_slice() {
            return Err(damage("its bytes do not match its stored hash".into()));
        }
        let entry = Entry::decode(&row.bytes).map_err(|e| damage(format!("undecodable: {e}")))?;
        if i64::try_from(entry.seq).ok() != Some(row.seq) {
            return Err(damage(format!("it says it is entry #{}", entry.seq)));
        }
        match out.last() {
            None if entry.prev.is_some() => {
                return Err(damage("the subject's first entry is missing".into()))
            }
            Some((before, before_hash)) if entry.prev != Some(*before_hash) => {
                return Err(damage(format!(
                    "it does not link to entry #{}, the one before it",
                    before.seq
                )))
            }
            _ => {}
        }
        out.push((entry, hash));
    }
    Ok(out)
}

/// One entry as the timeline shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub seq: u64,
    pub hash: Digest,
    pub recorded_at: i64,
    pub received_at: i64,
    pub author: String,
    pub photos: Vec<Digest>,
    pub kind: Kind,
    /// Later entries that correct this one, in log order.
    pub corrections: Vec<Correction>,
    /// A harvest inside the pre-harvest interval of a spray.
    pub phi: Option<PhiFlag>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Correction {
    pub seq: u64,
    pub received_at: i64,
    /// Who corrected it (any member may correct an entry of the cooperative's diary).
    pub author: String,
    pub reason: String,
    /// What the entry should have said; `None`: it was withdrawn.
    pub replacement: Option<Kind>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PhiFlag {
    pub product: String,
    pub sprayed_at: i64,
    /// When the fruit was safe to pick (unix ms).
    pub safe_from: i64,
}

impl Item {
    fn of(e: &Entry, hash: &Digest) -> Self {
        Self {
            seq: e.seq,
            hash: *hash,
            recorded_at: e.recorded_at,
            received_at: e.received_at,
            author: e.author.clone(),
            photos: e.photos.clone(),
            kind: e.kind.clone(),
            corrections: Vec::new(),
            phi: None,
        }
    }

    /// What the entry says once its corrections are applied; `None` if withdrawn.
    pub fn effective(&self) -> Option<&Kind> {
        match self.corrections.last() {
            None => Some(&self.kind),
            Some(c) => c.replacement.as_ref(),
        }
    }
}

const DAY_MS: i64 = 86_400_000;

/// The timeline of a checked chain, oldest first.
pub fn build(chain: &[(Entry, Digest)]) -> Vec<Item> {
    let mut items: Vec<Item> = Vec::with_capacity(chain.len());
    for (e, hash) in chain {
        let (corrects, reason, replacement) = match &e.kind {
            Kind::Correction { corrects, reason } => (corrects, reason, None),
            Kind::Amended {
                corrects,
                reason,
                replacement,
            } => (corrects, reason, Some((**replacement).clone())),
            _ => {
                items.push(Item::of(e, hash));
                continue;
            }
        };
        // The server accepts corrections of this tree's entries only; one that names
        // nothing here is still shown, as its own item.
        match items.iter_mut().find(|i| i.hash == *corrects) {
            Some(target) => target.corrections.push(Correction {
                seq: e.seq,
                received_at: e.received_at,
                author: e.author.clone(),
                reason: reason.clone(),
                replacement,
            }),
            None => items.push(Item::of(e, hash)),
        }
    }
    flag_harvests(&mut items);
    items
}

/// A spray's product and pre-harvest interval, if the kind is a spray.
fn spray(kind: &Kind) -> Option<(&str, u16)> {
    match kind {
        Kind::Sprayed {
            product, phi_days, ..
        }
        | Kind::SprayedLot {
            product, phi_days, ..
        } => Some((product, *phi_days)),
        _ => None,
    }
}

fn is_harvest(kind: &Kind) -> bool {
    matches!(kind, Kind::Harvested { .. } | Kind::HarvestedGraded { .. })
}

/// Flags each harvest picked before the latest safe day of the sprays done before it.
fn flag_harvests(items: &mut [Item]) {
    let sprays: Vec<(String, i64, i64)> = items
        .iter()
        .filter_map(|i| {
            let (product, days) = spray(i.effective()?)?;
            Some((
                product.to_owned(),
                i.recorded_at,
                i.recorded_at + i64::from(days) * DAY_MS,
            ))
        })
        .collect();
    for item in items.iter_mut() {
        if !item.effective().is_some_and(is_harvest) {
            continue;
        }
        let at = item.recorded_at;
        item.phi = sprays
            .iter()
            .filter(|(_, sprayed, safe)| *sprayed <= at && at < *safe)
            .max_by_key(|(_, _, safe)| *safe)
            .map(|(product, sprayed_at, safe_from)| PhiFlag {
                product: product.clone(),
                sprayed_at: *sprayed_at,
                safe_from: *safe_from,
            });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ledger::{CoopCode, Subject, TreeCode};

    fn chain(kinds: Vec<(i64, Kind)>) -> Vec<(Entry, Digest)> {
        let mut out: Vec<(Entry, Digest)> = Vec::new();
        for (i, (at, kind)) in kinds.into_iter().enumerate() {
            let e = Entry {
                cooperative: CoopCode::parse("NA-LH").unwrap(),
                seq: i as u64,
                subject: Subject::Tree(TreeCode::parse("CC001").unwrap()),
                prev: out.last().map(|(_, h)| *h),
                recorded_at: at,
                received_at: at,
                author: "member:abc".into(),
                photos: vec![],
                kind,
            };
            let h = e.hash();
            out.push((e, h));
        }
        out
    }

    fn sprayed(days: u16) -> Kind {
        Kind::SprayedLot {
            product: "Abamectin".into(),
            active_ingredient: "abamectin".into(),
            dose: "10 ml".into(),
            lot: "AB-1".into(),
            phi_days: days,
        }
    }

    fn harvest(grams: u64) -> Kind {
        Kind::HarvestedGraded {
            grams,
            grade: String::new(),
        }
    }

    #[test]
    fn a_harvest_inside_the_interval_is_flagged_and_one_after_it_is_not() {
        let items = build(&chain(vec![
            (0, sprayed(7)),
            (6 * DAY_MS, harvest(1000)),
            (7 * DAY_MS, harvest(2000)),
        ]));
        assert_eq!(items.len(), 3);
        let flag = items[1].phi.as_ref().expect("day 6 is inside 7 days");
        assert_eq!(flag.safe_from, 7 * DAY_MS);
        assert_eq!(items[2].phi, None, "day 7 is safe");
    }

    #[test]
    fn corrections_sit_beside_the_entry_they_correct() {
        let mut c = chain(vec![(0, harvest(21_000)), (DAY_MS, sprayed(7))]);
        let (h0, h1) = (c[0].1, c[1].1);
        let more = chain(vec![
            (0, harvest(21_000)),
            (DAY_MS, sprayed(7)),
            (
                2 * DAY_MS,
                Kind::Amended {
                    corrects: h0,
                    reason: "cân nhầm".into(),
                    replacement: Box::new(harvest(12_000)),
                },
            ),
            (
                3 * DAY_MS,
                Kind::Correction {
                    corrects: h1,
                    reason: "ghi nhầm cây".into(),
                },
            ),
        ]);
        c = more;
        let items = build(&c);
        assert_eq!(items.len(), 2, "corrections are not items of their own");
        assert_eq!(items[0].effective(), Some(&harvest(12_000)));
        assert_eq!(items[0].kind, harvest(21_000), "the original stays visible");
        assert_eq!(items[0].corrections[0].reason, "cân nhầm");
        assert_eq!(items[1].effective(), None, "withdrawn");
        // A withdrawn spray no longer flags anything.
        assert_eq!(items[0].phi, None);
    }

    #[test]
    fn a_stored_row_that_was_edited_or_dropped_is_named() {
        let c = chain(vec![(0, harvest(1)), (1, harvest(2)), (2, harvest(3))]);
        let rows: Vec<EntryRow> = c
            .iter()
            .map(|(e, h)| EntryRow {
                seq: e.seq as i64,
                subject: "tree:CC001".into(),
                hash: h.0.to_vec(),
                bytes: e.encode(),
            })
            .collect();
        assert_eq!(check_chain(&rows).unwrap().len(), 3);
        let mut edited = rows.clone();
        let n = edited[1].bytes.len();
        edited[1].bytes[n - 1] ^= 1;
        assert_eq!(check_chain(&edited).unwrap_err().seq, 1);
        let mut dropped = rows.clone();
        dropped.remove(1);
        let d = check_chain(&dropped).unwrap_err();
        assert_eq!(d.seq, 2);
        assert!(d.what.contains("does not link"), "{d}");
        let mut first_gone = rows;
        first_gone.remove(0);
        assert!(check_chain(&first_gone)
            .unwrap_err()
            .what
            .contains("first entry"));
    }
}
