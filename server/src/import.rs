//! Bulk tree import from CSV: every row is checked first, and the report says row by
//! row what is wrong. Nothing is stored while errors remain, unless the manager chooses
//! to skip the rows in error; then the good rows go in as one transaction.
//!
//! Columns (header row required, in any order, Vietnamese or English names):
//! `code`/`ma_cay` (optional: generated like CC024), `species`/`loai`, `variety`/`giong`,
//! `planted_on`/`ngay_trong` (DD/MM/YYYY, YYYY-MM-DD or a year alone), `zone`/`vung` (the zone's
//! official code or its name), `lat`/`vi_do` and `lon`/`kinh_do` (optional, together).

use std::collections::{HashMap, HashSet};

use crate::access::{Action, Actor};
use crate::clock::now_ms;
use crate::cooperatives;
use crate::error::{Error, Result, Text};
use crate::jobs::Progress;
use crate::sealing::Sealer;
use crate::species::Catalogue;
use crate::store::{CooperativeRow, Store, ZoneRow};
use crate::trees::{self, NewTree};

/// More rows than this is a mistake (a wrong file), not an orchard.
pub const MAX_ROWS: usize = 20_000;

/// A row that cannot be imported, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct RowError {
    /// The line in the file (the header is line 1).
    pub line: usize,
    pub text: Text,
}

/// A checked file: the trees to create and the rows refused.
#[derive(Debug)]
pub struct Plan {
    pub trees: Vec<(i64, NewTree)>,
    pub errors: Vec<RowError>,
}

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum Column {
    Code,
    Species,
    Variety,
    Planted,
    Zone,
    Lat,
    Lon,
}

fn column(header: &str) -> Option<Column> {
    let h = header
        .trim()
        .trim_start_matches('\u{feff}')
        .to_lowercase()
        .replace([' ', '-'], "_");
    Some(match h.as_str() {
        "code" | "tree_code" | "ma_cay" | "mã_cây" => Column::Code,
        "species" | "loai" | "loài" => Column::Species,
        "variety" | "giong" | "giống" => Column::Variety,
        "planted_on" | "planted" | "ngay_trong" | "ngày_trồng" => Column::Planted,
        "zone" | "vung" | "vùng" | "vung_trong" | "vùng_trồng" => Column::Zone,
        "lat" | "latitude" | "vi_do" | "vĩ_độ" => Column::Lat,
        "lon" | "lng" | "longitude" | "kinh_do" | "kinh_độ" => Column::Lon,
        _ => return None,
    })
}

/// Species as people write them in a spreadsheet: the catalogue's keys and names (or the
/// name before its parenthesis), plus unaccented spellings from keyboards without
/// Vietnamese input.
fn species_key(catalogue: &Catalogue, s: &str) -> String {
    let alias = match s.trim().to_lowercase().as_str() {
        "mang cau" | "mãng cầu" | "mãng cầu ta" => "custard_apple".to_owned(),
        "xoai" => "mango".to_owned(),
        other => other.to_owned(),
    };
    catalogue.resolve(&alias).map_or(alias, |sp| sp.key.clone())
}

fn number(s: &str, line: usize, (vi, en): (&str, &str)) -> std::result::Result<f64, RowError> {
    crate::text::number_text(s).parse().map_err(|_| RowError {
        line,
        text: Text::new(
            format!("{vi} phải là một số"),
            format!("{en} must be a number"),
        ),
    })
}

/// Checks a CSV file against the cooperative's zones and trees.
pub async fn plan(
    store: &Store,
    actor: &Actor,
    coop: &CooperativeRow,
    csv_bytes: &[u8],
) -> Result<Plan> {
    actor.require(coop.id, Action::Register)?;
    let zones = store.zones_of(coop.id).await?;
    let existing: HashSet<String> = store
        .trees_of(coop.id)
        .await?
        .into_iter()
        .map(|t| t.code)
        .collect();
    check(csv_bytes, &zones, &existing, &Catalogue::load(store).await?)
}

/// The file as UTF-8 text. Excel's "Unicode text" is UTF-16 with a byte-order mark:
/// converted. Anything else that is not UTF-8 (Windows-1258 or the old TCVN3/VNI font
/// encodings, which cannot be told apart reliably) is refused with what to do, rather than
/// imported with broken diacritics.
pub fn utf8(bytes: &[u8]) -> Result<std::borrow::Cow<'_, [u8]>> {
    let utf16 = |le: bool| {
        let units: Vec<u16> = bytes[2..]
            .chunks_exact(2)
            .map(|c| {
                if le {
                    u16::from_le_bytes([c[0], c[1]])
                } else {
                    u16::from_be_bytes([c[0], c[1]])
                }
            })
            .collect();
        String::from_utf16(&units).ok()
    };
    let converted = match bytes {
        [0xFF, 0xFE, ..] => utf16(true),
        [0xFE, 0xFF, ..] => utf16(false),
        _ if std::str::from_utf8(bytes).is_ok() => return Ok(std::borrow::Cow::Borrowed(bytes)),
        _ => None,
    };
    converted.map(|s| std::borrow::Cow::Owned(s.into_bytes())).ok_or_else(|| {
        Error::invalid(
            "Tệp không ở dạng UTF-8 (có thể là Windows-1258, TCVN3 hay VNI). Trong Excel chọn Lưu thành → \"CSV UTF-8 (Comma delimited)\" rồi tải lên lại.",
            "The file is not UTF-8 (perhaps Windows-1258, TCVN3 or VNI). In Excel choose Save As → \"CSV UTF-8 (Comma delimited)\" and upload it again.",
        )
    })
}

/// A template to fill in: the Vietnamese column names and one example row, UTF-8 with a
/// byte-order mark so that Excel shows the diacritics.
pub fn template() -> Vec<u8> {
    "\u{FEFF}ma_cay;loai;giong;ngay_trong;vung;vi_do;kinh_do\n\
     ;na;Na dai;12/04/2019;Đồi na;21,7041;105,9063\n"
        .as_bytes()
        .to_vec()
}

fn check(
    csv_bytes: &[u8],
    zones: &[ZoneRow],
    existing: &HashSet<String>,
    catalogue: &Catalogue,
) -> Result<Plan> {
    let csv_bytes: &[u8] = &utf8(csv_bytes)?;
    // Spreadsheets exported in Vietnam use commas or semicolons; the header tells which.
    let first_line = csv_bytes.split(|&b| b == b'\n').next().unwrap_or_default();
    let delimiter = if first_line.iter().filter(|&&b| b == b';').count()
        > first_line.iter().filter(|&&b| b == b',').count()
    {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(csv_bytes);
    let unreadable = |e: csv::Error| {
        Error::invalid(
            format!("Không đọc được tệp CSV: {e}"),
            format!("The CSV file cannot be read: {e}"),
        )
    };
    let headers = reader.headers().map_err(unreadable)?.clone();
    let columns: HashMap<Column, usize> = headers
        .iter()
        .enumerate()
        .filter_map(|(i, h)| Some((column(h)?, i)))
        .collect();
    let required = [
        (Column::Species, "species/loai"),
        (Column::Variety, "variety/giong"),
        (Column::Planted, "planted_on/ngay_trong"),
        (Column::Zone, "zone/vung"),
    ];
    let missing: Vec<&str> = required
        .iter()
        .filter(|(c, _)| !columns.contains_key(c))
        .map(|(_, n)| *n)
        .collect();
    if !missing.is_empty() {
        return Err(Error::invalid(
            format!("Tệp thiếu cột: {}", missing.join(", ")),
            format!("The file lacks the columns: {}", missing.join(", ")),
        ));
    }
    let zone_of = |key: &str| {
        let k = key.trim();
        zones.iter().find(|z| {
            z.code.as_deref().is_some_and(|c| c.eq_ignore_ascii_case(k))
                || z.name.trim().to_lowercase() == k.to_lowercase()
        })
    };
    let mut next = existing
        .iter()
        .filter_map(|c| c.strip_prefix("CC")?.parse::<u32>().ok())
        .max()
        .unwrap_or(0);
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut plan = Plan {
        trees: Vec::new(),
        errors: Vec::new(),
    };
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        if i >= MAX_ROWS {
            return Err(Error::invalid(
                format!("Tệp có hơn {MAX_ROWS} dòng; hãy chia nhỏ"),
                format!("The file has more than {MAX_ROWS} rows; split it"),
            ));
        }
        let record = record.map_err(unreadable)?;
        let get = |c: Column| {
            columns
                .get(&c)
                .and_then(|&i| record.get(i))
                .unwrap_or("")
                .trim()
        };
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let row = (|| -> std::result::Result<(i64, NewTree), RowError> {
            let zone = zone_of(get(Column::Zone)).ok_or_else(|| RowError {
                line,
                text: Text::new(
                    format!(
                        "Không có vùng trồng {:?} trong hợp tác xã",
                        get(Column::Zone)
                    ),
                    format!(
                        "There is no zone {:?} in the cooperative",
                        get(Column::Zone)
                    ),
                ),
            })?;
            let location = match (get(Column::Lat), get(Column::Lon)) {
                ("", "") => None,
                (lat, lon) => Some((
                    number(lat, line, ("Vĩ độ", "Latitude"))?,
                    number(lon, line, ("Kinh độ", "Longitude"))?,
                )),
            };
            let code = match get(Column::Code) {
                "" => {
                    next += 1;
                    while existing.contains(&format!("CC{next:03}"))
                        || seen.contains_key(&format!("CC{next:03}"))
                    {
                        next += 1;
                    }
                    format!("CC{next:03}")
                }
                c => c.to_uppercase(),
            };
            let species = species_key(catalogue, get(Column::Species));
            let tree = NewTree::parse(
                &code,
                &species,
                get(Column::Variety),
                get(Column::Planted),
                location,
            )
            .and_then(|t| catalogue.get(&t.species).map(|sp| (t, sp)))
            .map_err(|e| RowError {
                line,
                text: e.public_text(),
            })?;
            let (tree, sp) = tree;
            let found =
                crate::consistency::check(&zone.crops, zone.boundary.as_deref(), sp, location);
            if let Some(c) = found.first() {
                return Err(RowError {
                    line,
                    text: c.text(&zone.name, sp),
                });
            }
            let code = tree.code.to_string();
            if existing.contains(&code) {
                return Err(RowError {
                    line,
                    text: Text::new(
                        format!("Mã cây {code} đã có trong hợp tác xã"),
                        format!("Tree code {code} already exists in the cooperative"),
                    ),
                });
            }
            if let Some(first) = seen.insert(code.clone(), line) {
                return Err(RowError {
                    line,
                    text: Text::new(
                        format!("Mã cây {code} trùng với dòng {first}"),
                        format!("Tree code {code} repeats line {first}"),
                    ),
                });
            }
            Ok((zone.id, tree))
        })();
        match row {
            Ok(t) => plan.trees.push(t),
            Err(e) => plan.errors.push(e),
        }
    }
    if plan.trees.is_empty() && plan.errors.is_empty() {
        return Err(Error::invalid(
            "Tệp không có dòng nào",
            "The file has no rows",
        ));
    }
    Ok(plan)
}

/// Creates the planned trees, signing each identity, in one transaction.
pub async fn run(
    store: &Store,
    sealer: &Sealer,
    actor: &Actor,
    coop: &CooperativeRow,
    trees: Vec<(i64, NewTree)>,
    progress: Progress,
) -> Result<usize> {
    actor.require(coop.id, Action::Register)?;
    let key = cooperatives::signing_key(store, sealer, coop).await?;
    let zones: HashMap<i64, ZoneRow> = store
        .zones_of(coop.id)
        .await?
        .into_iter()
        .map(|z| (z.id, z))
        .collect();
    let (author, now) = (actor.author_in(coop.id), now_ms());
    let catalogue = Catalogue::load(store).await?;
    let rows = trees
        .into_iter()
        .map(|(zone_id, tree)| {
            let zone = zones.get(&zone_id).ok_or(Error::NotFound("zone"))?;
            let scientific = catalogue.get(&tree.species)?.scientific.clone();
            let p = trees::prepare(&key, coop, zone, &author, now, tree, &scientific)?;
            Ok((p.insert, p.subject, p.entry))
        })
        .collect::<Result<Vec<_>>>()?;
    store
        .insert_trees(coop.id, rows, &move |n| progress.set(n))
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalogue() -> Catalogue {
        let row = |key: &str, vi: &str, en: &str| crate::store::SpeciesRow {
            key: key.into(),
            name_vi: vi.into(),
            name_en: en.into(),
            scientific: "Genus species".into(),
        };
        Catalogue(vec![
            row("custard_apple", "Na (mãng cầu ta)", "Custard apple"),
            row("mango", "Xoài", "Mango"),
        ])
    }

    fn zone(id: i64, code: Option<&str>, name: &str) -> ZoneRow {
        ZoneRow {
            id,
            cooperative_id: 1,
            code: code.map(str::to_owned),
            name: name.into(),
            crops: "na, xoài".into(),
            area_ha: 2.0,
            households: 1,
            boundary: None,
            created_at: 0,
            caretaker: String::new(),
        }
    }

    #[test]
    fn rows_are_checked_one_by_one_with_their_line_numbers() {
        let zones = [
            zone(1, Some("VN-TN-VNH-LHN-001-2023"), "Đồi na"),
            zone(2, None, "Bãi xoài"),
        ];
        let existing: HashSet<String> = ["CC007".to_owned()].into();
        let csv = "ma_cay;loai;giong;ngay_trong;vung;vi_do;kinh_do\n\
                   ;na;Na dai;12/04/2019;VN-TN-VNH-LHN-001-2023;21,7;105,9\n\
                   CC007;na;Na dai;2019-04-12;Đồi na;;\n\
                   A1;xoài;Cát Hòa Lộc;2019-02-30;bãi xoài;;\n\
                   A2;mít;Mít Thái;2019-01-01;Bãi xoài;;\n\
                   A3;xoai;Cát Chu;2020-01-01;Vùng lạ;;\n\
                   A4;xoai;Cát Chu;2020-01-01;Bãi xoài;21.7;\n\
                   a5;mango;Cát Chu;2020-01-01;Bãi xoài;;\n\
                   A5;mango;Cát Chu;2020-01-01;Bãi xoài;;\n\
                   ;;;;;;\n";
        let plan = check(csv.as_bytes(), &zones, &existing, &catalogue()).unwrap();
        let codes: Vec<String> = plan.trees.iter().map(|(_, t)| t.code.to_string()).collect();
        assert_eq!(codes, ["CC008", "A5"]);
        assert_eq!(plan.trees[0].1.planted_on.to_string(), "2019-04-12");
        let report: Vec<(usize, &str)> = plan
            .errors
            .iter()
            .map(|e| (e.line, e.text.en.as_str()))
            .collect();
        assert_eq!(report.len(), 6, "{report:#?}");
        assert!(report[0].0 == 3 && report[0].1.contains("already exists"));
        assert!(report[1].0 == 4 && report[1].1.contains("planting date"));
        assert!(report[2].0 == 5 && report[2].1.contains("unknown species"));
        assert!(report[3].0 == 6 && report[3].1.contains("no zone"));
        assert!(report[4].0 == 7 && report[4].1.contains("must be a number"));
        assert!(report[5].0 == 9 && report[5].1.contains("repeats line 8"));
    }

    #[test]
    fn the_template_imports_as_is_and_other_encodings_are_converted_or_explained() {
        let zones = [zone(1, None, "Đồi na")];
        let plan = check(&template(), &zones, &HashSet::new(), &catalogue()).unwrap();
        assert!(plan.errors.is_empty(), "{:?}", plan.errors);
        assert_eq!(plan.trees.len(), 1);
        // Excel's "Unicode text": UTF-16 little-endian with its mark, a year-only date.
        let text = "ma_cay;loai;giong;ngay_trong;vung\nX1;xoài;Cát Hòa Lộc;1998;Đồi na\n";
        let mut utf16 = vec![0xFF, 0xFE];
        utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        let plan = check(&utf16, &zones, &HashSet::new(), &catalogue()).unwrap();
        assert!(plan.errors.is_empty(), "{:?}", plan.errors);
        assert_eq!(plan.trees[0].1.variety, "Cát Hòa Lộc");
        assert_eq!(plan.trees[0].1.planted_on.to_string(), "1998-01-01");
        // Windows-1258 bytes (0xF2 is "ò" there) are not UTF-8: refused with what to do.
        let cp1258 = b"ma_cay;loai;giong;ngay_trong;vung\nX1;xo\xE0i;H\xF2a L\xF4\xECc;1998;V\n";
        let e = check(cp1258, &zones, &HashSet::new(), &catalogue()).unwrap_err();
        assert!(e.public_text().en.contains("CSV UTF-8"), "{e:?}");
    }

    #[test]
    fn a_file_without_the_needed_columns_is_refused_whole() {
        let e = check(b"code,species\nA,na\n", &[], &HashSet::new(), &catalogue()).unwrap_err();
        assert!(e
            .public_text()
            .en
            .contains("variety/giong, planted_on/ngay_trong, zone/vung"));
        assert!(check(
            b"species,variety,planted_on,zone\n",
            &[],
            &HashSet::new(),
            &catalogue()
        )
        .is_err());
    }
}
