//! The diary as pages show it: entries described in the reader's language, corrections
//! beside what they correct, and a farmer's overview of every tree. Server side only.

use ledger::{Kind, Quantity};
use server::diary::timeline::{self, Item};
use server::Services;

use crate::i18n::{Locale, Msg};
use crate::model::{Diary, DiaryLine, FarmTree};

/// A moment as the reader writes it, in Vietnam's time (UTC+7, no daylight saving), and
/// as ISO 8601 with its offset.
pub fn moment(ms: i64, l: Locale) -> (String, String) {
    let d = ledger::Date::from_unix_ms(ms);
    let hm = clock(ms);
    (format!("{} {hm}", l.date(d)), format!("{d}T{hm}+07:00"))
}

/// The hour and minute of a moment in Vietnam's time: "14:30".
pub fn clock(ms: i64) -> String {
    const OFFSET_MS: i64 = 7 * 3_600_000;
    let minutes = (ms + OFFSET_MS).rem_euclid(86_400_000) / 60_000;
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

fn amount(q: &Quantity, l: Locale) -> String {
    format!(
        "{} {}",
        l.number(q.thousandths as f64 / 1000.0, 3),
        q.unit.symbol()
    )
}

fn kg(grams: u64, l: Locale) -> String {
    server::text::kg(i64::try_from(grams).unwrap_or(i64::MAX), l.into())
}

/// The short key of a kind, for styles and the form's choices.
pub fn kind_key(kind: &Kind) -> &'static str {
    match kind {
        Kind::Watered { .. } => "watered",
        Kind::Fertilised { .. } | Kind::FertilisedLot { .. } => "fertilised",
        Kind::Pruned { .. } => "pruned",
        Kind::Sprayed { .. } | Kind::SprayedLot { .. } => "sprayed",
        Kind::Bagged { .. } => "bagged",
        Kind::Flowering { .. } => "flowering",
        Kind::FruitSet { .. } => "fruit_set",
        Kind::PestObserved { .. } => "pest",
        Kind::Harvested { .. } | Kind::HarvestedGraded { .. } => "harvested",
        Kind::Note { .. } => "note",
        Kind::TreeRegistered { .. } => "registered",
        Kind::StatusChanged { .. } => "status",
        Kind::Adopted { .. } => "adopted",
        _ => "other",
    }
}

/// One line saying what an entry records, in the reader's language.
pub fn describe(kind: &Kind, l: Locale) -> String {
    let join = |head: Msg, parts: Vec<String>| {
        std::iter::once(head.text(l).to_owned())
            .chain(parts.into_iter().filter(|p| !p.trim().is_empty()))
            .collect::<Vec<_>>()
            .join(" · ")
    };
    let lot = |lot: &str| {
        if lot.is_empty() {
            String::new()
        } else {
            format!("{} {lot}", Msg::Lot.text(l))
        }
    };
    let phi = |d: &u16| format!("{} {d}", Msg::PreHarvestDays.text(l));
    match kind {
        Kind::Watered { litres } => join(
            Msg::KindWatered,
            litres
                .iter()
                .map(|n| format!("{} l", l.number(f64::from(*n), 0)))
                .collect(),
        ),
        Kind::Fertilised { product, amount_g } => {
            join(Msg::KindFertilised, vec![product.clone(), kg(*amount_g, l)])
        }
        Kind::FertilisedLot {
            product,
            amount: q,
            lot: n,
        } => join(
            Msg::KindFertilised,
            vec![product.clone(), amount(q, l), lot(n)],
        ),
        Kind::Pruned { note } => join(Msg::KindPruned, vec![note.clone()]),
        Kind::Sprayed {
            product,
            active_ingredient,
            dose,
            phi_days,
        }
        | Kind::SprayedLot {
            product,
            active_ingredient,
            dose,
            phi_days,
            ..
        } => {
            // Tag 13 had no lot; an empty one is left out of the line.
            let n = match kind {
                Kind::SprayedLot { lot, .. } => lot.as_str(),
                _ => "",
            };
            join(
                Msg::KindSprayed,
                vec![
                    format!("{product} ({active_ingredient})"),
                    dose.clone(),
                    lot(n),
                    phi(phi_days),
                ],
            )
        }
        Kind::Bagged { fruits } => join(
            Msg::KindBagged,
            vec![format!("{fruits} {}", Msg::Fruits.text(l))],
        ),
        Kind::Flowering { note } => join(Msg::KindFlowering, vec![note.clone()]),
        Kind::FruitSet { fruits, note } => join(
            Msg::KindFruitSet,
            vec![format!("{fruits} {}", Msg::Fruits.text(l)), note.clone()],
        ),
        Kind::PestObserved {
            pest,
            severity,
            note,
        } => join(
            Msg::KindPest,
            vec![
                pest.clone(),
                format!("{} {severity}/3", Msg::SeverityOf.text(l)),
                note.clone(),
            ],
        ),
        Kind::Harvested { grams } => join(Msg::KindHarvested, vec![kg(*grams, l)]),
        Kind::HarvestedGraded { grams, grade } => {
            let grade = if grade.is_empty() {
                String::new()
            } else {
                format!("{} {grade}", Msg::Grade.text(l))
            };
            join(Msg::KindHarvested, vec![kg(*grams, l), grade])
        }
        Kind::Note { text } => join(Msg::KindNote, vec![text.clone()]),
        Kind::TreeRegistered { .. } => Msg::KindRegistered.text(l).to_owned(),
        Kind::StatusChanged { active, reason } => join(
            if *active {
                Msg::KindReturned
            } else {
                Msg::KindRemoved
            },
            vec![reason.clone()],
        ),
        Kind::Adopted { season, .. } => join(Msg::KindAdopted, vec![season.clone()]),
        _ => format!("{} #{}", Msg::KindOther.text(l), kind.tag()),
    }
}

fn line(item: &Item, l: Locale) -> DiaryLine {
    let (when, when_iso) = moment(item.recorded_at, l);
    let what = item.effective().map(|k| describe(k, l));
    let first = describe(&item.kind, l);
    DiaryLine {
        seq: item.seq,
        hash: item.hash.to_string(),
        when,
        when_iso,
        kind: kind_key(&item.kind).to_owned(),
        original: (!item.corrections.is_empty()).then_some(first),
        what,
        corrections: item
            .corrections
            .iter()
            .map(|c| {
                format!(
                    "{} {} ({} {}): {}",
                    Msg::CorrectedOn.text(l),
                    moment(c.received_at, l).0,
                    Msg::RecordedBy.text(l),
                    c.author,
                    c.reason
                )
            })
            .collect(),
        flag: item.phi.as_ref().map(|f| {
            format!(
                "{} {} ({} {})",
                Msg::HarvestInInterval.text(l),
                f.product,
                Msg::SafeFrom.text(l),
                moment(f.safe_from, l).0
            )
        }),
        photos: item.photos.iter().map(ToString::to_string).collect(),
        author: item.author.clone(),
    }
}

/// A tree's diary, newest first; an empty one with the damage named if its stored chain no
/// longer checks.
pub async fn diary(
    s: &Services,
    cooperative_id: i64,
    tree: &str,
    l: Locale,
) -> Result<Diary, server::Error> {
    let rows = s
        .store
        .entries_of(cooperative_id, &format!("tree:{tree}"))
        .await?;
    Ok(match timeline::check_chain(&rows) {
        Err(d) => {
            tracing::error!(tree, damage = %d, "a tree's stored history does not check");
            Diary {
                lines: Vec::new(),
                damaged: Some(d.to_string()),
            }
        }
        Ok(chain) => Diary {
            lines: timeline::build(&chain)
                .iter()
                .rev()
                .map(|i| line(i, l))
                .collect(),
            damaged: None,
        },
    })
}

const DAY_MS: i64 = 86_400_000;
/// Care more than this long ago is worth a look.
const QUIET_DAYS: i64 = 14;

/// Every tree's last care and what is due, for the farmer's overview, by tree code.
pub async fn overview(
    s: &Services,
    cooperative_id: i64,
    l: Locale,
) -> Result<std::collections::HashMap<String, (Option<String>, Option<String>)>, server::Error> {
    let care: Vec<u16> = (10..=22).collect();
    let now = server::clock::now_ms();
    let mut out = std::collections::HashMap::new();
    for (subject, bytes) in s.store.latest_of_kinds(cooperative_id, &care).await? {
        let Ok(e) = ledger::Entry::decode(&bytes) else {
            continue;
        };
        let tree = subject.trim_start_matches("tree:").to_owned();
        let what = Msg::text(head(&e.kind), l);
        let last = format!(
            "{what} · {}",
            l.date(ledger::Date::from_unix_ms(e.recorded_at))
        );
        let quiet = (now - e.recorded_at > QUIET_DAYS * DAY_MS).then(|| {
            format!(
                "{} {} {}",
                Msg::NoCareFor.text(l),
                (now - e.recorded_at) / DAY_MS,
                Msg::Days.text(l)
            )
        });
        out.insert(tree, (Some(last), quiet));
    }
    for (subject, bytes) in s.store.latest_of_kinds(cooperative_id, &[13, 20]).await? {
        let Ok(e) = ledger::Entry::decode(&bytes) else {
            continue;
        };
        let (Kind::Sprayed { phi_days, .. } | Kind::SprayedLot { phi_days, .. }) = e.kind else {
            continue;
        };
        let safe = e.recorded_at + i64::from(phi_days) * DAY_MS;
        if safe > now {
            let due = format!(
                "{} {}",
                Msg::IntervalUntil.text(l),
                l.date(ledger::Date::from_unix_ms(safe))
            );
            let tree = subject.trim_start_matches("tree:").to_owned();
            out.entry(tree).or_insert((None, None)).1 = Some(due);
        }
    }
    Ok(out)
}

/// The catalogue's name of a kind of care.
fn head(kind: &Kind) -> Msg {
    match kind_key(kind) {
        "watered" => Msg::KindWatered,
        "fertilised" => Msg::KindFertilised,
        "pruned" => Msg::KindPruned,
        "sprayed" => Msg::KindSprayed,
        "bagged" => Msg::KindBagged,
        "flowering" => Msg::KindFlowering,
        "fruit_set" => Msg::KindFruitSet,
        "pest" => Msg::KindPest,
        "harvested" => Msg::KindHarvested,
        "note" => Msg::KindNote,
        _ => Msg::KindOther,
    }
}

/// The overview of one tree.
pub fn farm_tree(
    code: String,
    species: String,
    seen: &std::collections::HashMap<String, (Option<String>, Option<String>)>,
) -> FarmTree {
    let (last, due) = seen.get(&code).cloned().unwrap_or((None, None));
    FarmTree {
        code,
        species,
        last,
        due,
    }
}

/// Monday 00:00 in Vietnam of ISO week `w` of `year` (unix ms), from "2026-W48".
pub fn week_start(week: &str) -> Option<i64> {
    let (y, w) = week.split_once("-W")?;
    let (year, w): (u16, i64) = (y.parse().ok()?, w.parse().ok()?);
    if !(1..=53).contains(&w) {
        return None;
    }
    let jan4 = ledger::Date::new(year, 1, 4).ok()?;
    let days = jan4.days_since_epoch();
    let monday1 = days - (days + 3).rem_euclid(7);
    Some((monday1 + (w - 1) * 7) * DAY_MS - 7 * 3_600_000)
}

/// The ISO week ("2026-W48") of an instant, in Vietnam's time.
pub fn week_of(ms: i64) -> String {
    let days = ledger::Date::from_unix_ms(ms).days_since_epoch();
    let thursday = days - (days + 3).rem_euclid(7) + 3;
    let year = ledger::Date::from_unix_ms(thursday * DAY_MS).year();
    let jan1 = ledger::Date::new(year, 1, 1).map_or(0, |d| d.days_since_epoch());
    format!("{year}-W{:02}", (thursday - jan1) / 7 + 1)
}

/// The diary report page's data.
pub async fn report(
    s: &Services,
    actor: &server::access::Actor,
    coop: &server::store::CooperativeRow,
    query: &std::collections::HashMap<String, String>,
    l: Locale,
) -> Result<crate::model::DiaryReport, server::Error> {
    use server::diary::report::{self, Filter};
    let get = |k: &str| {
        query
            .get(k)
            .map(|v| v.trim().to_owned())
            .unwrap_or_default()
    };
    let week = get("week");
    let from = week_start(&week);
    let quiet_days = get("quiet")
        .parse::<i64>()
        .ok()
        .filter(|d| (1..=365).contains(d))
        .unwrap_or(14);
    let filter = Filter {
        tree: Some(get("tree").to_uppercase()).filter(|t| !t.is_empty()),
        zone: get("zone").parse().ok(),
        author: Some(get("author")).filter(|a| !a.is_empty()),
        from,
        until: from.map(|f| f + 7 * DAY_MS),
        quiet_days,
    };
    let r = report::diary(&s.store, actor, coop, &filter).await?;
    let names: std::collections::HashMap<&str, &str> = r
        .authors
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let mut weeks: Vec<(String, Vec<crate::model::ReportLine>)> = Vec::new();
    let mut flags = Vec::new();
    for line in &r.lines {
        let wk = week_of(line.entry.recorded_at);
        let flag = line.phi.as_ref().map(|(product, safe)| {
            format!(
                "{} {product} ({} {})",
                Msg::HarvestInInterval.text(l),
                Msg::SafeFrom.text(l),
                moment(*safe, l).0
            )
        });
        if let Some(f) = &flag {
            flags.push(format!("{} · {}", line.tree, f));
        }
        let item = crate::model::ReportLine {
            when: moment(line.entry.recorded_at, l).0,
            tree: line.tree.clone(),
            what: describe(&line.entry.kind, l),
            who: names
                .get(line.entry.author.as_str())
                .map_or_else(|| line.entry.author.clone(), |n| (*n).to_owned()),
            flag,
        };
        match weeks.last_mut() {
            Some((w, items)) if *w == wk => items.push(item),
            _ => weeks.push((wk, vec![item])),
        }
    }
    Ok(crate::model::DiaryReport {
        coop_code: coop.code.clone(),
        coop_name: coop.name.clone(),
        zones: s
            .store
            .zones_of(coop.id)
            .await?
            .into_iter()
            .map(|z| (z.id.to_string(), z.name))
            .collect(),
        authors: r.authors.clone(),
        tree: get("tree"),
        zone: get("zone"),
        author: get("author"),
        week,
        quiet_days,
        weeks,
        truncated: r.truncated,
        quiet: r
            .quiet
            .iter()
            .map(|(code, at)| {
                (
                    code.clone(),
                    at.map_or_else(
                        || Msg::NeverCared.text(l).to_owned(),
                        |a| {
                            format!(
                                "{} {}",
                                Msg::LastCare.text(l),
                                l.date(ledger::Date::from_unix_ms(a))
                            )
                        },
                    ),
                )
            })
            .collect(),
        flags,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moments_read_in_vietnams_time() {
        // 17:45 UTC on 1 December is 00:45 on 2 December in Vietnam.
        let ms = ledger::Date::new(2026, 12, 2).unwrap().start_ms() + 45 * 60_000;
        assert_eq!(clock(ms), "00:45");
        let (shown, iso) = moment(ms, Locale::Vi);
        assert_eq!(
            (shown.as_str(), iso.as_str()),
            ("02/12/2026 00:45", "2026-12-02T00:45+07:00")
        );
        assert_eq!(moment(ms, Locale::En).0, "2026-12-02 00:45");
    }

    #[test]
    fn iso_weeks_round_trip_in_vietnams_time() {
        // 2026-12-02 is a Wednesday of ISO week 49; 2027-01-01 (a Friday) is in 2026-W53.
        let wed = ledger::Date::new(2026, 12, 2).unwrap().start_ms() + 3_600_000;
        assert_eq!(week_of(wed), "2026-W49");
        let monday = week_start("2026-W49").unwrap();
        assert_eq!(
            ledger::Date::from_unix_ms(monday),
            ledger::Date::new(2026, 11, 30).unwrap()
        );
        assert_eq!(week_of(monday), "2026-W49");
        assert_eq!(week_of(monday - 1), "2026-W48");
        let new_year = ledger::Date::new(2027, 1, 1).unwrap().start_ms();
        assert_eq!(week_of(new_year), "2026-W53");
        assert_eq!(week_start("2026-W54"), None);
        assert_eq!(week_start("junk"), None);
    }
}
