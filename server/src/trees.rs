//! Registering trees, issuing their signed QR identities, and reading a tree back with
//! its identity verified.

use ledger::{Date, GeoPoint, Identity, Kind, SignedIdentity, Subject, TreeCode, ZoneCode};

use crate::access::{Action, Actor};
use crate::clock::now_ms;
use crate::cooperatives;
use crate::error::{Error, Result, Text};
use crate::log::entry_now;
use crate::sealing::Sealer;
use crate::species::Catalogue;
use crate::store::{BoxedEntry, CooperativeRow, Store, TreeDetailRow, TreeInsert, ZoneRow};
use crate::text::required;
use crate::zones::subject_key;

/// A tree as a manager registers it. Built only through [`NewTree::parse`].
#[derive(Debug, Clone)]
pub struct NewTree {
    pub code: TreeCode,
    /// A key of the species table, checked against it when the tree is stored.
    pub species: String,
    pub variety: String,
    pub planted_on: Date,
    pub location: Option<GeoPoint>,
}

/// A planting date as people write it: `DD/MM/YYYY` (also with `-` or `.`, one-digit day
/// and month), ISO `YYYY-MM-DD`, or a year alone for old trees whose day nobody recorded
/// (taken as 1 January of that year).
pub fn planting_date(typed: &str) -> Result<Date> {
    let t = typed.trim();
    let parts: Vec<&str> = t.split(['/', '-', '.']).collect();
    let num = |p: &str| {
        p.parse::<u16>()
            .ok()
            .filter(|_| !p.is_empty() && p.len() <= 4)
    };
    let date = match parts.as_slice() {
        [y] if y.len() == 4 => num(y).and_then(|y| Date::new(y, 1, 1).ok()),
        [y, m, d] if y.len() == 4 => match (num(y), num(m), num(d)) {
            (Some(y), Some(m), Some(d)) => Date::new(y, m as u8, d as u8)
                .ok()
                .filter(|_| m <= 12 && d <= 31),
            _ => None,
        },
        [d, m, y] if y.len() == 4 && d.len() <= 2 && m.len() <= 2 => match (num(y), num(m), num(d))
        {
            (Some(y), Some(m), Some(d)) => Date::new(y, m as u8, d as u8)
                .ok()
                .filter(|_| m <= 12 && d <= 31),
            _ => None,
        },
        _ => None,
    };
    date.ok_or_else(|| {
        Error::invalid(
            format!("Ngày trồng {t:?} không đọc được: ghi dạng 12/04/2019, 2019-04-12 hoặc chỉ năm 1998"),
            format!("The planting date {t:?} cannot be read: write it as 12/04/2019, 2019-04-12 or just the year 1998"),
        )
    })
}

impl NewTree {
    pub fn parse(
        code: &str,
        species: &str,
        variety: &str,
        planted_on: &str,
        location: Option<(f64, f64)>,
    ) -> Result<Self> {
        let code = TreeCode::parse(&code.trim().to_uppercase()).map_err(|_| {
            Error::invalid(
                "Mã cây gồm 1–16 ký tự A–Z, 0–9 và dấu gạch ngang ở giữa",
                "tree code must be 1–16 characters A–Z, 0–9 and inner hyphens",
            )
        })?;
        let planted_on = planting_date(planted_on)?;
        if planted_on > Date::from_unix_ms(now_ms()) {
            return Err(Error::invalid(
                "Ngày trồng không thể ở tương lai",
                "planting date is in the future",
            ));
        }
        let location = location
            .map(|(lat, lon)| GeoPoint::from_degrees(lat, lon))
            .transpose()
            .map_err(|_| {
                Error::invalid(
                    "Toạ độ GPS: vĩ độ trong −90…90 và kinh độ trong −180…180",
                    "GPS point must be a latitude in −90…90 and a longitude in −180…180",
                )
            })?;
        Ok(Self {
            code,
            species: species_key(species)?,
            variety: required(("giống", "variety"), variety, 100)?,
            planted_on,
            location,
        })
    }
}

fn species_key(key: &str) -> Result<String> {
    let k = key.trim();
    if (2..=40).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
        Ok(k.to_owned())
    } else {
        Err(Error::invalid(
            format!("Không có loài cây {k:?}"),
            format!("unknown species {k:?}"),
        ))
    }
}

/// Registers a tree in `zone`, signs its QR identity with the cooperative's current key,
/// and logs its registration. Returns the identity.
pub async fn create(
    store: &Store,
    sealer: &Sealer,
    actor: &Actor,
    coop: &CooperativeRow,
    zone: &ZoneRow,
    tree: NewTree,
) -> Result<SignedIdentity> {
    actor.require(coop.id, Action::Register)?;
    let catalogue = Catalogue::load(store).await?;
    let species = catalogue.get(&tree.species)?;
    let location = tree.location.map(|p| (p.lat(), p.lon()));
    let found = crate::consistency::check(&zone.crops, zone.boundary.as_deref(), species, location);
    if let Some(c) = found.first() {
        return Err(Error::Invalid(c.text(&zone.name, species)));
    }
    let scientific = species.scientific.clone();
    let key = cooperatives::signing_key(store, sealer, coop).await?;
    let p = prepare(
        &key,
        coop,
        zone,
        &actor.author_in(coop.id),
        now_ms(),
        tree,
        &scientific,
    )?;
    store.insert_tree(&p.insert, &p.subject, p.entry).await?;
    Ok(p.identity)
}

/// A tree ready to store: its row, its signed identity and its registration entry.
pub struct Prepared {
    pub insert: TreeInsert,
    pub subject: String,
    pub entry: BoxedEntry,
    pub identity: SignedIdentity,
}

/// Signs a new tree's identity and builds its row and registration entry, without
/// touching the store (one tree or a whole import share this).
pub fn prepare(
    key: &ledger::SigningKey,
    coop: &CooperativeRow,
    zone: &ZoneRow,
    author: &str,
    now: i64,
    tree: NewTree,
    scientific: &str,
) -> Result<Prepared> {
    if zone.cooperative_id != coop.id {
        return Err(Error::NotFound("zone"));
    }
    let zone_code = zone.code.as_deref().map(ZoneCode::parse).transpose()?;
    let identity = Identity {
        cooperative: ledger::CoopCode::parse(&coop.code)?,
        tree: tree.code.clone(),
        zone: zone_code.clone(),
        issued_on: Date::from_unix_ms(now),
        key: key.key_id(),
    }
    .sign(key);
    let insert = TreeInsert {
        cooperative_id: coop.id,
        zone_id: zone.id,
        code: tree.code.to_string(),
        species: tree.species.clone(),
        variety: tree.variety.clone(),
        planted_on: tree.planted_on.to_string(),
        lat_micro: tree.location.map(|p| i64::from(p.lat_micro)),
        lon_micro: tree.location.map(|p| i64::from(p.lon_micro)),
        identity_path: identity.path(),
        created_at: now,
    };
    let subject = Subject::Tree(tree.code.clone());
    let kind = Kind::TreeRegistered {
        species: scientific.to_owned(),
        variety: tree.variety,
        zone: zone_code,
        planted_on: tree.planted_on,
        location: tree.location,
    };
    Ok(Prepared {
        insert,
        subject: subject_key(&subject),
        entry: Box::new(entry_now(subject, author, now, kind)),
        identity,
    })
}

/// Takes a tree out of the register (died, cut down) or puts it back, logging why in its
/// diary. Its QR label keeps verifying; the tree page shows the status.
pub async fn set_status(
    store: &Store,
    actor: &Actor,
    coop: &CooperativeRow,
    code: &str,
    active: bool,
    reason: &str,
) -> Result<()> {
    actor.require(coop.id, Action::Register)?;
    let reason = required(("lý do", "reason"), reason, 300)?;
    let tree = store
        .tree_row(coop.id, code)
        .await?
        .ok_or(Error::NotFound("tree"))?;
    let status = if active { "active" } else { "removed" };
    if tree.status == status {
        return Err(Error::conflict(
            "Cây đã ở trạng thái này",
            "The tree already has this status",
        ));
    }
    let subject = Subject::Tree(TreeCode::parse(&tree.code)?);
    let key = subject_key(&subject);
    let kind = Kind::StatusChanged { active, reason };
    let make = entry_now(subject, &actor.author_in(coop.id), now_ms(), kind);
    store
        .set_tree_status(&tree, coop.id, status, &key, make)
        .await
}

/// The next generated tree code: `CC` and a number one above the highest such code in
/// the cooperative, at least three digits (CC001, CC024, CC1000).
pub async fn next_code(store: &Store, coop: &CooperativeRow) -> Result<String> {
    let highest = store
        .trees_of(coop.id)
        .await?
        .iter()
        .filter_map(|t| t.code.strip_prefix("CC")?.parse::<u32>().ok())
        .max()
        .unwrap_or(0);
    Ok(format!("CC{:03}", highest + 1))
}

/// Whether a QR identity checks out against the cooperative's published keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Signed by the cooperative's key that was valid on the day of issue, and naming
    /// this very tree and zone.
    Verified { key_id: String },
    /// Forged, altered, signed by a retired or unknown key, or naming another tree.
    Failed { reason: ledger::VerifyError },
}

/// A tree and the verdict on the identity it was reached by.
#[derive(Debug, Clone)]
pub struct TreeView {
    /// The tree's cooperative (its log holds the tree's diary).
    pub cooperative_id: i64,
    pub tree: TreeDetailRow,
    pub verdict: Verdict,
    /// Facts that disagree with the tree's zone (entered before they were checked): the
    /// page shows them, and no green badge above them.
    pub contradictions: Vec<Text>,
}

/// Reads a tree and verifies an identity for it: the identity given (from a scanned
/// URL), or else the one the tree was issued.
pub async fn view(
    store: &Store,
    platform: &ledger::PublicKey,
    coop_code: &str,
    tree_code: &str,
    scanned: Option<&str>,
) -> Result<TreeView> {
    let tree = store
        .tree_detail(coop_code, tree_code)
        .await?
        .ok_or(Error::NotFound("tree"))?;
    let coop = cooperatives::by_code(store, coop_code).await?;
    let keys = cooperatives::key_history(store, &coop).await?;
    let path = scanned.unwrap_or(&tree.identity_path);
    let verdict = match SignedIdentity::parse(path) {
        Err(e) => Verdict::Failed { reason: e.into() },
        Ok(signed) => match signed.verify(&keys, Some(platform)) {
            Err(reason) => Verdict::Failed { reason },
            Ok(key)
                if signed.identity.tree.as_str() == tree.code
                    && signed.identity.zone.as_ref().map(ZoneCode::as_str)
                        == tree.zone_code.as_deref() =>
            {
                Verdict::Verified {
                    key_id: key.key_id().to_string(),
                }
            }
            Ok(_) => Verdict::Failed {
                reason: ledger::VerifyError::IdentityMismatch,
            },
        },
    };
    let species = crate::store::SpeciesRow {
        key: tree.species.clone(),
        name_vi: tree
            .species_vi
            .clone()
            .unwrap_or_else(|| tree.species.clone()),
        name_en: tree
            .species_en
            .clone()
            .unwrap_or_else(|| tree.species.clone()),
        scientific: String::new(),
    };
    let location = tree
        .lat_micro
        .zip(tree.lon_micro)
        .map(|(lat, lon)| (lat as f64 / 1e6, lon as f64 / 1e6));
    let contradictions = crate::consistency::check(
        &tree.zone_crops,
        tree.zone_boundary.as_deref(),
        &species,
        location,
    )
    .iter()
    .map(|c| c.text(&tree.zone_name, &species))
    .collect();
    Ok(TreeView {
        cooperative_id: coop.id,
        tree,
        verdict,
        contradictions,
    })
}
