//! Which trees a batch of labels is for, and what each label says.

use super::LabelData;
use crate::access::{Action, Actor};
use crate::error::{Error, Result};
use crate::species::Catalogue;
use crate::store::{CooperativeRow, Store, TreeLabelRow};

/// A manager's choice of trees: a zone, a filter, or a hand-picked set (all optional;
/// nothing chosen means every active tree of the cooperative).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Selection {
    pub zone_id: Option<i64>,
    pub species: Option<String>,
    /// Tree codes picked by hand; unknown codes are an error, not silently skipped.
    pub codes: Vec<String>,
    /// Include trees marked removed (their labels still verify; normally not wanted).
    pub include_removed: bool,
    /// The QR carries the tree's GS1 Digital Link URI (the cooperative needs a GS1
    /// company prefix) with the label's signature as its `sig` parameter; resolving it
    /// opens the same verified page.
    pub digital_link: bool,
}

/// The rows of the chosen trees, in code order; a hand-picked code the cooperative does not
/// have is an error, not silently skipped.
pub fn pick(rows: Vec<TreeLabelRow>, selection: &Selection) -> Result<Vec<TreeLabelRow>> {
    let picked: Vec<String> = selection
        .codes
        .iter()
        .map(|c| c.trim().to_uppercase())
        .collect();
    if let Some(missing) = picked.iter().find(|c| !rows.iter().any(|r| &r.code == *c)) {
        return Err(Error::invalid(
            format!("Cây {missing} không thuộc hợp tác xã này"),
            format!("tree {missing} is not in this cooperative"),
        ));
    }
    Ok(rows
        .into_iter()
        .filter(|r| selection.zone_id.is_none_or(|z| r.zone_id == z))
        .filter(|r| selection.species.as_ref().is_none_or(|s| &r.species == s))
        .filter(|r| picked.is_empty() || picked.contains(&r.code))
        .filter(|r| selection.include_removed || r.status == "active")
        .collect())
}

/// The labels of the selected trees of `coop`, by tree code.
pub async fn collect(
    store: &Store,
    base_url: &str,
    actor: &Actor,
    coop: &CooperativeRow,
    selection: &Selection,
) -> Result<Vec<LabelData>> {
    actor.require(coop.id, Action::PrintLabels)?;
    let rows = store.tree_labels(coop.id).await?;
    let catalogue = Catalogue::load(store).await?;
    let gs1 = match (
        selection.digital_link,
        crate::gs1::Gs1::new(coop.gs1_prefix.as_deref()),
    ) {
        (false, _) => None,
        (true, Some(g)) => Some(g),
        (true, None) => return Err(Error::invalid(
            "Nhập mã doanh nghiệp GS1 của hợp tác xã trước khi in QR GS1 Digital Link.",
            "Enter the cooperative's GS1 company prefix before printing GS1 Digital Link QR codes.",
        )),
    };
    let base = base_url.trim_end_matches('/');
    let url = |code: &str, identity_path: &str| {
        let signed = format!("{base}{identity_path}");
        let Some(g) = &gs1 else {
            return signed;
        };
        // The identity path ends with the key ID and the signature.
        let mut tail = identity_path.rsplit('/');
        match (tail.next(), tail.next(), g.tree_uri(base, code)) {
            (Some(sig), Some(key), Some(uri)) => format!("{uri}?sig={key}.{sig}"),
            _ => signed,
        }
    };
    pick(rows, selection)?
        .into_iter()
        .map(|r| {
            let species = catalogue.label_name(&r.species);
            Ok(LabelData {
                url: url(&r.code, &r.identity_path),
                tree_code: r.code,
                species: format!("{species} · {}", r.variety),
                zone: r.zone_code.unwrap_or_else(|| "Vùng chưa cấp mã".into()),
                cooperative: coop.name.clone(),
            })
        })
        .collect()
}
