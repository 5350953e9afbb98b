//! GS1 Digital Link: a cooperative that enters its GS1 company prefix gets web URIs in
//! GS1's syntax for its trees (individual assets, GIAI, AI 8004), its zones (the
//! cooperative's GLN, AI 414, with the zone as extension, AI 254) and its harvest lots
//! (GTIN, AI 01, with the lot, AI 10), served by this server as a GS1 resolver
//! (`http::resolver`). Specified in docs/epcis.md.

use crate::error::{Error, Result};

/// The GS1 check digit of a digit string (GS1 General Specifications §7.9: weights 3
/// and 1 from the right).
pub fn check_digit(digits: &str) -> Option<u8> {
    let mut sum = 0u32;
    for (i, b) in digits.bytes().rev().enumerate() {
        if !b.is_ascii_digit() {
            return None;
        }
        sum += u32::from(b - b'0') * if i % 2 == 0 { 3 } else { 1 };
    }
    Some(((10 - sum % 10) % 10) as u8)
}

/// `digits` with its check digit appended.
fn with_check(digits: &str) -> String {
    format!("{digits}{}", check_digit(digits).unwrap_or(0))
}

/// Whether `s` is a valid GS1 key with its check digit (GLN: 13, GTIN: 8–14 digits).
pub fn valid_key(s: &str, lengths: &[usize]) -> bool {
    lengths.contains(&s.len())
        && check_digit(&s[..s.len() - 1]).is_some_and(|d| s.ends_with(char::from(b'0' + d)))
}

/// GS1 AI encodable character set 82 (what GIAI, lot and GLN-extension values may hold).
fn in_set_82(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"!\"%&'()*+,-./:;<=>?_".contains(&b))
}

/// The identifiers of one cooperative, from its company prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gs1 {
    prefix: String,
}

/// A harvest lot's item reference: fruit of the cooperative, one GTIN for its produce.
const PRODUCE_ITEM: &str = "1";

impl Gs1 {
    /// `None` unless the prefix is 6–12 digits (what `cooperatives` accepts).
    pub fn new(prefix: Option<&str>) -> Option<Self> {
        let p = prefix?;
        ((6..=12).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit())).then(|| Self {
            prefix: p.to_owned(),
        })
    }

    /// A tree's GIAI: the prefix and the tree's code (at most 30 characters).
    pub fn giai(&self, tree: &str) -> Option<String> {
        let g = format!("{}{tree}", self.prefix);
        (g.len() <= 30 && in_set_82(&g)).then_some(g)
    }

    /// The cooperative's GLN: its prefix, a zero location reference, the check digit.
    pub fn gln(&self) -> String {
        with_check(&format!("{:0<12}", self.prefix))
    }

    /// The GTIN-13 of the cooperative's fruit.
    pub fn gtin(&self) -> String {
        let item = format!("{:0>width$}", PRODUCE_ITEM, width = 12 - self.prefix.len());
        with_check(&format!("{}{item}", self.prefix))
    }

    /// A zone's GLN extension component: its official code when it fits AI 254 (20
    /// characters of set 82); otherwise `Z` and the first 12 base32 characters of the
    /// code's blake3 (stable wherever the zone's data goes).
    pub fn zone_extension(zone_code: &str) -> String {
        if zone_code.len() <= 20 && in_set_82(zone_code) {
            return zone_code.to_owned();
        }
        let h = blake3::hash(zone_code.as_bytes());
        format!(
            "Z{}",
            &data_encoding::BASE32_NOPAD.encode(h.as_bytes())[..12]
        )
    }

    pub fn tree_uri(&self, base: &str, tree: &str) -> Option<String> {
        self.giai(tree).map(|g| format!("{base}/8004/{g}"))
    }
    pub fn zone_uri(&self, base: &str, zone_code: &str) -> String {
        format!(
            "{base}/414/{}/254/{}",
            self.gln(),
            Self::zone_extension(zone_code)
        )
    }
    /// A tree's harvest of one day as a lot: `{tree}-{YYYYMMDD}`.
    pub fn lot_uri(&self, base: &str, tree: &str, day: ledger::Date) -> String {
        format!("{base}/01/{}/10/{tree}-{}", self.gtin(), day.compact())
    }
}

/// What a Digital Link path names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Named {
    Asset { giai: String },
    Zone { gln: String, extension: String },
    Lot { gtin: String, lot: String },
}

/// Parses the path of a Digital Link URI this server answers (`/8004/…`,
/// `/414/…/254/…`, `/01/…/10/…`); a malformed key says what is wrong.
pub fn parse_path(segments: &[&str]) -> Result<Named> {
    let bad = |vi: &str, en: &str| Error::invalid(vi, en);
    match segments {
        ["8004", giai] if !giai.is_empty() && giai.len() <= 30 && in_set_82(giai) => {
            Ok(Named::Asset {
                giai: (*giai).to_owned(),
            })
        }
        ["8004", _] => Err(bad("GIAI không hợp lệ.", "Not a valid GIAI.")),
        ["414", gln, "254", ext] => {
            if !valid_key(gln, &[13]) {
                return Err(bad(
                    "GLN không hợp lệ (13 chữ số, số kiểm tra).",
                    "Not a valid GLN (13 digits with its check digit).",
                ));
            }
            Ok(Named::Zone {
                gln: (*gln).to_owned(),
                extension: (*ext).to_owned(),
            })
        }
        ["01", gtin, "10", lot] => {
            if !valid_key(gtin, &[8, 12, 13, 14]) {
                return Err(bad(
                    "GTIN không hợp lệ (số kiểm tra).",
                    "Not a valid GTIN (check digit).",
                ));
            }
            Ok(Named::Lot {
                gtin: (*gtin).to_owned(),
                lot: (*lot).to_owned(),
            })
        }
        _ => Err(Error::NotFound("digital link")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_digits_match_gs1_examples() {
        // GS1 General Specifications' worked example: GTIN-13 629104150021 → 3.
        assert_eq!(check_digit("629104150021"), Some(3));
        // The GLN of the GS1 Digital Link standard's examples: 9520123456788.
        assert!(valid_key("9520123456788", &[13]));
        assert!(!valid_key("9520123456787", &[13]));
        // GTIN-14 from the Digital Link standard: 09506000134352.
        assert!(valid_key("09506000134352", &[14]));
    }

    #[test]
    fn a_cooperative_prefix_makes_its_keys() {
        let g = Gs1::new(Some("8930001")).unwrap();
        assert_eq!(g.giai("CC001").as_deref(), Some("8930001CC001"));
        assert_eq!(g.gln().len(), 13);
        assert!(valid_key(&g.gln(), &[13]));
        assert!(g.gtin().starts_with("8930001") && valid_key(&g.gtin(), &[13]));
        assert_eq!(Gs1::zone_extension("LH-01"), "LH-01");
        let long = Gs1::zone_extension("VN-TN-VNH-LHN-001-2023");
        assert_eq!((long.len(), long.starts_with('Z')), (13, true));
        assert_eq!(long, Gs1::zone_extension("VN-TN-VNH-LHN-001-2023"));
        assert!(Gs1::new(Some("12ab")).is_none() && Gs1::new(None).is_none());
        assert_eq!(g.giai(&"X".repeat(24)), None, "over 30 characters");
    }

    #[test]
    fn paths_parse_and_bad_keys_are_refused() {
        assert_eq!(
            parse_path(&["8004", "8930001CC001"]).unwrap(),
            Named::Asset {
                giai: "8930001CC001".into()
            }
        );
        assert!(parse_path(&["414", "9520123456787", "254", "A"]).is_err());
        assert!(matches!(
            parse_path(&["01", "09506000134352", "10", "CC001-20261101"]),
            Ok(Named::Lot { .. })
        ));
        assert!(parse_path(&["01", "09506000134353", "10", "x"]).is_err());
        assert!(parse_path(&["8004", "a b"]).is_err());
    }
}
