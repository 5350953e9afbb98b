//! VietQR: the NAPAS 247 bank-transfer QR every Vietnamese bank app scans, an EMVCo
//! merchant-presented payload built here and rendered locally (the hosted generators are
//! being retired). Layout and vectors: ../shared/research/payments.md §2 (NAPAS IBFT:
//! tags 00, 01, 38, 53, 54, 58, 62, 63 in ascending order; CRC-16/CCITT-FALSE over
//! everything up to and including `6304`).

use crc::{Crc, CRC_16_IBM_3740};

use crate::error::{Error, Result};

/// CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF): the catalogue calls it IBM-3740.
const CRC: Crc<u16> = Crc::<u16>::new(&CRC_16_IBM_3740);
/// NAPAS's application identifier in tag 38.
const NAPAS_GUID: &str = "A000000727";
/// Transfer to an account (`QRIBFTTC` would be to a card).
const TO_ACCOUNT: &str = "QRIBFTTA";
/// vietqr.io's limit for the purpose field; some banks cut it shorter, so the payment
/// code goes first.
pub const MAX_PURPOSE: usize = 25;

/// A bank account that receives transfers: the bank's 6-digit BIN and the account number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    bin: String,
    number: String,
}

impl Account {
    pub fn parse(bin: &str, number: &str) -> Result<Self> {
        let (bin, number) = (bin.trim(), number.trim());
        if bin.len() != 6 || !bin.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::invalid(
                "Mã BIN ngân hàng gồm đúng 6 chữ số (ví dụ 970415)",
                "A bank BIN is exactly 6 digits (for example 970415)",
            ));
        }
        if number.is_empty()
            || number.len() > 19
            || !number.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            return Err(Error::invalid(
                "Số tài khoản gồm 1–19 chữ số hoặc chữ cái, không dấu cách",
                "An account number is 1–19 digits or letters, without spaces",
            ));
        }
        Ok(Self {
            bin: bin.into(),
            number: number.into(),
        })
    }

    pub fn bin(&self) -> &str {
        &self.bin
    }

    pub fn number(&self) -> &str {
        &self.number
    }
}

/// A transfer to request: amount in VND (none: the payer types it), an optional bill
/// number (tag 62/01) and the purpose the payer's bank puts in the memo (62/08).
#[derive(Debug, Clone)]
pub struct Transfer<'a> {
    pub to: &'a Account,
    pub amount: Option<u64>,
    pub bill: Option<&'a str>,
    pub purpose: &'a str,
}

fn tlv(out: &mut String, tag: &str, value: &str) {
    debug_assert!(value.len() < 100);
    out.push_str(tag);
    out.push_str(&format!("{:02}", value.len()));
    out.push_str(value);
}

/// Memo text banks carry intact: ASCII letters, digits, spaces and `-_.:`, no diacritics.
fn check_text(what: (&str, &str), text: &str) -> Result<()> {
    let fine = |c: char| c.is_ascii_alphanumeric() || " -_.:".contains(c);
    if text.len() > MAX_PURPOSE || !text.chars().all(fine) {
        return Err(Error::invalid(
            format!(
                "{} tối đa {MAX_PURPOSE} ký tự: chữ không dấu, chữ số, dấu cách",
                what.0
            ),
            format!(
                "{} takes at most {MAX_PURPOSE} characters: letters without diacritics, digits, spaces",
                what.1
            ),
        ));
    }
    Ok(())
}

/// The payload string to put in a QR code.
pub fn payload(t: &Transfer) -> Result<String> {
    check_text(
        ("Nội dung chuyển khoản", "The transfer's purpose"),
        t.purpose,
    )?;
    if let Some(bill) = t.bill {
        check_text(("Số hoá đơn", "The bill number"), bill)?;
    }
    let mut beneficiary = String::new();
    tlv(&mut beneficiary, "00", &t.to.bin);
    tlv(&mut beneficiary, "01", &t.to.number);
    let mut merchant = String::new();
    tlv(&mut merchant, "00", NAPAS_GUID);
    tlv(&mut merchant, "01", &beneficiary);
    tlv(&mut merchant, "02", TO_ACCOUNT);
    let mut extra = String::new();
    if let Some(bill) = t.bill {
        tlv(&mut extra, "01", bill);
    }
    if !t.purpose.is_empty() {
        tlv(&mut extra, "08", t.purpose);
    }

    let mut out = String::new();
    tlv(&mut out, "00", "01");
    // 12: a QR for this one payment; 11: a standing QR without an amount.
    tlv(&mut out, "01", if t.amount.is_some() { "12" } else { "11" });
    tlv(&mut out, "38", &merchant);
    tlv(&mut out, "53", "704");
    if let Some(amount) = t.amount {
        tlv(&mut out, "54", &amount.to_string());
    }
    tlv(&mut out, "58", "VN");
    if !extra.is_empty() {
        tlv(&mut out, "62", &extra);
    }
    out.push_str("6304");
    let crc = CRC.checksum(out.as_bytes());
    out.push_str(&format!("{crc:04X}"));
    Ok(out)
}

/// The top-level objects of a payload, after checking its structure and CRC: what a
/// test (or a support person) reads back from a scanned QR.
pub fn parse(payload: &str) -> Result<Vec<(String, String)>> {
    let bad = |why: &str| {
        Error::invalid(
            format!("Mã VietQR không hợp lệ: {why}"),
            format!("Not a valid VietQR payload: {why}"),
        )
    };
    if !payload.is_ascii() || payload.len() < 8 {
        return Err(bad("ASCII"));
    }
    let (body, crc) = payload.split_at(payload.len() - 4);
    if !body.ends_with("6304") {
        return Err(bad("CRC"));
    }
    let expected = format!("{:04X}", CRC.checksum(body.as_bytes()));
    if !crc.eq_ignore_ascii_case(&expected) {
        return Err(bad("CRC"));
    }
    let mut objects = Vec::new();
    let mut rest = &body[..body.len() - 4];
    while !rest.is_empty() {
        let len: usize = rest
            .get(2..4)
            .and_then(|l| l.parse().ok())
            .ok_or_else(|| bad("TLV"))?;
        let value = rest.get(4..4 + len).ok_or_else(|| bad("TLV"))?;
        objects.push((rest[..2].to_owned(), value.to_owned()));
        rest = &rest[4 + len..];
    }
    Ok(objects)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Published vectors (research §0, rows 3–7): the payload before its CRC, and the CRC.
    const PUBLISHED: [(&str, &str); 4] = [
        ("00020101021238560010A0000007270126000697041501121133666688880208QRIBFTTA53037045405790005802VN62220818Ung Ho Quy Vac Xin6304", "3ACF"),
        ("00020101021238540010A00000072701240006970436011010175956000208QRIBFTTA530370454061800005802VN62230819thanh toan don hang6304", "70FA"),
        ("00020101021238530010A0000007270123000697041601092245284790208QRIBFTTA53037045405100005802VN62340107NPS68690819TRANSFER TO SOMEONE6304", "AC13"),
        ("00020101021138530010A0000007270123000697041601092576788590208QRIBFTTA53037045802VN6304", "AE9F"),
    ];

    #[test]
    fn the_crc_is_ccitt_false() {
        assert_eq!(CRC.checksum(b"123456789"), 0x29B1);
        for (body, crc) in PUBLISHED {
            assert_eq!(
                format!("{:04X}", CRC.checksum(body.as_bytes())),
                crc,
                "{body}"
            );
        }
    }

    #[test]
    fn payloads_match_the_published_ones_byte_for_byte() {
        let vcb = Account::parse("970415", "113366668888").unwrap();
        let p = payload(&Transfer {
            to: &vcb,
            amount: Some(79_000),
            bill: None,
            purpose: "Ung Ho Quy Vac Xin",
        })
        .unwrap();
        assert_eq!(p, format!("{}{}", PUBLISHED[0].0, PUBLISHED[0].1));
        let bidv = Account::parse("970416", "224528479").unwrap();
        let p = payload(&Transfer {
            to: &bidv,
            amount: Some(10_000),
            bill: Some("NPS6869"),
            purpose: "TRANSFER TO SOMEONE",
        })
        .unwrap();
        assert_eq!(p, format!("{}{}", PUBLISHED[2].0, PUBLISHED[2].1));
        let standing = Account::parse("970416", "257678859").unwrap();
        let p = payload(&Transfer {
            to: &standing,
            amount: None,
            bill: None,
            purpose: "",
        })
        .unwrap();
        assert_eq!(p, format!("{}{}", PUBLISHED[3].0, PUBLISHED[3].1));
        // Research vector B: an adoption's payment code as bill and purpose.
        let p = payload(&Transfer {
            to: &vcb,
            amount: Some(5_500_000),
            bill: Some("GOC12345"),
            purpose: "GOC12345 cay xoai",
        })
        .unwrap();
        assert_eq!(p, "00020101021238560010A0000007270126000697041501121133666688880208QRIBFTTA5303704540755000005802VN62330108GOC123450817GOC12345 cay xoai63049F23");
    }

    #[test]
    fn a_payload_reads_back_and_a_changed_one_fails_its_crc() {
        let p = format!("{}{}", PUBLISHED[0].0, PUBLISHED[0].1);
        let objects = parse(&p).unwrap();
        let tags: Vec<&str> = objects.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(tags, ["00", "01", "38", "53", "54", "58", "62"]);
        assert_eq!(objects[4].1, "79000");
        let forged = p.replace("79000", "19000");
        assert!(parse(&forged).is_err());
        assert!(parse("6304").is_err());
    }

    #[test]
    fn bad_accounts_and_memos_are_refused_with_reasons() {
        assert!(Account::parse("97041", "1").is_err());
        assert!(Account::parse("970415", "12 34").is_err());
        assert!(Account::parse("970415", &"1".repeat(20)).is_err());
        let a = Account::parse("970415", "1").unwrap();
        for purpose in ["Nhận nuôi cây", "GOC12345 & co", &"x".repeat(26)] {
            let e = payload(&Transfer {
                to: &a,
                amount: Some(1),
                bill: None,
                purpose,
            })
            .unwrap_err();
            assert!(e.public_text().vi.contains("không dấu"), "{purpose}: {e:?}");
        }
    }
}
