//! Species: a table, so the platform can add more than custard apple and mango without a
//! release. Trees store the key; the ledger records the botanical name (language-neutral);
//! pages show the name in the reader's language, labels the Vietnamese one.

use crate::access::Actor;
use crate::clock::now_ms;
use crate::error::{Error, Lang, Result};
use crate::store::{SpeciesRow, Store};
use crate::text::required;

/// Every species, loaded once per operation.
#[derive(Debug, Clone)]
pub struct Catalogue(pub Vec<SpeciesRow>);

impl Catalogue {
    pub async fn load(store: &Store) -> Result<Self> {
        Ok(Self(store.species_list().await?))
    }

    pub fn get(&self, key: &str) -> Result<&SpeciesRow> {
        self.0.iter().find(|s| s.key == key).ok_or_else(|| {
            Error::invalid(
                format!("Không có loài cây {key:?}"),
                format!("unknown species {key:?}"),
            )
        })
    }

    /// A species as a person writes it: its key, or its name in either language, or the
    /// name before any parenthesis ("na" for "Na (mãng cầu ta)"), ignoring case.
    pub fn resolve(&self, text: &str) -> Option<&SpeciesRow> {
        let t = text.trim().to_lowercase();
        self.0.iter().find(|s| {
            s.key == t
                || [&s.name_vi, &s.name_en]
                    .iter()
                    .any(|n| n.to_lowercase() == t || short(n).to_lowercase() == t)
        })
    }

    /// The name in `lang`; the key itself for a species no longer listed.
    pub fn name(&self, key: &str, lang: Lang) -> String {
        self.0.iter().find(|s| s.key == key).map_or_else(
            || key.to_owned(),
            |s| match lang {
                Lang::Vi => s.name_vi.clone(),
                Lang::En => s.name_en.clone(),
            },
        )
    }

    /// The short Vietnamese name a label has room for.
    pub fn label_name(&self, key: &str) -> String {
        short(&self.name(key, Lang::Vi)).to_owned()
    }
}

fn short(name: &str) -> &str {
    name.split(" (").next().unwrap_or(name).trim()
}

/// Adds a species (platform administrators only).
pub async fn add(
    store: &Store,
    actor: &Actor,
    key: &str,
    name_vi: &str,
    name_en: &str,
    scientific: &str,
) -> Result<()> {
    if !actor.is_admin {
        return Err(Error::Forbidden);
    }
    let key = key.trim();
    if !(2..=40).contains(&key.len()) || !key.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
        return Err(Error::invalid(
            "Mã loài gồm 2–40 chữ thường a–z và dấu gạch dưới, ví dụ durian",
            "The species key is 2–40 lower-case letters a–z and underscores, e.g. durian",
        ));
    }
    let scientific = required(("tên khoa học", "botanical name"), scientific, 100)?;
    let mut words = scientific.split_whitespace();
    let genus_ok = words
        .next()
        .is_some_and(|g| g.chars().next().is_some_and(char::is_uppercase));
    if !genus_ok || words.next().is_none() {
        return Err(Error::invalid(
            "Tên khoa học có dạng Chi loài, ví dụ Durio zibethinus",
            "The botanical name is Genus species, e.g. Durio zibethinus",
        ));
    }
    let row = SpeciesRow {
        key: key.to_owned(),
        name_vi: required(("tên tiếng Việt", "Vietnamese name"), name_vi, 100)?,
        name_en: required(("tên tiếng Anh", "English name"), name_en, 100)?,
        scientific,
    };
    store.insert_species(&row, now_ms()).await
}
