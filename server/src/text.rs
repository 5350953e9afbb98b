//! Names and free text people type: normalised and checked on the way in, so that what is
//! stored looks like what it is. NFC makes "Hòa" typed on two keyboards the same string;
//! control characters (NUL breaks PostgreSQL), bidirectional overrides and invisible-only
//! names (visual spoofing of a cooperative or a person) are refused.

use unicode_normalization::UnicodeNormalization;

use crate::error::{Error, Lang, Result};

/// Characters that reorder or hide text: bidi embeddings, overrides and isolates, the
/// zero-width marks, tag characters, Hangul fillers that render blank, line and paragraph
/// separators, and private-use code points (which show as nothing or as anything). A name
/// or a diary note never needs them.
fn is_deceptive(c: char) -> bool {
    matches!(c,
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}'
        | '\u{200B}'..='\u{200D}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}' | '\u{00AD}'
        | '\u{E0000}'..='\u{E007F}' | '\u{115F}' | '\u{1160}' | '\u{3164}' | '\u{FFA0}'
        | '\u{2028}' | '\u{2029}' | '\u{E000}'..='\u{F8FF}' | '\u{F0000}'..='\u{10FFFF}')
}

/// A required single-line text of at most `max` characters, NFC-normalised and trimmed.
/// `label` names the field in Vietnamese and English for the message.
pub fn required((vi, en): (&str, &str), value: &str, max: usize) -> Result<String> {
    let v = clean((vi, en), value)?;
    if v.is_empty() {
        return Err(Error::invalid(
            format!("Cần nhập {vi}"),
            format!("{en} is required"),
        ));
    }
    if v.chars().count() > max {
        return Err(Error::invalid(
            format!("{vi} dài quá {max} ký tự"),
            format!("{en} is longer than {max} characters"),
        ));
    }
    Ok(v)
}

/// An optional single-line text: like [`required`], but empty is allowed.
pub fn optional(label: (&str, &str), value: &str, max: usize) -> Result<String> {
    if clean(label, value)?.is_empty() {
        return Ok(String::new());
    }
    required(label, value, max)
}

/// Text from a multi-line box (a story, an address, a request): like [`optional`], with
/// line breaks kept (as `\n`) and every other control character refused.
pub fn paragraph(label: (&str, &str), value: &str, max: usize) -> Result<String> {
    let lines: Vec<String> = value
        .replace("\r\n", "\n")
        .split('\n')
        .map(|line| optional(label, line, max))
        .collect::<Result<_>>()?;
    let text = lines.join("\n").trim().to_owned();
    if text.chars().count() > max {
        return Err(Error::invalid(
            format!("{} dài quá {max} ký tự", label.0),
            format!("{} is longer than {max} characters", label.1),
        ));
    }
    Ok(text)
}

/// A [`paragraph`] that must not be empty.
pub fn required_paragraph(label: (&str, &str), value: &str, max: usize) -> Result<String> {
    let text = paragraph(label, value, max)?;
    if text.is_empty() {
        return Err(Error::invalid(
            format!("Cần nhập {}", label.0),
            format!("{} is required", label.1),
        ));
    }
    Ok(text)
}

/// A number as a person types it, in the canonical form Rust parses: the decimal comma of
/// Vietnamese ("2,5") and point of English ("2.5") both work; with both present, the last
/// one is the decimal mark and the others group thousands ("1.250,5" and "1,250.5" are
/// 1250.5). Spaces are ignored.
pub fn number_text(typed: &str) -> String {
    let t: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    match t.rfind([',', '.']) {
        Some(last) if t.contains(',') && t.contains('.') => {
            let (int, frac) = t.split_at(last);
            format!("{}.{}", int.replace([',', '.'], ""), &frac[1..])
        }
        _ => t.replace(',', "."),
    }
}

/// An amount as a farmer types it (litres, kilograms, fruits): like [`number_text`], and
/// dots grouping thousands the Vietnamese way are thousands ("1.500" is 1500,
/// "12.500.000" twelve and a half million), as the farmer's page reads them too. Not for
/// coordinates, where "21.028" is a latitude.
pub fn amount_text(typed: &str) -> String {
    let t: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    let mut groups = t.split('.');
    let first = groups.next().unwrap_or_default();
    let grouped = t.contains('.')
        && !t.contains(',')
        && (1..=3).contains(&first.len())
        && !first.starts_with('0')
        && first.bytes().all(|b| b.is_ascii_digit())
        && groups.all(|g| g.len() == 3 && g.bytes().all(|b| b.is_ascii_digit()));
    if grouped {
        t.replace('.', "")
    } else {
        number_text(&t)
    }
}

fn clean((vi, en): (&str, &str), value: &str) -> Result<String> {
    if value.contains(['<', '>']) {
        return Err(Error::invalid(
            format!("{vi} không được chứa ký tự < hoặc >"),
            format!("{en} may not contain < or >"),
        ));
    }
    if value.chars().any(|c| c.is_control() || is_deceptive(c)) {
        return Err(Error::invalid(
            format!("{vi} chứa ký tự điều khiển hoặc ký tự ẩn; hãy gõ lại"),
            format!("{en} contains control or invisible characters; please type it again"),
        ));
    }
    Ok(value.nfc().collect::<String>().trim().to_owned())
}

/// A decimal number as the reader writes it, with at most `decimals` places and trailing
/// zeros dropped: 12,5 and 1.250,75 in Vietnamese; 12.5 and 1,250.75 in English.
pub fn number(value: f64, decimals: usize, lang: Lang) -> String {
    let (group, point) = match lang {
        Lang::Vi => ('.', ','),
        Lang::En => (',', '.'),
    };
    let fixed = format!("{:.*}", decimals, value.abs());
    let (int, frac) = fixed.split_once('.').unwrap_or((&fixed, ""));
    let frac = frac.trim_end_matches('0');
    let mut out = String::new();
    if value < 0.0 && fixed.bytes().any(|b| matches!(b, b'1'..=b'9')) {
        out.push('-');
    }
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(group);
        }
        out.push(c);
    }
    if !frac.is_empty() {
        out.push(point);
        out.push_str(frac);
    }
    out
}

/// Money as the reader writes it: "5.500.000 đ" in Vietnamese, "5,500,000 VND" in English.
/// Text that has no reader's language (a mail's subject, the certificate's PDF, the
/// sandbox gateway) passes [`Lang::Vi`].
pub fn vnd(amount: i64, lang: Lang) -> String {
    // Exact: an f64 holds every whole amount below 9 × 10^15 đồng.
    let n = number(amount as f64, 0, lang);
    match lang {
        Lang::Vi => format!("{n} đ"),
        Lang::En => format!("{n} VND"),
    }
}

/// Grams as kilograms as the reader writes them, to the gram with no trailing zeros:
/// "12,5 kg" in Vietnamese, "12.5 kg" in English.
pub fn kg(grams: i64, lang: Lang) -> String {
    format!("{} kg", number(grams as f64 / 1000.0, 3, lang))
}

/// An instant in Vietnam's time to the minute (`2026-11-25 14:30`), as a spreadsheet reads
/// a date and time.
pub fn vn_minute(unix_ms: i64) -> String {
    let offset = chrono::FixedOffset::east_opt(7 * 3600).expect("a valid offset");
    chrono::DateTime::from_timestamp_millis(unix_ms)
        .unwrap_or_default()
        .with_timezone(&offset)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// An instant in Vietnam's time as RFC 3339 with its offset (`2026-11-25T14:30:00+07:00`),
/// the form EPCIS and the JSON API carry.
pub fn vn_rfc3339(unix_ms: i64) -> String {
    let offset = chrono::FixedOffset::east_opt(7 * 3600).expect("a valid offset");
    chrono::DateTime::from_timestamp_millis(unix_ms)
        .unwrap_or_default()
        .with_timezone(&offset)
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, false)
}

/// A CSV cell that a spreadsheet shows as text: a value typed by someone (a lot number,
/// a name) that starts like a formula (`=`, `+`, `-`, `@`, a tab or a return) gets a
/// leading apostrophe, so opening the file never runs it (OWASP's CSV injection advice).
pub fn csv_cell(value: &str) -> String {
    match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{value}"),
        _ => value.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_never_start_a_formula() {
        assert_eq!(
            csv_cell("=HYPERLINK(\"http://x\")"),
            "'=HYPERLINK(\"http://x\")"
        );
        assert_eq!(csv_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_cell("-2+3"), "'-2+3");
        assert_eq!(csv_cell("RG-2401"), "RG-2401");
        assert_eq!(csv_cell(""), "");
    }

    #[test]
    fn paragraphs_keep_their_lines_and_refuse_other_controls() {
        let label = ("Câu chuyện", "The story");
        assert_eq!(
            paragraph(label, "Dòng một\r\nDòng hai\n", 100).unwrap(),
            "Dòng một\nDòng hai"
        );
        assert!(paragraph(label, "a\u{7}b", 100).is_err());
        assert!(paragraph(label, "a\n<script>", 100).is_err());
        assert!(paragraph(label, &"ab\n".repeat(40), 100).is_err());
        assert_eq!(paragraph(label, "  ", 100).unwrap(), "");
        assert!(required_paragraph(label, " \n ", 100).is_err());
    }

    #[test]
    fn weights_read_in_kilograms_the_way_each_language_writes_them() {
        assert_eq!(kg(12_500, Lang::Vi), "12,5 kg");
        assert_eq!(kg(12_500, Lang::En), "12.5 kg");
        assert_eq!(kg(30_000, Lang::Vi), "30 kg");
        assert_eq!(kg(1, Lang::Vi), "0,001 kg");
        assert_eq!(kg(1_250_500, Lang::Vi), "1.250,5 kg");
        assert_eq!(kg(1_250_500, Lang::En), "1,250.5 kg");
    }

    #[test]
    fn money_is_grouped_the_way_each_language_writes_it() {
        assert_eq!(vnd(5_500_000, Lang::Vi), "5.500.000 đ");
        assert_eq!(vnd(6_000_000, Lang::En), "6,000,000 VND");
        assert_eq!(vnd(999, Lang::Vi), "999 đ");
        assert_eq!(vnd(1_000, Lang::Vi), "1.000 đ");
        assert_eq!(vnd(-60_000, Lang::Vi), "-60.000 đ");
        assert_eq!(vnd(-60_000, Lang::En), "-60,000 VND");
        assert_eq!(vnd(0, Lang::En), "0 VND");
    }

    #[test]
    fn numbers_group_and_point_the_way_each_language_writes_them() {
        assert_eq!(number(12.5, 2, Lang::Vi), "12,5");
        assert_eq!(number(12.5, 2, Lang::En), "12.5");
        assert_eq!(number(1250.75, 2, Lang::Vi), "1.250,75");
        assert_eq!(number(1250.75, 2, Lang::En), "1,250.75");
        assert_eq!(number(-0.001, 2, Lang::Vi), "0");
        assert_eq!(number(-3.0, 0, Lang::En), "-3");
    }

    const NAME: (&str, &str) = ("tên", "name");

    #[test]
    fn numbers_read_with_either_decimal_mark() {
        for (typed, want) in [
            ("2,5", "2.5"),
            ("2.5", "2.5"),
            (" 12 ", "12"),
            ("1.250,5", "1250.5"),
            ("1,250.5", "1250.5"),
            ("-0,001", "-0.001"),
            ("21.028", "21.028"),
        ] {
            assert_eq!(number_text(typed), want, "{typed}");
        }
        // Amounts: thousands the Vietnamese way, as the farmer's page reads them too.
        for (typed, want) in [
            ("1.500", "1500"),
            ("12.500.000", "12500000"),
            ("0.500", "0.500"),
            ("2.50", "2.50"),
            ("2,5", "2.5"),
            ("1.250,5", "1250.5"),
        ] {
            assert_eq!(amount_text(typed), want, "{typed}");
        }
        // Ambiguous groupings stay unparseable rather than silently wrong.
        assert!(number_text("1.2.3").parse::<f64>().is_err());
    }

    #[test]
    fn names_are_normalised_and_hostile_characters_refused() {
        // "Hòa" with a combining grave accent becomes the precomposed form.
        assert_eq!(required(NAME, " Ho\u{300}a ", 10).unwrap(), "Hòa");
        for hostile in [
            "HTX\0",
            "HTX \u{202E}gnaM",
            "\u{200B}\u{200B}",
            "a\nb",
            "\u{2066}x",
            // Found by an outside probe: a tag letter, a blank Hangul filler, a line
            // separator and a private-use character were stored and shown.
            "HTX\u{E0041}",
            "\u{3164}",
            "a\u{2028}b",
            "x\u{E000}",
        ] {
            let e = required(NAME, hostile, 100).unwrap_err();
            assert!(
                e.public_text().en.contains("invisible"),
                "{hostile:?}: {e:?}"
            );
        }
        assert!(required(NAME, "   ", 10).is_err());
        let e = required(NAME, "HTX</title><div class=badge>", 100).unwrap_err();
        assert!(e.public_text().en.contains("< or >"), "{e:?}");
        assert!(required(NAME, "Nguyễn Văn A", 5).is_err());
        assert_eq!(optional(NAME, "  ", 5).unwrap(), "");
        assert!(optional(NAME, "x\u{0}", 5).is_err());
    }
}
