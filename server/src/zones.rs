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
            Some(c) => Some(official_code(&c.to_uppercase())?),
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

/// Checks an official growing-area code part by part:
/// `VN-<province>-<district>-<commune>-<facility>-<year>`, e.g. `VN-TN-VNH-LHN-001-2023`:
/// letter abbreviations of 2–4 letters, a 3-digit facility number, the year of issue.
fn official_code(code: &str) -> Result<ZoneCode> {
    let parts: Vec<&str> = code.split('-').collect();
    let letters = |p: &str| (2..=4).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_uppercase());
    let this_year = i64::from(ledger::Date::from_unix_ms(now_ms()).year());
    let wrong = match parts.as_slice() {
        [vn, ..] if *vn != "VN" => Some(("phần đầu phải là VN", "it must start with VN")),
        [_, p, d, c, f, y] => {
            if !letters(p) {
                Some((
                    "mã tỉnh phải là 2–4 chữ cái",
                    "the province must be 2–4 letters",
                ))
            } else if !letters(d) {
                Some((
                    "mã huyện phải là 2–4 chữ cái",
                    "the district must be 2–4 letters",
                ))
            } else if !letters(c) {
                Some((
                    "mã xã phải là 2–4 chữ cái",
                    "the commune must be 2–4 letters",
                ))
            } else if !(f.len() == 3 && f.bytes().all(|b| b.is_ascii_digit())) {
                Some((
                    "số cơ sở phải có 3 chữ số",
                    "the facility number must be 3 digits",
                ))
            } else if y.len() != 4
                || !y
                    .parse::<i64>()
                    .is_ok_and(|y| (2000..=this_year).contains(&y))
            {
                Some(("năm cấp không hợp lệ", "the year of issue is not valid"))
            } else {
                None
            }
        }
        _ => Some(("cần đủ 6 phần", "it needs all 6 parts")),
    };
    if let Some((vi, en)) = wrong {
        return Err(Error::invalid(
            format!("Mã số vùng trồng {code} sai: {vi} (dạng VN-tỉnh-huyện-xã-số-năm, ví dụ VN-TN-VNH-LHN-001-2023)"),
            format!("Zone code {code} is wrong: {en} (VN-province-district-commune-number-year, e.g. VN-TN-VNH-LHN-001-2023)"),
        ));
    }
    ZoneCode::parse(code).map_err(Error::from)
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
    let author = actor.author();
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
    fn official_codes_are_checked_part_by_part() {
        assert!(official_code("VN-TN-VNH-LHN-001-2023").is_ok());
        assert!(official_code("VN-SL-YC-CK-012-2024").is_ok());
        let en = |c: &str| official_code(c).unwrap_err().public_text().en;
        assert!(en("VN-XX").contains("all 6 parts"));
        assert!(en("LA-TN-VNH-LHN-001-2023").contains("start with VN"));
        assert!(en("VN-T1-VNH-LHN-001-2023").contains("province"));
        assert!(en("VN-TN-VNHXX-LHN-001-2023").contains("district"));
        assert!(en("VN-TN-VNH-L-001-2023").contains("commune"));
        assert!(en("VN-TN-VNH-LHN-01-2023").contains("facility"));
        assert!(en("VN-TN-VNH-LHN-001-1999").contains("year"));
        assert!(en("VN-TN-VNH-LHN-001-2999").contains("year"));
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
