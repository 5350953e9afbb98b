//! What a farmer logs, as a phone sends it (`docs/diary-sync.md`), checked and turned into
//! the ledger kind it becomes. Everything a person typed is validated here, once, whether it
//! came through the sync API or a plain form.

use ledger::{Digest, Kind, Quantity, Unit};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::text;

/// Longest free text in a diary entry.
const MAX_TEXT: usize = 200;

/// One care action, tagged by `kind`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    Watered {
        #[serde(default)]
        litres: Option<u32>,
    },
    Fertilised {
        product: String,
        amount: f64,
        unit: String,
        #[serde(default)]
        lot: String,
    },
    Pruned {
        #[serde(default)]
        note: String,
    },
    Sprayed {
        product: String,
        active_ingredient: String,
        dose: String,
        #[serde(default)]
        lot: String,
        phi_days: u16,
    },
    Bagged {
        fruits: u32,
    },
    Flowering {
        #[serde(default)]
        note: String,
    },
    FruitSet {
        fruits: u32,
        #[serde(default)]
        note: String,
    },
    Pest {
        pest: String,
        severity: u8,
        #[serde(default)]
        note: String,
    },
    Harvested {
        kg: f64,
        #[serde(default)]
        grade: String,
    },
    Note {
        text: String,
    },
    Correction {
        corrects: String,
        reason: String,
        #[serde(default)]
        replacement: Option<Box<Action>>,
    },
}

fn range(value: u64, min: u64, max: u64, (vi, en): (&str, &str)) -> Result<()> {
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(Error::invalid(
            format!("{vi} phải từ {min} đến {max}"),
            format!("{en} must be from {min} to {max}"),
        ))
    }
}

/// A decimal amount in thousandths, exact to three decimals, more than zero.
fn thousandths(value: f64, max: f64, (vi, en): (&str, &str)) -> Result<u64> {
    if !value.is_finite() || value <= 0.0 || value > max {
        return Err(Error::invalid(
            format!("{vi} phải lớn hơn 0 và không quá {max}"),
            format!("{en} must be more than 0 and at most {max}"),
        ));
    }
    let t = (value * 1000.0).round();
    if (t / 1000.0 - value).abs() > 1e-9 * value.max(1.0) {
        return Err(Error::invalid(
            format!("{vi} có tối đa 3 chữ số thập phân"),
            format!("{en} has at most 3 decimals"),
        ));
    }
    Ok(t as u64)
}

fn note(value: &str) -> Result<String> {
    text::optional(("ghi chú", "Note"), value, MAX_TEXT)
}

fn lot(value: &str) -> Result<String> {
    text::optional(("số lô", "Lot number"), value, 60)
}

impl Action {
    /// The ledger kind this action becomes. A correction's target is checked by the
    /// caller, who knows the tree's chain.
    pub fn to_kind(&self) -> Result<Kind> {
        Ok(match self {
            Self::Watered { litres } => {
                if let Some(l) = litres {
                    range(u64::from(*l), 1, 100_000, ("Số lít nước", "Litres"))?;
                }
                Kind::Watered { litres: *litres }
            }
            Self::Fertilised {
                product,
                amount,
                unit,
                lot: l,
            } => {
                let unit = Unit::from_symbol(unit).ok_or_else(|| {
                    Error::invalid(
                        "Đơn vị phải là g, kg, ml hoặc l",
                        "The unit must be g, kg, ml or l",
                    )
                })?;
                Kind::FertilisedLot {
                    product: text::required(("tên phân bón", "Product"), product, MAX_TEXT)?,
                    amount: Quantity::new(
                        thousandths(*amount, 1_000_000.0, ("Lượng phân", "The amount"))?,
                        unit,
                    )?,
                    lot: lot(l)?,
                }
            }
            Self::Pruned { note: n } => Kind::Pruned { note: note(n)? },
            Self::Sprayed {
                product,
                active_ingredient,
                dose,
                lot: l,
                phi_days,
            } => {
                range(
                    u64::from(*phi_days),
                    0,
                    365,
                    (
                        "Thời gian cách ly (ngày)",
                        "The pre-harvest interval (days)",
                    ),
                )?;
                Kind::SprayedLot {
                    product: text::required(("tên thuốc", "Product"), product, MAX_TEXT)?,
                    active_ingredient: text::required(
                        ("hoạt chất", "Active ingredient"),
                        active_ingredient,
                        MAX_TEXT,
                    )?,
                    dose: text::required(("liều lượng", "Dose"), dose, MAX_TEXT)?,
                    lot: lot(l)?,
                    phi_days: *phi_days,
                }
            }
            Self::Bagged { fruits } => {
                range(u64::from(*fruits), 1, 100_000, ("Số trái", "Fruits"))?;
                Kind::Bagged { fruits: *fruits }
            }
            Self::Flowering { note: n } => Kind::Flowering { note: note(n)? },
            Self::FruitSet { fruits, note: n } => {
                range(u64::from(*fruits), 0, 100_000, ("Số trái", "Fruits"))?;
                Kind::FruitSet {
                    fruits: *fruits,
                    note: note(n)?,
                }
            }
            Self::Pest {
                pest,
                severity,
                note: n,
            } => {
                range(u64::from(*severity), 1, 3, ("Mức độ", "Severity"))?;
                Kind::PestObserved {
                    pest: text::required(("sâu bệnh", "Pest or disease"), pest, MAX_TEXT)?,
                    severity: *severity,
                    note: note(n)?,
                }
            }
            Self::Harvested { kg, grade } => Kind::HarvestedGraded {
                grams: thousandths(*kg, 100_000.0, ("Số kg", "The weight in kg"))?,
                grade: text::optional(("loại", "Grade"), grade, 60)?,
            },
            Self::Note { text: t } => Kind::Note {
                text: text::required(("nội dung", "Text"), t, MAX_TEXT)?,
            },
            Self::Correction {
                corrects,
                reason,
                replacement,
            } => {
                let corrects = corrected_hash(corrects)?;
                let reason = text::required(("lý do sửa", "Reason"), reason, MAX_TEXT)?;
                match replacement {
                    None => Kind::Correction { corrects, reason },
                    Some(r) if matches!(**r, Self::Correction { .. }) => {
                        return Err(Error::invalid(
                            "Không thể sửa bằng một lần sửa khác",
                            "A correction cannot replace an entry with another correction",
                        ))
                    }
                    Some(r) => Kind::Amended {
                        corrects,
                        reason,
                        replacement: Box::new(r.to_kind()?),
                    },
                }
            }
        })
    }
}

fn corrected_hash(hex: &str) -> Result<Digest> {
    data_encoding::HEXLOWER
        .decode(hex.as_bytes())
        .ok()
        .and_then(|b| Digest::from_slice(&b).ok())
        .ok_or_else(|| {
            Error::invalid(
                "Mục cần sửa không hợp lệ",
                "The entry to correct is not a valid entry hash",
            )
        })
}

/// The kinds a farmer picks from, in the order the form offers them.
pub const KINDS: [&str; 10] = [
    "watered",
    "fertilised",
    "pruned",
    "sprayed",
    "bagged",
    "flowering",
    "fruit_set",
    "pest",
    "harvested",
    "note",
];

/// How a number field is named in a message.
fn number_label(name: &str) -> (&'static str, &'static str) {
    match name {
        "amount" => ("lượng", "The amount"),
        "phi_days" => (
            "thời gian cách ly (ngày)",
            "The pre-harvest interval (days)",
        ),
        "fruits" => ("số trái", "The number of fruits"),
        "severity" => ("mức độ", "The severity"),
        "kg" => ("số kg", "The weight in kg"),
        _ => ("số", "A number"),
    }
}

/// An action from a plain form's fields (the page without JavaScript): numbers as people
/// type them ("2,5"), an empty optional number left out.
pub fn from_form(kind: &str, field: impl Fn(&str) -> String) -> Result<Action> {
    use serde_json::{Map, Value};
    const NUMBERS: [&str; 6] = ["litres", "amount", "phi_days", "fruits", "severity", "kg"];
    const TEXTS: [&str; 10] = [
        "product",
        "unit",
        "lot",
        "active_ingredient",
        "dose",
        "note",
        "pest",
        "grade",
        "text",
        "reason",
    ];
    if !KINDS.contains(&kind) {
        return Err(Error::invalid(
            "Hãy chọn một việc đã làm",
            "Choose what was done",
        ));
    }
    let mut obj = Map::new();
    obj.insert("kind".into(), Value::from(kind));
    for name in NUMBERS {
        let typed = field(name);
        if typed.trim().is_empty() {
            continue;
        }
        let n: f64 = text::amount_text(&typed)
            .parse()
            .ok()
            .filter(|n: &f64| n.is_finite())
            .ok_or_else(|| {
                Error::invalid(
                    format!("“{typed}” không phải là số"),
                    format!("“{typed}” is not a number"),
                )
            })?;
        let v = if n.fract() == 0.0 && (0.0..4e9).contains(&n) {
            Value::from(n as u64)
        } else {
            Value::from(n)
        };
        obj.insert(name.into(), v);
    }
    for name in TEXTS {
        let typed = field(name);
        if !typed.is_empty() {
            obj.insert(name.into(), Value::from(typed));
        }
    }
    // Each kind takes only its own fields: keep those, so a value left in another kind's
    // box is not refused as unknown.
    let template: Value = match kind {
        "watered" => serde_json::json!({"litres": 0}),
        "fertilised" => serde_json::json!({"product": "", "amount": 0, "unit": "", "lot": ""}),
        "sprayed" => {
            serde_json::json!({"product": "", "active_ingredient": "", "dose": "", "lot": "", "phi_days": 0})
        }
        "bagged" => serde_json::json!({"fruits": 0}),
        "fruit_set" => serde_json::json!({"fruits": 0, "note": ""}),
        "pest" => serde_json::json!({"pest": "", "severity": 0, "note": ""}),
        "harvested" => serde_json::json!({"kg": 0, "grade": ""}),
        "note" => serde_json::json!({"text": ""}),
        _ => serde_json::json!({"note": ""}),
    };
    obj.retain(|k, _| k == "kind" || template.get(k).is_some());
    // What was left empty: a text is checked by `to_kind` (which names it); a number
    // the kind needs is named here (litres may be left out).
    for (name, blank) in template.as_object().into_iter().flatten() {
        if obj.contains_key(name) {
            continue;
        }
        if blank.is_string() {
            obj.insert(name.clone(), Value::from(""));
        } else if name != "litres" {
            let (vi, en) = number_label(name);
            return Err(Error::invalid(
                format!("Cần nhập {vi}"),
                format!("{en} is required"),
            ));
        }
    }
    serde_json::from_value(Value::Object(obj)).map_err(|e| {
        Error::invalid(
            format!("Thiếu thông tin: {e}"),
            format!("Something is missing: {e}"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<Kind> {
        serde_json::from_str::<Action>(json).unwrap().to_kind()
    }

    #[test]
    fn amounts_are_exact_thousandths_with_their_unit() {
        let k =
            parse(r#"{"kind":"fertilised","product":"NPK","amount":2.5,"unit":"kg","lot":"L1"}"#)
                .unwrap();
        assert_eq!(
            k,
            Kind::FertilisedLot {
                product: "NPK".into(),
                amount: Quantity::new(2500, Unit::Kg).unwrap(),
                lot: "L1".into()
            }
        );
        let h = parse(r#"{"kind":"harvested","kg":12.345}"#).unwrap();
        assert_eq!(
            h,
            Kind::HarvestedGraded {
                grams: 12_345,
                grade: String::new()
            }
        );
    }

    #[test]
    fn out_of_range_values_are_refused_in_both_languages() {
        for (json, en) in [
            (
                r#"{"kind":"pest","pest":"rệp sáp","severity":4}"#,
                "Severity must be from 1 to 3",
            ),
            (r#"{"kind":"harvested","kg":0}"#, "more than 0"),
            (r#"{"kind":"harvested","kg":1.2345}"#, "at most 3 decimals"),
            (
                r#"{"kind":"fertilised","product":"NPK","amount":1,"unit":"bao"}"#,
                "g, kg, ml or l",
            ),
            (
                r#"{"kind":"sprayed","product":"X","active_ingredient":"Y","dose":"1","phi_days":400}"#,
                "pre-harvest",
            ),
            (r#"{"kind":"watered","litres":0}"#, "Litres"),
            (r#"{"kind":"note","text":"  "}"#, "Text is required"),
            (r#"{"kind":"note","text":"a\u0000b"}"#, "Text"),
            (
                r#"{"kind":"correction","corrects":"zz","reason":"x"}"#,
                "not a valid entry hash",
            ),
        ] {
            let e = parse(json).unwrap_err();
            assert!(
                e.public_text().en.contains(en),
                "{json}: {:?}",
                e.public_text()
            );
            assert!(!e.public_text().vi.is_empty());
        }
    }

    #[test]
    fn a_plain_form_left_empty_names_what_is_missing() {
        let empty = |_: &str| String::new();
        for (kind, en) in [
            ("sprayed", "The pre-harvest interval (days) is required"),
            ("harvested", "The weight in kg is required"),
            ("bagged", "The number of fruits is required"),
            ("pest", "The severity is required"),
            ("note", "Text is required"),
        ] {
            let e = from_form(kind, empty)
                .and_then(|a| a.to_kind())
                .unwrap_err();
            assert!(
                e.public_text().en.contains(en),
                "{kind}: {:?}",
                e.public_text()
            );
            assert!(e.public_text().vi.starts_with("Cần nhập"), "{kind}");
        }
        // Numbers given, a text left empty: named by the value check.
        let amount_only = |n: &str| match n {
            "amount" => "2,5".to_owned(),
            "unit" => "kg".to_owned(),
            _ => String::new(),
        };
        let e = from_form("fertilised", amount_only)
            .and_then(|a| a.to_kind())
            .unwrap_err();
        assert!(e.public_text().en.contains("Product is required"), "{e:?}");
        // Watering needs no amount.
        assert_eq!(
            from_form("watered", empty).unwrap().to_kind().unwrap(),
            Kind::Watered { litres: None }
        );
    }

    #[test]
    fn a_correction_carries_what_the_entry_should_have_said() {
        let hash = "ab".repeat(32);
        let k = parse(&format!(
            r#"{{"kind":"correction","corrects":"{hash}","reason":"cân nhầm","replacement":{{"kind":"harvested","kg":12}}}}"#
        ))
        .unwrap();
        assert!(
            matches!(k, Kind::Amended { ref replacement, .. } if **replacement == Kind::HarvestedGraded { grams: 12_000, grade: String::new() })
        );
        let nested = format!(
            r#"{{"kind":"correction","corrects":"{hash}","reason":"x","replacement":{{"kind":"correction","corrects":"{hash}","reason":"y"}}}}"#
        );
        assert!(parse(&nested).is_err());
        let withdrawn = parse(&format!(
            r#"{{"kind":"correction","corrects":"{hash}","reason":"trùng"}}"#
        ))
        .unwrap();
        assert!(matches!(withdrawn, Kind::Correction { .. }));
    }
}
