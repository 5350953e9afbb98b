//! Registering growing zones (vùng trồng).

use ledger::{Kind, Subject, ZoneCode};

use crate::access::{Action, Actor};
use crate::clock::now_ms;
use crate::error::{Error, Result};
use crate::log::entry_now;
use crate::store::{CooperativeRow, Store, ZoneInsert};
use crate::text::required;

/// A zone as a manager registers it. Built only through [`NewZone::parse`].
#[derive(Debug, Clone)]
pub struct NewZone {
    pub code: Option<ZoneCode>,
    pub name: String,
    pub crops: Vec<String>,
    pub area_ha: f64,
    pub households: u32,
    pub boundary: Option<String>,
}

impl NewZone {
    pub fn parse(
        code: Option<&str>,
        name: &str,
        crops: &[&str],
        area_ha: f64,
        households: u32,
    ) -> Result<Self> {
        let code = match code.map(str::trim).filter(|c| !c.is_empty()) {
            None => None,
            Some(c) => Some(official_code(c)?),
        };
        if !(area_ha.is_finite() && area_ha > 0.0 && area_ha < 100_000.0) {
            return Err(Error::invalid(
                "Diện tích phải là số héc-ta lớn hơn 0",
                "area must be a positive number of hectares",
            ));
        }
        let crops: Vec<String> = crops
            .iter()
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty())
            .collect();
        if crops.is_empty() {
            return Err(Error::invalid(
                "Vùng trồng phải có ít nhất một loại cây",
                "a zone grows at least one crop",
            ));
        }
        Ok(Self {
            code,
            name: required(("tên vùng trồng", "zone name"), name, 200)?,
            crops,
            area_ha,
            households,
            boundary: None,
        })
    }

    /// The chain the zone's entries belong to; zones without an official code log under
    /// the cooperative until they get one.
    pub fn subject(&self) -> Subject {
        self.code
            .clone()
            .map_or(Subject::Cooperative, Subject::Zone)
    }
}

/// What a zone code looks like, for the warning a manager sees beside it. A code is an
/// identifier the cooperative holds, entered as given: Gốc never refuses one for its
/// shape, since only the export form's shape is sourced (growing-area codes on GACC's
/// approval lists: `VN-<province><OR|PH>-<serial>`, 3–4 digit serials, e.g. `VN-DTOR-0017`
/// for Đồng Tháp mango); domestic codes (about 5,900 issued) follow a format not
/// documented here, and districts were abolished on 1 July 2025 while codes stay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeShape {
    /// An export growing-area code (`OR`).
    ExportGrowingArea,
    /// An export packing-house code (`PH`): a facility, not a growing area.
    ExportPackingHouse,
    /// Any other form: stored as given, worth checking against the certificate.
    Unrecognised,
}

impl CodeShape {
    pub fn of(code: &str) -> Self {
        let parts: Vec<&str> = code.split('-').collect();
        let [vn, area, serial] = parts.as_slice() else {
            return Self::Unrecognised;
        };
        let serial_ok =
            (3..=4).contains(&serial.len()) && serial.bytes().all(|b| b.is_ascii_digit());
        let province_ok = |p: &str| p.len() == 2 && p.bytes().all(|b| b.is_ascii_uppercase());
        match (area.len() == 4).then(|| area.split_at(2)) {
            Some((p, "OR")) if *vn == "VN" && serial_ok && province_ok(p) => {
                Self::ExportGrowingArea
            }
            Some((p, "PH")) if *vn == "VN" && serial_ok && province_ok(p) => {
                Self::ExportPackingHouse
            }
            _ => Self::Unrecognised,
        }
    }
}

/// A zone code as typed, in its one stored spelling: upper case, and the spaces that
/// GACC's lists put around hyphens (`VN - DNOR - 0269`) or in place of them removed.
/// Refused only when the ledger cannot carry it (letters A–Z, digits, inner hyphens).
fn official_code(typed: &str) -> Result<ZoneCode> {
    let code = typed
        .split(|c: char| c == '-' || c.is_whitespace())
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-")
        .to_uppercase();
    ZoneCode::parse(&code).map_err(|_| {
        Error::invalid(
            format!("Mã số vùng trồng {typed:?} chỉ được gồm chữ A–Z, số và dấu gạch ngang (tối đa 40 ký tự), ví dụ VN-DTOR-0017"),
            format!("Zone code {typed:?} may only hold letters A–Z, digits and hyphens (up to 40 characters), e.g. VN-DTOR-0017"),
        )
    })
}

/// The store's key for a subject's chain.
pub fn subject_key(subject: &Subject) -> String {
    match subject {
        Subject::Cooperative => "cooperative".into(),
        Subject::Zone(z) => format!("zone:{z}"),
        Subject::Tree(t) => format!("tree:{t}"),
    }
}

/// Registers a zone and logs its registration.
pub async fn create(
    store: &Store,
    actor: &Actor,
    coop: &CooperativeRow,
    zone: NewZone,
) -> Result<i64> {
    actor.require(coop.id, Action::Register)?;
    let author = actor.author_in(coop.id);
    let now = now_ms();
    let subject = zone.subject();
    let kind = Kind::ZoneRegistered {
        name: zone.name.clone(),
        area_m2: (zone.area_ha * 10_000.0).round() as u64,
        crops: zone.crops.clone(),
    };
    let insert = ZoneInsert {
        cooperative_id: coop.id,
        code: zone.code.as_ref().map(ToString::to_string),
        name: zone.name,
        crops: zone.crops.join(", "),
        area_ha: zone.area_ha,
        households: i64::from(zone.households),
        boundary: zone.boundary,
        created_at: now,
    };
    let (id, _) = store
        .insert_zone(
            &insert,
            &subject_key(&subject),
            entry_now(subject, &author, now, kind),
        )
        .await?;
    Ok(id)
}

/// The outer ring of a GeoJSON Polygon as an SVG path scaled into a 100×100 box (north
/// up, aspect kept), so a page can draw the zone with no map tiles at all.
pub fn outline_svg_path(geojson: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(geojson).ok()?;
    let ring = v.get("coordinates")?.get(0)?.as_array()?;
    let pts: Vec<(f64, f64)> = ring
        .iter()
        .filter_map(|p| Some((p.get(0)?.as_f64()?, p.get(1)?.as_f64()?)))
        .collect();
    if pts.len() < 3 {
        return None;
    }
    let (min_x, max_x) = pts
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.0), b.max(p.0)));
    let (min_y, max_y) = pts
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.1), b.max(p.1)));
    // Longitude degrees shrink with latitude; correct so the outline is not stretched.
    let kx = ((min_y + max_y) / 2.0).to_radians().cos();
    let span = ((max_x - min_x) * kx).max(max_y - min_y);
    if span <= 0.0 {
        return None;
    }
    let scale = 90.0 / span;
    let d: Vec<String> = pts
        .iter()
        .enumerate()
        .map(|(i, (x, y))| {
            let sx = 5.0 + (x - min_x) * kx * scale;
            let sy = 5.0 + (max_y - y) * scale;
            format!("{}{sx:.1} {sy:.1}", if i == 0 { "M" } else { "L" })
        })
        .collect();
    Some(d.join(" ") + " Z")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stored_as_given_in_one_spelling_and_never_refused_for_their_shape() {
        let stored = |c: &str| official_code(c).unwrap().to_string();
        assert_eq!(stored("VN-DTOR-0017"), "VN-DTOR-0017");
        assert_eq!(
            stored("VN - DNOR - 0269"),
            "VN-DNOR-0269",
            "GACC lists' spacing"
        );
        assert_eq!(stored(" vn-dtor-017 "), "VN-DTOR-017");
        assert_eq!(stored("VN DTOR 0017"), "VN-DTOR-0017");
        // The six-part form the app used to demand, and any other: kept as given.
        assert_eq!(stored("VN-TN-VNH-LHN-001-2023"), "VN-TN-VNH-LHN-001-2023");
        assert_eq!(stored("VN-SL-YC-01"), "VN-SL-YC-01");
        // Only what the ledger cannot carry is refused, with the reason.
        let en = |c: &str| official_code(c).unwrap_err().public_text().en;
        assert!(en("VN/DT/0017").contains("letters A–Z, digits and hyphens"));
        assert!(en("VN-ĐT-0017").contains("letters A–Z"));
        assert!(en(&"A".repeat(41)).contains("40 characters"));
    }

    #[test]
    fn export_codes_are_recognised_and_the_rest_flagged_for_a_look() {
        assert_eq!(CodeShape::of("VN-DTOR-0017"), CodeShape::ExportGrowingArea);
        assert_eq!(CodeShape::of("VN-DNOR-269"), CodeShape::ExportGrowingArea);
        assert_eq!(CodeShape::of("VN-DTPH-0003"), CodeShape::ExportPackingHouse);
        for other in [
            "VN-TN-VNH-LHN-001-2023",
            "VN-DTOR-17",
            "VN-DTOR-00017",
            "VN-D1OR-0017",
            "LA-DTOR-0017",
            "VN-DTXX-0017",
        ] {
            assert_eq!(CodeShape::of(other), CodeShape::Unrecognised, "{other}");
        }
    }

    #[test]
    fn an_outline_fits_the_box_with_north_up() {
        let d = outline_svg_path(r#"{"type":"Polygon","coordinates":[[[105.0,21.0],[105.01,21.0],[105.01,21.01],[105.0,21.0]]]}"#).unwrap();
        assert!(d.starts_with("M5.0 95.0 L"), "{d}");
        assert!(d.ends_with('Z'));
        assert!(outline_svg_path("{}").is_none());
        assert!(outline_svg_path("not json").is_none());
    }
}
