//! Facts about a tree that must agree with its zone: it stands in (or next to) the zone's
//! boundary, and its species is one the zone grows. Checked when a tree is entered (a
//! typo of 1,250 km or a mango in a custard-apple zone is refused with the reason), and
//! again on the public page, which never shows contradictory facts under a green badge.

use unicode_normalization::UnicodeNormalization;

use crate::error::{Lang, Text};
use crate::store::SpeciesRow;

/// How far outside its zone's boundary a tree may be recorded: GPS on a cheap phone under
/// a canopy is off by tens of metres, a hand-drawn boundary by a little more.
pub const MAX_OUTSIDE_M: f64 = 1_000.0;

/// Words that say nothing about which crop: "cây na", "trái xoài".
const GENERIC: [&str; 5] = ["cay", "trai", "qua", "tree", "trees"];

#[derive(Debug, Clone, PartialEq)]
pub enum Contradiction {
    /// The tree's GPS point is this far outside the zone's boundary.
    FarFromZone { metres: f64 },
    /// The zone's crops do not include the tree's species.
    NotAZoneCrop { crops: String },
}

impl Contradiction {
    pub fn text(&self, zone: &str, species: &SpeciesRow) -> Text {
        let (vi_sp, en_sp) = (species.name_vi.as_str(), species.name_en.as_str());
        match self {
            Self::FarFromZone { metres } => {
                let km = |lang| crate::text::number(metres / 1000.0, 1, lang);
                Text::new(
                    format!("Vị trí GPS của cây cách ranh giới vùng trồng {zone} {} km: hãy kiểm tra toạ độ", km(Lang::Vi)),
                    format!("The tree's GPS point is {} km outside zone {zone}'s boundary: please check the coordinates", km(Lang::En)),
                )
            }
            Self::NotAZoneCrop { crops } => Text::new(
                format!("Vùng trồng {zone} trồng {crops}, không có {vi_sp}: chọn đúng vùng hoặc thêm loài này vào cây trồng của vùng"),
                format!("Zone {zone} grows {crops}, not {en_sp}: choose the right zone or add this species to the zone's crops"),
            ),
        }
    }
}

/// What contradicts between a tree and its zone.
pub fn check(
    zone_crops: &str,
    zone_boundary: Option<&str>,
    species: &SpeciesRow,
    location: Option<(f64, f64)>,
) -> Vec<Contradiction> {
    let mut found = Vec::new();
    if let (Some(boundary), Some(point)) = (zone_boundary, location) {
        if let Some(metres) = crate::boundary::distance_outside_m(boundary, point) {
            if metres > MAX_OUTSIDE_M {
                found.push(Contradiction::FarFromZone { metres });
            }
        }
    }
    let names = words(&format!(
        "{} {} {}",
        species.key.replace('_', " "),
        species.name_vi,
        species.name_en
    ));
    let crops: Vec<Vec<String>> = zone_crops
        .split(',')
        .map(|c| {
            words(c)
                .into_iter()
                .filter(|w| !GENERIC.contains(&w.as_str()))
                .collect::<Vec<_>>()
        })
        .filter(|c| !c.is_empty())
        .collect();
    if !crops.is_empty() && !crops.iter().any(|c| c.iter().all(|w| names.contains(w))) {
        found.push(Contradiction::NotAZoneCrop {
            crops: zone_crops.trim().to_owned(),
        });
    }
    found
}

/// Lower-case words without diacritics: "Xoài cát" and "xoai cat" match.
fn words(text: &str) -> Vec<String> {
    let plain: String = text
        .nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .map(|c| match c {
            'đ' | 'Đ' => 'd',
            c => c.to_ascii_lowercase(),
        })
        .collect();
    plain
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn species(key: &str, vi: &str, en: &str) -> SpeciesRow {
        SpeciesRow {
            key: key.into(),
            name_vi: vi.into(),
            name_en: en.into(),
            scientific: "Genus species".into(),
        }
    }

    const SQUARE: &str = r#"{"type":"Polygon","coordinates":[[[105.9,21.7],[105.912,21.7],[105.912,21.709],[105.9,21.709],[105.9,21.7]]]}"#;

    #[test]
    fn a_tree_far_from_its_zone_or_of_a_crop_the_zone_does_not_grow_is_caught() {
        let na = species("custard_apple", "Na (mãng cầu ta)", "Custard apple");
        let mango = species("mango", "Xoài", "Mango");
        assert!(check("na", Some(SQUARE), &na, Some((21.704, 105.906))).is_empty());
        assert!(check("cây na, xoài", None, &mango, None).is_empty());
        assert!(check("Mãng cầu", None, &na, None).is_empty());
        assert!(
            check("", None, &mango, None).is_empty(),
            "no crops listed, nothing to contradict"
        );
        assert_eq!(
            check("na", None, &mango, None),
            vec![Contradiction::NotAZoneCrop { crops: "na".into() }]
        );
        // Hanoi's coordinates for a tree in Thái Nguyên's zone: about 70 km away.
        let far = check("na", Some(SQUARE), &na, Some((21.028, 105.854)));
        assert!(
            matches!(far[..], [Contradiction::FarFromZone { metres }] if metres > 50_000.0),
            "{far:?}"
        );
        // Fifty metres outside a hand-drawn boundary is GPS noise, not a contradiction.
        assert!(check("na", Some(SQUARE), &na, Some((21.7094, 105.906))).is_empty());
        let t = far[0].text("Đồi na", &na);
        assert!(t.en.contains("km outside zone Đồi na"), "{t:?}");
        // Each language writes the distance its own way.
        assert!(
            t.vi.contains(" 74,9 km") && t.en.contains(" 74.9 km"),
            "{t:?}"
        );
    }
}
