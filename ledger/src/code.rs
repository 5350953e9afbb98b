//! Validated identifiers that appear in QR URLs and ledger entries.
//!
//! They are restricted to `A-Z 0-9 -` so that a QR code can carry them in its dense
//! alphanumeric mode and so that they survive any URL, file name or spreadsheet unchanged.

use core::fmt;

use crate::error::DecodeError;

fn valid(s: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--")
}

macro_rules! code_type {
    ($(#[$doc:meta])* $name:ident, $min:expr, $max:expr) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// Shortest accepted length.
            pub const MIN_LEN: usize = $min;
            /// Longest accepted length.
            pub const MAX_LEN: usize = $max;

            /// Accepts only upper-case ASCII letters, digits and single inner hyphens.
            pub fn parse(s: &str) -> Result<Self, DecodeError> {
                if valid(s, $min, $max) {
                    Ok(Self(s.to_owned()))
                } else {
                    Err(DecodeError::InvalidCode)
                }
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), self.0)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Self::parse(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}

code_type!(
    /// A cooperative's short code, e.g. `NA-TN`: 2–16 characters.
    CoopCode, 2, 16
);
code_type!(
    /// A tree's code, unique within its cooperative, e.g. `CC024`: 1–16 characters.
    TreeCode, 1, 16
);
code_type!(
    /// An official growing-area code (mã số vùng trồng), e.g. `VN-TN-DH-TP-001-2024`:
    /// 1–40 characters. Its finer structure is checked by the server, which knows the
    /// province and district tables; the ledger only needs it to be URL- and QR-safe.
    ZoneCode, 1, 40
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_accept_upper_case_digits_and_inner_hyphens() {
        assert!(TreeCode::parse("CC024").is_ok());
        assert!(ZoneCode::parse("VN-TN-DH-TP-001-2024").is_ok());
        assert!(CoopCode::parse("NA-TN").is_ok());
    }

    #[test]
    fn codes_reject_lower_case_spaces_diacritics_and_bad_hyphens() {
        for bad in [
            "cc024",
            "CC 24",
            "CÂY1",
            "-CC",
            "CC-",
            "C--C",
            "",
            "ABCDEFGHIJKLMNOPQ",
        ] {
            assert_eq!(TreeCode::parse(bad), Err(DecodeError::InvalidCode), "{bad}");
        }
        assert!(CoopCode::parse("N").is_err());
    }
}
