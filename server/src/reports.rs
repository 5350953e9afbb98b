//! The managers' season report: per cooperative (or zone), over a date range — trees and
//! how many are adopted, revenue per adopted tree against selling the same fruit
//! (the local price per kg a manager enters), harvest by tree, zone and variety, diary
//! activity per member and week, trees without care, harvests inside a spray's
//! pre-harvest interval, care requests asked and answered. Each part is also a CSV.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use ledger::Date;

use crate::access::{Action, Actor};
use crate::clock::now_ms;
use crate::error::{Error, Result};
use crate::services::Services;
use crate::store::{CooperativeRow, ReportViolation, FIRST_MONDAY_MS};

const DAY_MS: i64 = 86_400_000;

/// What a report covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportQuery {
    pub from: Date,
    pub to: Date,
    pub zone: Option<i64>,
    /// What a kilogram of the fruit fetches sold as fruit, locally (VND).
    pub fruit_vnd_per_kg: Option<i64>,
    /// Trees without care for this many days are listed.
    pub idle_days: i64,
}

impl ReportQuery {
    /// From the form; empty fields take defaults: this year so far, every zone, 14 days.
    pub fn parse(from: &str, to: &str, zone: &str, price: &str, idle: &str) -> Result<Self> {
        let today = Date::from_unix_ms(now_ms());
        let date = |typed: &str, default: Date| match typed.trim() {
            "" => Ok(default),
            t => Date::parse_iso(t).map_err(|_| {
                Error::invalid(
                    "Ngày không hợp lệ (YYYY-MM-DD).",
                    "Not a valid date (YYYY-MM-DD).",
                )
            }),
        };
        let start_of_year = Date::new(today.year(), 1, 1).unwrap_or(today);
        let (from, to) = (date(from, start_of_year)?, date(to, today)?);
        if from > to {
            return Err(Error::invalid(
                "Ngày bắt đầu phải trước ngày kết thúc.",
                "The start must come before the end.",
            ));
        }
        let whole = |typed: &str, what: (&str, &str), range: std::ops::RangeInclusive<i64>| {
            let digits: String = typed
                .chars()
                .filter(|c| !matches!(c, '.' | ',' | ' '))
                .collect();
            match digits.as_str() {
                "" => Ok(None),
                d => d
                    .parse::<i64>()
                    .ok()
                    .filter(|n| range.contains(n))
                    .map(Some)
                    .ok_or_else(|| {
                        Error::invalid(
                            format!(
                                "{} phải là số từ {} đến {}.",
                                what.0,
                                range.start(),
                                range.end()
                            ),
                            format!(
                                "{} must be a number from {} to {}.",
                                what.1,
                                range.start(),
                                range.end()
                            ),
                        )
                    }),
            }
        };
        Ok(Self {
            from,
            to,
            zone: whole(zone, ("Vùng", "The zone"), 1..=i64::MAX)?,
            fruit_vnd_per_kg: whole(price, ("Giá quả", "The fruit price"), 1..=10_000_000)?,
            idle_days: whole(idle, ("Số ngày", "The number of days"), 1..=365)?.unwrap_or(14),
        })
    }
}

/// A named group (zone, variety) with its trees and harvest.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Group {
    pub name: String,
    pub trees: usize,
    pub grams: i64,
}

/// The report.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct SeasonReport {
    pub trees: usize,
    pub adopted: usize,
    pub revenue_vnd: i64,
    pub harvest_g: i64,
    /// Revenue per adopted tree, and what its fruit would fetch sold as fruit.
    pub revenue_per_adopted_tree: Option<i64>,
    pub fruit_baseline_per_tree: Option<i64>,
    pub by_zone: Vec<Group>,
    pub by_variety: Vec<Group>,
    /// Tree, zone, variety, grams harvested, adopted.
    pub by_tree: Vec<(String, String, String, i64, bool)>,
    /// Week (its Monday, YYYY-MM-DD), member, entries.
    #[schema(value_type = Vec<(String, String, i64)>)]
    pub activity: Vec<(Date, String, i64)>,
    pub idle: Vec<String>,
    pub violations: Vec<ReportViolation>,
    pub care_asked: i64,
    pub care_answered: i64,
}

impl SeasonReport {
    /// Entries per week, all members together.
    pub fn weekly(&self) -> Vec<(Date, i64)> {
        let mut w: BTreeMap<Date, i64> = BTreeMap::new();
        for (week, _, n) in &self.activity {
            *w.entry(*week).or_default() += n;
        }
        w.into_iter().collect()
    }

    /// A part of the report as CSV (UTF-8 with a byte-order mark, for Excel).
    pub fn csv(&self, part: &str) -> Result<Vec<u8>> {
        let kg = |g: i64| (g as f64 / 1000.0).to_string();
        let (header, rows): (Vec<&str>, Vec<Vec<String>>) = match part {
            "trees" => (
                vec!["cay", "vung", "giong", "thu_hoach_kg", "nhan_nuoi"],
                self.by_tree
                    .iter()
                    .map(|(t, z, v, g, a)| {
                        vec![
                            t.clone(),
                            z.clone(),
                            v.clone(),
                            kg(*g),
                            u8::from(*a).to_string(),
                        ]
                    })
                    .collect(),
            ),
            "zones" | "varieties" => (
                vec![
                    if part == "zones" { "vung" } else { "giong" },
                    "so_cay",
                    "thu_hoach_kg",
                ],
                if part == "zones" {
                    &self.by_zone
                } else {
                    &self.by_variety
                }
                .iter()
                .map(|g| vec![g.name.clone(), g.trees.to_string(), kg(g.grams)])
                .collect(),
            ),
            "activity" => (
                vec!["tuan_tu", "thanh_vien", "so_muc"],
                self.activity
                    .iter()
                    .map(|(w, who, n)| vec![w.to_string(), who.clone(), n.to_string()])
                    .collect(),
            ),
            "idle" => (
                vec!["cay"],
                self.idle.iter().map(|t| vec![t.clone()]).collect(),
            ),
            "violations" => (
                vec![
                    "cay",
                    "thu_hoach_luc",
                    "phun_luc",
                    "san_pham",
                    "cach_ly_ngay",
                ],
                self.violations
                    .iter()
                    .map(|v| {
                        vec![
                            v.tree.clone(),
                            crate::text::vn_minute(v.harvested_at),
                            crate::text::vn_minute(v.sprayed_at),
                            v.product.clone(),
                            v.phi_days.to_string(),
                        ]
                    })
                    .collect(),
            ),
            _ => return Err(Error::NotFound("report part")),
        };
        let io = |e: csv::Error| Error::Internal(format!("writing CSV: {e}"));
        let mut out = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
        out.write_record(&header).map_err(io)?;
        for r in rows {
            out.write_record(r.iter().map(|c| crate::text::csv_cell(c)))
                .map_err(io)?;
        }
        out.into_inner()
            .map_err(|e| Error::Internal(format!("writing CSV: {e}")))
    }
}

fn grouped(
    trees: &[(String, String, String, i64, bool)],
    key: impl Fn(&(String, String, String, i64, bool)) -> &str,
) -> Vec<Group> {
    let mut g: BTreeMap<&str, Group> = BTreeMap::new();
    for t in trees {
        let k = key(t);
        let e = g.entry(k).or_insert_with(|| Group {
            name: k.to_owned(),
            trees: 0,
            grams: 0,
        });
        e.trees += 1;
        e.grams += t.3;
    }
    g.into_values().collect()
}

/// Builds the report (managers: it counts money and members).
pub async fn season(
    s: &Services,
    actor: &Actor,
    coop: &CooperativeRow,
    q: &ReportQuery,
) -> Result<SeasonReport> {
    actor.require(coop.id, Action::Trace)?;
    let (from_ms, to_ms) = (q.from.start_ms(), q.to.start_ms() + DAY_MS - 1);
    let trees: Vec<_> = s
        .store
        .report_trees(coop.id)
        .await?
        .into_iter()
        .filter(|t| q.zone.is_none_or(|z| z == t.zone_id))
        .collect();
    if let Some(z) = q.zone {
        if !s
            .store
            .zones_of(coop.id)
            .await?
            .iter()
            .any(|row| row.id == z)
        {
            return Err(Error::NotFound("zone"));
        }
    }
    let in_scope: BTreeSet<&str> = trees.iter().map(|t| t.code.as_str()).collect();
    let harvested: HashMap<String, i64> = s
        .store
        .report_harvests(coop.id, from_ms, to_ms)
        .await?
        .into_iter()
        .map(|h| (h.tree, h.grams))
        .collect();
    let sales: Vec<_> = s
        .store
        .report_sales(coop.id, &q.from.to_string(), &q.to.to_string())
        .await?
        .into_iter()
        .filter(|x| in_scope.contains(x.tree.as_str()))
        .collect();
    let adopted_trees: BTreeSet<&str> = sales.iter().map(|x| x.tree.as_str()).collect();
    let by_tree: Vec<(String, String, String, i64, bool)> = trees
        .iter()
        .map(|t| {
            (
                t.code.clone(),
                t.zone_name.clone(),
                t.variety.clone(),
                harvested.get(&t.code).copied().unwrap_or(0),
                adopted_trees.contains(t.code.as_str()),
            )
        })
        .collect();
    let revenue_vnd: i64 = sales.iter().map(|x| x.amount_vnd).sum();
    let harvest_g: i64 = by_tree.iter().map(|t| t.3).sum();
    let adopted = adopted_trees.len();
    // What the adopted trees gave, on average, priced as fruit.
    let adopted_g: Vec<i64> = by_tree.iter().filter(|t| t.4).map(|t| t.3).collect();
    let fruit_baseline_per_tree = match (q.fruit_vnd_per_kg, adopted_g.len()) {
        (Some(price), n) if n > 0 => Some(adopted_g.iter().sum::<i64>() * price / 1000 / n as i64),
        _ => None,
    };
    let cared: BTreeSet<String> = s
        .store
        .trees_cared_since(coop.id, now_ms() - q.idle_days * DAY_MS)
        .await?
        .into_iter()
        .collect();
    let (care_asked, care_answered) = s
        .store
        .report_care_requests(coop.id, from_ms, to_ms)
        .await?;
    let week_start = |w: i64| Date::from_unix_ms(FIRST_MONDAY_MS + w * 7 * DAY_MS);
    Ok(SeasonReport {
        trees: trees.len(),
        adopted,
        revenue_vnd,
        harvest_g,
        revenue_per_adopted_tree: (adopted > 0).then(|| revenue_vnd / adopted as i64),
        fruit_baseline_per_tree,
        by_zone: grouped(&by_tree, |t| &t.1),
        by_variety: grouped(&by_tree, |t| &t.2),
        idle: trees
            .iter()
            .filter(|t| !cared.contains(&t.code))
            .map(|t| t.code.clone())
            .collect(),
        by_tree,
        activity: s
            .store
            .report_activity(coop.id, from_ms, to_ms)
            .await?
            .into_iter()
            .map(|a| (week_start(a.week), a.name, a.entries))
            .collect(),
        violations: s
            .store
            .report_violations(coop.id, from_ms, to_ms)
            .await?
            .into_iter()
            .filter(|v| in_scope.contains(v.tree.as_str()))
            .collect(),
        care_asked,
        care_answered,
    })
}
