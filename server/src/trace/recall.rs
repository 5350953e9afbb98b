//! Recall (from an input lot downstream) and traceback (from a tree or a harvest upstream).

use std::collections::{BTreeMap, BTreeSet};

use ledger::{Date, Digest};

use super::facts::{key, HARVEST_KINDS, INPUT_KINDS};
use crate::access::{Action, Actor};
use crate::error::{Error, Result};
use crate::notify::{self, Telling};
use crate::services::Services;
use crate::store::{CooperativeRow, ShipmentRow, TraceRow};

const DAY_MS: i64 = 86_400_000;

/// What a manager asks a recall: the lot (required), optionally the product (any part of
/// its name), and how many days after an application its fruit is at risk.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct RecallQuery {
    pub lot: String,
    pub product: String,
    pub window_days: i64,
}

impl RecallQuery {
    /// Days after an application whose harvests a recall lists unless told otherwise: two
    /// months covers the pre-harvest intervals printed on Vietnamese labels (7 to 21 days)
    /// with room for residues that outlast them.
    pub const DEFAULT_WINDOW_DAYS: i64 = 60;

    pub fn parse(lot: &str, product: &str, window_days: &str) -> Result<Self> {
        let lot = lot.trim();
        if key(lot).is_empty() {
            return Err(Error::invalid(
                "Nhập số lô cần truy xuất (ví dụ RG-2401).",
                "Enter the lot number to trace (for example RG-2401).",
            ));
        }
        if lot.chars().count() > 80 || product.chars().count() > 120 {
            return Err(Error::invalid(
                "Số lô hoặc tên sản phẩm quá dài.",
                "The lot number or product name is too long.",
            ));
        }
        let window_days = match window_days.trim() {
            "" => Self::DEFAULT_WINDOW_DAYS,
            d => d
                .parse::<i64>()
                .ok()
                .filter(|d| (1..=365).contains(d))
                .ok_or_else(|| {
                    Error::invalid(
                        "Số ngày rủi ro phải từ 1 đến 365.",
                        "The risk window must be 1 to 365 days.",
                    )
                })?,
        };
        Ok(Self {
            lot: lot.to_owned(),
            product: product.trim().to_owned(),
            window_days,
        })
    }
}

/// An input applied to a tree (or a harvest), as the diary recorded it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Touch {
    pub seq: i64,
    pub tree: String,
    pub zone: Option<String>,
    pub kind: i64,
    /// When it was done (the farmer's phone's time; for an amendment, the original's).
    pub at: i64,
    pub product: String,
    pub lot: String,
    pub grams: Option<i64>,
    pub phi_days: Option<i64>,
    /// The entry's hash, hex.
    #[schema(value_type = String)]
    pub hash: Digest,
    /// A later entry withdrew or replaced this one: listed, but not counted.
    pub withdrawn: bool,
    /// This entry replaces an earlier one (kind 31).
    pub amends: bool,
}

/// A harvest at risk: inside the window after an application on its tree.
pub type Harvest = Touch;

/// A paid adoption whose season overlaps a risk window on its tree, with the shipments
/// sent inside a window.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Reached {
    pub order_id: i64,
    pub code: String,
    pub tree: String,
    pub season: String,
    pub buyer_id: i64,
    pub buyer_name: String,
    pub buyer_phone: Option<String>,
    pub buyer_email: Option<String>,
    pub shipments: Vec<ShipmentRow>,
}

/// A recall's answer: the list to act on.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Recall {
    pub query: RecallQuery,
    /// Every entry naming the lot (and product), withdrawn ones included and marked.
    pub touches: Vec<Touch>,
    pub harvests: Vec<Harvest>,
    pub adoptions: Vec<Reached>,
}

impl Recall {
    /// The trees the lot touched (withdrawn entries not counted).
    pub fn trees(&self) -> BTreeSet<&str> {
        self.touches
            .iter()
            .filter(|t| !t.withdrawn)
            .map(|t| t.tree.as_str())
            .collect()
    }
    /// Harvested grams at risk (withdrawn harvests not counted).
    pub fn grams_at_risk(&self) -> i64 {
        self.harvests
            .iter()
            .filter(|h| !h.withdrawn)
            .filter_map(|h| h.grams)
            .sum()
    }
}

/// From a tree (or one of its harvests) upstream.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Traceback {
    pub tree: String,
    /// YYYY-MM-DD.
    #[schema(value_type = String)]
    pub from: Date,
    #[schema(value_type = String)]
    pub until: Date,
    pub inputs: Vec<Touch>,
    pub harvests: Vec<Harvest>,
    /// (harvest seq, spray seq): harvested inside the spray's pre-harvest interval.
    pub violations: Vec<(i64, i64)>,
}

async fn read_touches(s: &Services, coop: i64, rows: Vec<TraceRow>) -> Result<Vec<Touch>> {
    // An amendment happened when what it amends did.
    let amended: Vec<Vec<u8>> = rows.iter().filter_map(|r| r.corrects.clone()).collect();
    let amended_at = if amended.is_empty() {
        Default::default()
    } else {
        s.store.recorded_at_of(coop, &amended).await?
    };
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let hash = Digest::from_slice(&r.hash)
            .map_err(|_| Error::Internal("stored hash has the wrong length".into()))?;
        let at = r
            .corrects
            .as_ref()
            .and_then(|c| amended_at.get(c).copied())
            .unwrap_or(r.at);
        out.push(Touch {
            seq: r.seq,
            tree: r.tree,
            zone: r.zone,
            kind: r.kind,
            at,
            product: r.product,
            lot: r.lot,
            grams: r.grams,
            phi_days: r.phi_days,
            hash,
            withdrawn: r.withdrawn != 0,
            amends: r.corrects.is_some(),
        });
    }
    out.sort_by_key(|t| (t.at, t.seq));
    Ok(out)
}

/// The risk windows of each tree: [application, application + window days].
fn windows(applied: &[Touch], days: i64) -> BTreeMap<&str, Vec<(i64, i64)>> {
    let mut w: BTreeMap<&str, Vec<(i64, i64)>> = BTreeMap::new();
    for t in applied.iter().filter(|t| !t.withdrawn) {
        w.entry(&t.tree)
            .or_default()
            .push((t.at, t.at + days * DAY_MS));
    }
    w
}

fn inside(windows: Option<&Vec<(i64, i64)>>, at: i64) -> bool {
    windows.is_some_and(|w| w.iter().any(|(a, b)| (*a..=*b).contains(&at)))
}

/// Runs a recall of the cooperative (managers: it lists buyers' contacts).
pub async fn recall(
    s: &Services,
    actor: &Actor,
    coop: &CooperativeRow,
    query: RecallQuery,
) -> Result<Recall> {
    actor.require(coop.id, Action::Trace)?;
    let product = key(&query.product);
    let rows = s.store.facts_of_lot(coop.id, &key(&query.lot)).await?;
    let rows = rows
        .into_iter()
        .filter(|r| INPUT_KINDS.contains(&r.kind))
        .filter(|r| key(&r.product).contains(&product))
        .collect();
    let touches = read_touches(s, coop.id, rows).await?;
    let windows = windows(&touches, query.window_days);
    let trees: Vec<String> = windows.keys().map(|t| (*t).to_owned()).collect();
    let span = windows
        .values()
        .flatten()
        .fold((i64::MAX, i64::MIN), |(lo, hi), (a, b)| {
            (lo.min(*a), hi.max(*b))
        });
    let harvests = if trees.is_empty() {
        Vec::new()
    } else {
        let rows = s
            .store
            .facts_of_trees(coop.id, &trees, &HARVEST_KINDS, span)
            .await?;
        let zones: BTreeMap<&str, &Option<String>> =
            touches.iter().map(|t| (t.tree.as_str(), &t.zone)).collect();
        read_touches(s, coop.id, rows)
            .await?
            .into_iter()
            .filter(|h| inside(windows.get(h.tree.as_str()), h.at))
            .map(|h| Touch {
                zone: zones.get(h.tree.as_str()).and_then(|z| (*z).clone()),
                ..h
            })
            .collect()
    };
    let reached = s.store.adoptions_of_trees(coop.id, &trees).await?;
    let order_ids: Vec<i64> = reached.iter().map(|a| a.order_id).collect();
    let mut shipped: BTreeMap<i64, Vec<ShipmentRow>> = BTreeMap::new();
    if !order_ids.is_empty() {
        for sh in s.store.shipments_of_orders(&order_ids).await? {
            shipped.entry(sh.order_id).or_default().push(sh);
        }
    }
    let mut adoptions = Vec::new();
    for a in reached {
        let w = windows.get(a.tree_code.as_str());
        let (Ok(start), Ok(end)) = (Date::parse_iso(&a.starts_on), Date::parse_iso(&a.ends_on))
        else {
            continue;
        };
        let season = (start.start_ms(), end.start_ms() + DAY_MS - 1);
        let overlaps = w.is_some_and(|w| w.iter().any(|(x, y)| *x <= season.1 && season.0 <= *y));
        if !overlaps {
            continue;
        }
        let shipments = shipped
            .remove(&a.order_id)
            .unwrap_or_default()
            .into_iter()
            .filter(|sh| {
                Date::parse_iso(&sh.sent_on).is_ok_and(|d| {
                    // A shipment is at risk when sent on any day of a window.
                    w.is_some_and(|w| {
                        w.iter().any(|(x, y)| {
                            d >= Date::from_unix_ms(*x) && d <= Date::from_unix_ms(*y)
                        })
                    })
                })
            })
            .collect();
        adoptions.push(Reached {
            order_id: a.order_id,
            code: a.code,
            tree: a.tree_code,
            season: a.season,
            buyer_id: a.buyer_id,
            buyer_name: a.buyer_name,
            buyer_phone: a.buyer_phone,
            buyer_email: a.buyer_email,
            shipments,
        });
    }
    Ok(Recall {
        query,
        touches,
        harvests,
        adoptions,
    })
}

/// Tells every adopter a recall reached, once per recall and adoption. Returns how many
/// were told now.
pub async fn notify_reached(
    s: &Services,
    actor: &Actor,
    coop: &CooperativeRow,
    recall: &Recall,
) -> Result<usize> {
    actor.require(coop.id, Action::Trace)?;
    let mut told = 0;
    for a in &recall.adoptions {
        let Some(order) = s.store.order_by_id(a.order_id).await? else {
            continue;
        };
        let what = Telling::Recall {
            product: recall.query.product.clone(),
            lot: recall.query.lot.clone(),
        };
        let dedupe = format!("recall:{}:{}", key(&recall.query.lot), a.order_id);
        if notify::tell(s, &order, what, &dedupe).await? {
            told += 1;
        }
    }
    Ok(told)
}

/// Everything upstream of a tree's fruit: the inputs applied to it and its harvests from
/// `window_days` before `until` (a harvest's day; today when not given) to that day, and
/// the harvests made inside a spray's pre-harvest interval.
pub async fn traceback(
    s: &Services,
    actor: &Actor,
    coop: &CooperativeRow,
    tree: &str,
    until: Date,
    window_days: i64,
) -> Result<Traceback> {
    actor.require(coop.id, Action::Trace)?;
    let detail = s
        .store
        .tree_detail(&coop.code, &tree.trim().to_uppercase())
        .await?
        .ok_or(Error::NotFound("tree"))?;
    let tree = detail.code;
    let to = until.start_ms() + DAY_MS - 1;
    let from_ms = until.start_ms() - window_days * DAY_MS;
    let kinds: Vec<i64> = INPUT_KINDS.iter().chain(&HARVEST_KINDS).copied().collect();
    let rows = s
        .store
        .facts_of_trees(coop.id, std::slice::from_ref(&tree), &kinds, (from_ms, to))
        .await?;
    let all = read_touches(s, coop.id, rows)
        .await?
        .into_iter()
        .filter(|t| (from_ms..=to).contains(&t.at))
        .map(|t| Touch {
            zone: detail.zone_code.clone(),
            ..t
        });
    let (harvests, inputs): (Vec<_>, Vec<_>) = all.partition(|t| HARVEST_KINDS.contains(&t.kind));
    let violations = harvests
        .iter()
        .filter(|h| !h.withdrawn)
        .flat_map(|h| {
            inputs
                .iter()
                .filter(|i| !i.withdrawn)
                .filter(move |i| {
                    i.phi_days
                        .is_some_and(|d| i.at <= h.at && h.at < i.at + d * DAY_MS)
                })
                .map(move |i| (h.seq, i.seq))
        })
        .collect();
    Ok(Traceback {
        tree,
        from: Date::from_unix_ms(from_ms),
        until,
        inputs,
        harvests,
        violations,
    })
}

/// A recall as CSV (UTF-8 with a byte-order mark for Excel): one row per application,
/// harvest at risk, adoption reached and shipment, in Vietnam's time.
pub fn recall_csv(r: &Recall) -> Result<Vec<u8>> {
    let when = crate::text::vn_minute;
    let mut out = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    let io = |e: csv::Error| Error::Internal(format!("writing CSV: {e}"));
    out.write_record([
        "loai",
        "cay",
        "vung",
        "thoi_gian",
        "san_pham",
        "so_lo",
        "kg",
        "da_rut_lai",
        "ma_don",
        "mua_vu",
        "nguoi_nhan_nuoi",
        "dien_thoai",
        "email",
        "ma_bam",
    ])
    .map_err(io)?;
    let fact = |what: &str, t: &Touch| {
        [
            what.to_owned(),
            t.tree.clone(),
            t.zone.clone().unwrap_or_default(),
            when(t.at),
            t.product.clone(),
            t.lot.clone(),
            t.grams
                .map(|g| (g as f64 / 1000.0).to_string())
                .unwrap_or_default(),
            if t.withdrawn { "1" } else { "" }.to_owned(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            t.hash.to_hex(),
        ]
    };
    let safe = |row: [String; 14]| row.map(|c| crate::text::csv_cell(&c));
    for t in &r.touches {
        out.write_record(safe(fact("su_dung", t))).map_err(io)?;
    }
    for h in &r.harvests {
        out.write_record(safe(fact("thu_hoach", h))).map_err(io)?;
    }
    for a in &r.adoptions {
        let who = |what: &str, on: String, kg: String| {
            [
                what.to_owned(),
                a.tree.clone(),
                String::new(),
                on,
                String::new(),
                String::new(),
                kg,
                String::new(),
                a.code.clone(),
                a.season.clone(),
                a.buyer_name.clone(),
                a.buyer_phone.clone().unwrap_or_default(),
                a.buyer_email.clone().unwrap_or_default(),
                String::new(),
            ]
        };
        out.write_record(safe(who("nhan_nuoi", String::new(), String::new())))
            .map_err(io)?;
        for sh in &a.shipments {
            out.write_record(safe(who(
                "gui_hang",
                sh.sent_on.clone(),
                (sh.grams as f64 / 1000.0).to_string(),
            )))
            .map_err(io)?;
        }
    }
    out.into_inner()
        .map_err(|e| Error::Internal(format!("writing CSV: {e}")))
}
