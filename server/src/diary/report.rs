//! The cooperative's diary as its managers read it: care by tree, zone, farmer and week,
//! harvests picked inside a spray's pre-harvest interval, and trees nobody has cared for
//! in a while.

use std::collections::{BTreeSet, HashMap};

use ledger::{Digest, Entry, Kind};

use super::timeline;
use crate::access::{Action, Actor};
use crate::clock::now_ms;
use crate::error::Result;
use crate::store::{CooperativeRow, Store};

/// Entries a report shows at most (the newest).
pub const LIMIT: i64 = 1_000;
const DAY_MS: i64 = 86_400_000;

/// What to show. Empty fields do not filter.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub tree: Option<String>,
    pub zone: Option<i64>,
    /// A member's pseudonym (`member:<alias>`), or `admin` / `system`.
    pub author: Option<String>,
    /// Care recorded from this moment (unix ms) …
    pub from: Option<i64>,
    /// … until before this one.
    pub until: Option<i64>,
    /// Trees without care for this many days are listed.
    pub quiet_days: i64,
}

/// One entry of the report.
#[derive(Debug, Clone)]
pub struct Line {
    pub tree: String,
    pub entry: Entry,
    pub hash: Digest,
    /// Picked inside this spray's interval: (product, safe from).
    pub phi: Option<(String, i64)>,
}

#[derive(Debug, Clone)]
pub struct Report {
    pub lines: Vec<Line>,
    /// More entries matched than [`LIMIT`].
    pub truncated: bool,
    /// Trees with no care for `quiet_days`, with their last care (unix ms), oldest first.
    pub quiet: Vec<(String, Option<i64>)>,
    /// `member:<alias>` → name, for the cooperative's members.
    pub authors: Vec<(String, String)>,
}

pub async fn diary(
    store: &Store,
    actor: &Actor,
    coop: &CooperativeRow,
    filter: &Filter,
) -> Result<Report> {
    actor.require(coop.id, Action::View)?;
    let trees = store.tree_labels(coop.id).await?;
    let zone_of: HashMap<String, i64> = trees.iter().map(|t| (t.code.clone(), t.zone_id)).collect();
    // Phones sync late: look back a month further by arrival than the range asks.
    let since = filter
        .from
        .map_or(i64::MIN, |f| f.saturating_sub(30 * DAY_MS));
    let rows = store.care_entries(coop.id, since, LIMIT + 1).await?;
    let truncated = rows.len() as i64 > LIMIT;
    let mut lines = Vec::new();
    for row in rows.into_iter().take(LIMIT as usize) {
        let Ok(entry) = Entry::decode(&row.bytes) else {
            continue;
        };
        let tree = row.subject.trim_start_matches("tree:").to_owned();
        let keep = filter.tree.as_ref().is_none_or(|t| *t == tree)
            && filter.zone.is_none_or(|z| zone_of.get(&tree) == Some(&z))
            && filter.author.as_ref().is_none_or(|a| *a == entry.author)
            && filter.from.is_none_or(|f| entry.recorded_at >= f)
            && filter.until.is_none_or(|u| entry.recorded_at < u);
        if keep {
            let hash = Digest::leaf(&row.bytes);
            lines.push(Line {
                tree,
                entry,
                hash,
                phi: None,
            });
        }
    }
    flag_harvests(store, coop.id, &mut lines).await?;
    let now = now_ms();
    let last: HashMap<String, i64> = store
        .latest_of_kinds(coop.id, &(10..=22).collect::<Vec<_>>())
        .await?
        .into_iter()
        .filter_map(|(subject, bytes)| {
            let e = Entry::decode(&bytes).ok()?;
            Some((
                subject.trim_start_matches("tree:").to_owned(),
                e.recorded_at,
            ))
        })
        .collect();
    let mut quiet: Vec<(String, Option<i64>)> = trees
        .iter()
        .filter(|t| t.status == "active")
        .filter(|t| filter.zone.is_none_or(|z| t.zone_id == z))
        .map(|t| (t.code.clone(), last.get(&t.code).copied()))
        .filter(|(_, at)| at.is_none_or(|at| now - at > filter.quiet_days * DAY_MS))
        .collect();
    quiet.sort_by_key(|(code, at)| (at.unwrap_or(i64::MIN), code.clone()));
    let authors = store
        .member_aliases(coop.id)
        .await?
        .into_iter()
        .map(|(alias, name)| (format!("member:{alias}"), name))
        .collect();
    Ok(Report {
        lines,
        truncated,
        quiet,
        authors,
    })
}

/// Flags each harvest in the report that its tree's diary puts inside a spray's interval.
async fn flag_harvests(store: &Store, coop: i64, lines: &mut [Line]) -> Result<()> {
    let harvested: BTreeSet<String> = lines
        .iter()
        .filter(|l| {
            matches!(
                l.entry.kind,
                Kind::Harvested { .. } | Kind::HarvestedGraded { .. }
            )
        })
        .map(|l| l.tree.clone())
        .collect();
    for tree in harvested {
        let rows = store.entries_of(coop, &format!("tree:{tree}")).await?;
        // A damaged chain is reported by the tree's page and `goc verify`; no flags from it.
        let Ok(chain) = timeline::check_chain(&rows) else {
            continue;
        };
        for item in timeline::build(&chain) {
            if let Some(f) = item.phi {
                for l in lines.iter_mut().filter(|l| l.hash == item.hash) {
                    l.phi = Some((f.product.clone(), f.safe_from));
                }
            }
        }
    }
    Ok(())
}
