//! Zone boundaries: a polygon drawn on the map or imported from GeoJSON or KML, stored
//! as one canonical GeoJSON Polygon geometry (WGS 84, `[lon, lat]`, outer ring closed).

use serde_json::{json, Value};

use crate::error::{Error, Result};

/// At most this many points: a hand-walked field boundary has tens, not thousands.
const MAX_POINTS: usize = 5_000;

fn invalid(vi: &str, en: &str) -> Error {
    Error::invalid(vi, en)
}

/// Reads a boundary from GeoJSON (a Polygon or MultiPolygon geometry, a Feature, or a
/// FeatureCollection: the first polygon found) or KML (the first `<Polygon>`'s outer
/// ring), and returns the canonical GeoJSON Polygon.
pub fn parse(text: &str) -> Result<String> {
    let t = text.trim();
    let ring = if t.starts_with('<') {
        kml_ring(t)?
    } else {
        let v: Value = serde_json::from_str(t).map_err(|e| {
            Error::invalid(
                format!("Ranh giới không phải GeoJSON hay KML hợp lệ: {e}"),
                format!("The boundary is neither valid GeoJSON nor KML: {e}"),
            )
        })?;
        geojson_ring(&v)?
    };
    canonical(ring)
}

fn geojson_ring(v: &Value) -> Result<Vec<(f64, f64)>> {
    let none = || {
        invalid(
            "Không tìm thấy vùng đa giác (Polygon) trong GeoJSON",
            "No Polygon found in the GeoJSON",
        )
    };
    let geometry = match v.get("type").and_then(Value::as_str) {
        Some("FeatureCollection") => v
            .get("features")
            .and_then(Value::as_array)
            .and_then(|fs| fs.iter().find_map(|f| polygon_coords(f.get("geometry")?)))
            .ok_or_else(none)?,
        Some("Feature") => v
            .get("geometry")
            .and_then(polygon_coords)
            .ok_or_else(none)?,
        _ => polygon_coords(v).ok_or_else(none)?,
    };
    let outer = geometry.get(0).and_then(Value::as_array).ok_or_else(none)?;
    outer
        .iter()
        .map(|p| {
            let pair = (|| Some((p.get(0)?.as_f64()?, p.get(1)?.as_f64()?)))();
            pair.ok_or_else(|| {
                invalid(
                    "Toạ độ trong GeoJSON không hợp lệ",
                    "A GeoJSON position is not a pair of numbers",
                )
            })
        })
        .collect()
}

/// The rings of a Polygon, or of a MultiPolygon's first polygon.
fn polygon_coords(g: &Value) -> Option<&Value> {
    match g.get("type")?.as_str()? {
        "Polygon" => g.get("coordinates"),
        "MultiPolygon" => g.get("coordinates")?.get(0),
        _ => None,
    }
}

fn kml_ring(text: &str) -> Result<Vec<(f64, f64)>> {
    let doc = roxmltree::Document::parse(text).map_err(|e| {
        Error::invalid(
            format!("Tệp KML không hợp lệ: {e}"),
            format!("The KML is not valid: {e}"),
        )
    })?;
    let coords = doc
        .descendants()
        .find(|n| n.has_tag_name("outerBoundaryIs"))
        .and_then(|o| o.descendants().find(|n| n.has_tag_name("coordinates")))
        .and_then(|c| c.text())
        .ok_or_else(|| {
            invalid(
                "Không tìm thấy đa giác (Polygon) trong KML",
                "No Polygon found in the KML",
            )
        })?;
    // KML tuples are "lon,lat[,alt]" separated by whitespace.
    coords
        .split_whitespace()
        .map(|tuple| {
            let mut it = tuple.split(',').map(str::parse::<f64>);
            match (it.next(), it.next()) {
                (Some(Ok(lon)), Some(Ok(lat))) => Ok((lon, lat)),
                _ => Err(Error::invalid(
                    format!("Toạ độ KML không hợp lệ: {tuple}"),
                    format!("A KML coordinate is not valid: {tuple}"),
                )),
            }
        })
        .collect()
}

fn canonical(mut ring: Vec<(f64, f64)>) -> Result<String> {
    if ring.len() > MAX_POINTS {
        return Err(Error::invalid(
            format!("Ranh giới có quá nhiều điểm (tối đa {MAX_POINTS})"),
            format!("The boundary has too many points (at most {MAX_POINTS})"),
        ));
    }
    if let Some(&(lon, lat)) = ring.iter().find(|(lon, lat)| {
        !(lon.is_finite() && lat.is_finite() && lon.abs() <= 180.0 && lat.abs() <= 90.0)
    }) {
        return Err(Error::invalid(
            format!("Toạ độ ngoài phạm vi: {lon}, {lat} (kinh độ trước, vĩ độ sau)"),
            format!("A point is out of range: {lon}, {lat} (longitude first, then latitude)"),
        ));
    }
    if ring.first() != ring.last() {
        if let Some(&first) = ring.first() {
            ring.push(first);
        }
    }
    if ring.len() < 4 || area_m2(&ring) < 1.0 {
        return Err(invalid(
            "Ranh giới cần ít nhất 3 điểm khác nhau bao quanh một diện tích",
            "A boundary needs at least 3 distinct points enclosing an area",
        ));
    }
    // Six decimals are about 0.1 m: more is noise from the GPS, and it keeps rows small.
    let coords: Vec<[f64; 2]> = ring
        .iter()
        .map(|&(lon, lat)| [(lon * 1e6).round() / 1e6, (lat * 1e6).round() / 1e6])
        .collect();
    Ok(json!({"type": "Polygon", "coordinates": [coords]}).to_string())
}

/// The ring's area in square metres, on a local equirectangular projection: well under
/// 1% off for a farm-sized polygon, which is all a size check needs.
pub fn area_m2(ring: &[(f64, f64)]) -> f64 {
    const R: f64 = 6_371_008.8;
    let lat0 = ring.iter().map(|p| p.1).sum::<f64>() / ring.len().max(1) as f64;
    let k = lat0.to_radians().cos();
    let xy: Vec<(f64, f64)> = ring
        .iter()
        .map(|&(lon, lat)| (lon.to_radians() * R * k, lat.to_radians() * R))
        .collect();
    let twice: f64 = xy
        .windows(2)
        .map(|w| w[0].0 * w[1].1 - w[1].0 * w[0].1)
        .sum();
    twice.abs() / 2.0
}

/// How far (metres) a point (lat, lon) lies outside a stored boundary's bounding box; 0
/// inside it. A box, not the polygon itself: enough to catch a wrong coordinate, never
/// wrong about a tree that stands inside.
pub fn distance_outside_m(geojson: &str, (lat, lon): (f64, f64)) -> Option<f64> {
    const R: f64 = 6_371_008.8;
    let v: Value = serde_json::from_str(geojson).ok()?;
    let ring = geojson_ring(&v).ok()?;
    let (min_lon, max_lon) = ring
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.0), b.max(p.0)));
    let (min_lat, max_lat) = ring
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.1), b.max(p.1)));
    let dlat = (min_lat - lat).max(lat - max_lat).max(0.0);
    let dlon = (min_lon - lon).max(lon - max_lon).max(0.0) * lat.to_radians().cos();
    Some(dlat.hypot(dlon).to_radians() * R)
}

/// The area of a stored boundary, in hectares.
pub fn area_ha(geojson: &str) -> Option<f64> {
    let v: Value = serde_json::from_str(geojson).ok()?;
    let ring = geojson_ring(&v).ok()?;
    Some(area_m2(&ring) / 10_000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SQUARE: &str = r#"{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[105.9,21.7],[105.901,21.7],[105.901,21.701],[105.9,21.701]]]}}"#;

    #[test]
    fn geojson_and_kml_give_the_same_closed_polygon() {
        let from_json = parse(SQUARE).unwrap();
        let kml = r#"<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Placemark><Polygon><outerBoundaryIs><LinearRing>
            <coordinates>105.9,21.7,0 105.901,21.7,0 105.901,21.701,0 105.9,21.701,0 105.9,21.7,0</coordinates>
            </LinearRing></outerBoundaryIs></Polygon></Placemark></kml>"#;
        assert_eq!(parse(kml).unwrap(), from_json);
        let v: Value = serde_json::from_str(&from_json).unwrap();
        assert_eq!(v["coordinates"][0].as_array().unwrap().len(), 5);
        // 0.001° × 0.001° at 21.7° N is about 103 m × 111 m.
        let ha = area_ha(&from_json).unwrap();
        assert!((1.10..1.20).contains(&ha), "{ha}");
    }

    #[test]
    fn bad_boundaries_say_what_is_wrong() {
        let en = |t: &str| parse(t).unwrap_err().public_text().en;
        assert!(en("{").contains("neither valid GeoJSON nor KML"));
        assert!(en(r#"{"type":"Point","coordinates":[1,2]}"#).contains("No Polygon"));
        assert!(en(
            r#"{"type":"Polygon","coordinates":[[[21.7,105.9],[21.8,105.9],[21.8,106.0]]]}"#
        )
        .contains("out of range"));
        assert!(en(
            r#"{"type":"Polygon","coordinates":[[[105.9,21.7],[105.9,21.7],[105.9,21.7]]]}"#
        )
        .contains("at least 3"));
        assert!(en("<kml><Placemark/></kml>").contains("No Polygon found in the KML"));
        assert!(en("<kml").contains("KML is not valid"));
    }
}
